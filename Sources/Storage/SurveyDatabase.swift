import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel


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
/// - `estimate_values`, `estimate_cells`, `estimate_terms` (read as the view `estimates`),
///   `checks`: the outputs of `stats` and `check`;
/// - `stage_runs`: what each stage read and wrote, the program version and the time.
///
/// Ingest changes these tables in one transaction (`ingest(_:)`), so a crash leaves either
/// the previous state or the next, never a part.
public final class SurveyDatabase {
    public static let schemaVersion = "7"
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
    /// 32 MiB of page cache, for the ingest (see `open`).
    static let largePageCache = "PRAGMA cache_size = -32768"
    /// SQLite's default 2 MiB, for writes in order (the estimates).
    static let smallPageCache = "PRAGMA cache_size = -2048"
    /// Rows of `estimate_values` inserted by one statement (three parameters each, far below
    /// SQLite's limit of 32,766).
    static let estimatesBatch = 64

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
            config.prepareDatabase { db in try db.execute(sql: Self.largePageCache) }
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

    /// Migrates the database to the current layout (`Schema`); returns the fingerprint the
    /// ingest tables were built for, or nil when they were never built for the current schema.
    private static func prepareSchema(
        queue: DatabaseQueue, path: String, itemColumns: [String], fingerprint: String
    ) throws -> String? {
        do {
            let version = try Schema.migrate(queue)
            guard version == schemaVersion else { return nil }
            return try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ingest_fingerprint'") }
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
            \(Self.responsesByID);
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
    public static let derivedTables = ["meta", "source_files", "cell_sums", "dossier_repeats", "rejects", "estimate_cells", "estimate_terms", "estimate_values", "checks"]

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

    /// Runs one ingest in one transaction: every change `body` makes (files replaced,
    /// marked, forgotten, statuses resolved, meta) is committed together, or none is.
    /// - Parameters:
    ///   - rebuild: drop and recreate the ingest tables first (a new instrument or schema).
    ///   - shouldStop: polled between files and every 1,024 rows; when it returns true the
    ///     ingest stops with `StorageError.interrupted` and nothing is committed.
    /// The index of forms by channel and form id (duplicates and conflicts are found with it).
    static let responsesByID = "CREATE INDEX IF NOT EXISTS responses_by_id ON responses (channel, response_id, content_hash)"

    public func ingest(rebuild: Bool, shouldStop: @escaping () -> Bool = { false }, _ body: (IngestTransaction) throws -> Void) throws {
        try wrap {
            try queue.inTransaction { db in
                try createIngestTables(db, dropping: rebuild)
                let storedLayout = try String.fetchOne(
                    db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [TallyStore.metaKey])
                let empty = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM responses LIMIT 1)") == 0
                let keeps = tallyLayout != nil && (storedLayout == tallyLayout?.fingerprint || empty)
                if keeps, empty { try db.execute(sql: "DELETE FROM cell_sums") }
                // Into an empty table (a first run, a new instrument) the forms go without the
                // index by form id, which is made once they are all in (`resolve`, or below):
                // kept up row by row it costs twice as much as made at once (measured at 200
                // units). Dropped and made in this transaction: a failure leaves it as it was.
                if empty { try db.execute(sql: "DROP INDEX IF EXISTS responses_by_id") }
                try body(IngestTransaction(db: db, owner: self, shouldStop: shouldStop, keepsTallies: keeps))
                try db.execute(sql: Self.responsesByID)
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
}
