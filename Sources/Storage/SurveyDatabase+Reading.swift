import Foundation
import GRDB
import GRDBSQLite
import CShims
import Stats
import SurveyModel

extension SurveyDatabase {
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
}
