import Foundation
import SurveyModel

/// The groupings of `estimates.csv`.
public enum Scope: String, Sendable, CaseIterable, Codable {
    case unitQuarter = "unit_quarter"
    case unitYear = "unit_year"
    case allQuarter = "all_quarter"
    case allYear = "all_year"
    /// The units of one group (`units.csv` column `group`); `unit` is the group's id.
    case groupQuarter = "group_quarter"
    case groupYear = "group_year"
    /// One unit's forms of one channel (paper at the counter, online on the portal).
    case unitQuarterPaper = "unit_quarter_paper"
    case unitQuarterOnline = "unit_quarter_online"
    case unitYearPaper = "unit_year_paper"
    case unitYearOnline = "unit_year_online"
    /// The forms of one value of a breakdown (`[estimates] breakdowns`): all units or one
    /// unit, a quarter or a year. estimates.csv writes the domain after the unit,
    /// `ALL|gender=2`, `STP|age_group=3`.
    case byAllQuarter = "by_all_quarter"
    case byAllYear = "by_all_year"
    case byUnitQuarter = "by_unit_quarter"
    case byUnitYear = "by_unit_year"

    /// The channel of a channel scope.
    public var channel: Channel? {
        switch self {
        case .unitQuarterPaper, .unitYearPaper: .paper
        case .unitQuarterOnline, .unitYearOnline: .online
        default: nil
        }
    }

    /// The channel scope of a unit scope.
    public static func channelScope(quarterly: Bool, _ channel: Channel) -> Scope {
        switch (quarterly, channel) {
        case (true, .paper): .unitQuarterPaper
        case (true, .online): .unitQuarterOnline
        case (false, .paper): .unitYearPaper
        case (false, .online): .unitYearOnline
        }
    }

    public var isAllUnits: Bool { self == .allQuarter || self == .allYear }
    /// A breakdown's domain scope.
    public var isDomain: Bool { self == .byAllQuarter || self == .byAllYear || self == .byUnitQuarter || self == .byUnitYear }
    /// The domain scope of a plain one (all units or a unit, quarter or year).
    public var domainScope: Scope? {
        switch self {
        case .allQuarter: .byAllQuarter
        case .allYear: .byAllYear
        case .unitQuarter: .byUnitQuarter
        case .unitYear: .byUnitYear
        default: nil
        }
    }
    /// All units or a group's: figures combined over units (`aggregation`).
    public var isAggregate: Bool { isAllUnits || self == .groupQuarter || self == .groupYear }
    public var isQuarterly: Bool {
        self == .unitQuarter || self == .allQuarter || self == .groupQuarter || self == .unitQuarterPaper || self == .unitQuarterOnline
            || self == .byAllQuarter || self == .byUnitQuarter
    }
    /// The unit scope an aggregate combines (itself for a unit scope).
    public var unitScope: Scope { isQuarterly ? .unitQuarter : .unitYear }
}

/// The unit code used for the all-units scopes.
public let allUnitsCode: UnitCode = "ALL"

/// The `question_or_factor` of rows about the whole cell (`n_rows`, `sum_w`, `n_eff`, flag
/// `I`) and the subject of checks about the whole cell: not all units (`allUnitsCode`),
/// though both are written `ALL` in estimates.csv and checks.csv.
public let wholeCellSubject = "ALL"

/// One cell of the tables: a scope, a unit (or `ALL`) and a period.
public struct CellKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var scope: Scope
    /// A unit's code; for a group's scopes the group's id, for all units `ALL`.
    public var unit: UnitCode
    public var period: Period
    /// The breakdown's domain of a domain scope (`Scope.isDomain`), else nil.
    public var domain: DomainKey?

    public init(scope: Scope, unit: UnitCode, period: Period, domain: DomainKey? = nil) {
        self.scope = scope
        self.unit = unit
        self.period = period
        self.domain = domain
    }

    public static func < (lhs: CellKey, rhs: CellKey) -> Bool {
        let ls = Scope.allCases.firstIndex(of: lhs.scope)!
        let rs = Scope.allCases.firstIndex(of: rhs.scope)!
        if ls != rs { return ls < rs }
        if lhs.unit != rhs.unit { return lhs.unit < rhs.unit }
        if lhs.domain != rhs.domain, let a = lhs.domain, let b = rhs.domain { return a < b }
        return lhs.period < rhs.period
    }

    /// The `unit` column of estimates.csv: the unit's code, and for a domain `|item=value`.
    public var unitText: String { domain.map { "\(unit.code)|\($0)" } ?? unit.code }

    public var description: String { "\(scope.rawValue) \(unitText) \(period)" }
}

/// One number of `estimates.csv`: the tidy contract
/// `scope,unit,period,question_or_factor,statistic,method,value`.
public struct EstimateRow: Sendable, Hashable {
    public var scope: Scope
    public var unit: String
    /// `2024-Q3`, `2024`, or `2024-Q3 vs 2024-Q2` for comparisons.
    public var period: String
    /// An item id, a factor id, `index`, or `ALL`.
    public var subject: String
    public var statistic: String
    public var method: String
    /// nil where the statistic is undefined (written `NA`).
    public var value: Double?

    public init(
        scope: Scope, unit: String, period: String, subject: String, statistic: String,
        method: String, value: Double?
    ) {
        self.scope = scope
        self.unit = unit
        self.period = period
        self.subject = subject
        self.statistic = statistic
        self.method = method
        self.value = value
    }

    public static let csvHeader = "scope,unit,period,question_or_factor,statistic,method,value"

    /// The row as written to `estimates.csv` (`%.12g`, `NA` for nil). Codes and ids are
    /// validated at ingest to contain no comma or quote.
    public var csvLine: String {
        "\(scope.rawValue),\(unit),\(period),\(subject),\(statistic),\(method),\(NumberText.g12(value))"
    }

}

/// The overall index's id in `question_or_factor`.
public let overallIndexID = "index"

