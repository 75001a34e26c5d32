import Foundation
@testable import CommandLineInterface
import Ingest
import Stages
import Storage
import Testing
import SurveyModel

@Suite("Every physical row is accounted for")
struct AccountingTests {
    /// Records in a file, counted without the pipeline's readers: CSV lines but the header
    /// (no field of the fixtures spans lines), JSON Lines' non-blank lines, array elements.
    func records(_ url: URL) throws -> Int {
        let data = try Data(contentsOf: url)
        switch url.pathExtension {
        case "json":
            return try #require(try JSONSerialization.jsonObject(with: data) as? [Any]).count
        default:
            let text = String(decoding: data, as: UTF8.self)
            let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                .filter { !$0.allSatisfy { $0 == " " || $0 == "\r" } }
            return url.pathExtension == "csv" ? lines.count - 1 : lines.count
        }
    }

    @Test("for every fixture file, rows read = accepted + rejected + duplicates + conflicts = its records", arguments: ["example", "reference"])
    func fixtures(_ name: String) throws {
        let folder = try copyFixture(name)
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let db = try SurveyDatabase.open(path: folder.appendingPathComponent("work/pipeline.sqlite").path, itemColumns: [], fingerprint: "")
        let files = try db.sourceFilesIgnoringInstrument()
        #expect(files.count == outcome.ingest.files)
        var total = 0
        for file in files.values {
            #expect(file.rowsRead == file.accepted + file.rejected + file.duplicates + file.conflicts, "\(file.path)")
            #expect(file.rowsRead == (try records(folder.appendingPathComponent(file.path))), "\(file.path)")
            total += file.rowsRead
        }
        let c = outcome.ingest.counts
        #expect(c.read == total && c.accepted + c.rejected + c.duplicates + c.conflicts == total)
        // rejects.csv has one line per row not accepted (no file-level problems here).
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.split(separator: "\n").count - 1 == c.rejected + c.duplicates + c.conflicts)
    }

    @Test("a table of data without a header is a problem of its file: its rows are rejected, the other table is read, and the run needs attention")
    func tableWithoutHeader() throws {
        let folder = try copyFixture("example")
        let lines = try String(contentsOf: folder.appendingPathComponent("inbox/paper/2024-Q4.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.replacingOccurrences(of: "\u{FEFF}", with: "").split(separator: ",", omittingEmptySubsequences: false) }
        func row(_ cells: [Substring], id: String? = nil) -> String {
            "<tr>" + cells.enumerated().map { "<td>\($0.offset == 0 ? id ?? String($0.element) : String($0.element))</td>" }.joined() + "</tr>"
        }
        let page = "<html><body><table>" + row(lines[0]) + row(lines[1], id: "XLS-1") + "</table><table>"
            + row(lines[2], id: "XLS-2") + row(lines[3], id: "XLS-3") + "</table></body></html>"
        try Data(page.utf8).write(to: folder.appendingPathComponent("inbox/paper/export.xls"))
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(outcome.ingest.filesWithUnreadTables == ["inbox/paper/export.xls: table 2 (2 rows)"])
        #expect(outcome.verdict.attention.contains { $0.contains("sheet of data but no usable header") && $0.contains("export.xls: table 2 (2 rows)") })
        #expect(outcome.verdict.exitStatus == .needsAttention)
        let db = try SurveyDatabase.open(path: folder.appendingPathComponent("work/pipeline.sqlite").path, itemColumns: [], fingerprint: "")
        let file = try #require(try db.sourceFilesIgnoringInstrument()["inbox/paper/export.xls"])
        #expect(file.accepted == 1 && file.rejected == 2 && file.rowsRead == 3)
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.contains("inbox/paper/export.xls,2,rejected,,\"table 2: not read: the table's header (table 2 row 1) lacks column(s)"))
    }
}

@Suite("Logs")
struct LogFormatTests {
    @Test("--log-format json writes one JSON object per event, with its fields")
    func jsonLines() throws {
        let quoted = JSONLogHandler.quote("a \"b\"\n\u{1}\\ Hà Tĩnh")
        let object = try #require(try JSONSerialization.jsonObject(with: Data("{\"m\": \(quoted)}".utf8)) as? [String: String])
        #expect(object["m"] == "a \"b\"\n\u{1}\\ Hà Tĩnh")
    }
}

@Suite("Unknown portal answer keys")
struct UnknownKeyTests {
    @Test("answer keys that name no item are counted in the summary line, not dropped silently")
    func summaryCountsThem() throws {
        let folder = try copyFixture("example")
        let file = folder.appendingPathComponent("inbox/portal/2024-Q4.jsonl")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"q01\":", with: "\"q1\":")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(outcome.verdict.filesWithUnknownKeys == ["inbox/portal/2024-Q4.jsonl"])
        let line = SummaryLine.text(stage: "run", verdict: outcome.verdict, published: true, out: "out")
        #expect(line.contains("answer keys that name no item in 1 file(s)"))
    }
}
