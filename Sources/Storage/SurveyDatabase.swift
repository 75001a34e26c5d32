import Foundation
import GRDB
import GRDBSQLite
import Stats
import SurveyModel

/// Errors of the storage layer.
public enum StorageError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case sqlite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the database: \(reason)"
        case .sqlite(let path, let reason): "\(path): database error: \(reason)"
        }
    }
}

/// A form read from an inbox file, as stored in `responses`.
public struct ResponseRecord: Sendable, Hashable {
    public var path: String
    /// 1-based physical line of the record's first line (for `.json` arrays, of the element's start).
    public var line: Int
    /// For `.json` arrays, the element's 1-based position in the array (several may share a
    /// line); 0 for CSV rows and JSON Lines.
    public var position: Int = 0
    public var responseID: String
    public var channel: Channel
    public var unit: String
    /// ISO date `yyyy-mm-dd`.
    public var submittedOn: String
    public var period: Period
    public var dossierCode: String?
    public var comment: String?
    /// One entry per answered (non-text) item of the instrument, in instrument order.
    public var answers: [Int?]

    public init(
        path: String, line: Int, position: Int = 0, responseID: String, channel: Channel, unit: String,
        submittedOn: String, period: Period, dossierCode: String?, comment: String?, answers: [Int?]
    ) {
        self.path = path
        self.line = line
        self.position = position
        self.responseID = responseID
        self.channel = channel
        self.unit = unit
        self.submittedOn = submittedOn
        self.period = period
        self.dossierCode = dossierCode
        self.comment = comment
        self.answers = answers
    }
}

/// A row that did not become an accepted response.
public struct RejectRecord: Sendable, Hashable {
    public enum Outcome: String, Sendable { case rejected, duplicate }
    public var path: String
    public var line: Int
    /// The array element's position for `.json` files, else 0.
    public var position: Int = 0
    public var outcome: Outcome
    public var responseID: String?
    public var reason: String

    public init(path: String, line: Int, position: Int = 0, outcome: Outcome, responseID: String?, reason: String) {
        self.path = path
        self.line = line
        self.position = position
        self.outcome = outcome
        self.responseID = responseID
        self.reason = reason
    }
}

/// What is known of an ingested inbox file.
public struct SourceFile: Sendable, Hashable {
    public var path: String
    public var channel: Channel
    public var sha256: String
    public var bytes: Int
    public var accepted: Int
    public var rejected: Int
    public var duplicates: Int
}

/// The accepted form as `stats` and `check` read it: no provenance, answers as bytes.
public struct StoredForm: Sendable {
    public var unit: String
    public var channel: Channel
    public var submittedOn: String
    public var period: Period
    /// The answer, or `missingAnswer` (255); one per answered (non-text) item.
    public var answers: [UInt8]
}

/// The pipeline's working database (`work/pipeline.sqlite`): the only place that speaks SQL.
///
/// Tables (snake_case, readable from sqlite3, R or a spreadsheet):
/// - `meta(key, value)`: schema version and the fingerprint of what ingest depends on;
/// - `source_files`: one row per inbox file with its SHA-256 and row counts;
/// - `responses`: one row per parsed form, `status` = `accepted` or `duplicate`, one
///   column per item, and the form's file, line and file hash;
/// - `rejects`: rows that could not be read, with file, line and reason;
/// - `estimates`, `checks`: the outputs of `stats` and `check`;
/// - `stage_runs`: what each stage read and wrote, the program version and the time.
public final class SurveyDatabase {
    public static let schemaVersion = "2"
    public let path: String
    let queue: DatabaseQueue
    /// Item ids with an answer column, in instrument order.
    public let itemColumns: [String]

    /// Opens (creating if needed) the database. When `fingerprint` differs from the one
    /// stored, the ingest tables are rebuilt for the new instrument and every inbox file will
    /// be read again.
    /// - Returns: the database and whether its ingest tables were rebuilt.
    public static func open(
        path: String, itemColumns: [String], fingerprint: String
    ) throws -> (database: SurveyDatabase, rebuilt: Bool) {
        let queue: DatabaseQueue
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
        let db = SurveyDatabase(path: path, queue: queue, itemColumns: itemColumns)
        let rebuilt = try db.prepareSchema(fingerprint: fingerprint)
        return (db, rebuilt)
    }

    private init(path: String, queue: DatabaseQueue, itemColumns: [String]) {
        self.path = path
        self.queue = queue
        self.itemColumns = itemColumns
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw StorageError.sqlite(path: path, reason: error.description)
        }
    }

    private func prepareSchema(fingerprint: String) throws -> Bool {
        try wrap {
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
                let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ingest_fingerprint'")
                let rebuild = version != Self.schemaVersion || stored != fingerprint
                if rebuild {
                    for table in ["responses", "rejects", "source_files"] {
                        try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
                    }
                }
                let answerColumns = itemColumns.map { "\"\($0)\" INTEGER" }.joined(separator: ", ")
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS source_files (
                        path TEXT PRIMARY KEY, channel TEXT NOT NULL, sha256 TEXT NOT NULL,
                        bytes INTEGER NOT NULL, rows_accepted INTEGER NOT NULL DEFAULT 0,
                        rows_rejected INTEGER NOT NULL DEFAULT 0, rows_duplicate INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE IF NOT EXISTS responses (
                        path TEXT NOT NULL, line INTEGER NOT NULL, file_sha256 TEXT NOT NULL,
                        position INTEGER NOT NULL DEFAULT 0,
                        response_id TEXT NOT NULL, channel TEXT NOT NULL, unit TEXT NOT NULL,
                        submitted_on TEXT NOT NULL, period TEXT NOT NULL, dossier_code TEXT,
                        comment TEXT, status TEXT NOT NULL DEFAULT 'accepted'\(answerColumns.isEmpty ? "" : ", " + answerColumns),
                        PRIMARY KEY (path, line, position));
                    CREATE INDEX IF NOT EXISTS responses_by_id ON responses (channel, response_id);
                    CREATE TABLE IF NOT EXISTS rejects (
                        path TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,
                        file_sha256 TEXT NOT NULL, response_id TEXT, reason TEXT NOT NULL,
                        PRIMARY KEY (path, line, position));
                    CREATE TABLE IF NOT EXISTS estimates (
                        scope TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL,
                        question_or_factor TEXT NOT NULL, statistic TEXT NOT NULL, method TEXT NOT NULL,
                        value REAL);
                    CREATE TABLE IF NOT EXISTS checks (
                        unit TEXT NOT NULL, period TEXT NOT NULL, check_name TEXT NOT NULL,
                        subject TEXT NOT NULL, observed REAL, required REAL, status TEXT NOT NULL,
                        message TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS stage_runs (
                        stage TEXT NOT NULL, program_version TEXT NOT NULL, started_at TEXT NOT NULL,
                        finished_at TEXT NOT NULL, read TEXT NOT NULL, wrote TEXT NOT NULL);
                    """)
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?), ('ingest_fingerprint', ?)",
                    arguments: [Self.schemaVersion, fingerprint])
                return rebuild
            }
        }
    }

    // MARK: ingest

    /// Every ingested file, keyed by path.
    public func sourceFiles() throws -> [String: SourceFile] {
        try wrap {
            try queue.read { db in
                var files: [String: SourceFile] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM source_files") {
                    let path: String = row["path"]
                    files[path] = SourceFile(
                        path: path, channel: Channel(rawValue: row["channel"]) ?? .paper,
                        sha256: row["sha256"], bytes: row["bytes"], accepted: row["rows_accepted"],
                        rejected: row["rows_rejected"], duplicates: row["rows_duplicate"])
                }
                return files
            }
        }
    }

    /// Receives the rows of one file inside its transaction.
    public final class FileWriter {
        let insertResponse: Statement
        let insertReject: Statement
        let path: String
        let sha256: String
        public private(set) var accepted = 0
        public private(set) var rejected = 0

        init(db: Database, path: String, sha256: String, itemColumns: [String]) throws {
            self.path = path
            self.sha256 = sha256
            let columns = ["path", "line", "position", "file_sha256", "response_id", "channel", "unit", "submitted_on",
                           "period", "dossier_code", "comment"] + itemColumns
            // Plain INSERT: two rows with one (path, line, position) would be a bug, and must fail loudly.
            insertResponse = try db.makeStatement(sql: """
                INSERT INTO responses (\(columns.map { "\"\($0)\"" }.joined(separator: ", ")))
                VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                """)
            insertReject = try db.makeStatement(sql: """
                INSERT INTO rejects (path, line, position, file_sha256, response_id, reason) VALUES (?, ?, ?, ?, ?, ?)
                """)
        }

        /// Binds with the raw SQLite calls: this is the ingest hot path (GRDB's argument
        /// arrays box every value).
        public func accept(_ record: ResponseRecord) throws {
            let raw = insertResponse.sqliteStatement
            sqlite3_reset(raw)
            var column: Int32 = 1
            func bind(_ text: String?) {
                if let text {
                    // The byte length, not -1: a NUL inside the text must not cut it short.
                    let bytes = Array(text.utf8)
                    if bytes.isEmpty {
                        sqlite3_bind_text(raw, column, "", 0, sqliteTransient)
                    } else { bytes.withUnsafeBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) {
                            _ = sqlite3_bind_text(raw, column, $0.baseAddress, Int32($0.count), sqliteTransient)
                        }
                    } }
                } else {
                    sqlite3_bind_null(raw, column)
                }
                column += 1
            }
            bind(record.path)
            sqlite3_bind_int64(raw, column, Int64(record.line))
            column += 1
            sqlite3_bind_int64(raw, column, Int64(record.position))
            column += 1
            bind(sha256)
            bind(record.responseID)
            bind(record.channel.rawValue)
            bind(record.unit)
            bind(record.submittedOn)
            bind(record.period.description)
            bind(record.dossierCode)
            bind(record.comment)
            for answer in record.answers {
                if let answer { sqlite3_bind_int64(raw, column, Int64(answer)) } else { sqlite3_bind_null(raw, column) }
                column += 1
            }
            let rc = sqlite3_step(raw)
            guard rc == SQLITE_DONE else {
                throw StorageError.sqlite(path: record.path, reason: String(cString: sqlite3_errstr(rc)))
            }
            accepted += 1
        }

        public func reject(line: Int, position: Int = 0, responseID: String?, reason: String) throws {
            insertReject.setUncheckedArguments([path, line, position, sha256, responseID, reason])
            try insertReject.execute()
            rejected += 1
        }
    }

    /// Replaces everything stored from `path` with what `body` writes, in one transaction:
    /// either the file's new rows are all stored or its old rows stay.
    public func replaceFile(
        path: String, channel: Channel, sha256: String, bytes: Int, body: (FileWriter) throws -> Void
    ) throws {
        try wrap {
            try queue.inTransaction { db in
                try db.execute(sql: "DELETE FROM responses WHERE path = ?", arguments: [path])
                try db.execute(sql: "DELETE FROM rejects WHERE path = ?", arguments: [path])
                let writer = try FileWriter(db: db, path: path, sha256: sha256, itemColumns: itemColumns)
                try body(writer)
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO source_files (path, channel, sha256, bytes, rows_accepted, rows_rejected)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [path, channel.rawValue, sha256, bytes, writer.accepted, writer.rejected])
                return .commit
            }
        }
    }

    /// Forgets a file that left the inbox.
    public func removeFile(path: String) throws {
        try wrap {
            try queue.write { db in
                for table in ["responses", "rejects", "source_files"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE path = ?", arguments: [path])
                }
            }
        }
    }

    /// Marks, for each (channel, response id), the first form by file path and line as
    /// accepted and any later one as a duplicate, and updates the per-file counts.
    /// Deterministic whatever order the files were ingested in.
    public func resolveDuplicates() throws {
        try wrap {
            try queue.write { db in
                // Only forms whose (channel, id) occurs more than once can be duplicates; the
                // covering index finds those groups without touching the other rows.
                try db.execute(sql: """
                    UPDATE responses SET status = 'accepted' WHERE status = 'duplicate';
                    UPDATE responses SET status = 'duplicate' WHERE rowid IN (
                        SELECT rid FROM (
                            SELECT r.rowid AS rid, ROW_NUMBER() OVER (
                                PARTITION BY r.channel, r.response_id ORDER BY r.path, r.line, r.position) AS rank
                            FROM responses r JOIN (
                                SELECT channel, response_id FROM responses
                                GROUP BY channel, response_id HAVING COUNT(*) > 1) g
                              ON g.channel = r.channel AND g.response_id = r.response_id)
                        WHERE rank > 1);
                    UPDATE source_files SET
                        rows_accepted = (SELECT COUNT(*) FROM responses r
                                         WHERE r.path = source_files.path AND r.status = 'accepted'),
                        rows_duplicate = (SELECT COUNT(*) FROM responses r
                                          WHERE r.path = source_files.path AND r.status = 'duplicate');
                    """)
            }
        }
    }

    /// Rejected and duplicate rows, sorted by file and line.
    public func rejectsAndDuplicates() throws -> [RejectRecord] {
        var out: [RejectRecord] = []
        try forEachRejectOrDuplicate { out.append($0) }
        return out
    }

    /// Streams rejected and duplicate rows in file and line order (rejects first on a tie).
    public func forEachRejectOrDuplicate(_ body: (RejectRecord) throws -> Void) throws {
        try wrap {
            try queue.read { db in
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT path, line, 0 AS kind, response_id, reason, NULL AS first_path, NULL AS first_line, position
                    FROM rejects
                    UNION ALL
                    SELECT d.path, d.line, 1, d.response_id, NULL, f.path, f.line, d.position
                    FROM responses d JOIN responses f
                      ON f.channel = d.channel AND f.response_id = d.response_id AND f.status = 'accepted'
                    WHERE d.status = 'duplicate'
                    ORDER BY 1, 2, 8, 3
                    """)
                while let row = try cursor.next() {
                    let kind: Int = row[2]
                    if kind == 0 {
                        try body(RejectRecord(
                            path: row[0], line: row[1], position: row[7], outcome: .rejected, responseID: row[3], reason: row[4]))
                    } else {
                        let id: String = row[3]
                        let firstPath: String = row[5]
                        let firstLine: Int = row[6]
                        try body(RejectRecord(
                            path: row[0], line: row[1], position: row[7], outcome: .duplicate, responseID: id,
                            reason: "duplicate of form \(id) first read at \(firstPath):\(firstLine)"))
                    }
                }
            }
        }
    }

    /// Rows rejected and set aside as duplicates, counted in SQL.
    public func outcomeCounts() throws -> (accepted: Int, rejected: Int, duplicates: Int) {
        try wrap {
            try queue.read { db in
                let accepted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM responses WHERE status = 'accepted'") ?? 0
                let duplicates = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM responses WHERE status = 'duplicate'") ?? 0
                let rejected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejects") ?? 0
                return (accepted, rejected, duplicates)
            }
        }
    }

    // MARK: reading for check and stats

    /// Streams every accepted form (never holding them all), in file and line order: the
    /// primary-key index gives that order without a sort, and it does not depend on the order
    /// files were ingested in, so floating-point sums are the same in a fresh database.
    public func forEachAcceptedForm(_ body: (StoredForm) throws -> Void) throws {
        try wrap {
            try queue.read { db in
                let answerList = itemColumns.isEmpty ? "" : ", " + itemColumns.map { "\"\($0)\"" }.joined(separator: ", ")
                let statement = try db.makeStatement(sql: """
                    SELECT unit, channel, submitted_on, period\(answerList) FROM responses
                    WHERE status = 'accepted' ORDER BY path, line, position
                    """)
                // Raw column reads: GRDB's Row subscripts cost more than the statistics.
                let raw = statement.sqliteStatement
                defer { sqlite3_reset(raw) }
                var answers = [UInt8](repeating: 0, count: itemColumns.count)
                var periods: [String: Period] = [:]
                func text(_ i: Int32) -> String {
                    guard let c = sqlite3_column_text(raw, i) else { return "" }
                    return String(cString: c)
                }
                while true {
                    let rc = sqlite3_step(raw)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else { throw StorageError.sqlite(path: path, reason: String(cString: sqlite3_errstr(rc))) }
                    for j in 0..<itemColumns.count {
                        let c = Int32(4 + j)
                        answers[j] = sqlite3_column_type(raw, c) == SQLITE_NULL ? missingAnswer : UInt8(clamping: sqlite3_column_int(raw, c))
                    }
                    let periodText = text(3)
                    let period: Period
                    if let known = periods[periodText] { period = known } else {
                        period = Period(periodText) ?? Period(year: 0, quarter: 1)
                        periods[periodText] = period
                    }
                    try body(StoredForm(
                        unit: text(0), channel: Channel(rawValue: text(1)) ?? .paper, submittedOn: text(2),
                        period: period, answers: answers))
                }
            }
        }
    }

    /// Per unit and quarter, the forms set aside as duplicates of an earlier form.
    public func duplicateCounts() throws -> [String: [Period: Int]] {
        try groupedCounts(sql: "SELECT unit, period, COUNT(*) FROM responses WHERE status = 'duplicate' GROUP BY unit, period")
    }

    /// Per unit and quarter, dossier codes rated on more than one accepted form.
    public func repeatedDossierCounts() throws -> [String: [Period: Int]] {
        try groupedCounts(sql: """
            SELECT unit, period, COUNT(*) FROM (
                SELECT unit, period, dossier_code FROM responses
                WHERE status = 'accepted' AND dossier_code IS NOT NULL AND dossier_code <> ''
                GROUP BY unit, period, dossier_code HAVING COUNT(*) > 1)
            GROUP BY unit, period
            """)
    }

    private func groupedCounts(sql: String) throws -> [String: [Period: Int]] {
        try wrap {
            try queue.read { db in
                var out: [String: [Period: Int]] = [:]
                for row in try Row.fetchAll(db, sql: sql) {
                    let text: String = row[1]
                    guard let period = Period(text) else { continue }
                    out[row[0], default: [:]][period] = row[2]
                }
                return out
            }
        }
    }

    // MARK: stage outputs

    /// Replaces the `estimates` table.
    public func replaceEstimates(_ rows: [EstimateRow]) throws {
        try wrap {
            try queue.inTransaction { db in
                try db.execute(sql: "DELETE FROM estimates")
                let insert = try db.makeStatement(sql: "INSERT INTO estimates VALUES (?, ?, ?, ?, ?, ?, ?)")
                for r in rows {
                    let value: Double? = r.value.flatMap { $0.isFinite ? $0 : nil }
                    insert.setUncheckedArguments([
                        r.scope.rawValue, r.unit, r.period, r.subject, r.statistic, r.method, value,
                    ])
                    try insert.execute()
                }
                return .commit
            }
        }
    }

    /// The `estimates` table, in the order it was written.
    public func estimates() throws -> [EstimateRow] {
        try wrap {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM estimates ORDER BY rowid").compactMap { row in
                    guard let scope = Scope(rawValue: row["scope"]) else { return nil }
                    return EstimateRow(
                        scope: scope, unit: row["unit"], period: row["period"], subject: row["question_or_factor"],
                        statistic: row["statistic"], method: row["method"], value: row["value"])
                }
            }
        }
    }

    /// Records one run of a stage: what it read, what it wrote, the version and the times.
    public func recordStageRun(
        stage: String, version: String, startedAt: String, finishedAt: String, read: String, wrote: String
    ) throws {
        try wrap {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO stage_runs VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [stage, version, startedAt, finishedAt, read, wrote])
            }
        }
    }
}

extension SurveyDatabase {
    /// Replaces the `checks` table.
    public func replaceChecks(_ results: [CheckResult]) throws {
        try wrap {
            try queue.inTransaction { db in
                try db.execute(sql: "DELETE FROM checks")
                let insert = try db.makeStatement(sql: "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                for c in results {
                    insert.setUncheckedArguments([
                        c.unit, c.period.description, c.check, c.subject, c.observed, c.required, c.status.rawValue, c.message,
                    ])
                    try insert.execute()
                }
                return .commit
            }
        }
    }

    /// The `checks` table, in the order it was written.
    public func checks() throws -> [CheckResult] {
        try wrap {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM checks ORDER BY rowid").compactMap { row in
                    let periodText: String = row["period"]
                    guard let period = Period(periodText), let status = CheckResult.Status(rawValue: row["status"]) else {
                        return nil
                    }
                    return CheckResult(
                        unit: row["unit"], period: period, check: row["check_name"], subject: row["subject"],
                        observed: row["observed"], required: row["required"], status: status, message: row["message"])
                }
            }
        }
    }

    /// The latest date of an accepted form (ISO), or nil when there is none.
    public func latestFormDate() throws -> String? {
        try wrap {
            try queue.read { db in
                try String.fetchOne(db, sql: "SELECT MAX(submitted_on) FROM responses WHERE status = 'accepted'")
            }
        }
    }
}

/// SQLite copies bound text before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
