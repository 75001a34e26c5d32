import GRDB

/// How `work/pipeline.sqlite` evolves: GRDB's `DatabaseMigrator`, one migration per change
/// of the layout, applied in order to whatever database is opened, so that a database made by
/// an earlier release keeps its forms (its `grdb_migrations` table says which have run).
///
/// The ingest tables hold one column per item (`responses`), so they are made for an
/// instrument by the ingest (`createIngestTables`), and made again, from the inbox, when the
/// instrument changes; the migrations bring the tables that exist up to the current layout.
enum Schema {
    /// The layout the release before migrations wrote (meta `schema_version`).
    static let unmigratedVersion = "5"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // The stage outputs and what each stage ran on; the ingest tables come with the instrument.
        migrator.registerMigration("v5") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
        }
        // Issue 15: every sheet of a workbook. Rows name their sheet and its order in the
        // file; rejects are keyed by it (rows of two sheets share line numbers); a file keeps
        // its sheets without a usable header and the first date of a form dated after the
        // ingest day (it is read again from that day).
        migrator.registerMigration("v6-sheets") { db in
            // Only the layout before it is brought forward; an older one is made again from
            // the inbox by the next ingest (its `schema_version` stays, and says so).
            guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") == unmigratedVersion else { return }
            if try db.tableExists("responses") {
                let columns = Set(try db.columns(in: "responses").map(\.name))
                if !columns.contains("sheet") { try db.execute(sql: "ALTER TABLE responses ADD COLUMN sheet TEXT") }
                if !columns.contains("sheet_order") {
                    try db.execute(sql: "ALTER TABLE responses ADD COLUMN sheet_order INTEGER NOT NULL DEFAULT 0")
                }
            }
            if try db.tableExists("source_files") {
                let columns = Set(try db.columns(in: "source_files").map(\.name))
                for column in ["unread_tables", "recheck_on"] where !columns.contains(column) {
                    try db.execute(sql: "ALTER TABLE source_files ADD COLUMN \(column) TEXT NOT NULL DEFAULT ''")
                }
            }
            if try db.tableExists("rejects"), !Set(try db.columns(in: "rejects").map(\.name)).contains("sheet_order") {
                // A new primary key: the table is made again and its rows copied.
                try db.execute(sql: """
                    CREATE TABLE rejects_v6 (
                        path TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,
                        file_sha256 TEXT NOT NULL, response_id TEXT, reason TEXT NOT NULL,
                        sheet TEXT, sheet_order INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (path, sheet_order, line, position));
                    INSERT INTO rejects_v6 (path, line, position, file_sha256, response_id, reason)
                        SELECT path, line, position, file_sha256, response_id, reason FROM rejects;
                    DROP TABLE rejects;
                    ALTER TABLE rejects_v6 RENAME TO rejects;
                    """)
            }
            try db.execute(sql: "UPDATE meta SET value = '6' WHERE key = 'schema_version'")
        }
        return migrator
    }

    /// Brings the database at `queue` to the current layout. Every migration only adds what
    /// is missing, so a database of the release before migrations (`schema_version` 5, no
    /// `grdb_migrations`) runs them all and keeps its rows; one older still keeps its layout
    /// and has its ingest tables made again from the inbox by the next ingest, as before.
    /// - Returns: the meta `schema_version` after migrating (nil for a new database).
    static func migrate(_ queue: DatabaseQueue) throws -> String? {
        try migrator.migrate(queue)
        return try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") }
    }
}
