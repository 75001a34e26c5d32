import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

extension SurveyDatabase {
    // MARK: stage outputs

    /// Replaces the `estimates` table and records, in the same transaction, what it was
    /// computed from (`meta`).
    public func replaceEstimates(_ rows: [EstimateRow], meta: [String: String]) throws {
        try replaceEstimates(meta: meta) { insert in
            for row in rows { try insert(row) }
            return [:]
        }
    }

    /// Replaces the `estimates` table with the rows `produce` hands to its `insert` as it
    /// makes them (nothing held in memory), and records `meta` and the meta `produce` returns,
    /// in one transaction: a failure or a kill inside `produce` leaves the previous estimates.
    public func replaceEstimates(
        meta: [String: String], _ produce: (_ insert: (EstimateRow) throws -> Void) throws -> [String: String]
    ) throws {
        try wrap {
            // The rows are appended in order: SQLite's default 2 MiB of page cache is enough,
            // and the ingest's 32 MiB would stay held through the report (measured at 200 units).
            try queue.inDatabase { db in try db.execute(sql: Self.smallPageCache) }
            defer { try? queue.inDatabase { db in try db.execute(sql: Self.largePageCache) } }
            try queue.inTransaction { db in
                try db.execute(sql: "DELETE FROM estimates")
                // Counts of the rows below, if `produce` returns them; else counted when asked.
                try db.execute(sql: "DELETE FROM meta WHERE key IN ('estimates_rows', 'cells_flagged')")
                for (key, value) in meta.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                // Rows go in batches of `batch` per statement: each step of a statement costs
                // about as much again as the row it inserts (opening the table, finding its
                // end, closing), a third of the insert (measured with callgrind at 20 units).
                let batch = Self.estimatesBatch
                let one = try db.makeStatement(sql: "INSERT INTO estimates VALUES (?, ?, ?, ?, ?, ?, ?)")
                let many = try db.makeStatement(
                    sql: "INSERT INTO estimates VALUES " + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: batch).joined(separator: ", "))
                // Raw binds: hundreds of thousands of rows, and GRDB boxes every argument.
                let rawOne = one.sqliteStatement
                let rawMany = many.sqliteStatement
                defer {
                    sqlite3_reset(rawOne)
                    sqlite3_reset(rawMany)
                }
                // The six texts of each waiting row copied into one buffer and bound without
                // SQLite copying them again (a copy and an allocation per text cost an eighth
                // of `stats`); bound only when the batch is full, so the buffer no longer moves.
                var bytes: [UInt8] = []
                bytes.reserveCapacity(256 * batch)
                var ends: [Int] = []
                ends.reserveCapacity(6 * batch)
                var values: [Double?] = []
                values.reserveCapacity(batch)
                /// Binds the waiting rows `rows` to the parameters of `raw`, from its first, and steps it.
                func step(_ raw: OpaquePointer?, rows: Range<Int>) throws {
                    let rc: Int32 = bytes.withUnsafeBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { chars in
                            var start = rows.lowerBound == 0 ? 0 : ends[6 * rows.lowerBound - 1]
                            for r in rows {
                                let first = Int32(7 * (r - rows.lowerBound))
                                for i in 0..<6 {
                                    let end = ends[6 * r + i]
                                    // A nil destructor is SQLite's "static": the bytes stay as they are until the step.
                                    sqlite3_bind_text(raw, first + Int32(i + 1), chars.baseAddress! + start, Int32(end - start), nil)
                                    start = end
                                }
                                if let value = values[r], value.isFinite {
                                    sqlite3_bind_double(raw, first + 7, value)
                                } else {
                                    sqlite3_bind_null(raw, first + 7)
                                }
                            }
                            return sqlite3_step(raw)
                        }
                    }
                    sqlite3_reset(raw)
                    guard rc == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
                }
                // The scope, unit and period of the last row, encoded: a cell's rows come
                // together, so most rows copy them instead of encoding three texts again.
                var prefix: [UInt8] = []
                var prefixEnds = (0, 0, 0)
                var prefixOf: (scope: Scope, unit: String, period: String)?
                let more = try produce { r in
                    // Field by field, not through an array of the six (an allocation per row).
                    let start = bytes.count
                    if let last = prefixOf, last.scope == r.scope, last.unit == r.unit, last.period == r.period {
                        bytes.append(contentsOf: prefix)
                    } else {
                        prefix.removeAll(keepingCapacity: true)
                        prefix.appendUTF8(r.scope.rawValue)
                        prefixEnds.0 = prefix.count
                        prefix.appendUTF8(r.unit)
                        prefixEnds.1 = prefix.count
                        prefix.appendUTF8(r.period)
                        prefixEnds.2 = prefix.count
                        prefixOf = (r.scope, r.unit, r.period)
                        bytes.append(contentsOf: prefix)
                    }
                    ends.append(start + prefixEnds.0)
                    ends.append(start + prefixEnds.1)
                    ends.append(start + prefixEnds.2)
                    bytes.appendUTF8(r.subject)
                    ends.append(bytes.count)
                    bytes.appendUTF8(r.statistic)
                    ends.append(bytes.count)
                    bytes.appendUTF8(r.method)
                    ends.append(bytes.count)
                    values.append(r.value)
                    guard values.count == batch else { return }
                    try step(rawMany, rows: 0..<batch)
                    bytes.removeAll(keepingCapacity: true)
                    ends.removeAll(keepingCapacity: true)
                    values.removeAll(keepingCapacity: true)
                }
                // The last rows, fewer than a batch, one statement each.
                for r in 0..<values.count { try step(rawOne, rows: r..<(r + 1)) }
                sqlite3_clear_bindings(rawOne)
                sqlite3_clear_bindings(rawMany)
                for (key, value) in more.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                return .commit
            }
        }
    }

    /// Rows of the `estimates` table: as `stats` counted them (`meta` `estimates_rows`),
    /// else counted (a database of an earlier release).
    public func estimatesCount() throws -> Int {
        if let stored = try meta("estimates_rows").flatMap(Int.init) { return stored }
        return try wrap { try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM estimates") ?? 0 } }
    }

    /// Cells (scope, unit, period) whose published index is flagged Q, U or I: as `stats`
    /// counted them (`meta` `cells_flagged`), else counted from the table.
    public func flaggedCells() throws -> Int {
        if let stored = try meta("cells_flagged").flatMap(Int.init) { return stored }
        return try wrap {
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
        var rows: [EstimateRow] = []
        try forEachEstimate { rows.append($0) }
        return rows
    }

    /// Each row of the `estimates` table in the order it was written, one at a time.
    public func forEachEstimate(_ body: (EstimateRow) throws -> Void) throws {
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
                var line = 0
                while true {
                    let rc = sqlite3_step(raw)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
                    line += 1
                    let scopeText = text(0)
                    guard let scope = Scope(rawValue: scopeText) else {
                        throw StorageError.undecodable(table: "estimates", column: "scope", value: scopeText, row: "row \(line)")
                    }
                    try body(EstimateRow(
                        scope: scope, unit: text(1), period: text(2), subject: text(3), statistic: text(4), method: text(5),
                        value: sqlite3_column_type(raw, 6) == SQLITE_NULL ? nil : sqlite3_column_double(raw, 6)))
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
                        c.unit.code, c.period.description, c.check, c.subject, c.observed, c.required, c.status.rawValue, c.message,
                    ])
                    try insert.execute()
                }
                return .commit
            }
        }
    }

    /// The `checks` table, in the order it was written.
    public func checks() throws -> [CheckResult] {
        try wrap { try queue.read { db in try Self.checks(db, notPassed: false) } }
    }

    /// What a summary of the stored checks needs, without reading the tens of thousands that
    /// passed (every nightly run asks): how many there are, the unit × period cells they
    /// cover, and the checks that did not pass, in the order they were written.
    public func checkDigest() throws -> (count: Int, cells: Int, notPassed: [CheckResult]) {
        try wrap {
            try queue.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT unit, period FROM checks)) FROM checks
                    """)
                return (row?[0] ?? 0, row?[1] ?? 0, try Self.checks(db, notPassed: true))
            }
        }
    }

    private static func checks(_ db: Database, notPassed: Bool) throws -> [CheckResult] {
        // Raw column reads: tens of thousands of checks at a province's size.
        let statement = try db.makeStatement(sql: """
            SELECT unit, period, check_name, subject, observed, required, status, message FROM checks
            \(notPassed ? "WHERE status IS NOT 'pass'" : "") ORDER BY rowid
            """)
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }
        var periods: [String: Period] = [:]
        var results: [CheckResult] = []
        while true {
            let rc = sqlite3_step(raw)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
            let unit = TallyStore.text(raw, 0)
            let periodText = TallyStore.text(raw, 1)
            // Worded only for an error: tens of thousands of rows on every nightly run.
            var place: String { "the check of \(unit) \(periodText)" }
            guard let period = periods[periodText] ?? Period(periodText) else {
                throw StorageError.undecodable(table: "checks", column: "period", value: periodText, row: place)
            }
            periods[periodText] = period
            let statusText = sqlite3_column_type(raw, 6) == SQLITE_NULL ? "NULL" : TallyStore.text(raw, 6)
            guard let status = CheckResult.Status(rawValue: statusText) else {
                throw StorageError.undecodable(table: "checks", column: "status", value: statusText, row: place)
            }
            func number(_ i: Int32) -> Double? { sqlite3_column_type(raw, i) == SQLITE_NULL ? nil : sqlite3_column_double(raw, i) }
            results.append(CheckResult(
                unit: UnitCode(unit), period: period, check: TallyStore.text(raw, 2), subject: TallyStore.text(raw, 3),
                observed: number(4), required: number(5), status: status, message: TallyStore.text(raw, 7)))
        }
        return results
    }
}

/// SQLite copies bound text before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Named points where the fault tests kill the process (`SIPAS_FAULT=point[@n][:term]`);
/// inert unless that environment variable is set.
public enum FaultInjection {
    public static func point(_ name: String) { cshims_fault_point(name) }
}
