import SurveyModel

/// The estimator of a published index: the pooled index in either measure, or an
/// aggregation of unit indices for all units or a group (`[survey] aggregation`).
public enum IndexEstimator: String, Sendable, CaseIterable, Hashable {
    case unweighted
    case weighted
    case unitMean = "unit_mean"
    case dossierWeighted = "dossier_weighted"

    public init(_ measure: IndexMeasure) { self = measure == .unweighted ? .unweighted : .weighted }

    /// The `method` of the index's SE in estimates.csv.
    public var seMethod: String {
        switch self {
        case .unweighted: "lin_unweighted"
        case .weighted: "lin_ps"
        case .unitMean, .dossierWeighted: rawValue
        }
    }

    /// The `method` of the published (logit) interval.
    public var intervalMethod: String { "\(seMethod)_logit" }

    /// The `method` of a change's interval and p-value.
    public var changeTest: String { self == .unweighted ? "lin_unweighted_wald_z" : "\(rawValue)_wald_z" }

    /// The estimator of an SE, interval or change-test `method` (looked up, not rebuilt, per row).
    static let bySEMethod = Dictionary(uniqueKeysWithValues: allCases.map { ($0.seMethod, $0) })
    static let byIntervalMethod = Dictionary(uniqueKeysWithValues: allCases.map { ($0.intervalMethod, $0) })
    static let byChangeTest = Dictionary(uniqueKeysWithValues: allCases.map { ($0.changeTest, $0) })
}

/// A value with its standard error and interval, each nil where undefined.
public struct FigureValue: Sendable, Hashable {
    public var value: Double?
    public var se: Double?
    public var lower: Double?
    public var upper: Double?
    public init(value: Double? = nil, se: Double? = nil, lower: Double? = nil, upper: Double? = nil) {
        self.value = value
        self.se = se
        self.lower = lower
        self.upper = upper
    }
}

/// What is published about a rating question or a quality item in one cell.
public struct ItemFigures: Sendable, Hashable {
    /// Answers (`n/count`).
    public var n: Int?
    /// Satisfied (rating) or favourable (quality) answers.
    public var count: Int?
    /// Unweighted share, with the configured interval (`[survey] interval_method`).
    public var share = FigureValue()
    /// Mean answer on the item's scale (`mean_score/unweighted`).
    public var meanScore: Double?
    /// Answers per scale value (`answers/level_<value>`).
    public var levels = LevelCounts()
    /// Points out of 100 (`points`), with SE and t interval.
    public var points: FigureValue?
    /// A rating question's correlation with the rest of its factor (`item_rest_r/listwise`)
    /// and its factor's α without it (`alpha_if_deleted/listwise`): years only.
    public var itemRest: Double?
    public var alphaIfDeleted: Double?
}

/// Cronbach's α of a factor over the forms that answered all its items (`alpha/listwise`,
/// `n/listwise`): years only, factors of two or more items.
public struct ReliabilityFigures: Sendable, Hashable {
    public var forms: Int?
    public var alpha: Double?
    public init(forms: Int? = nil, alpha: Double? = nil) {
        self.forms = forms
        self.alpha = alpha
    }
}

/// What is published about a factor index or the SIPAS index in one cell.
public struct IndexFigures: Sendable, Hashable {
    /// Whether the cell estimated it at all (an `index/unweighted` row, even NA).
    public var estimated = false
    /// Forms that answered any of the factor's items (factors only).
    public var n: Int?
    /// The index by estimator: value, SE, logit interval.
    public var by: [IndexEstimator: FigureValue] = [:]
    /// Points out of 100, with the linearised SE and t interval.
    public var points: FigureValue?
    /// The factor's Cronbach's α (factors only).
    public var reliability: ReliabilityFigures?
    /// The factor as a driver of overall satisfaction (factors only, years).
    public var driver: DriverFigures?
}

/// A factor's association with overall satisfaction (`driver_*` rows, `KeyDrivers`).
public struct DriverFigures: Sendable, Hashable {
    /// `overall_item` or `rest_of_index`: what it is correlated with.
    public var target = ""
    public var r: Double?
    public var rLower: Double?
    public var rUpper: Double?
    public var beta: Double?
    public var betaLower: Double?
    public var betaUpper: Double?
    public init() {}
}

/// A unit's place in a ranking as stored (`rank*` rows).
public struct RankFigures: Sendable, Hashable {
    public var position: Double?
    public var tier: Double?
    public var of: Double?
    public var changeOnPrevious: Double?
    public var changeOnYearAgo: Double?
    public var groupPosition: Double?
    public var groupTier: Double?
    public var groupOf: Double?
}

/// Everything published about one cell, typed: what `Publication` derives from and what
/// every output renders.
public struct CellFigures: Sendable, Hashable {
    /// Whether the cell has estimates (an `ALL n_rows/count` row).
    public var estimated = false
    /// Valid forms (`ALL n_rows/count`).
    public var forms: Int = 0
    /// Kish's effective n of the weighted cell.
    public var effectiveN: Double?
    /// Items by id (rating questions and quality items).
    public var items: ByID<ItemFigures>
    /// Factor indices and the SIPAS index (`index`) by id.
    public var indices: [String: IndexFigures] = [:]
    /// Flags Q, U, M by subject (item, factor, `index`); I sits on the whole cell.
    public var flags: [String: EstimateFlags] = [:]
    /// Target rows of the SIPAS index: configured target, met at the point, met at the lower bound, missed at the upper.
    public var target: Double?
    public var targetMet: Double?
    public var targetMetLower: Double?
    public var targetMissedUpper: Double?
    public var rank = RankFigures()
    /// `rank_caution/plan_or_sample_rule` (1: short of forms for ranking).
    public var rankCaution: Double?
    /// Forms of the key drivers (`n/drivers`): a score on every factor (and the overall item).
    public var driverForms: Int?

    public func flags(_ subject: String) -> EstimateFlags { flags[subject] ?? [] }

    public init(items: IDPositions = .none) { self.items = ByID(items) }
}

/// The change of an index against an earlier period, as stored.
public struct ChangeFigures: Sendable, Hashable {
    public var diff: Double?
    public var lower: Double?
    public var upper: Double?
    public var pValue: Double?
}

/// What a tidy row is about: a cell, or a cell's change against an earlier period.
public enum EstimatePlace: Sendable, Hashable {
    case cell(CellKey)
    case comparison(ComparisonKey)
}

/// A cell and the earlier period it is compared with (`2024-Q4 vs 2024-Q3`).
public struct ComparisonKey: Sendable, Hashable {
    public var cell: CellKey
    public var earlier: Period
    public init(cell: CellKey, earlier: Period) {
        self.cell = cell
        self.earlier = earlier
    }
    /// The other side's cell.
    public var earlierCell: CellKey { CellKey(scope: cell.scope, unit: cell.unit, period: earlier) }
    /// The `period` of the change's rows in estimates.csv.
    public var label: String { Period.comparisonLabel(cell.period, earlier) }
}

/// The changes of one cell against one earlier period.
public struct ComparisonFigures: Sendable, Hashable {
    /// Newcombe intervals of the rating questions' differences, by item id.
    public var items: ByID<ChangeFigures>
    /// Index changes by id and estimator.
    public var indices: [String: [IndexEstimator: ChangeFigures]] = [:]

    public init(items: IDPositions = .none) { self.items = ByID(items) }
}

/// The published figures of a release, typed: built from the estimate rows as they are made
/// (or read back from storage, the same decoding) and holding only what a release publishes,
/// not every interval method. The one place the tidy rows of `estimates.csv` are read.
public struct EstimateFigures: Sendable {
    public private(set) var cells: [CellKey: CellFigures] = [:]
    public private(set) var comparisons: [ComparisonKey: ComparisonFigures] = [:]
    /// Comparisons in the order their rows came (the estimator's, then the publication's).
    public private(set) var comparisonOrder: [ComparisonKey] = []

    private enum Subject { case item, index, cell, unknown }
    private let subjects: [String: Subject]
    /// The survey's items (rating questions, then quality items) in order.
    public let itemPositions: IDPositions
    private let intervalMethod: String
    private let rankMethod: String
    private var periodTexts: [String: (Period?, Period?)] = [:]
    private var lastPeriod: (text: String, parsed: (Period?, Period?))?
    private var lastSubject: (text: String, kind: Subject, position: Int?)?
    private var lastCell: (scope: Scope, unit: String, period: String, key: CellKey)?

    public init(survey: SurveyDefinition) {
        var subjects: [String: Subject] = [wholeCellSubject: .cell, overallIndexID: .index]
        for f in survey.factors { subjects[f.id] = .index }
        for item in survey.likertItems + survey.qualityItems { subjects[item.id] = .item }
        self.subjects = subjects
        itemPositions = IDPositions((survey.likertItems + survey.qualityItems).map(\.id))
        intervalMethod = survey.rules.intervalMethod.rawValue
        rankMethod = survey.rules.indexMeasure.indexMethod
    }

    public init(_ rows: some Sequence<EstimateRow>, survey: SurveyDefinition) {
        self.init(survey: survey)
        for row in rows { absorb(row) }
    }

    public subscript(_ key: CellKey) -> CellFigures? { cells[key] }

    /// Cells whose SIPAS index is suppressed (Q) or of low reliability (U), or with fewer
    /// forms than the plan's minimum (I): the count of the run's summary line.
    /// A breakdown's domains are not counted: a small group is suppressed by design.
    public var cellsFlagged: Int {
        cells.filter { !$0.key.scope.isDomain }.values.filter {
            $0.flags(overallIndexID).contains(.suppressed) || $0.flags(overallIndexID).contains(.lowReliability)
                || $0.flags(wholeCellSubject).contains(.belowPlanMinimum)
        }.count
    }

    /// Takes in one tidy row: the rows a release publishes fill the figures, the others
    /// (every other interval method, weighted item variants, mean-score SDs) pass.
    /// - Returns: the cell or comparison the row is about (nil for a period that is neither).
    @discardableResult
    public mutating func absorb(_ row: EstimateRow) -> EstimatePlace? {
        let (period, earlier) = parsePeriod(row.period)
        guard let period else { return nil }
        let key = cellKey(row, period)
        if let earlier {
            let change = ComparisonKey(cell: key, earlier: earlier)
            let kind = subjectKind(row.subject)
            if kind != .unknown { absorbChange(row, kind, change) }
            return .comparison(change)
        }
        let v = row.value
        switch subjectKind(row.subject) {
        case .cell:
            switch (row.statistic, row.method) {
            case ("n_rows", "count"):
                withCell(key) {
                    $0.forms = Int(v ?? 0)
                    $0.estimated = true
                }
            case ("n_eff", "kish"): withCell(key) { $0.effectiveN = v }
            case ("flag", "I") where v == 1: withCell(key) { $0.flags[row.subject, default: []].insert(.belowPlanMinimum) }
            default: break
            }
        case .item: absorbItem(row, key)
        case .index: absorbIndex(row, key)
        case .unknown: break
        }
        return .cell(key)
    }

    /// Where the last cell sits in `cells`: a cell's rows come together, so most rows reach
    /// their cell without hashing its key again (an insertion moves every position).
    private var lastPosition: (key: CellKey, index: Dictionary<CellKey, CellFigures>.Index)?

    private mutating func withCell(_ key: CellKey, _ body: (inout CellFigures) -> Void) {
        if let last = lastPosition, last.key == key {
            body(&cells.values[last.index])
            return
        }
        if let index = cells.index(forKey: key) {
            lastPosition = (key, index)
            body(&cells.values[index])
            return
        }
        var fresh = CellFigures(items: itemPositions)
        body(&fresh)
        cells[key] = fresh
        lastPosition = nil
    }

    private mutating func cellKey(_ row: EstimateRow, _ period: Period) -> CellKey {
        // Field by field: binding the whole tuple would copy its key for every row.
        if lastCell?.scope == row.scope, lastCell?.unit == row.unit, lastCell?.period == row.period { return lastCell!.key }
        var key = CellKey(scope: row.scope, unit: UnitCode(row.unit), period: period)
        if row.scope.isDomain, let bar = row.unit.firstIndex(of: "|") {
            key.unit = UnitCode(String(row.unit[..<bar]))
            key.domain = DomainKey(row.unit[row.unit.index(after: bar)...])
        }
        lastCell = (row.scope, row.unit, row.period, key)
        return key
    }

    /// What a subject is; a cell's rows come subject by subject, so most rows ask about the
    /// subject of the row before (compared, not hashed).
    private mutating func subjectKind(_ subject: String) -> Subject {
        if let last = lastSubject, last.text == subject { return last.kind }
        let kind = subjects[subject] ?? .unknown
        lastSubject = (subject, kind, itemPositions.index[subject])
        return kind
    }

    private mutating func parsePeriod(_ text: String) -> (Period?, Period?) {
        if let last = lastPeriod, last.text == text { return last.parsed }
        defer { lastPeriod = (text, periodTexts[text]!) }
        if let known = periodTexts[text] { return known }
        var parsed: (Period?, Period?) = (nil, nil)
        if let range = text.range(of: " vs ") {
            if let later = Period(String(text[..<range.lowerBound])), let earlier = Period(String(text[range.upperBound...])) {
                parsed = (later, earlier)
            }
        } else if let p = Period(text) {
            parsed = (p, nil)
        }
        periodTexts[text] = parsed
        return parsed
    }

    private mutating func absorbFlag(_ row: EstimateRow, _ key: CellKey) {
        guard row.value == 1 else { return }
        let flag: EstimateFlags
        switch row.method {
        case "Q": flag = .suppressed
        case "U": flag = .lowReliability
        case "M": flag = .incomplete
        default: return
        }
        withCell(key) { $0.flags[row.subject, default: []].insert(flag) }
    }

    private mutating func absorbItem(_ row: EstimateRow, _ key: CellKey) {
        let v = row.value
        // The item's place among the cell's, found with its kind (`subjectKind`, called for
        // this row before): no hashing of the id per row.
        guard let position = lastSubject?.position else { return }
        func update(_ body: (inout ItemFigures) -> Void) {
            withCell(key) { $0.items.update(at: position, initial: ItemFigures(), body) }
        }
        switch row.statistic {
        case "n" where row.method == "count": update { $0.n = v.map { Int($0) } }
        case "satisfied", "favourable": update { $0.count = v.map { Int($0) } }
        case "p" where row.method == "unweighted": update { $0.share.value = v }
        case "p_lower" where row.method == intervalMethod: update { $0.share.lower = v }
        case "p_upper" where row.method == intervalMethod: update { $0.share.upper = v }
        case "mean_score" where row.method == "unweighted": update { $0.meanScore = v }
        case "answers":
            if row.method.hasPrefix("level_"), let level = Int(row.method.dropFirst(6)) {
                update { $0.levels[level] = Int(v ?? 0) }
            }
        case "points" where row.method == "unweighted": update { $0.points = FigureValue(value: v) }
        case "points_se" where row.method == "unweighted": update { $0.points?.se = v }
        case "points_lower" where row.method == "t": update { $0.points?.lower = v }
        case "points_upper" where row.method == "t": update { $0.points?.upper = v }
        case "item_rest_r" where row.method == "listwise": update { $0.itemRest = v }
        case "n" where row.method == "drivers": withCell(key) { $0.driverForms = v.map { Int($0) } }
        case "alpha_if_deleted" where row.method == "listwise": update { $0.alphaIfDeleted = v }
        case "flag": absorbFlag(row, key)
        default: break
        }
    }

    private mutating func absorbIndex(_ row: EstimateRow, _ key: CellKey) {
        let v = row.value
        let subject = row.subject
        func update(_ body: (inout IndexFigures) -> Void) {
            withCell(key) { body(&$0.indices[subject, default: IndexFigures()]) }
        }
        switch row.statistic {
        case "index":
            guard let e = IndexEstimator(rawValue: row.method) else { return }
            update {
                if e == .unweighted { $0.estimated = true }
                $0.by[e, default: FigureValue()].value = v
            }
        case "index_se":
            if let e = IndexEstimator.bySEMethod[row.method] { update { $0.by[e, default: FigureValue()].se = v } }
        case "index_lower":
            if let e = IndexEstimator.byIntervalMethod[row.method] { update { $0.by[e, default: FigureValue()].lower = v } }
        case "index_upper":
            if let e = IndexEstimator.byIntervalMethod[row.method] { update { $0.by[e, default: FigureValue()].upper = v } }
        case "n" where row.method == "count": update { $0.n = v.map { Int($0) } }
        case "n" where row.method == "listwise": update { $0.reliability = ReliabilityFigures(forms: v.map { Int($0) }) }
        case "n" where row.method == "drivers": withCell(key) { $0.driverForms = v.map { Int($0) } }
        case "driver_r":
            let target = row.method
            update {
                $0.driver = DriverFigures()
                $0.driver?.target = target
                $0.driver?.r = v
            }
        case "driver_r_lower": update { $0.driver?.rLower = v }
        case "driver_r_upper": update { $0.driver?.rUpper = v }
        case "driver_beta": update { $0.driver?.beta = v }
        case "driver_beta_lower": update { $0.driver?.betaLower = v }
        case "driver_beta_upper": update { $0.driver?.betaUpper = v }
        case "alpha" where row.method == "listwise": update { $0.reliability?.alpha = v }
        case "points" where row.method == "unweighted": update { $0.points = FigureValue(value: v) }
        case "points_se" where row.method == "lin_unweighted": update { $0.points?.se = v }
        case "points_lower" where row.method == "lin_unweighted_t": update { $0.points?.lower = v }
        case "points_upper" where row.method == "lin_unweighted_t": update { $0.points?.upper = v }
        case "flag": absorbFlag(row, key)
        default:
            guard row.subject == overallIndexID else { return }
            absorbOverall(row, key)
        }
    }

    private mutating func absorbOverall(_ row: EstimateRow, _ key: CellKey) {
        let v = row.value
        func update(_ body: (inout CellFigures) -> Void) { withCell(key, body) }
        switch (row.statistic, row.method) {
        case ("target", "configured"): update { $0.target = v }
        case ("target_met", "point"): update { $0.targetMet = v }
        case ("target_met", "lower_bound"): update { $0.targetMetLower = v }
        case ("target_missed", "upper_bound"): update { $0.targetMissedUpper = v }
        case ("rank", rankMethod): update { $0.rank.position = v }
        case ("rank_group", "interval_overlap"): update { $0.rank.tier = v }
        case ("rank_of", "units_ranked"): update { $0.rank.of = v }
        case ("rank_change", "previous_period"): update { $0.rank.changeOnPrevious = v }
        case ("rank_change", "previous_year"): update { $0.rank.changeOnYearAgo = v }
        case ("group_rank", rankMethod): update { $0.rank.groupPosition = v }
        case ("group_rank_group", "interval_overlap"): update { $0.rank.groupTier = v }
        case ("group_rank_of", "units_ranked"): update { $0.rank.groupOf = v }
        case ("rank_caution", "plan_or_sample_rule"): update { $0.rankCaution = v }
        default: break
        }
    }

    private mutating func absorbChange(_ row: EstimateRow, _ kind: Subject, _ key: ComparisonKey) {
        let v = row.value
        if comparisons[key] == nil {
            comparisons[key] = ComparisonFigures(items: itemPositions)
            comparisonOrder.append(key)
        }
        switch kind {
        case .item:
            guard row.method == "newcombe_hybrid" else { return }
            if row.statistic == "diff_lower" {
                comparisons[key]!.items.update(row.subject, initial: ChangeFigures()) { $0.lower = v }
            } else if row.statistic == "diff_upper" {
                comparisons[key]!.items.update(row.subject, initial: ChangeFigures()) { $0.upper = v }
            }
        case .index:
            let estimator: IndexEstimator?
            if row.statistic == "diff" {
                estimator = IndexEstimator(rawValue: row.method)
            } else {
                estimator = IndexEstimator.byChangeTest[row.method]
            }
            guard let estimator else { return }
            func update(_ body: (inout ChangeFigures) -> Void) {
                body(&comparisons[key]!.indices[row.subject, default: [:]][estimator, default: ChangeFigures()])
            }
            switch row.statistic {
            case "diff": update { $0.diff = v }
            case "diff_lower": update { $0.lower = v }
            case "diff_upper": update { $0.upper = v }
            case "p_value": update { $0.pValue = v }
            default: break
            }
        case .cell, .unknown: break
        }
    }
}
