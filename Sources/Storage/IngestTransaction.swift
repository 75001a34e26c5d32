import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

extension SurveyDatabase {
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

        /// Records that a file moved to `new` (renamed, or archived): its forms, rejects and
        /// sums are kept under the new path; nothing is read again.
        public func move(from old: String, to new: String, identity: String) throws {
            for table in ["responses", "rejects", "cell_sums"] {
                try db.execute(sql: "UPDATE \(table) SET path = ? WHERE path = ?", arguments: [new, old])
            }
            try db.execute(
                sql: "UPDATE source_files SET path = ?, status = 'present', problem = NULL, identity = ? WHERE path = ?",
                arguments: [new, identity, old])
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
            // The index by form id, if the forms went in without it (`SurveyDatabase.ingest`).
            try db.execute(sql: SurveyDatabase.responsesByID)
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
}
