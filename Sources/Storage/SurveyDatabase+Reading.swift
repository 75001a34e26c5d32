import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

extension SurveyDatabase {
    /// Rejected, duplicate and conflicting rows and file-level problems, in file, sheet, line
    /// and position order (file problems first, as line 0), as data: the words an operator
    /// reads are made outside storage (`RejectRecord.init(_:strayReason:)`).
    public func setAsideRows() throws -> [SetAsideRow] {
        var out: [SetAsideRow] = []
        try forEachSetAsideRow { out.append($0) }
        return out
    }

    /// Streams what `setAsideRows` returns, never holding it all.
    public func forEachSetAsideRow(_ body: (SetAsideRow) throws -> Void) throws {
        guard storedFingerprint != nil else { return }
        try wrap {
            try queue.read { db in
                // Columns: path, line, kind, response_id, reason (or date), the other copy's
                // path and line, position, extra, sheet, sheet order, the other copy's sheet.
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT path, 0 AS line, 'file' AS kind, NULL AS response_id, COALESCE(problem, '') AS reason,
                           NULL AS first_path, NULL AS first_line, 0 AS position, status AS extra,
                           NULL AS sheet, 0 AS sheet_order, NULL AS first_sheet
                    FROM source_files WHERE status <> 'present'
                    UNION ALL
                    SELECT path, line, 'rejected', response_id, reason, NULL, NULL, position, NULL, sheet, sheet_order, NULL FROM rejects
                    UNION ALL
                    SELECT d.path, d.line, 'duplicate', d.response_id, NULL, f.path, f.line, d.position, NULL, d.sheet, d.sheet_order, f.sheet
                    FROM responses d JOIN responses f
                      ON f.channel = d.channel AND f.response_id = d.response_id AND f.status = 'accepted'
                    WHERE d.status <> 'accepted' AND d.status = 'duplicate'
                    UNION ALL
                    SELECT d.path, d.line, 'conflict', d.response_id, NULL, o.path, o.line, d.position,
                        (SELECT COUNT(DISTINCT f.content_hash) FROM responses f
                           WHERE f.channel = d.channel AND f.response_id = d.response_id),
                        d.sheet, d.sheet_order, o.sheet
                    FROM responses d JOIN responses o ON o.rowid = (
                        SELECT f.rowid FROM responses f WHERE f.channel = d.channel AND f.response_id = d.response_id
                           AND f.content_hash <> d.content_hash ORDER BY f.path, f.sheet_order, f.line, f.position LIMIT 1)
                    WHERE d.status <> 'accepted' AND d.status = 'conflict'
                    UNION ALL
                    SELECT path, line, 'stray_date', response_id, submitted_on, NULL, NULL, position, NULL, sheet, sheet_order, NULL
                    FROM responses WHERE status <> 'accepted' AND status = 'stray_date'
                    ORDER BY 1, 11, 2, 8, 3
                    """)
                while let row = try cursor.next() {
                    let kind: String = row[2]
                    let place = RowPlace(path: row[0], line: row[1], sheet: row[9])
                    let why: SetAsideRow.Why
                    switch kind {
                    case "file":
                        let status: String = row[8]
                        guard let stored = SourceStatus(rawValue: status) else {
                            throw StorageError.undecodable(table: "source_files", column: "status", value: status, row: place.path)
                        }
                        why = stored == .missing ? .fileMissing : .fileUnreadable(problem: row[4])
                    case "rejected": why = .rejected(reason: row[4])
                    case "duplicate": why = .duplicate(first: RowPlace(path: row[5], line: row[6], sheet: row[11]))
                    case "conflict": why = .conflict(versions: row[8], other: RowPlace(path: row[5], line: row[6], sheet: row[11]))
                    default: why = .strayDate(date: row[4])
                    }
                    try body(SetAsideRow(place: place, position: row[7], responseID: row[3], why: why))
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
    public func acceptedCounts() throws -> [(unit: UnitCode, channel: Channel, quarter: Period, forms: Int)] {
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
                    return (UnitCode(row[0] as String), channel, period, row[3])
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
    public func duplicateCounts() throws -> [UnitCode: [Period: Int]] {
        try groupedCounts(sql: "SELECT unit, period, COUNT(*) FROM responses WHERE status <> 'accepted' AND status = 'duplicate' GROUP BY unit, period")
    }

    /// Per unit and quarter, dossier codes rated on more than one accepted form.
    public func repeatedDossierCounts() throws -> [UnitCode: [Period: Int]] {
        // Counted by the ingest when it resolves the forms' statuses.
        try groupedCounts(sql: "SELECT unit, period, repeated FROM dossier_repeats")
    }

    private func groupedCounts(sql: String) throws -> [UnitCode: [Period: Int]] {
        guard storedFingerprint != nil else { return [:] }
        return try wrap {
            try queue.read { db in
                var out: [UnitCode: [Period: Int]] = [:]
                for row in try Row.fetchAll(db, sql: sql) {
                    let text: String = row[1]
                    guard let period = Period(text) else { continue }
                    out[UnitCode(row[0] as String), default: [:]][period] = row[2]
                }
                return out
            }
        }
    }

    // MARK: what a change of units.csv may change

    /// Files with a row rejected for its unit (unknown, ceased, not yet existing).
    public func pathsWithUnitRejects() throws -> Set<String> {
        try wrap {
            try queue.read { db in
                guard try db.tableExists("rejects") else { return [] }
                return Set(try String.fetchAll(db, sql: "SELECT DISTINCT path FROM rejects WHERE reason LIKE '%unit%'"))
            }
        }
    }

    /// Files with forms of these units.
    public func paths(withFormsOf units: Set<String>) throws -> Set<String> {
        guard !units.isEmpty else { return [] }
        return try wrap {
            try queue.read { db in
                guard try db.tableExists("responses") else { return [] }
                let marks = Array(repeating: "?", count: units.count).joined(separator: ", ")
                return Set(try String.fetchAll(
                    db, sql: "SELECT DISTINCT path FROM responses WHERE unit IN (\(marks))", arguments: StatementArguments(units.sorted())))
            }
        }
    }
}
