/// A calendar year (`2024`) or quarter (`2024-Q3`).
public struct Period: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    /// 1...4, or nil for the whole year.
    public var quarter: Int?

    public init(year: Int, quarter: Int? = nil) {
        self.year = year
        self.quarter = quarter
    }

    /// The quarter that holds a calendar month (1...12).
    public init(year: Int, month: Int) {
        self.init(year: year, quarter: (month - 1) / 3 + 1)
    }

    /// Parses `2024` or `2024-Q3`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, first.count == 4, let year = Int(first) else { return nil }
        if parts.count == 1 {
            self.init(year: year)
        } else if parts.count == 2, parts[1].count == 2, parts[1].first == "Q",
            let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter)
        {
            self.init(year: year, quarter: quarter)
        } else {
            return nil
        }
    }

    public var isQuarter: Bool { quarter != nil }

    /// The year that holds this period.
    public var yearPeriod: Period { Period(year: year) }

    /// The period just before: the previous quarter (Q1 goes back to Q4) or year.
    public var previous: Period {
        guard let quarter else { return Period(year: year - 1) }
        return quarter == 1 ? Period(year: year - 1, quarter: 4) : Period(year: year, quarter: quarter - 1)
    }

    /// The same quarter (or year) one year earlier.
    public var sameTimeLastYear: Period { Period(year: year - 1, quarter: quarter) }

    /// The periods a change is published against: the previous one, and for a quarter
    /// also the same quarter a year earlier.
    public var comparisonPeriods: [Period] {
        isQuarter ? [previous, sameTimeLastYear] : [previous]
    }

    /// `2024-Q4 vs 2024-Q3`: the `period` of a change in `estimates.csv`.
    public static func comparisonLabel(_ later: Period, _ earlier: Period) -> String { "\(later) vs \(earlier)" }

    public var description: String {
        guard let quarter else { return String(year) }
        return "\(year)-Q\(quarter)"
    }

    /// Years sort before their quarters' siblings only by year; within a year, the year
    /// itself sorts after its quarters.
    public static func < (lhs: Period, rhs: Period) -> Bool {
        if lhs.year != rhs.year { return lhs.year < rhs.year }
        return (lhs.quarter ?? 5) < (rhs.quarter ?? 5)
    }

    /// Whether `self` (a quarter or year) lies inside `other`.
    public func isInside(_ other: Period) -> Bool {
        year == other.year && (other.quarter == nil || other.quarter == quarter)
    }
}

/// The stored value of a missing answer in `StoredForm`-style answer vectors (0 is a real
/// answer for yes/no and count items).
public let missingAnswer: UInt8 = 255
