import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

extension SurveyDatabase {
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
        /// Forms of a ceased unit counted for its successor: (named, counted for) → forms.
        public private(set) var reassigned: [UnitCode: (successor: UnitCode, forms: Int)] = [:]
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
            if let written = record.writtenUnit {
                reassigned[written, default: (record.unit, 0)].forms += 1
            }
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
            bind(record.unit.code)
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
}
