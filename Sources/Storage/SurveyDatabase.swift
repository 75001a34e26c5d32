import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

/// Errors of the storage layer.
public enum StorageError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case sqlite(path: String, reason: String)
    /// The file is not a sound SQLite database (damaged, truncated, or not a database).
    case corrupt(path: String, detail: String)
    /// The disk is full or the file cannot be written.
    case full(path: String, reason: String)
    /// A stop was requested (SIGINT or SIGTERM); nothing of the unfinished transaction was kept.
    case interrupted
    /// A stored value that no release writes (a damaged or hand-edited database): decoding
    /// fails naming the table and column instead of guessing a default.
    case undecodable(table: String, column: String, value: String, row: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the database: \(reason)"
        case .sqlite(let path, let reason): "\(path): database error: \(reason)"
        case .corrupt(let path, let detail):
            "\(path) is damaged (\(detail)); nothing was published from it. Keep it for inspection "
                + "(mv \(path) \(path).damaged) and run `pipeline run` again to rebuild it from the inbox; "
                + "forms of files no longer in the inbox cannot be rebuilt"
        case .full(let path, let reason): "\(path): cannot write: \(reason); free some space and run again"
        case .interrupted: "stopped by a signal; the database keeps its previous state"
        case .undecodable(let table, let column, let value, let row):
            "\(table).\(column) of \(row) holds '\(value)', which no release writes; the database was edited or is damaged: "
                + "move it aside and run `pipeline run` again to rebuild it from the inbox"
        }
    }

    /// Maps SQLite's result codes to what an operator must do.
    static func classify(_ error: Error, path: String, action: String) -> StorageError {
        if let e = error as? StorageError { return e }
        guard let db = error as? DatabaseError else {
            return action == "open" ? .cannotOpen(path: path, reason: "\(error)") : .sqlite(path: path, reason: "\(error)")
        }
        switch db.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt(path: path, detail: db.message ?? "\(db.resultCode)")
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return .full(path: path, reason: db.message ?? "\(db.resultCode)")
        default:
            return action == "open" ? .cannotOpen(path: path, reason: db.description) : .sqlite(path: path, reason: db.description)
        }
    }
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
/// - `meta(key, value)`: schema version, the instrument the ingest tables were built for,
///   the state of the ingested inbox, and what each stage output was computed from;
/// - `source_files`: one row per inbox file with its SHA-256, status (`present`, `missing`,
///   `unreadable`) and row counts (`rows_read` = accepted + rejected + duplicate + conflict);
/// - `responses`: one row per parsed form, `status` = `accepted`, `duplicate`, `conflict` or
///   `stray_date`, one column per item, and the form's file, sheet, line and file hash;
/// - `rejects`: rows that could not be read, with file, sheet, line and reason;
/// - `cell_sums`: per file × unit × quarter × channel, the sums of its accepted forms that
///   `check` and `stats` need (kept by the ingest, see `TallyStore.swift`);
/// - `estimates`, `checks`: the outputs of `stats` and `check`;
/// - `stage_runs`: what each stage read and wrote, the program version and the time.
///
/// Ingest changes these tables in one transaction (`ingest(_:)`), so a crash leaves either
/// the previous state or the next, never a part.
public final class SurveyDatabase {
    public static let schemaVersion = "6"
    public let path: String
    let queue: DatabaseQueue
    /// Item ids with an answer column, in instrument order.
    public let itemColumns: [String]
    /// The instrument the ingest tables were built for (nil: never built or an older schema).
    public private(set) var storedFingerprint: String?
    /// The instrument the caller reads with.
    public let fingerprint: String
    /// How forms add to `cell_sums`; nil: this caller keeps no sums (they are then computed
    /// again by the next caller that has a layout).
    public let tallyLayout: TallyLayout?

    /// Whether the ingest tables fit the caller's instrument; if not, only `ingest` may
    /// rebuild them (every inbox file is then read again).
    public var matchesInstrument: Bool { storedFingerprint == fingerprint }

    /// Opens (creating if needed) the database. Never drops data: a changed instrument is
    /// reported through `matchesInstrument` and rebuilt only inside `ingest(rebuild:)`.
    /// - Parameter survey: how forms add to `cell_sums` (its rating scales, factors and
    ///   quality items); without it this caller keeps no sums.
    public static func open(
        path: String, itemColumns: [String], fingerprint: String, survey: SurveyDefinition? = nil
    ) throws -> SurveyDatabase {
        let tallyLayout = survey.map(TallyLayout.init(survey:))
        let queue: DatabaseQueue
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            // 32 MiB of page cache (SQLite's default is 2 MiB): the form-id index takes its
            // inserts in no particular order, and at millions of forms a small cache turns
            // each into a read and a write of the disk.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -32768") }
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw StorageError.classify(error, path: path, action: "open")
        }
        let stored = try Self.prepareSchema(queue: queue, path: path, itemColumns: itemColumns, fingerprint: fingerprint)
        return SurveyDatabase(
            path: path, queue: queue, itemColumns: itemColumns, storedFingerprint: stored, fingerprint: fingerprint,
            tallyLayout: tallyLayout)
    }

    private init(
        path: String, queue: DatabaseQueue, itemColumns: [String], storedFingerprint: String?, fingerprint: String,
        tallyLayout: TallyLayout?
    ) {
        self.path = path
        self.queue = queue
        self.itemColumns = itemColumns
        self.storedFingerprint = storedFingerprint
        self.fingerprint = fingerprint
        self.tallyLayout = tallyLayout
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw StorageError.classify(error, path: path, action: "use")
        }
    }

    /// Creates what is missing; returns the fingerprint the ingest tables were built for, or
    /// nil when they were never built for the current schema.
    private static func prepareSchema(
        queue: DatabaseQueue, path: String, itemColumns: [String], fingerprint: String
    ) throws -> String? {
        do {
            return try queue.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'")
                let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ingest_fingerprint'")
                try db.execute(sql: """
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
                guard version == schemaVersion else { return nil }
                return stored
            }
        } catch {
            throw StorageError.classify(error, path: path, action: "open")
        }
    }

    /// The ingest tables for `itemColumns`, dropped first when `dropping` (inside the ingest
    /// transaction, so a crash keeps the old tables).
    private func createIngestTables(_ db: Database, dropping: Bool) throws {
        if dropping {
            for table in ["responses", "rejects", "source_files", "cell_sums", "dossier_repeats"] {
                try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
            }
            try db.execute(sql: "DELETE FROM meta WHERE key = 'tally_layout'")
        }
        let answerColumns = itemColumns.map { "\"\($0)\" INTEGER" }.joined(separator: ", ")
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS source_files (
                path TEXT PRIMARY KEY, channel TEXT NOT NULL, sha256 TEXT NOT NULL,
                bytes INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'present', problem TEXT,
                rows_read INTEGER NOT NULL DEFAULT 0, rows_accepted INTEGER NOT NULL DEFAULT 0,
                rows_rejected INTEGER NOT NULL DEFAULT 0, rows_duplicate INTEGER NOT NULL DEFAULT 0,
                rows_conflict INTEGER NOT NULL DEFAULT 0, rows_skipped INTEGER NOT NULL DEFAULT 0,
                unknown_answer_keys TEXT NOT NULL DEFAULT '', identity TEXT NOT NULL DEFAULT '',
                first_row INTEGER NOT NULL DEFAULT 0, last_row INTEGER NOT NULL DEFAULT -1,
                unread_tables TEXT NOT NULL DEFAULT '', recheck_on TEXT NOT NULL DEFAULT '');
            CREATE TABLE IF NOT EXISTS responses (
                path TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,
                response_id TEXT NOT NULL, channel TEXT NOT NULL, unit TEXT NOT NULL,
                submitted_on TEXT NOT NULL, period TEXT NOT NULL, dossier_code TEXT,
                comment TEXT, sheet TEXT, sheet_order INTEGER NOT NULL DEFAULT 0,
                content_hash INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL DEFAULT 'accepted'\(answerColumns.isEmpty ? "" : ", " + answerColumns));
            CREATE INDEX IF NOT EXISTS responses_by_id ON responses (channel, response_id, content_hash);
            CREATE INDEX IF NOT EXISTS responses_set_aside ON responses (status) WHERE status <> 'accepted';
            CREATE TABLE IF NOT EXISTS dossier_repeats (
                unit TEXT NOT NULL, period TEXT NOT NULL, repeated INTEGER NOT NULL, PRIMARY KEY (unit, period));
            CREATE TABLE IF NOT EXISTS cell_sums (
                path TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL, channel TEXT NOT NULL,
                forms INTEGER NOT NULL, sums BLOB NOT NULL,
                PRIMARY KEY (path, unit, period, channel));
            CREATE TABLE IF NOT EXISTS rejects (
                path TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,
                file_sha256 TEXT NOT NULL, response_id TEXT, reason TEXT NOT NULL,
                sheet TEXT, sheet_order INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (path, sheet_order, line, position));
            """)
    }

    // MARK: health

    /// SQLite's structural check of the whole file; nil when it is sound, else what it found.
    public func integrityProblem() throws -> String? {
        try wrap {
            try queue.read { db in
                let lines = try String.fetchAll(db, sql: "PRAGMA quick_check")
                return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
            }
        }
    }

    /// The tables `check`, `stats` and `report` publish from (everything but the forms,
    /// whose pages are read only by the ingest and the repeated-dossier count, where a
    /// damaged page is SQLite's own corruption error).
    public static let derivedTables = ["meta", "source_files", "cell_sums", "dossier_repeats", "rejects", "estimates", "checks"]

    /// SQLite's structural check of `tables` and their indexes only: a stage that reads a few
    /// hundred rows need not read a database of millions of forms.
    public func integrityProblem(tables: [String]) throws -> String? {
        try wrap {
            try queue.read { db in
                var problems: [String] = []
                for table in tables where try db.tableExists(table) {
                    let lines = try String.fetchAll(db, sql: "PRAGMA quick_check(\(table))")
                    if lines != ["ok"] { problems += lines.prefix(5) }
                }
                return problems.isEmpty ? nil : problems.prefix(5).joined(separator: "; ")
            }
        }
    }

    // MARK: ingest

    /// Every ingested file, keyed by path (empty before the first ingest or after an
    /// instrument change that ingest has not applied yet).
    public func sourceFiles() throws -> [String: SourceFile] {
        guard storedFingerprint != nil else { return [:] }
        return try wrap {
            try queue.read { db in try Self.sourceFiles(db) }
        }
    }

    static func sourceFiles(_ db: Database) throws -> [String: SourceFile] {
        var files: [String: SourceFile] = [:]
        guard try db.tableExists("source_files") else { return files }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM source_files") {
            let path: String = row["path"]
            // A value no release writes is a damaged database, said so, never a default.
            guard let channel = Channel(rawValue: row["channel"]) else {
                throw StorageError.undecodable(table: "source_files", column: "channel", value: row["channel"] ?? "NULL", row: path)
            }
            guard let status = SourceStatus(rawValue: row["status"]) else {
                throw StorageError.undecodable(table: "source_files", column: "status", value: row["status"] ?? "NULL", row: path)
            }
            files[path] = SourceFile(
                path: path, channel: channel,
                sha256: row["sha256"], bytes: row["bytes"],
                status: status, problem: row["problem"],
                rowsRead: row["rows_read"], rowsSkipped: row["rows_skipped"], unknownAnswerKeys: row["unknown_answer_keys"],
                accepted: row["rows_accepted"], rejected: row["rows_rejected"],
                duplicates: row["rows_duplicate"], conflicts: row["rows_conflict"], identity: row["identity"],
                unreadTables: row["unread_tables"], recheckOn: row["recheck_on"])
        }
        return files
    }

    /// A value of `meta`, or nil.
    public func meta(_ key: String) throws -> String? {
        try wrap { try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) } }
    }

    /// The state of the ingested inbox: a digest of every file's path, hash and status and of
    /// the instrument. Stage outputs record the state they were computed from.
    public func ingestState() throws -> String? { try meta("ingest_state") }

    /// Sets values of `meta` in one transaction.
    public func setMeta(_ values: [String: String]) throws {
        try wrap {
            try queue.write { db in
                for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
            }
        }
    }

    /// Receives the rows of one file inside the ingest transaction.
    public final class FileWriter {
        let insertResponse: Statement
        let insertReject: Statement
        let path: String
        public private(set) var sha256: String
        public private(set) var bytes = 0
        let databasePath: String
        let database: Database
        let shouldStop: () -> Bool
        public private(set) var accepted = 0
        public private(set) var rejected = 0
        /// Title, blank and footer rows of tables: not forms, counted.
        public private(set) var skipped = 0
        /// Portal answer keys that name no item, with how many forms carried each.
        public private(set) var unknownAnswerKeys: [String: Int] = [:]
        /// The sums of the rows accepted so far (nil without a layout).
        var tally: FormTally? { builder?.tally }
        private var builder: FormTallyBuilder?
        private let answerCount: Int
        /// The caller computes the sums (`detachTally()`).
        private var tallyDetached = false
        /// The rowids of this file's forms: one contiguous range (a file's rows are written
        /// together), recorded in `source_files` so that they are replaced without an index.
        private(set) var firstRow: Int64 = 0
        private(set) var lastRow: Int64 = -1
        private var lastLine = 0
        private var lastPosition = -1
        /// The sheet (or HTML table) rows now come from, and its place among the file's
        /// tables: rows of different sheets share line numbers, so provenance and the order
        /// of "first seen" are (sheet order, line, position).
        private var sheet: String?
        private var sheetOrder = 0
        /// Sheets or tables with data but no usable header (`'Quý III' (40 rows)`).
        public private(set) var unreadTables: [String] = []
        /// The earliest date of a form rejected as dated after the day of the ingest.
        public private(set) var recheckOn: String?

        public func noteSkipped(_ count: Int) { skipped += count }

        /// The rows that follow come from the sheet (or table) `name`, the `order`-th of the
        /// file (counted from 1, increasing).
        public func beginSheet(_ name: String?, order: Int) throws {
            guard order > sheetOrder else {
                throw StorageError.sqlite(
                    path: databasePath, reason: "\(path): sheet \(order) arrived after sheet \(sheetOrder) (a reader bug)")
            }
            sheet = name
            sheetOrder = order
            lastLine = 0
            lastPosition = -1
        }

        /// A sheet or table with data but no usable header, its rows rejected: a problem of
        /// the file that needs the operator, beyond its rows.
        public func noteUnreadTable(_ description: String) { unreadTables.append(description) }

        /// A form rejected as dated `isoDate`, after the day of the ingest.
        public func noteDatedAfterToday(_ isoDate: String) {
            if recheckOn.map({ isoDate < $0 }) ?? true { recheckOn = isoDate }
        }

        /// The file's content hash and size, when they were computed while reading it
        /// (before its first row).
        public func setContent(sha256: String, bytes: Int) {
            self.sha256 = sha256
            self.bytes = bytes
        }

        /// Drops what was written for this file so far (a file refused as a whole after its
        /// first rows were read), inside the same transaction.
        public func discardRows() throws {
            if lastRow >= firstRow {
                try database.execute(
                    sql: "DELETE FROM responses WHERE rowid BETWEEN ? AND ? AND path = ?", arguments: [firstRow, lastRow, path])
            }
            try database.execute(sql: "DELETE FROM rejects WHERE path = ?", arguments: [path])
            firstRow = 0
            lastRow = -1
            lastLine = 0
            lastPosition = -1
            sheet = nil
            sheetOrder = 0
            unreadTables = []
            recheckOn = nil
            accepted = 0
            rejected = 0
            skipped = 0
            builder?.reset()
        }
        public func noteUnknownAnswerKey(_ key: String) { unknownAnswerKeys[key, default: 0] += 1 }

        init(
            db: Database, path: String, sha256: String, itemColumns: [String], databasePath: String,
            tallyLayout: TallyLayout?, shouldStop: @escaping () -> Bool
        ) throws {
            answerCount = itemColumns.count
            builder = tallyLayout.map { FormTallyBuilder(layout: $0, answerCount: itemColumns.count) }
            self.databasePath = databasePath
            self.database = db
            self.path = path
            self.sha256 = sha256
            self.shouldStop = shouldStop
            let columns = ["path", "line", "position", "response_id", "channel", "unit", "submitted_on",
                           "period", "dossier_code", "comment", "sheet", "sheet_order", "content_hash"] + itemColumns
            // Two rows with one (path, sheet, line, position) would be a bug, and must fail loudly:
            // `accept` requires them in increasing order.
            insertResponse = try db.makeStatement(sql: """
                INSERT INTO responses (\(columns.map { "\"\($0)\"" }.joined(separator: ", ")))
                VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                """)
            insertReject = try db.makeStatement(sql: """
                INSERT INTO rejects (path, line, position, file_sha256, response_id, reason, sheet, sheet_order)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        }

        private func checkStop() throws {
            guard (accepted + rejected) & 1023 == 0, accepted + rejected > 0 else { return }
            FaultInjection.point("ingest.rows")
            if shouldStop() { throw StorageError.interrupted }
        }

        /// An error of `sqlite3_step` on the ingest hot path, classified like every other
        /// (a full disk is not the inbox file's fault).
        func stepError(_ rc: Int32) -> StorageError {
            let message = String(cString: sqlite3_errstr(rc))
            switch rc & 0xFF {
            case SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM:
                return .full(path: databasePath, reason: message)
            case SQLITE_CORRUPT, SQLITE_NOTADB:
                return .corrupt(path: databasePath, detail: message)
            default:
                return .sqlite(path: databasePath, reason: "\(message) while storing a row of \(path)")
            }
        }

        /// Binds with the raw SQLite calls: this is the ingest hot path (GRDB's argument
        /// arrays box every value).
        public func accept(_ record: ResponseRecord) throws {
            try checkStop()
            guard record.line > lastLine || (record.line == lastLine && record.position > lastPosition) else {
                throw StorageError.sqlite(
                    path: databasePath,
                    reason: "\(path): form at line \(record.line), position \(record.position) arrived after line \(lastLine), position \(lastPosition) of the same sheet (a reader bug)")
            }
            lastLine = record.line
            lastPosition = record.position
            let raw = insertResponse.sqliteStatement
            sqlite3_reset(raw)
            var column: Int32 = 1
            func bind(_ text: String?) {
                Self.bindText(raw, column, text)
                column += 1
            }
            bind(record.path)
            sqlite3_bind_int64(raw, column, Int64(record.line))
            column += 1
            sqlite3_bind_int64(raw, column, Int64(record.position))
            column += 1
            bind(record.responseID)
            bind(record.channel.rawValue)
            bind(record.unit)
            bind(record.submittedOn)
            bind(record.period.description)
            bind(record.dossierCode)
            bind(record.comment)
            bind(sheet)
            sqlite3_bind_int64(raw, column, Int64(sheetOrder))
            column += 1
            sqlite3_bind_int64(raw, column, record.contentHash)
            column += 1
            for answer in record.answers {
                if let answer { sqlite3_bind_int64(raw, column, Int64(answer)) } else { sqlite3_bind_null(raw, column) }
                column += 1
            }
            let rc = sqlite3_step(raw)
            guard rc == SQLITE_DONE else { throw stepError(rc) }
            let rowid = sqlite3_last_insert_rowid(sqlite3_db_handle(raw))
            if lastRow < firstRow {
                firstRow = rowid
            } else if rowid != lastRow + 1 {
                throw StorageError.sqlite(path: databasePath, reason: "\(path): rows not stored together (rowid \(rowid) after \(lastRow))")
            }
            lastRow = rowid
            accepted += 1
            if !tallyDetached { builder?.add(record) }
        }

        /// Hands the computing of this file's sums to the caller (the thread that reads the
        /// file): this writer stops adding forms to them, and takes the caller's sums back
        /// with `attachTally` when the file is done. Nil when no sums are kept.
        public func detachTally() -> FormTallyBuilder? {
            guard let layout = builder?.layout else { return nil }
            tallyDetached = true
            return FormTallyBuilder(layout: layout, answerCount: answerCount)
        }

        /// The sums of every form accepted by this writer, computed by the caller.
        public func attachTally(_ sums: FormTallyBuilder) {
            builder = sums
            tallyDetached = false
        }

        public func reject(line: Int, position: Int = 0, responseID: String?, reason: String) throws {
            try checkStop()
            let raw = insertReject.sqliteStatement
            sqlite3_reset(raw)
            Self.bindText(raw, 1, path)
            sqlite3_bind_int64(raw, 2, Int64(line))
            sqlite3_bind_int64(raw, 3, Int64(position))
            Self.bindText(raw, 4, sha256)
            Self.bindText(raw, 5, responseID)
            Self.bindText(raw, 6, reason)
            Self.bindText(raw, 7, sheet)
            sqlite3_bind_int64(raw, 8, Int64(sheetOrder))
            let rc = sqlite3_step(raw)
            guard rc == SQLITE_DONE else { throw stepError(rc) }
            rejected += 1
        }

        /// Binds text by its byte length, not -1, so that a NUL inside it cannot cut it short.
        static func bindText(_ raw: OpaquePointer?, _ column: Int32, _ text: String?) {
            guard let text else {
                sqlite3_bind_null(raw, column)
                return
            }
            var native = text
            // A native string's own UTF-8 bytes (no copy here; SQLite copies them).
            native.withUTF8 { buffer in
                if buffer.isEmpty {
                    sqlite3_bind_text(raw, column, "", 0, sqliteTransient)
                } else {
                    buffer.withMemoryRebound(to: CChar.self) {
                        _ = sqlite3_bind_text(raw, column, $0.baseAddress, Int32($0.count), sqliteTransient)
                    }
                }
            }
        }
    }

    /// The changes of one ingest, applied together or not at all.
    public final class IngestTransaction {
        let db: Database
        let owner: SurveyDatabase
        let shouldStop: () -> Bool
        /// Whether `cell_sums` holds the sums of the current layout, kept up to date form by
        /// form; if not, they are computed again when the ingest ends.
        let keepsTallies: Bool

        init(db: Database, owner: SurveyDatabase, shouldStop: @escaping () -> Bool, keepsTallies: Bool) {
            self.db = db
            self.owner = owner
            self.shouldStop = shouldStop
            self.keepsTallies = keepsTallies
        }

        /// SQLite's structural check, inside the transaction (before the first change).
        public func integrityProblem() throws -> String? {
            let lines = try String.fetchAll(db, sql: "PRAGMA quick_check")
            return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
        }

        /// What the database holds now, inside the transaction.
        public func sourceFiles() throws -> [String: SourceFile] { try SurveyDatabase.sourceFiles(db) }

        /// Replaces everything stored from `path` with what `body` writes.
        public func replaceFile(
            path: String, channel: Channel, sha256: String, bytes: Int, identity: String = "", body: (FileWriter) throws -> Void
        ) throws {
            if shouldStop() { throw StorageError.interrupted }
            try deleteRows(path: path)
            for table in ["rejects", "cell_sums"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE path = ?", arguments: [path])
            }
            let writer = try FileWriter(
                db: db, path: path, sha256: sha256, itemColumns: owner.itemColumns, databasePath: owner.path,
                tallyLayout: owner.tallyLayout, shouldStop: shouldStop)
            try body(writer)
            if let tally = writer.tally { try TallyStore.write(tally, path: path, db: db) }
            let unknown = writer.unknownAnswerKeys.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO source_files (path, channel, sha256, bytes, status, problem, rows_skipped, unknown_answer_keys, identity, first_row, last_row, unread_tables, recheck_on)
                    VALUES (?, ?, ?, ?, 'present', NULL, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    path, channel.rawValue, writer.sha256, writer.sha256 == sha256 ? bytes : writer.bytes, writer.skipped, unknown,
                    identity, writer.firstRow, writer.lastRow, writer.unreadTables.joined(separator: "; "), writer.recheckOn ?? "",
                ])
        }

        /// Deletes the forms stored from `path` (its rowid range).
        private func deleteRows(path: String) throws {
            guard let range = try Row.fetchOne(db, sql: "SELECT first_row, last_row FROM source_files WHERE path = ?", arguments: [path]) else { return }
            let first: Int64 = range[0]
            let last: Int64 = range[1]
            guard last >= first else { return }
            try db.execute(sql: "DELETE FROM responses WHERE rowid BETWEEN ? AND ? AND path = ?", arguments: [first, last, path])
        }

        /// Marks a known file present again (same content as last read).
        public func markPresent(path: String, identity: String = "") throws {
            try db.execute(
                sql: "UPDATE source_files SET status = 'present', problem = NULL, identity = ? WHERE path = ?", arguments: [identity, path])
        }

        /// Records the identity of a known file found with the same bytes.
        public func setIdentity(path: String, identity: String) throws {
            try db.execute(sql: "UPDATE source_files SET identity = ? WHERE path = ?", arguments: [identity, path])
        }

        /// Marks a file gone from the inbox; its rows stay.
        public func markMissing(path: String) throws {
            try db.execute(sql: "UPDATE source_files SET status = 'missing', problem = NULL, identity = '' WHERE path = ?", arguments: [path])
        }

        /// Records that a file cannot be read now; its earlier rows (if any) stay.
        public func markUnreadable(path: String, channel: Channel, problem: String) throws {
            try db.execute(
                sql: """
                    INSERT INTO source_files (path, channel, sha256, bytes, status, problem)
                    VALUES (?, ?, '', 0, 'unreadable', ?)
                    ON CONFLICT(path) DO UPDATE SET status = 'unreadable', problem = excluded.problem, identity = ''
                    """,
                arguments: [path, channel.rawValue, problem])
        }

        /// Forgets a file and every row read from it.
        public func forget(path: String) throws {
            try deleteRows(path: path)
            for table in ["rejects", "source_files", "cell_sums"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE path = ?", arguments: [path])
            }
        }

        /// Decides every form's status over all files, whatever order they arrived in:
        /// - a (channel, form id) seen once is `accepted`;
        /// - seen several times with identical content (unit, date, dossier, answers): the
        ///   first by file path, sheet order, line and position is `accepted`, the others `duplicate`;
        /// - seen several times with different content: every version is a `conflict`, and
        ///   none is counted until the operator corrects or forgets a file;
        /// - `strayQuarters`: accepted forms dated in these quarters become `stray_date`.
        /// Then recounts every file's outcomes.
        public func resolve(strayQuarters: (_ formsPerQuarter: [String: Int]) -> Set<String>) throws {
            // The new status of every form that is not simply `accepted`, decided apart from
            // the stored statuses, so that only forms whose status changes are touched.
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS repeated (channel TEXT, response_id TEXT, versions INTEGER);
                DELETE FROM repeated;
                INSERT INTO repeated
                    SELECT channel, response_id, 0 FROM responses
                    GROUP BY channel, response_id HAVING COUNT(*) > 1;
                UPDATE repeated SET versions = (
                    SELECT COUNT(DISTINCT content_hash) FROM responses r
                    WHERE r.channel = repeated.channel AND r.response_id = repeated.response_id);
                CREATE TEMP TABLE IF NOT EXISTS decided (rid INTEGER PRIMARY KEY, status TEXT NOT NULL);
                DELETE FROM decided;
                INSERT INTO decided
                    SELECT r.rowid, 'conflict' FROM responses r JOIN repeated g
                      ON g.channel = r.channel AND g.response_id = r.response_id
                    WHERE g.versions > 1;
                INSERT INTO decided
                    SELECT rid, 'duplicate' FROM (
                        SELECT r.rowid AS rid, ROW_NUMBER() OVER (
                            PARTITION BY r.channel, r.response_id ORDER BY r.path, r.sheet_order, r.line, r.position) AS rank
                        FROM responses r JOIN repeated g
                          ON g.channel = r.channel AND g.response_id = r.response_id
                        WHERE g.versions = 1)
                    WHERE rank > 1;
                DELETE FROM repeated;
                """)
            var perQuarter: [String: Int] = [:]
            if keepsTallies {
                // Without reading every form: the accepted ones are counted in cell_sums, the
                // others found through the partial index.
                for row in try Row.fetchAll(db, sql: """
                    SELECT period, SUM(forms) FROM cell_sums GROUP BY period
                    UNION ALL
                    SELECT period, COUNT(*) FROM responses WHERE status <> 'accepted' GROUP BY period
                    UNION ALL
                    SELECT r.period, -COUNT(*) FROM temp.decided d JOIN responses r ON r.rowid = d.rid GROUP BY r.period
                    """) {
                    perQuarter[row[0], default: 0] += row[1] as Int
                }
                perQuarter = perQuarter.filter { $0.value > 0 }
            } else {
                for row in try Row.fetchAll(db, sql: """
                    SELECT period, COUNT(*) FROM responses WHERE rowid NOT IN (SELECT rid FROM temp.decided) GROUP BY period
                    """) {
                    perQuarter[row[0]] = row[1]
                }
            }
            let stray = strayQuarters(perQuarter)
            for quarter in stray.sorted() {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO decided SELECT rowid, 'stray_date' FROM responses WHERE period = ?",
                    arguments: [quarter])
            }
            // Forms whose status changes: set aside before (the partial index finds them) or now.
            let changes = try Row.fetchAll(db, sql: """
                SELECT r.rowid, r.status, COALESCE(d.status, 'accepted') FROM responses r
                  LEFT JOIN decided d ON d.rid = r.rowid
                WHERE r.status <> 'accepted' AND r.status <> COALESCE(d.status, 'accepted')
                UNION ALL
                SELECT r.rowid, r.status, d.status FROM decided d JOIN responses r ON r.rowid = d.rid
                WHERE r.status = 'accepted'
                """).map { (rowid: $0[0] as Int64, old: $0[1] as String, new: $0[2] as String) }
            if keepsTallies, let layout = owner.tallyLayout {
                let signed = changes.compactMap { change -> (rowid: Int64, sign: Int)? in
                    if change.old == "accepted" { return (change.rowid, -1) }
                    if change.new == "accepted" { return (change.rowid, 1) }
                    return nil
                }
                try TallyStore.adjust(db: db, layout: layout, itemColumns: owner.itemColumns, rowids: signed)
            }
            let update = try db.makeStatement(sql: "UPDATE responses SET status = ? WHERE rowid = ?")
            for change in changes { try update.execute(arguments: [change.new, change.rowid]) }
            try db.execute(sql: "DELETE FROM decided")
            try db.execute(sql: keepsTallies ? """
                UPDATE source_files SET
                    rows_accepted = COALESCE((SELECT SUM(forms) FROM cell_sums c WHERE c.path = source_files.path), 0),
                    rows_duplicate = (SELECT COUNT(*) FROM responses r
                        WHERE r.status <> 'accepted' AND r.status = 'duplicate' AND r.path = source_files.path),
                    rows_conflict = (SELECT COUNT(*) FROM responses r
                        WHERE r.status <> 'accepted' AND r.status = 'conflict' AND r.path = source_files.path),
                    rows_rejected = (SELECT COUNT(*) FROM rejects j WHERE j.path = source_files.path)
                        + (SELECT COUNT(*) FROM responses r
                            WHERE r.status <> 'accepted' AND r.status = 'stray_date' AND r.path = source_files.path);
                UPDATE source_files SET rows_read = rows_accepted + rows_duplicate + rows_conflict + rows_rejected;
                """ : """
                CREATE TEMP TABLE IF NOT EXISTS file_counts (
                    path TEXT PRIMARY KEY, accepted INTEGER, duplicate INTEGER, conflict INTEGER, stray INTEGER);
                DELETE FROM file_counts;
                INSERT INTO file_counts
                    SELECT path, SUM(status = 'accepted'), SUM(status = 'duplicate'), SUM(status = 'conflict'),
                           SUM(status = 'stray_date')
                    FROM responses GROUP BY path;
                UPDATE source_files SET
                    rows_accepted = COALESCE((SELECT accepted FROM file_counts c WHERE c.path = source_files.path), 0),
                    rows_duplicate = COALESCE((SELECT duplicate FROM file_counts c WHERE c.path = source_files.path), 0),
                    rows_conflict = COALESCE((SELECT conflict FROM file_counts c WHERE c.path = source_files.path), 0),
                    rows_rejected = (SELECT COUNT(*) FROM rejects j WHERE j.path = source_files.path)
                        + COALESCE((SELECT stray FROM file_counts c WHERE c.path = source_files.path), 0);
                UPDATE source_files SET rows_read = rows_accepted + rows_duplicate + rows_conflict + rows_rejected;
                DELETE FROM file_counts;
                """)
            // Dossiers rated on more than one accepted form, for `check` (which then reads
            // no form): they change only when the forms do.
            try db.execute(sql: """
                DELETE FROM dossier_repeats;
                INSERT INTO dossier_repeats
                    SELECT unit, period, COUNT(*) FROM (
                        SELECT unit, period, dossier_code FROM responses
                        WHERE status = 'accepted' AND dossier_code IS NOT NULL AND dossier_code <> ''
                        GROUP BY unit, period, dossier_code HAVING COUNT(*) > 1)
                    GROUP BY unit, period;
                """)
        }

        /// Sets values of `meta` inside the transaction.
        public func setMeta(_ values: [String: String]) throws {
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
    }

    /// Runs one ingest in one transaction: every change `body` makes (files replaced,
    /// marked, forgotten, statuses resolved, meta) is committed together, or none is.
    /// - Parameters:
    ///   - rebuild: drop and recreate the ingest tables first (a new instrument or schema).
    ///   - shouldStop: polled between files and every 1,024 rows; when it returns true the
    ///     ingest stops with `StorageError.interrupted` and nothing is committed.
    public func ingest(rebuild: Bool, shouldStop: @escaping () -> Bool = { false }, _ body: (IngestTransaction) throws -> Void) throws {
        try wrap {
            try queue.inTransaction { db in
                try createIngestTables(db, dropping: rebuild)
                let storedLayout = try String.fetchOne(
                    db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [TallyStore.metaKey])
                let empty = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM responses LIMIT 1)") == 0
                let keeps = tallyLayout != nil && (storedLayout == tallyLayout?.fingerprint || empty)
                if keeps, empty { try db.execute(sql: "DELETE FROM cell_sums") }
                try body(IngestTransaction(db: db, owner: self, shouldStop: shouldStop, keepsTallies: keeps))
                if let layout = tallyLayout {
                    let still = try String.fetchOne(
                        db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [TallyStore.metaKey])
                    if keeps && still != TallyStore.stale {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [TallyStore.metaKey, layout.fingerprint])
                    } else {
                        try TallyStore.rebuild(db: db, layout: layout, itemColumns: itemColumns)
                    }
                } else {
                    try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [TallyStore.metaKey])
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?), ('ingest_fingerprint', ?)",
                    arguments: [Self.schemaVersion, fingerprint])
                return .commit
            }
        }
        storedFingerprint = fingerprint
    }

    /// Rejected, duplicate and conflicting rows and file-level problems, in file, sheet, line
    /// and position order (file problems first, as line 0).
    public func rejectsAndDuplicates() throws -> [RejectRecord] {
        var out: [RejectRecord] = []
        try forEachRejectOrDuplicate { out.append($0) }
        return out
    }

    /// Streams what `rejectsAndDuplicates` returns, never holding it all.
    /// - Parameter strayReason: the reason for a form of status `stray_date`, given its date.
    public func forEachRejectOrDuplicate(
        strayReason: (String) -> String = { "dated \($0), outside the bulk of the data" },
        _ body: (RejectRecord) throws -> Void
    ) throws {
        guard storedFingerprint != nil else { return }
        try wrap {
            try queue.read { db in
                // Columns: path, line, kind, response_id, reason (or date), the other copy's
                // path and line, position, extra, sheet, sheet order, the other copy's sheet.
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT path, 0 AS line, 0 AS kind, NULL AS response_id, COALESCE(problem, '') AS reason,
                           NULL AS first_path, NULL AS first_line, 0 AS position, status AS extra,
                           NULL AS sheet, 0 AS sheet_order, NULL AS first_sheet
                    FROM source_files WHERE status <> 'present'
                    UNION ALL
                    SELECT path, line, 1, response_id, reason, NULL, NULL, position, NULL, sheet, sheet_order, NULL FROM rejects
                    UNION ALL
                    SELECT d.path, d.line, 2, d.response_id, NULL, f.path, f.line, d.position, NULL, d.sheet, d.sheet_order, f.sheet
                    FROM responses d JOIN responses f
                      ON f.channel = d.channel AND f.response_id = d.response_id AND f.status = 'accepted'
                    WHERE d.status <> 'accepted' AND d.status = 'duplicate'
                    UNION ALL
                    SELECT d.path, d.line, 3, d.response_id, NULL, o.path, o.line, d.position,
                        (SELECT COUNT(DISTINCT f.content_hash) FROM responses f
                           WHERE f.channel = d.channel AND f.response_id = d.response_id),
                        d.sheet, d.sheet_order, o.sheet
                    FROM responses d JOIN responses o ON o.rowid = (
                        SELECT f.rowid FROM responses f WHERE f.channel = d.channel AND f.response_id = d.response_id
                           AND f.rowid <> d.rowid ORDER BY f.path, f.sheet_order, f.line, f.position LIMIT 1)
                    WHERE d.status <> 'accepted' AND d.status = 'conflict'
                    UNION ALL
                    SELECT path, line, 4, response_id, submitted_on, NULL, NULL, position, NULL, sheet, sheet_order, NULL
                    FROM responses WHERE status <> 'accepted' AND status = 'stray_date'
                    ORDER BY 1, 11, 2, 8, 3
                    """)
                /// `a.csv:12`, or `a.xlsx:12 (sheet 'Quý I')`.
                func place(_ path: String, _ line: Int, _ sheet: String?) -> String {
                    "\(path):\(line)" + (sheet.map { " (\($0.hasPrefix("table ") ? $0 : "sheet '\($0)'"))" } ?? "")
                }
                while let row = try cursor.next() {
                    let kind: Int = row[2]
                    let path: String = row[0]
                    let line: Int = row[1]
                    let position: Int = row[7]
                    let id: String? = row[3]
                    let sheet: String? = row[9]
                    switch kind {
                    case 0:
                        let status: String = row[8]
                        let problem: String = row[4]
                        if status == SourceStatus.missing.rawValue {
                            try body(RejectRecord(
                                path: path, line: 0, outcome: .fileMissing, responseID: nil,
                                reason: "the file is no longer in the inbox; its rows still count until `pipeline ingest --forget \(path)`"))
                        } else {
                            try body(RejectRecord(path: path, line: 0, outcome: .fileUnreadable, responseID: nil, reason: problem))
                        }
                    case 1:
                        try body(RejectRecord(
                            path: path, line: line, position: position, outcome: .rejected, responseID: id, reason: row[4], sheet: sheet))
                    case 2:
                        let firstPath: String = row[5]
                        let firstLine: Int = row[6]
                        try body(RejectRecord(
                            path: path, line: line, position: position, outcome: .duplicate, responseID: id,
                            reason: "identical copy of form \(id ?? "") first read at \(place(firstPath, firstLine, row[11])); not counted twice",
                            sheet: sheet))
                    case 3:
                        let otherPath: String = row[5]
                        let otherLine: Int = row[6]
                        let versions: Int = row[8]
                        try body(RejectRecord(
                            path: path, line: line, position: position, outcome: .conflict, responseID: id,
                            reason: "form \(id ?? "") appears in \(versions) versions with different answers (also at \(place(otherPath, otherLine, row[11]))); no version is counted until the wrong one is corrected or its file forgotten",
                            sheet: sheet))
                    default:
                        let date: String = row[4]
                        try body(RejectRecord(
                            path: path, line: line, position: position, outcome: .rejected, responseID: id, reason: strayReason(date),
                            sheet: sheet))
                    }
                }
            }
        }
    }

    /// Every file as stored, whatever instrument the caller opened with (for inspection).
    public func sourceFilesIgnoringInstrument() throws -> [String: SourceFile] {
        try wrap { try queue.read { db in try Self.sourceFiles(db) } }
    }

    /// Outcomes over every file as stored, whatever instrument the caller opened with.
    public func outcomeCountsIgnoringInstrument() throws -> OutcomeCounts {
        Self.total(try wrap { try queue.read { db in try Self.sourceFiles(db) } }.values)
    }

    static func total(_ files: some Sequence<SourceFile>) -> OutcomeCounts {
        var counts = OutcomeCounts()
        for file in files {
            counts.read += file.rowsRead
            counts.accepted += file.accepted
            counts.rejected += file.rejected
            counts.duplicates += file.duplicates
            counts.conflicts += file.conflicts
        }
        return counts
    }

    /// Outcomes over every file.
    public func outcomeCounts() throws -> OutcomeCounts { Self.total(try sourceFiles().values) }

    /// Accepted forms per unit, channel and quarter.
    public func acceptedCounts() throws -> [(unit: String, channel: Channel, quarter: Period, forms: Int)] {
        guard storedFingerprint != nil else { return [] }
        return try wrap {
            try queue.read { db in
                // The kept sums count the accepted forms; without them, the forms themselves.
                let kept = try tallyLayout != nil && String.fetchOne(
                    db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [TallyStore.metaKey]) == tallyLayout?.fingerprint
                return try Row.fetchAll(db, sql: kept ? """
                    SELECT unit, channel, period, SUM(forms) FROM cell_sums GROUP BY unit, channel, period
                    """ : """
                    SELECT unit, channel, period, COUNT(*) FROM responses WHERE status = 'accepted'
                    GROUP BY unit, channel, period
                    """).map { row in
                    let table = kept ? "cell_sums" : "responses"
                    guard let channel = Channel(rawValue: row[1]) else {
                        throw StorageError.undecodable(table: table, column: "channel", value: row[1] ?? "NULL", row: "unit \(row[0] as String)")
                    }
                    guard let period = Period(row[2] as String) else {
                        throw StorageError.undecodable(table: table, column: "period", value: row[2] ?? "NULL", row: "unit \(row[0] as String)")
                    }
                    return (row[0], channel, period, row[3])
                }
            }
        }
    }

    // MARK: reading for check and stats

    /// Streams every accepted form (never holding them all), in file, sheet, line and position
    /// order, whatever order the files were ingested in.
    public func forEachAcceptedForm(_ body: (StoredForm) throws -> Void) throws {
        guard storedFingerprint != nil else { return }
        try wrap {
            try queue.read { db in
                try TallyStore.forEachForm(
                    db: db, itemColumns: itemColumns, where: "status = 'accepted'", order: "path, sheet_order, line, position"
                ) { form in
                    try body(StoredForm(
                        unit: form.unit, channel: form.channel, submittedOn: form.submittedOn, period: form.period,
                        answers: form.answers))
                }
            }
        }
    }

    /// Per unit and quarter, the forms set aside as duplicates of an earlier form.
    public func duplicateCounts() throws -> [String: [Period: Int]] {
        try groupedCounts(sql: "SELECT unit, period, COUNT(*) FROM responses WHERE status <> 'accepted' AND status = 'duplicate' GROUP BY unit, period")
    }

    /// Per unit and quarter, dossier codes rated on more than one accepted form.
    public func repeatedDossierCounts() throws -> [String: [Period: Int]] {
        // Counted by the ingest when it resolves the forms' statuses.
        try groupedCounts(sql: "SELECT unit, period, repeated FROM dossier_repeats")
    }

    private func groupedCounts(sql: String) throws -> [String: [Period: Int]] {
        guard storedFingerprint != nil else { return [:] }
        return try wrap {
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

    /// Replaces the `estimates` table and records, in the same transaction, what it was
    /// computed from (`meta`).
    public func replaceEstimates(_ rows: [EstimateRow], meta: [String: String]) throws {
        try wrap {
            try queue.inTransaction { db in
                try db.execute(sql: "DELETE FROM estimates")
                for (key, value) in meta.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                let insert = try db.makeStatement(sql: "INSERT INTO estimates VALUES (?, ?, ?, ?, ?, ?, ?)")
                // Raw binds: hundreds of thousands of rows, and GRDB boxes every argument.
                let raw = insert.sqliteStatement
                for r in rows {
                    sqlite3_reset(raw)
                    for (i, text) in [r.scope.rawValue, r.unit, r.period, r.subject, r.statistic, r.method].enumerated() {
                        FileWriter.bindText(raw, Int32(i + 1), text)
                    }
                    if let value = r.value, value.isFinite { sqlite3_bind_double(raw, 7, value) } else { sqlite3_bind_null(raw, 7) }
                    let rc = sqlite3_step(raw)
                    guard rc == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
                }
                sqlite3_reset(raw)
                return .commit
            }
        }
    }

    /// Rows of the `estimates` table.
    public func estimatesCount() throws -> Int {
        try wrap { try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM estimates") ?? 0 } }
    }

    /// Cells (scope, unit, period) whose published index is flagged Q, U or I.
    public func flaggedCells() throws -> Int {
        try wrap {
            try queue.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM (SELECT DISTINCT scope, unit, period FROM estimates
                    WHERE statistic = 'flag' AND method IN ('Q', 'U', 'I') AND question_or_factor IN ('index', 'ALL'))
                    """) ?? 0
            }
        }
    }

    /// The `estimates` table, in the order it was written.
    public func estimates() throws -> [EstimateRow] {
        try wrap {
            try queue.read { db in
                // Raw column reads, with the repeated texts (units, periods, ids) shared.
                let statement = try db.makeStatement(sql: """
                    SELECT scope, unit, period, question_or_factor, statistic, method, value FROM estimates ORDER BY rowid
                    """)
                let raw = statement.sqliteStatement
                defer { sqlite3_reset(raw) }
                var pool: [String: String] = [:]
                func text(_ i: Int32) -> String {
                    let s = TallyStore.text(raw, i)
                    if let shared = pool[s] { return shared }
                    pool[s] = s
                    return s
                }
                var rows: [EstimateRow] = []
                while true {
                    let rc = sqlite3_step(raw)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
                    guard let scope = Scope(rawValue: text(0)) else { continue }
                    rows.append(EstimateRow(
                        scope: scope, unit: text(1), period: text(2), subject: text(3), statistic: text(4), method: text(5),
                        value: sqlite3_column_type(raw, 6) == SQLITE_NULL ? nil : sqlite3_column_double(raw, 6)))
                }
                return rows
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
    /// Replaces the `checks` table and records, in the same transaction, what it was
    /// computed from (`meta`).
    public func replaceChecks(_ results: [CheckResult], meta: [String: String]) throws {
        try wrap {
            try queue.inTransaction { db in
                try db.execute(sql: "DELETE FROM checks")
                for (key, value) in meta.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
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
                try Row.fetchAll(db, sql: "SELECT * FROM checks ORDER BY rowid").map { row in
                    let periodText: String = row["period"]
                    let place = "the check of \(row["unit"] as String? ?? "?") \(periodText)"
                    guard let period = Period(periodText) else {
                        throw StorageError.undecodable(table: "checks", column: "period", value: periodText, row: place)
                    }
                    guard let status = CheckResult.Status(rawValue: row["status"]) else {
                        throw StorageError.undecodable(table: "checks", column: "status", value: row["status"] ?? "NULL", row: place)
                    }
                    return CheckResult(
                        unit: row["unit"], period: period, check: row["check_name"], subject: row["subject"],
                        observed: row["observed"], required: row["required"], status: status, message: row["message"])
                }
            }
        }
    }
}

/// SQLite copies bound text before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Named points where the fault tests kill the process (`SIPAS_FAULT=point[@n][:term]`);
/// inert unless that environment variable is set.
public enum FaultInjection {
    public static func point(_ name: String) { cshims_fault_point(name) }
}
