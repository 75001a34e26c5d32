import Stats
import SurveyModel

/// Random access to tidy estimate rows by their six keys: how the tests read rows (the
/// program reads them once, into `EstimateFigures`).
public struct EstimateLookup: Sendable {
    /// The six key columns as they are (no joined string to build and hash per lookup).
    struct Key: Hashable, Sendable {
        var scope: Scope
        var unit: String
        var period: String
        var subject: String
        var statistic: String
        var method: String
    }

    private var values: [Key: Double?] = [:]
    private var periodTexts: Set<String> = []
    public private(set) var quarters: Set<Period> = []
    public private(set) var years: Set<Period> = []

    public init(_ rows: [EstimateRow]) {
        values.reserveCapacity(rows.count)
        for row in rows { insert(row) }
    }

    public mutating func insert(_ row: EstimateRow) {
        values[Self.key(row.scope, row.unit, row.period, row.subject, row.statistic, row.method)] = row.value
        guard periodTexts.insert(row.period).inserted else { return }
        if !row.period.contains(" "), let p = Period(row.period) {
            if p.isQuarter { quarters.insert(p) } else { years.insert(p) }
        }
    }

    static func key(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String) -> Key {
        Key(scope: scope, unit: unit, period: period, subject: subject, statistic: statistic, method: method)
    }

    /// The value, or nil when the row is absent or `NA`.
    public func value(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String) -> Double? {
        values[Self.key(scope, unit, period, subject, statistic, method)] ?? nil
    }

    /// Whether the row exists (even as `NA`).
    public func contains(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String) -> Bool {
        values[Self.key(scope, unit, period, subject, statistic, method)] != nil
    }

    /// Whether the cell has estimates.
    public func has(_ scope: Scope, _ unit: String, _ period: String) -> Bool {
        contains(scope, unit, period, wholeCellSubject, "n_rows", "count")
    }

    /// Whether a flag row is raised for an estimate.
    public func flagged(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ flag: String) -> Bool {
        value(scope, unit, period, subject, "flag", flag) == 1
    }
}
