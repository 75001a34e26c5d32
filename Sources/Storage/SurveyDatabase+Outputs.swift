import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

extension SurveyDatabase {
    // MARK: stage outputs

    /// Replaces the estimates and records, in the same transaction, what it was
    /// computed from (`meta`).
    public func replaceEstimates(_ rows: [EstimateRow], meta: [String: String]) throws {
        try replaceEstimates(meta: meta) { insert in
            for row in rows { try insert(row) }
            return [:]
        }
    }

    /// Replaces the estimates with the rows `produce` hands to its `insert` as it
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
                try db.execute(sql: "DELETE FROM estimate_values; DELETE FROM estimate_cells; DELETE FROM estimate_terms")
                // Counts of the rows below, if `produce` returns them; else counted when asked.
                try db.execute(sql: "DELETE FROM meta WHERE key IN ('estimates_rows', 'cells_flagged')")
                for (key, value) in meta.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                // A row is its cell's number, its term's number and its value (`Schema`, the
                // view `estimates` puts the texts back): three numbers to bind and store where
                // six texts cost two thirds of the insert. Cells and terms are numbered as
                // they first come.
                let addCell = try db.makeStatement(sql: "INSERT INTO estimate_cells (id, scope, unit, period) VALUES (?, ?, ?, ?)")
                let addTerm = try db.makeStatement(
                    sql: "INSERT INTO estimate_terms (id, question_or_factor, statistic, method) VALUES (?, ?, ?, ?)")
                var cells: [EstimateCellText: Int64] = [:]
                var terms: [EstimateTermText: Int64] = [:]
                var termTexts: [EstimateTermText] = []
                // The term that came after each term (by number, 0 for the first row) last time; 0: none yet.
                var following: [Int64] = [0]
                var lastTerm: Int64 = 0
                var lastCell: (scope: Scope, unit: String, period: String, id: Int64)?
                // Rows go in batches of `batch` per statement: each step of a statement costs
                // about as much again as the row it inserts (opening the table, finding its
                // end, closing; measured with callgrind at 20 units).
                let batch = Self.estimatesBatch
                let one = try db.makeStatement(sql: "INSERT INTO estimate_values (cell, term, value) VALUES (?, ?, ?)")
                let many = try db.makeStatement(
                    sql: "INSERT INTO estimate_values (cell, term, value) VALUES " + Array(repeating: "(?, ?, ?)", count: batch).joined(separator: ", "))
                // Raw binds: hundreds of thousands of rows, and GRDB boxes every argument.
                let rawOne = one.sqliteStatement
                let rawMany = many.sqliteStatement
                defer {
                    sqlite3_reset(rawOne)
                    sqlite3_reset(rawMany)
                }
                var waiting: [(cell: Int64, term: Int64, value: Double?)] = []
                waiting.reserveCapacity(batch)
                /// Binds the waiting rows `rows` to the parameters of `raw`, from its first, and steps it.
                func step(_ raw: OpaquePointer?, rows: Range<Int>) throws {
                    for r in rows {
                        let first = Int32(3 * (r - rows.lowerBound))
                        sqlite3_bind_int64(raw, first + 1, waiting[r].cell)
                        sqlite3_bind_int64(raw, first + 2, waiting[r].term)
                        if let value = waiting[r].value, value.isFinite {
                            sqlite3_bind_double(raw, first + 3, value)
                        } else {
                            sqlite3_bind_null(raw, first + 3)
                        }
                    }
                    let rc = sqlite3_step(raw)
                    sqlite3_reset(raw)
                    guard rc == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
                }
                let more = try produce { r in
                    // Field by field: binding the whole tuple would copy its texts for every row.
                    let cell: Int64
                    if let last = lastCell, last.scope == r.scope, last.unit == r.unit, last.period == r.period {
                        cell = last.id
                    } else {
                        cell = try Self.number(EstimateCellText(scope: r.scope, unit: r.unit, period: r.period), in: &cells) {
                            try addCell.execute(arguments: [$0, r.scope.rawValue, r.unit, r.period])
                        }
                        lastCell = (r.scope, r.unit, r.period, cell)
                    }
                    // A cell's rows come in the order of the cell before it of the same kind: the
                    // term that followed the last row's term last time is tried first (three
                    // short comparisons where hashing the three texts cost a quarter of the insert).
                    let term: Int64
                    let guess = following[Int(lastTerm)]
                    if guess != 0, termTexts[Int(guess) - 1].matches(r) {
                        term = guess
                    } else {
                        let termText = EstimateTermText(subject: r.subject, statistic: r.statistic, method: r.method)
                        term = try Self.number(termText, in: &terms) {
                            termTexts.append(termText)
                            following.append(0)
                            try addTerm.execute(arguments: [$0, r.subject, r.statistic, r.method])
                        }
                        following[Int(lastTerm)] = term
                    }
                    lastTerm = term
                    waiting.append((cell, term, r.value))
                    guard waiting.count == batch else { return }
                    try step(rawMany, rows: 0..<batch)
                    waiting.removeAll(keepingCapacity: true)
                }
                // The last rows, fewer than a batch, one statement each.
                for r in waiting.indices { try step(rawOne, rows: r..<(r + 1)) }
                for (key, value) in more.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                return .commit
            }
        }
    }

    /// The number of `text` among `numbers`; a new one, which `add` records, if it has none.
    static func number<Text: Hashable>(_ text: Text, in numbers: inout [Text: Int64], add: (Int64) throws -> Void) rethrows -> Int64 {
        if let known = numbers[text] { return known }
        let new = Int64(numbers.count + 1)
        numbers[text] = new
        try add(new)
        return new
    }

    /// Rows of the estimates: as `stats` counted them (`meta` `estimates_rows`),
    /// else counted (a database of an earlier release).
    public func estimatesCount() throws -> Int {
        if let stored = try meta("estimates_rows").flatMap(Int.init) { return stored }
        return try wrap { try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM estimate_values") ?? 0 } }
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

    /// The estimates, in the order they were written.
    public func estimates() throws -> [EstimateRow] {
        var rows: [EstimateRow] = []
        try forEachEstimate { rows.append($0) }
        return rows
    }

    /// Each row of the estimates (the `estimates` view) in the order they were written, one at a time.
    public func forEachEstimate(_ body: (EstimateRow) throws -> Void) throws {
        try wrap {
            try queue.read { db in
                // The cells and terms once (a few thousand), then the numbers of each row.
                var cells: [Int64: (scope: Scope, unit: String, period: String)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, scope, unit, period FROM estimate_cells") {
                    let scopeText: String = row[1]
                    guard let scope = Scope(rawValue: scopeText) else {
                        throw StorageError.undecodable(table: "estimate_cells", column: "scope", value: scopeText, row: "id \(row[0] as Int64)")
                    }
                    cells[row[0]] = (scope, row[2], row[3])
                }
                var terms: [Int64: (subject: String, statistic: String, method: String)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, question_or_factor, statistic, method FROM estimate_terms") {
                    terms[row[0]] = (row[1], row[2], row[3])
                }
                let statement = try db.makeStatement(sql: "SELECT cell, term, value FROM estimate_values ORDER BY rowid")
                let raw = statement.sqliteStatement
                defer { sqlite3_reset(raw) }
                var line = 0
                while true {
                    let rc = sqlite3_step(raw)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
                    line += 1
                    let cellID = sqlite3_column_int64(raw, 0), termID = sqlite3_column_int64(raw, 1)
                    guard let cell = cells[cellID] else {
                        throw StorageError.undecodable(table: "estimate_values", column: "cell", value: String(cellID), row: "row \(line)")
                    }
                    guard let term = terms[termID] else {
                        throw StorageError.undecodable(table: "estimate_values", column: "term", value: String(termID), row: "row \(line)")
                    }
                    try body(EstimateRow(
                        scope: cell.scope, unit: cell.unit, period: cell.period, subject: term.subject,
                        statistic: term.statistic, method: term.method,
                        value: sqlite3_column_type(raw, 2) == SQLITE_NULL ? nil : sqlite3_column_double(raw, 2)))
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

/// The texts of an estimate's cell and of its term, as the insert numbers them.
struct EstimateCellText: Hashable {
    var scope: Scope
    var unit: String
    var period: String
}

struct EstimateTermText: Hashable {
    var subject: String
    var statistic: String
    var method: String

    func matches(_ row: EstimateRow) -> Bool {
        subject == row.subject && statistic == row.statistic && method == row.method
    }
}
