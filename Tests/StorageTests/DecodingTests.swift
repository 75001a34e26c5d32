import Foundation
import GRDB
import Stats
import Storage
import SurveyModel
import Testing

/// Issue 16: rows decode loudly. A value no release writes (a hand-edited or damaged
/// database) is an error naming table and column, never a default such as paper or present.
@Suite("Storage: decoding what is stored")
struct DecodingTests {
    static func database() throws -> (SurveyDatabase, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("pipeline.sqlite").path
        let db = try SurveyDatabase.open(path: path, itemColumns: ["q01"], fingerprint: "test")
        try db.ingest(rebuild: true) { tx in
            try tx.replaceFile(path: "inbox/portal/a.jsonl", channel: .online, sha256: "ab", bytes: 10) { writer in
                try writer.accept(ResponseRecord(
                    path: "inbox/portal/a.jsonl", line: 1, responseID: "P-1", channel: .online, unit: "STP",
                    submittedOn: "2024-05-02", period: Period(year: 2024, quarter: 2), dossierCode: nil, comment: nil, answers: [5]))
            }
        }
        return (db, path)
    }

    @Test("a stored file reads back as written")
    func roundTrip() throws {
        let (db, _) = try Self.database()
        let file = try #require(try db.sourceFiles()["inbox/portal/a.jsonl"])
        #expect(file.channel == .online)
        #expect(file.status == .present)
        #expect(file.sha256 == "ab" && file.bytes == 10)
    }

    @Test("an unknown channel or status is an error naming table, column and value", arguments: [
        ("channel", "fax"), ("status", "lost"),
    ])
    func unknownValue(column: String, value: String) throws {
        let (db, path) = try Self.database()
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "UPDATE source_files SET \(column) = ?", arguments: [value]) }
        try queue.close()
        do {
            _ = try db.sourceFiles()
            Issue.record("a \(column) of '\(value)' was decoded")
        } catch let error as StorageError {
            let text = "\(error)"
            #expect(text.contains("source_files.\(column)") && text.contains("'\(value)'") && text.contains("inbox/portal/a.jsonl"), "\(text)")
        }
    }

    @Test("a form's unknown channel or period is an error, not a form of paper or of year 0", arguments: [
        ("channel", "fax"), ("period", "2024-Q9"),
    ])
    func unknownFormValue(column: String, value: String) throws {
        let (db, path) = try Self.database()
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "UPDATE responses SET \(column) = ?", arguments: [value]) }
        try queue.close()
        do {
            let counts = try db.acceptedCounts()
            Issue.record("a form's \(column) of '\(value)' was decoded: \(counts)")
        } catch let error as StorageError {
            let text = "\(error)"
            #expect(text.contains("responses.\(column)") && text.contains("'\(value)'"), "\(text)")
        }
    }

    @Test("an estimate naming a cell or term that is not stored, or a cell of an unknown scope, is an error naming table and column", arguments: [
        ("UPDATE estimate_values SET cell = 99 WHERE rowid = 2", "estimate_values.cell", "'99'"),
        ("UPDATE estimate_values SET term = 77 WHERE rowid = 2", "estimate_values.term", "'77'"),
        ("UPDATE estimate_cells SET scope = 'unit_week'", "estimate_cells.scope", "'unit_week'"),
    ])
    func unknownEstimate(change: String, column: String, value: String) throws {
        let (db, path) = try Self.database()
        try db.replaceEstimates([
            EstimateRow(scope: .unitQuarter, unit: "STP", period: "2024-Q2", subject: "q01", statistic: "n", method: "count", value: 1),
            EstimateRow(scope: .unitQuarter, unit: "STP", period: "2024-Q2", subject: "q01", statistic: "p", method: "unweighted", value: 1),
        ], meta: [:])
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: change) }
        try queue.close()
        do {
            let rows = try db.estimates()
            Issue.record("\(change): read back as \(rows)")
        } catch let error as StorageError {
            let text = "\(error)"
            #expect(text.contains(column) && text.contains(value), "\(text)")
        }
    }
}
