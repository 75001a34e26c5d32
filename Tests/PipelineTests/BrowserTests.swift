import Foundation
import Stages
import Testing

/// Renders the example report in headless Chromium (Debian package `chromium`, installed by
/// `make test`). A missing browser is a failure, not a skip.
@Suite("report.html in a real browser")
struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @discardableResult
    func browse(_ arguments: [String]) throws -> String {
        let browser = try #require(Self.chromium, "chromium is not installed: run `make test`, which installs it")
        let process = Process()
        // Chromium's chatter goes to /dev/null through the shell, not `FileHandle.nullDevice`:
        // a shared handle given to Process can be closed here by Foundation on Linux and its
        // descriptor number, reused by a test running alongside, closed again (seen once as
        // "Bad file descriptor" in an inbox reader of a parallel pipeline test).
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec "$0" "$@" 2>/dev/null"#, browser,
                             "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the page renders with its headings and numbers, as a screenshot and as an A4 PDF", arguments: ["vi", "en"])
    func renders(language: String) throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
            .run(language: language == "vi" ? .vi : .en, releaseDate: nil)
        let page = outcome.outDirectory.appendingPathComponent("report.html")
        let dom = try browse(["--dump-dom", page.absoluteString])
        if language == "vi" {
            for text in ["Kết quả quý IV/2024", "Chỉ số thành phần theo yếu tố", "Sở Nội vụ", "I = số phiếu dưới mức tối thiểu 60 phiếu", "Ghi chú phương pháp"] {
                #expect(dom.contains(text), "DOM has \(text)")
            }
            #expect(dom.range(of: #"\d{2},\d{2}%"#, options: .regularExpression) != nil)
        } else {
            for text in ["Results for the quarter: 2024 Q4", "Factor indices", "Department of Home Affairs", "Methodology note"] {
                #expect(dom.contains(text), "DOM has \(text)")
            }
            #expect(dom.range(of: #"\d{2}\.\d{2}%"#, options: .regularExpression) != nil)
        }
        #expect(!dom.contains("http://") && !dom.contains("https://"), "nothing points outside the file")

        let shot = folder.appendingPathComponent("shot.png")
        try browse(["--window-size=1200,900", "--screenshot=\(shot.path)", page.absoluteString])
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000, "a blank page compresses to a few kilobytes")

        let pdf = folder.appendingPathComponent("report.pdf")
        try browse(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", page.absoluteString])
        let pdfText = String(decoding: try Data(contentsOf: pdf), as: UTF8.self)
        #expect(pdfText.hasPrefix("%PDF"))
        // A4 is 595 x 842 points.
        #expect(pdfText.contains("/MediaBox [0 0 595") || pdfText.contains("/MediaBox [0 0 594"))
    }
}
