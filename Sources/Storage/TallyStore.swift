import Foundation
import GRDB
import GRDBSQLite
import Stats
import SurveyModel

/// `cell_sums`: per inbox file and atom (unit × quarter × channel), the exact sums of the
/// file's accepted forms (`AtomTally`). The ingest keeps them: a file read adds its rows'
/// sums as it stores them, and a form that changes status (a duplicate found, a conflict
/// resolved, a quarter found stray) is taken out of or put back into its file's sums. So
/// `check` and `stats` merge a few hundred rows instead of reading every form, and a file
/// that changes replaces only its own sums.
///
/// The sums depend on how forms add up (`TallyLayout`: satisfied sets, factors); `meta`
/// `tally_layout` says which layout they were kept under, and sums of another layout are
/// computed again from the forms (one read of `responses`).
enum TallyStore {
    static let metaKey = "tally_layout"
    /// `tally_layout` after sums could not be kept form by form: computed again at the end.
    static let stale = "stale"

    /// Replaces the stored sums of `path` with `tally`.
    static func write(_ tally: FormTally, path: String, db: Database) throws {
        try db.execute(sql: "DELETE FROM cell_sums WHERE path = ?", arguments: [path])
        let insert = try db.makeStatement(sql: "INSERT INTO cell_sums (path, unit, period, channel, forms, sums) VALUES (?, ?, ?, ?, ?, ?)")
        for (key, atom) in tally.atoms.sorted(by: { $0.key < $1.key }) where atom.forms != 0 {
            try insert.execute(arguments: [path, key.unit.code, key.quarter.description, key.channel.rawValue, atom.forms, Data(atom.encoded())])
        }
    }

    /// The stored sums of one file, or of every file (`path` nil); nil when a row cannot be
    /// read under `layout` (then they must be computed again).
    static func read(path: String?, db: Database, layout: TallyLayout) throws -> FormTally? {
        var tally = FormTally(layout: layout)
        let statement = try db.makeStatement(
            sql: "SELECT unit, period, channel, sums FROM cell_sums" + (path == nil ? "" : " WHERE path = ?"))
        if let path { statement.arguments = [path] }
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }
        while true {
            let rc = sqlite3_step(raw)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
            guard let period = Period(text(raw, 1)), let channel = Channel(rawValue: text(raw, 2)) else { return nil }
            guard let atom = decode(raw, 3, layout: layout) else { return nil }
            tally.merge(AtomKey(unit: UnitCode(text(raw, 0)), quarter: period, channel: channel), atom)
        }
        return tally
    }

    static func text(_ raw: OpaquePointer?, _ i: Int32) -> String {
        guard let c = sqlite3_column_text(raw, i) else { return "" }
        return String(cString: c)
    }

    /// Computes every file's sums again from its accepted forms, one file at a time.
    static func rebuild(db: Database, layout: TallyLayout, itemColumns: [String]) throws {
        try db.execute(sql: "DELETE FROM cell_sums")
        var current: String?
        var tally = FormTally(layout: layout)
        var written: Set<String> = []
        // In storage order: a file's forms are stored together, so one file's sums are held
        // at a time (sums are exact, so the order of forms does not matter).
        func flush() throws {
            guard let current else { return }
            if written.contains(current), let stored = try read(path: current, db: db, layout: layout) { tally.merge(stored) }
            try write(tally, path: current, db: db)
            written.insert(current)
        }
        try forEachForm(db: db, itemColumns: itemColumns, where: "status = 'accepted'", order: "rowid") { form in
            if form.path != current {
                try flush()
                current = form.path
                tally = FormTally(layout: layout)
            }
            tally.add(
                unit: UnitCode(form.unit), quarter: form.period, channel: form.channel, submittedOn: form.submittedOn,
                answers: form.answers)
        }
        try flush()
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [metaKey, layout.fingerprint])
    }

    /// Takes forms out of (`sign` -1) or puts them back into (+1) their files' sums.
    static func adjust(db: Database, layout: TallyLayout, itemColumns: [String], rowids: [(rowid: Int64, sign: Int)]) throws {
        guard !rowids.isEmpty else { return }
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS tally_changes (rid INTEGER PRIMARY KEY, sign INTEGER NOT NULL)")
        try db.execute(sql: "DELETE FROM tally_changes")
        let note = try db.makeStatement(sql: "INSERT INTO tally_changes (rid, sign) VALUES (?, ?)")
        for change in rowids { try note.execute(arguments: [change.rowid, change.sign]) }
        var deltas: [String: FormTally] = [:]
        try forEachForm(
            db: db, itemColumns: itemColumns, where: "rowid IN (SELECT rid FROM temp.tally_changes)",
            order: "path, sheet_order, line, position", extra: "(SELECT sign FROM temp.tally_changes WHERE rid = responses.rowid)"
        ) { form in
            deltas[form.path, default: FormTally(layout: layout)].add(
                unit: UnitCode(form.unit), quarter: form.period, channel: form.channel, submittedOn: form.submittedOn,
                answers: form.answers, sign: form.extra)
        }
        try db.execute(sql: "DELETE FROM tally_changes")
        // Only the atoms the changes touch are read and written again (a few duplicates
        // would otherwise decode and encode every file's sums), each in its own row: updated
        // in place, removed when it has no form left, added when it had none.
        let atom = "path = ? AND unit = ? AND period = ? AND channel = ?"
        let select = try db.makeStatement(sql: "SELECT sums FROM cell_sums WHERE \(atom)")
        let update = try db.makeStatement(sql: "UPDATE cell_sums SET forms = ?, sums = ? WHERE \(atom)")
        let delete = try db.makeStatement(sql: "DELETE FROM cell_sums WHERE \(atom)")
        let insert = try db.makeStatement(sql: "INSERT INTO cell_sums (path, unit, period, channel, forms, sums) VALUES (?, ?, ?, ?, ?, ?)")
        for (path, delta) in deltas.sorted(by: { $0.key < $1.key }) {
            for (key, change) in delta.atoms.sorted(by: { $0.key < $1.key }) {
                let where_: StatementArguments = [path, key.unit.code, key.quarter.description, key.channel.rawValue]
                select.arguments = where_
                var tally = change
                var stored = false
                let raw = select.sqliteStatement
                defer { sqlite3_reset(raw) }
                let rc = sqlite3_step(raw)
                if rc == SQLITE_ROW {
                    guard var atom = decode(raw, 0, layout: layout) else {
                        // Unreadable sums: the whole set is computed again at the end of the ingest.
                        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [metaKey, stale])
                        return
                    }
                    atom.merge(change)
                    tally = atom
                    stored = true
                } else if rc != SQLITE_DONE {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc))
                }
                sqlite3_reset(raw)
                if tally.forms == 0 {
                    if stored { try delete.execute(arguments: where_) }
                } else if stored {
                    try update.execute(arguments: [tally.forms, Data(tally.encoded())] + where_)
                } else {
                    try insert.execute(arguments: where_ + [tally.forms, Data(tally.encoded())])
                }
            }
        }
    }

    /// The atom sums in column `i` of the current row, nil when they cannot be read under `layout`.
    static func decode(_ raw: OpaquePointer?, _ i: Int32, layout: TallyLayout) -> AtomTally? {
        let count = Int(sqlite3_column_bytes(raw, i))
        guard let blob = sqlite3_column_blob(raw, i) ?? (count == 0 ? UnsafeRawPointer(bitPattern: 1) : nil) else { return nil }
        return AtomTally(decoding: UnsafeRawBufferPointer(start: blob, count: count), layout: layout)
    }

    struct Form {
        var path: String
        var unit: String
        var channel: Channel
        var submittedOn: String
        var period: Period
        var answers: [UInt8]
        var extra: Int
    }

    /// Streams forms of `responses` with raw column reads (GRDB's rows cost more than the sums).
    static func forEachForm(
        db: Database, itemColumns: [String], where condition: String, order: String, extra: String = "0",
        _ body: (Form) throws -> Void
    ) throws {
        let answerList = itemColumns.isEmpty ? "" : ", " + itemColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let statement = try db.makeStatement(sql: """
            SELECT path, unit, channel, submitted_on, period, \(extra)\(answerList) FROM responses
            WHERE \(condition) ORDER BY \(order)
            """)
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }
        var form = Form(path: "", unit: "", channel: .paper, submittedOn: "", period: Period(year: 0, quarter: 1),
                        answers: Array(repeating: missingAnswer, count: itemColumns.count), extra: 0)
        var periods: [String: Period] = [:]
        while true {
            let rc = sqlite3_step(raw)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc)) }
            for j in 0..<itemColumns.count {
                let c = Int32(6 + j)
                form.answers[j] = sqlite3_column_type(raw, c) == SQLITE_NULL ? missingAnswer : UInt8(clamping: sqlite3_column_int(raw, c))
            }
            let periodText = text(raw, 4)
            if let known = periods[periodText] { form.period = known } else {
                guard let period = Period(periodText) else {
                    throw StorageError.undecodable(table: "responses", column: "period", value: periodText, row: "\(text(raw, 0)) (a form)")
                }
                form.period = period
                periods[periodText] = period
            }
            form.path = text(raw, 0)
            form.unit = text(raw, 1)
            guard let channel = Channel(rawValue: text(raw, 2)) else {
                throw StorageError.undecodable(table: "responses", column: "channel", value: text(raw, 2), row: "\(form.path) (a form)")
            }
            form.channel = channel
            form.submittedOn = text(raw, 3)
            form.extra = Int(sqlite3_column_int64(raw, 5))
            try body(form)
        }
    }
}

/// The sums of one file's accepted forms as they are stored (`FileWriter`), or as they are
/// read, on the reading thread (`FileWriter.detachTally()`).
public final class FormTallyBuilder: @unchecked Sendable {
    private(set) var tally: FormTally
    private var answerBytes: [UInt8]

    init(layout: TallyLayout, answerCount: Int) {
        tally = FormTally(layout: layout)
        answerBytes = Array(repeating: missingAnswer, count: answerCount)
    }

    var layout: TallyLayout { tally.layout }

    /// Adds a form as `forEachAcceptedForm` reads it back: nil is missing, values clamped to a byte.
    public func add(_ record: ResponseRecord) {
        for (j, answer) in record.answers.enumerated() { answerBytes[j] = answer.map { UInt8(clamping: $0) } ?? missingAnswer }
        tally.add(
            unit: record.unit, quarter: record.period, channel: record.channel, submittedOn: record.submittedOn,
            answers: answerBytes)
    }

    /// Forgets every form added (the file's rows were discarded).
    public func reset() { tally = FormTally(layout: tally.layout) }
}

extension SurveyDatabase {
    /// The sums of every accepted form, per atom, under this database's layout: read from
    /// `cell_sums`, or computed again from the forms (and kept) when they were kept under
    /// another layout (survey.toml changed a satisfied set or a factor since the ingest).
    public func tallies() throws -> FormTally {
        guard let layout = tallyLayout else { preconditionFailure("tallies() needs a database opened with a TallyLayout") }
        guard storedFingerprint != nil else { return FormTally(layout: layout) }
        return try wrap {
            if let current = try queue.read({ db -> FormTally? in
                guard try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [TallyStore.metaKey])
                    == layout.fingerprint else { return nil }
                return try TallyStore.read(path: nil, db: db, layout: layout)
            }) {
                return current
            }
            try queue.inTransaction { db in
                try TallyStore.rebuild(db: db, layout: layout, itemColumns: itemColumns)
                return .commit
            }
            return try queue.read { db in try TallyStore.read(path: nil, db: db, layout: layout) } ?? FormTally(layout: layout)
        }
    }
}
