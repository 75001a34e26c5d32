import Foundation
import Testing

@testable import Report
import SurveyModel

/// Issue 16: the release's files are one registry. The pipeline, the manifest, `--help`, the
/// page's downloads and the README's table read it; what is rendered is what it lists.
@Suite("The registry of release files")
struct ReportOutputsTests {
    @Test("a release renders exactly the report stage's files of the registry, in its order, one page per language")
    func renderedAreRegistered() throws {
        for language in Language.allCases {
            let rendered = try ReportRenderer.render(sampleInput(language: language))
            let other = language == .vi ? "report.en.html" : "report.vi.html"
            // The release's language is report.html and annex.docx.
            let same = ["report.\(language.rawValue).html", "annex.\(language.rawValue).docx"]
            // annex.pdf needs LibreOffice: made, or listed as not made with why.
            let notMade = rendered.notMade.map(\.name)
            #expect(notMade.isEmpty || (notMade == ["annex.pdf"] && rendered.notMade[0].reason.contains("SIPAS_SOFFICE")
                || rendered.notMade[0].reason.contains("LibreOffice")), "\(rendered.notMade)")
            let expected = ReleaseFiles.names(of: "report").filter { !same.contains($0) && !notMade.contains($0) }
            #expect(rendered.files.map(\.name) == expected)
            #expect(rendered.files.allSatisfy { !$0.data.isEmpty })
            #expect(rendered.otherHTML == rendered[other])
        }
    }

    @Test("names are unique; check and stats files come first; every download is in the README's table of files")
    func registryAndReadme() throws {
        let names = ReleaseFiles.names
        #expect(Set(names).count == names.count)
        #expect(Array(names.prefix(2)) == ["checks.csv", "estimates.csv"])
        #expect(ReportOutputs.all.count == ReleaseFiles.names(of: "report").count)
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md"), encoding: .utf8)
        for file in ReleaseFiles.all where file.download || file.name == "report.html" {
            #expect(readme.contains("| `\(file.name)` |"), "README.md's table of release files lacks \(file.name)")
        }
    }
}
