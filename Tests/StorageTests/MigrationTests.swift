import Foundation
import GRDB
import Storage
import SurveyModel
import Testing

/// Issue 16: the schema evolves by migrations. A database made by the release before them
/// (schema 5: no sheets) is brought to the current layout with its forms, rejects and files,
/// and is not read again from the inbox.
@Suite("Storage: migrations")
struct MigrationTests {
    /// The ingest tables exactly as schema 5 made them (one item, q01), with a file, a form
    /// and a reject in them.
    static func schema5(version: String = "5") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("pipeline.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE estimates (
                    scope TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL,
                    question_or_factor TEXT NOT NULL, statistic TEXT NOT NULL, method TEXT NOT NULL, value REAL);
                CREATE TABLE checks (
                    unit TEXT NOT NULL, period TEXT NOT NULL, check_name TEXT NOT NULL,
                    subject TEXT NOT NULL, observed REAL, required REAL, status TEXT NOT NULL, message TEXT NOT NULL);
                CREATE TABLE stage_runs (
                    stage TEXT NOT NULL, program_version TEXT NOT NULL, started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL, read TEXT NOT NULL, wrote TEXT NOT NULL);
                CREATE TABLE source_files (
                    path TEXT PRIMARY KEY, channel TEXT NOT NULL, sha256 TEXT NOT NULL,
                    bytes INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'present', problem TEXT,
                    rows_read INTEGER NOT NULL DEFAULT 0, rows_accepted INTEGER NOT NULL DEFAULT 0,
                    rows_rejected INTEGER NOT NULL DEFAULT 0, rows_duplicate INTEGER NOT NULL DEFAULT 0,
                    rows_conflict INTEGER NOT NULL DEFAULT 0, rows_skipped INTEGER NOT NULL DEFAULT 0,
                    unknown_answer_keys TEXT NOT NULL DEFAULT '', identity TEXT NOT NULL DEFAULT '',
                    first_row INTEGER NOT NULL DEFAULT 0, last_row INTEGER NOT NULL DEFAULT -1);
                CREATE TABLE responses (
                    path TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,
                    response_id TEXT NOT NULL, channel TEXT NOT NULL, unit TEXT NOT NULL,
                    submitted_on TEXT NOT NULL, period TEXT NOT NULL, dossier_code TEXT,
                    comment TEXT, content_hash INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL DEFAULT 'accepted', "q01" INTEGER);
                CREATE INDEX responses_by_id ON responses (channel, response_id, content_hash);
                CREATE INDEX responses_set_aside ON responses (status) WHERE status <> 'accepted';
                CREATE TABLE dossier_repeats (
                    unit TEXT NOT NULL, period TEXT NOT NULL, repeated INTEGER NOT NULL, PRIMARY KEY (unit, period));
                CREATE TABLE cell_sums (
                    path TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL, channel TEXT NOT NULL,
                    forms INTEGER NOT NULL, sums BLOB NOT NULL, PRIMARY KEY (path, unit, period, channel));
                CREATE TABLE rejects (
                    path TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,
                    file_sha256 TEXT NOT NULL, response_id TEXT, reason TEXT NOT NULL,
                    PRIMARY KEY (path, line, position));
                INSERT INTO source_files (path, channel, sha256, bytes, rows_read, rows_accepted, rows_rejected, first_row, last_row)
                    VALUES ('inbox/paper/a.csv', 'paper', 'ab', 120, 2, 1, 1, 1, 1);
                INSERT INTO responses (path, line, response_id, channel, unit, submitted_on, period, "q01")
                    VALUES ('inbox/paper/a.csv', 2, 'P-1', 'paper', 'STP', '2024-05-02', '2024-Q2', 5);
                INSERT INTO rejects (path, line, file_sha256, response_id, reason)
                    VALUES ('inbox/paper/a.csv', 3, 'ab', 'P-2', 'unknown unit ''SXX''');
                INSERT INTO estimates VALUES
                    ('unit_quarter', 'STP', '2024-Q2', 'q01', 'n', 'count', 1),
                    ('unit_quarter', 'STP', '2024-Q2', 'q01', 'p', 'unweighted', 1),
                    ('all_quarter', 'ALL', '2024-Q2', 'q01', 'n', 'count', 1),
                    ('unit_quarter', 'STP', '2024-Q2', 'index', 'index_se', 'lin_unweighted', NULL),
                    ('all_quarter', 'ALL', '2024-Q2 vs 2024-Q1', 'index', 'diff', 'unweighted', -0.125);
                """)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('ingest_fingerprint', 'F')", arguments: [version])
        }
        try queue.close()
        return path
    }

    @Test("a schema-5 database migrates with its forms, rejects and files, and keeps its instrument")
    func fromSchema5() throws {
        let path = try Self.schema5()
        let db = try SurveyDatabase.open(path: path, itemColumns: ["q01"], fingerprint: "F")
        #expect(db.matchesInstrument, "a migrated database is not read again from the inbox")
        let file = try #require(try db.sourceFiles()["inbox/paper/a.csv"])
        #expect(file.accepted == 1 && file.rejected == 1 && file.unreadTables.isEmpty && file.recheckOn.isEmpty)
        let rejects = try db.setAsideRows()
        #expect(rejects.map(\.responseID) == ["P-2"] && rejects.first?.place == RowPlace(path: "inbox/paper/a.csv", line: 3))
        #expect(rejects.first?.why == .rejected(reason: "unknown unit 'SXX'"))
        #expect(try db.acceptedCounts().map(\.forms) == [1])
        let queue = try DatabaseQueue(path: path)
        let migrations = try queue.read { try String.fetchSet($0, sql: "SELECT identifier FROM grdb_migrations") }
        let version = try queue.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'schema_version'") }
        let columns = try queue.read { try $0.columns(in: "responses").map(\.name) }
        let key = try queue.read { try $0.primaryKey("rejects").columns }
        try queue.close()
        #expect(migrations == ["v5", "v6-sheets", "v7-estimates"])
        #expect(version == SurveyDatabase.schemaVersion)
        // The estimates as numbers, read back through the view and by the stages as they were.
        let rows = try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM estimates").map { row in
                (0..<7).map { i -> String in (row[i] as DatabaseValue).description }.joined(separator: ",")
            }
        }
        #expect(rows == [
            "\"unit_quarter\",\"STP\",\"2024-Q2\",\"q01\",\"n\",\"count\",1.0",
            "\"unit_quarter\",\"STP\",\"2024-Q2\",\"q01\",\"p\",\"unweighted\",1.0",
            "\"all_quarter\",\"ALL\",\"2024-Q2\",\"q01\",\"n\",\"count\",1.0",
            "\"unit_quarter\",\"STP\",\"2024-Q2\",\"index\",\"index_se\",\"lin_unweighted\",NULL",
            "\"all_quarter\",\"ALL\",\"2024-Q2 vs 2024-Q1\",\"index\",\"diff\",\"unweighted\",-0.125",
        ])
        #expect(try db.estimates().map(\.csvLine) == [
            "unit_quarter,STP,2024-Q2,q01,n,count,1", "unit_quarter,STP,2024-Q2,q01,p,unweighted,1",
            "all_quarter,ALL,2024-Q2,q01,n,count,1", "unit_quarter,STP,2024-Q2,index,index_se,lin_unweighted,NA",
            "all_quarter,ALL,2024-Q2 vs 2024-Q1,index,diff,unweighted,-0.125",
        ])
        #expect(try db.estimatesCount() == 5)
        #expect(Set(columns).isSuperset(of: ["sheet", "sheet_order"]))
        #expect(key == ["path", "sheet_order", "line", "position"])
        // The migrated tables take a workbook's rows: two sheets, one row number.
        try db.ingest(rebuild: false) { tx in
            try tx.replaceFile(path: "inbox/paper/b.xlsx", channel: .paper, sha256: "cd", bytes: 10) { writer in
                for (order, sheet) in ["Quý I", "Quý II"].enumerated() {
                    try writer.beginSheet(sheet, order: order + 1)
                    try writer.reject(line: 5, responseID: "X", reason: "bad")
                }
            }
        }
        #expect(try db.setAsideRows().filter { $0.place.path == "inbox/paper/b.xlsx" }.map(\.place.sheet) == ["Quý I", "Quý II"])
        // Opening again runs nothing twice.
        let again = try SurveyDatabase.open(path: path, itemColumns: ["q01"], fingerprint: "F")
        #expect(again.matchesInstrument)
    }

    @Test("a database older than schema 5 is made again from the inbox by the next ingest")
    func older() throws {
        let path = try Self.schema5(version: "4")
        let db = try SurveyDatabase.open(path: path, itemColumns: ["q01"], fingerprint: "F")
        #expect(!db.matchesInstrument)
    }

    @Test("a new database has every migration applied and the current layout after its first ingest")
    func fresh() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("pipeline.sqlite").path
        let db = try SurveyDatabase.open(path: path, itemColumns: ["q01"], fingerprint: "F")
        #expect(!db.matchesInstrument)
        try db.ingest(rebuild: true) { _ in }
        #expect(db.matchesInstrument)
        let queue = try DatabaseQueue(path: path)
        let migrations = try queue.read { try String.fetchSet($0, sql: "SELECT identifier FROM grdb_migrations") }
        let views = try queue.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'view'") }
        try queue.close()
        #expect(migrations == ["v5", "v6-sheets", "v7-estimates"])
        #expect(views == ["estimates"])
    }

    @Test("estimates of an older layout still are computed again by the next stats, not read")
    func olderEstimates() throws {
        let path = try Self.schema5()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE estimates;
                CREATE TABLE estimates (scope TEXT, unit TEXT, period TEXT, item TEXT, value REAL);
                INSERT INTO estimates VALUES ('unit_quarter', 'STP', '2024-Q2', 'q01', 1);
                INSERT INTO meta (key, value) VALUES ('estimates_inputs', 'X'), ('estimates_rows', '1');
                """)
        }
        try queue.close()
        let db = try SurveyDatabase.open(path: path, itemColumns: ["q01"], fingerprint: "F")
        #expect(try db.meta("estimates_inputs") == nil)
        #expect(try db.estimates().isEmpty)
    }
}
