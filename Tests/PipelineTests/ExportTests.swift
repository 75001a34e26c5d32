import Foundation
import Stages
import Testing

/// `pipeline export` (issue 19): the example's accepted forms written as .sav, .dta and .csv
/// and read back by pyreadstat and pandas (`fixtures/export/read_back.py`, the test venv), as
/// SPSS, Stata and spreadsheet users would.
@Suite("Export: the forms for SPSS, Stata and spreadsheets")
struct ExportTests {
    struct Export {
        let folder: URL
        let files: URL
        let accepted: Int
    }

    func exported() throws -> Export {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let files = folder.deletingLastPathComponent().appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        for ext in ["sav", "dta", "csv"] {
            let summary = try pipeline.export(to: files.appendingPathComponent("forms.\(ext)").path, withComments: false, language: nil)
            #expect(summary.forms == outcome.ingest.counts.accepted)
        }
        _ = try pipeline.export(to: files.appendingPathComponent("with-comments.sav").path, withComments: true, language: nil)
        _ = try pipeline.export(to: files.appendingPathComponent("english.dta").path, withComments: false, language: .en)
        return Export(folder: folder, files: files, accepted: outcome.ingest.counts.accepted)
    }

    func read(_ file: URL) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try OfficeRun.python())
        process.arguments = [repositoryRoot.appendingPathComponent("fixtures/export/read_back.py").path, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "read_back.py \(file.lastPathComponent)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A cell as text, whatever the format gave (numbers from .sav and .dta, text from .csv).
    func text(_ value: Any) -> String? {
        if value is NSNull { return nil }
        if let n = value as? NSNumber { return n.stringValue }
        return value as? String
    }

    @Test("every accepted form, once, in .sav, .dta and .csv alike; per unit as many as the estimates count")
    func rows() throws {
        let export = try exported()
        let sav = try read(export.files.appendingPathComponent("forms.sav"))
        let dta = try read(export.files.appendingPathComponent("forms.dta"))
        let csv = try read(export.files.appendingPathComponent("forms.csv"))
        #expect(export.accepted == 3348, "the example's accepted forms")
        for file in [sav, dta, csv] {
            #expect(file["rows"] as? Int == export.accepted)
            #expect((file["names"] as? [String])?.prefix(8) == ["form_id", "unit_code", "unit", "channel", "year", "quarter", "period", "date"])
            #expect((file["names"] as? [String])?.contains("comment") == false, "no comments without --with-comments")
        }
        let rows = [sav, dta, csv].map { ($0["data"] as? [[Any]] ?? []).map { $0.map(text) } }
        #expect(rows[0] == rows[1] && rows[1] == rows[2], "the three formats hold the same values")
        #expect(Set(rows[0].map { $0[0] ?? "" }).count == export.accepted, "form ids unique")
        // Forms per unit equal the estimates' count of forms per unit (the years summed).
        let estimates = try readEstimates(export.folder.appendingPathComponent("out/estimates.csv").path)
        for unit in ["SNV", "STP", "SXD", "SYT"] {
            let expected = ["2023", "2024"].compactMap { estimates["unit_year,\(unit),\($0),ALL,n_rows,count"].flatMap(Int.init) }.reduce(0, +)
            #expect(rows[0].filter { $0[1] == unit }.count == expected, "\(unit)")
        }
        // q01's answers are 1..5 or missing; channel 1 or 2.
        let q01 = try #require((sav["names"] as? [String])?.firstIndex(of: "q01"))
        #expect(rows[0].allSatisfy { $0[q01] == nil || ["1", "2", "3", "4", "5"].contains($0[q01]!) })
        #expect(Set(rows[0].map { $0[3] }) == ["1", "2"])
    }

    @Test("labels: units by name, the scale's words, the questions' text; in English with --lang en")
    func labels() throws {
        let export = try exported()
        for name in ["forms.sav", "forms.dta"] {
            let file = try read(export.files.appendingPathComponent(name))
            let values = try #require(file["value_labels"] as? [String: [String: String]])
            #expect(values["unit"] == ["1": "Sở Tư pháp", "2": "Sở Y tế", "3": "Sở Xây dựng", "4": "Sở Nội vụ"], "\(name)")
            #expect(values["q01"] == ["1": "Rất không hài lòng", "2": "Không hài lòng", "3": "Bình thường", "4": "Hài lòng", "5": "Rất hài lòng"])
            #expect(values["channel"] == ["1": "Phiếu giấy", "2": "Trực tuyến"])
            let labels = try #require(file["labels"] as? [String])
            let names = try #require(file["names"] as? [String])
            let q01 = try #require(labels[names.firstIndex(of: "q01")!] as String?)
            #expect(q01 == "q01. Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi")
            #expect(labels.allSatisfy { $0.count <= 80 })
            #expect((file["file_label"] as? String)?.hasPrefix("Khảo sát") == true)
        }
        let english = try read(export.files.appendingPathComponent("english.dta"))
        let values = try #require(english["value_labels"] as? [String: [String: String]])
        #expect(values["unit"]?["1"] == "Department of Justice" && values["channel"]?["2"] == "Online")
    }

    @Test("--with-comments adds the comments, each one as an inbox file holds it")
    func comments() throws {
        let export = try exported()
        let file = try read(export.files.appendingPathComponent("with-comments.sav"))
        let names = try #require(file["names"] as? [String])
        let column = try #require(names.firstIndex(of: "comment"))
        let comments = (file["data"] as? [[Any]] ?? []).compactMap { text($0[column]) }.filter { !$0.isEmpty }
        #expect(!comments.isEmpty)
        var inbox = Data()
        for path in try FileManager.default.subpathsOfDirectory(atPath: export.folder.appendingPathComponent("inbox").path) {
            inbox += (try? Data(contentsOf: export.folder.appendingPathComponent("inbox/\(path)"))) ?? Data()
        }
        let all = String(decoding: inbox, as: UTF8.self)
        // As written in the file: quotes doubled in CSV, escaped in JSON.
        for comment in Set(comments) {
            let forms = [comment, comment.replacingOccurrences(of: "\"", with: "\"\""), comment.replacingOccurrences(of: "\"", with: "\\\"")]
            #expect(forms.contains { all.contains($0) }, "\(comment)")
        }
    }

    @Test("the same forms export to the same bytes; never into the release folder; an unknown extension is refused")
    func safety() throws {
        let export = try exported()
        let pipeline = try Pipeline(folderPath: export.folder.path, outPath: nil, logger: quietLogger)
        let again = export.files.appendingPathComponent("again.sav")
        _ = try pipeline.export(to: again.path, withComments: false, language: nil)
        #expect(try Data(contentsOf: again) == Data(contentsOf: export.files.appendingPathComponent("forms.sav")))
        let intoRelease = export.folder.appendingPathComponent("out/forms.sav").path
        #expect(throws: StageError.self) { try pipeline.export(to: intoRelease, withComments: false, language: nil) }
        #expect(!FileManager.default.fileExists(atPath: intoRelease))
        do {
            _ = try pipeline.export(to: intoRelease, withComments: false, language: nil)
        } catch {
            #expect(ExitStatus.for(error) == .refusedOutput)
        }
        #expect(throws: StageError.self) { try pipeline.export(to: export.files.appendingPathComponent("forms.xlsx").path, withComments: false, language: nil) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: export.files.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no partial file left: \(leftovers)")
    }
}
