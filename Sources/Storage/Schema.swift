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
        // The estimates as numbers: each row its cell's number, its term's number and its
        // value, the texts of the few thousand cells and terms once, and a view `estimates`
        // with the columns and rows of the table it replaces (a third of the file at 200
        // units, and a third of the insert's work).
        migrator.registerMigration("v7-estimates") { db in
            try db.execute(sql: """
                CREATE TABLE estimate_cells (
                    id INTEGER PRIMARY KEY, scope TEXT NOT NULL, unit TEXT NOT NULL, period TEXT NOT NULL);
                CREATE TABLE estimate_terms (
                    id INTEGER PRIMARY KEY, question_or_factor TEXT NOT NULL, statistic TEXT NOT NULL, method TEXT NOT NULL);
                CREATE TABLE estimate_values (cell INTEGER NOT NULL, term INTEGER NOT NULL, value REAL);
                """)
            if try db.tableExists("estimates") {
                let columns = Set(try db.columns(in: "estimates").map(\.name))
                if columns == ["scope", "unit", "period", "question_or_factor", "statistic", "method", "value"] {
                    // Numbered in the order they first come, as `replaceEstimates` numbers them.
                    try db.execute(sql: """
                        INSERT INTO estimate_cells (scope, unit, period)
                            SELECT scope, unit, period FROM estimates GROUP BY scope, unit, period ORDER BY MIN(rowid);
                        INSERT INTO estimate_terms (question_or_factor, statistic, method)
                            SELECT question_or_factor, statistic, method FROM estimates
                            GROUP BY question_or_factor, statistic, method ORDER BY MIN(rowid);
                        CREATE TEMP TABLE cell_numbers AS SELECT * FROM estimate_cells;
                        CREATE INDEX temp.cell_numbers_by_text ON cell_numbers (scope, unit, period);
                        CREATE TEMP TABLE term_numbers AS SELECT * FROM estimate_terms;
                        CREATE INDEX temp.term_numbers_by_text ON term_numbers (question_or_factor, statistic, method);
                        INSERT INTO estimate_values (cell, term, value)
                            SELECT c.id, t.id, e.value FROM estimates e
                            JOIN cell_numbers c ON c.scope = e.scope AND c.unit = e.unit AND c.period = e.period
                            JOIN term_numbers t ON t.question_or_factor = e.question_or_factor
                                AND t.statistic = e.statistic AND t.method = e.method
                            ORDER BY e.rowid;
                        DROP TABLE temp.cell_numbers;
                        DROP TABLE temp.term_numbers;
                        """)
                } else {
                    // Another layout (a release older still): computed again by the next `stats`.
                    try db.execute(sql: "DELETE FROM meta WHERE key IN ('estimates_inputs', 'estimates_rows', 'cells_flagged')")
                }
                try db.execute(sql: "DROP TABLE estimates")
            }
            try db.execute(sql: """
                CREATE VIEW estimates AS
                    SELECT c.scope AS scope, c.unit AS unit, c.period AS period,
                        t.question_or_factor AS question_or_factor, t.statistic AS statistic, t.method AS method,
                        v.value AS value
                    FROM estimate_values v
                    JOIN estimate_cells c ON c.id = v.cell
                    JOIN estimate_terms t ON t.id = v.term
                    ORDER BY v.rowid;
                """)
            try db.execute(sql: "UPDATE meta SET value = '7' WHERE key = 'schema_version' AND value = '6'")
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
