import SurveyModel

/// Random access to tidy estimate rows by their six keys.
public struct EstimateLookup: Sendable {
    private var values: [String: Double?] = [:]
    public private(set) var quarters: Set<Period> = []
    public private(set) var years: Set<Period> = []

    public init(_ rows: [EstimateRow]) {
        for row in rows { insert(row) }
    }

    public mutating func insert(_ row: EstimateRow) {
        values[Self.key(row.scope, row.unit, row.period, row.subject, row.statistic, row.method)] = row.value
        if !row.period.contains(" "), let p = Period(row.period) {
            if p.isQuarter { quarters.insert(p) } else { years.insert(p) }
        }
    }

    static func key(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String) -> String {
        "\(scope.rawValue)|\(unit)|\(period)|\(subject)|\(statistic)|\(method)"
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
        contains(scope, unit, period, "ALL", "n_rows", "count")
    }

    /// Whether a flag row is raised for an estimate.
    public func flagged(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ flag: String) -> Bool {
        value(scope, unit, period, subject, "flag", flag) == 1
    }
}
