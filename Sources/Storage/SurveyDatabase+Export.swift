import Foundation
import GRDB
import GRDBSQLite
import SurveyModel

/// An accepted form as `pipeline export` writes it: the ingest's form with its id and comment.
public struct ExportedForm: Sendable {
    public var id: String
    public var unit: String
    public var channel: Channel
    public var submittedOn: String
    public var period: Period
    /// One per answered item (`itemColumns`), `missingAnswer` (255) when missing.
    public var answers: [UInt8]
    public var comment: String?
}

extension SurveyDatabase {
    /// How many accepted forms there are, and the longest form id and comment in bytes (the
    /// widths an SPSS or Stata file fixes before its first row).
    public func exportShape() throws -> (forms: Int, idBytes: Int, commentBytes: Int) {
        guard storedFingerprint != nil else { return (0, 0, 0) }
        return try wrap {
            try queue.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*), MAX(LENGTH(CAST(response_id AS BLOB))), MAX(LENGTH(CAST(COALESCE(comment, '') AS BLOB)))
                    FROM responses WHERE status = 'accepted'
                    """)
                return (row?[0] ?? 0, row?[1] ?? 0, row?[2] ?? 0)
            }
        }
    }

    /// Streams every accepted form with its id and comment, in the order of
    /// `forEachAcceptedForm` (file, sheet, line, position).
    public func forEachFormToExport(_ body: (ExportedForm) throws -> Void) throws {
        guard storedFingerprint != nil else { return }
        try wrap {
            try queue.read { db in
                let answers = itemColumns.isEmpty ? "" : ", " + itemColumns.map { "\"\($0)\"" }.joined(separator: ", ")
                let statement = try db.makeStatement(sql: """
                    SELECT response_id, unit, channel, submitted_on, period, comment\(answers) FROM responses
                    WHERE status = 'accepted' ORDER BY path, sheet_order, line, position
                    """)
                let cursor = try Row.fetchCursor(statement)
                var periods: [String: Period] = [:]
                while let row = try cursor.next() {
                    let channelText: String = row[2]
                    guard let channel = Channel(rawValue: channelText) else {
                        throw StorageError.undecodable(table: "responses", column: "channel", value: channelText, row: "form \(row[0] as String)")
                    }
                    let periodText: String = row[4]
                    let period: Period
                    if let known = periods[periodText] { period = known } else {
                        guard let parsed = Period(periodText) else {
                            throw StorageError.undecodable(table: "responses", column: "period", value: periodText, row: "form \(row[0] as String)")
                        }
                        period = parsed
                        periods[periodText] = parsed
                    }
                    let values: [UInt8] = (0..<itemColumns.count).map { j in
                        let value: Int? = row[6 + j]
                        return value.map { UInt8(clamping: $0) } ?? missingAnswer
                    }
                    try body(ExportedForm(
                        id: row[0], unit: row[1], channel: channel, submittedOn: row[3], period: period, answers: values,
                        comment: row[5]))
                }
            }
        }
    }
}
