import Foundation
import SurveyModel

/// What a publication needs beyond the reference: all-units aggregations, reliability flags,
/// target attainment and rankings, derived from the estimates and added to them as rows.
///
/// All of it concerns the *published measure* (`survey.rules.indexMeasure`): the index
/// `index/<measure>` with its linearised SE and logit interval.
public struct Publication: Sendable {
    public let survey: SurveyDefinition
    let rules: SurveyRules
    let level: Double
    let z: Double
    /// The ids a cell publishes, worked out once (the survey's item lists are computed, and
    /// copying its items for every cell was 1.5 % of a cold run): rating items then yes/no
    /// and count items, in instrument order; rating items alone; factors and the index.
    let itemIDs: [String]
    let likertIDs: [String]
    let indexIDs: [String]

    /// unit → group (`units.csv` column `group`): group aggregates and rankings within groups.
    let unitGroups: [UnitCode: String]
    /// The units' life, nil when no unit has one: the units of a period's aggregates and
    /// rankings are those that exist at its end (`UnitLineage.existsAtEnd`).
    let lineage: UnitLineage?

    public init(survey: SurveyDefinition, unitGroups: [UnitCode: String] = [:], lineage: UnitLineage? = nil) {
        self.survey = survey
        self.unitGroups = unitGroups
        self.lineage = lineage?.isTrivial == true ? nil : lineage
        rules = survey.rules
        level = survey.rules.confidenceLevel
        z = Distributions.normalQuantile(1 - (1 - survey.rules.confidenceLevel) / 2)
        likertIDs = survey.likertItems.map(\.id)
        itemIDs = likertIDs + survey.qualityItems.map(\.id)
        indexIDs = survey.factors.map(\.id) + [overallIndexID]
    }

    var measure: IndexMeasure { rules.indexMeasure }

    /// The estimator of a cell's published index: the pooled index in the published measure,
    /// or for all units and groups the configured aggregation of unit indices.
    public func estimator(_ scope: Scope) -> IndexEstimator {
        if scope.isAggregate && rules.aggregation != .pooled { return IndexEstimator(rawValue: rules.aggregation.rawValue)! }
        return IndexEstimator(measure)
    }

    /// Whether a unit's cell belongs to its period's structure: the unit exists at the
    /// period's end. A unit's figures before its `valid_from` (its predecessors pooled) and a
    /// ceased unit's part of the year are published, but neither ranked nor aggregated.
    public func isInStructure(_ cell: CellKey) -> Bool {
        guard let lineage, !cell.scope.isAggregate, cell.unit != allUnitsCode else { return true }
        return lineage.existsAtEnd(of: cell.period, cell.unit)
    }

    /// The published index of a cell: value, SE and interval (nil where undefined).
    public func publishedIndex(_ figures: EstimateFigures, _ cell: CellKey, _ id: String) -> (figure: FigureValue, estimator: IndexEstimator) {
        let e = estimator(cell.scope)
        var f = figures[cell]?.indices[id]?.by[e] ?? FigureValue()
        // At 0 or 1 every form agrees, the SE is 0 and the logit interval is undefined:
        // the interval is the point itself, not "low reliability".
        if let value = f.value, value == 0 || value == 1, f.lower == nil, (f.se ?? 0) == 0 {
            f.lower = value
            f.upper = value
        }
        return (f, e)
    }

    /// The target status of a cell; nil without a target or when suppressed.
    public func targetStatus(_ cell: CellFigures) -> TargetStatus? {
        guard cell.target != nil, !cell.flags(overallIndexID).contains(.suppressed) else { return nil }
        if cell.targetMetLower == 1 { return .significantlyMet }
        if cell.targetMissedUpper == 1 { return .significantlyMissed }
        return cell.targetMet == 1 ? .met : .notMet
    }

    /// The change of the published index against an earlier period.
    public func publishedChange(_ figures: EstimateFigures, _ key: ComparisonKey, _ id: String) -> ChangeFigures {
        figures.comparisons[key]?.indices[id]?[estimator(key.cell.scope)] ?? ChangeFigures()
    }

    /// How a cell's figures stand, decided once from its own counts: the flags below, the
    /// public estimates.csv and every output read this.
    public struct Judgement: Sendable, Hashable {
        /// Factors no form answered (M).
        public var missingFactors: Set<String> = []
        /// Factors answered on fewer forms than `suppress_below` (Q).
        public var thinFactors: Set<String> = []
        /// Items with fewer answers than `suppress_below` (Q).
        public var suppressedItems: Set<String> = []
        /// Whether the SIPAS index is suppressed (Q): fewer (effective) forms than `suppress_below`.
        public var indexSuppressed = false
        /// Forms, or Kish's effective n when the published measure is weighted and smaller.
        public var effectiveForms = 0.0

        /// Every suppressed subject (Q).
        public var suppressed: Set<String> {
            thinFactors.union(suppressedItems).union(indexSuppressed ? [overallIndexID] : [])
        }
    }

    /// The judgement of one cell (see `Judgement`).
    public func judge(_ cell: CellFigures, scope: Scope) -> Judgement {
        var j = Judgement()
        let forms = Double(cell.forms)
        for id in itemIDs where Double(cell.items[id]?.n ?? 0) < Double(rules.suppressBelow) {
            j.suppressedItems.insert(id)
        }
        var effective = forms
        if measure == .weighted, let nEff = cell.effectiveN { effective = min(forms, nEff) }
        j.effectiveForms = effective
        // Factors: suppressed when fewer forms than `suppress_below` answered any of their
        // items (their own `n`), whatever the cell's size; M when none did.
        for factor in survey.factors {
            guard let index = cell.indices[factor.id], index.estimated else { continue }
            if index.by[.unweighted]?.value == nil {
                j.missingFactors.insert(factor.id)
            } else if min(index.n.map(Double.init) ?? forms, effective) < Double(rules.suppressBelow) {
                j.thinFactors.insert(factor.id)
            }
        }
        let index = cell.indices[overallIndexID]
        j.indexSuppressed = (index?.estimated == true || index?.by[estimator(scope)]?.value != nil) && effective < Double(rules.suppressBelow)
        return j
    }

    /// The derived rows from tidy rows (decoded first): see `derive(_:population:)`.
    public func derive(from rows: [EstimateRow], population: [PopulationCount]) -> [EstimateRow] {
        var figures = EstimateFigures(rows, survey: survey)
        return derive(&figures, population: population)
    }

    /// The derived rows, in a fixed order: aggregations, published changes, flags, targets,
    /// ranks. Each is taken into `figures` as it is made.
    public func derive(_ figures: inout EstimateFigures, population: [PopulationCount]) -> [EstimateRow] {
        var derived: [EstimateRow] = []
        derive(&figures, population: population) { row, _, _ in derived.append(row) }
        return derived
    }

    /// The derived rows, each taken into `figures` and handed to `each` as it is made, with
    /// where it belongs and the figures so far.
    public func derive(
        _ figures: inout EstimateFigures, population: [PopulationCount],
        each: (EstimateRow, EstimatePlace?, inout EstimateFigures) throws -> Void
    ) rethrows {
        let estimated = figures.cells.filter { $0.value.estimated }.keys
        let cells = Set(estimated)
        let sortedCells = cells.sorted()
        let estimatorChanges = figures.comparisonOrder
        func hand(_ row: EstimateRow) throws {
            let place = figures.absorb(row)
            try each(row, place, &figures)
        }
        func emit(_ cell: CellKey, _ period: String? = nil, _ subject: String, _ statistic: String, _ method: String, _ value: Double?) throws {
            try hand(EstimateRow(
                scope: cell.scope, unit: cell.unitText, period: period ?? cell.period.description, subject: subject,
                statistic: statistic, method: method, value: value))
        }

        // 1. All-units figures as the mean of unit indices, plain and dossier-weighted.
        let pooled = IndexEstimator(measure)
        for cell in sortedCells where cell.scope.isAggregate {
            let unitScope = cell.scope.unitScope
            let units = sortedCells.filter { (member: CellKey) -> Bool in
                guard member.scope == unitScope && member.period == cell.period, isInStructure(member) else { return false }
                return cell.scope.isAllUnits || unitGroups[member.unit].map { UnitCode($0) } == cell.unit
            }
            let dossiers = Self.dossiers(population, period: cell.period)
            for id in indexIDs {
                let parts: [(unit: UnitCode, value: Double, se: Double)] = units.compactMap { (unit: CellKey) -> (unit: UnitCode, value: Double, se: Double)? in
                    let f = figures[unit]?.indices[id]?.by[pooled]
                    guard let v = f?.value, let se = f?.se else { return nil }
                    return (unit.unit, v, se)
                }
                guard parts.count == units.count, !parts.isEmpty else { continue }
                var schemes: [(String, [Double])] = [(Aggregation.unitMean.rawValue, parts.map { _ in 1 / Double(parts.count) })]
                let unitDossiers = parts.map { dossiers[$0.unit] ?? 0 }
                let total = unitDossiers.reduce(0, +)
                if total > 0, unitDossiers.allSatisfy({ $0 > 0 }) {
                    schemes.append((Aggregation.dossierWeighted.rawValue, unitDossiers.map { $0 / total }))
                }
                for (method, shares) in schemes {
                    // Units are independent samples: var = Σ a_u² se_u².
                    let value = zip(shares, parts).reduce(0) { $0 + $1.0 * $1.1.value }
                    let se = zip(shares, parts).reduce(0) { $0 + $1.0 * $1.0 * $1.1.se * $1.1.se }.squareRoot()
                    try emit(cell, nil, id, "index", method, value)
                    try emit(cell, nil, id, "index_se", method, se)
                    let ci = IndexInterval.logit(value, se: se, quantile: z)
                    try emit(cell, nil, id, "index_lower", "\(method)_logit", ci?.lower)
                    try emit(cell, nil, id, "index_upper", "\(method)_logit", ci?.upper)
                }
            }
        }

        // 1b. Changes in the published measure when it is not the reference's unweighted pooled
        // index: difference of the published indices, Wald interval from their independent SEs.
        var publishedChanges: [(ComparisonKey, String)] = []
        for cell in sortedCells {
            for earlierPeriod in cell.period.comparisonPeriods {
                let key = ComparisonKey(cell: cell, earlier: earlierPeriod)
                guard cells.contains(key.earlierCell) else { continue }
                for id in indexIDs {
                    let now = publishedIndex(figures, cell, id)
                    guard now.estimator != .unweighted else { continue }
                    let before = publishedIndex(figures, key.earlierCell, id)
                    guard let v1 = now.figure.value, let v2 = before.figure.value else { continue }
                    let d = v1 - v2
                    let method = now.estimator.rawValue
                    try emit(cell, key.label, id, "diff", method, d)
                    guard let s1 = now.figure.se, let s2 = before.figure.se else { continue }
                    let se = (s1 * s1 + s2 * s2).squareRoot()
                    try emit(cell, key.label, id, "diff_lower", now.estimator.changeTest, d - z * se)
                    try emit(cell, key.label, id, "diff_upper", now.estimator.changeTest, d + z * se)
                    try emit(cell, key.label, id, "p_value", now.estimator.changeTest, se > 0 ? 2 * Distributions.normalCDF(-abs(d / se)) : nil)
                    publishedChanges.append((key, id))
                }
            }
        }

        // 2. Reliability flags: Q suppressed, U low reliability, I below the plan minimum,
        // M missing; Q and M as `judge` decides.
        for cell in sortedCells {
            let figure = figures[cell]!
            let forms = Double(figure.forms)
            if cell.scope == .unitQuarter && forms < Double(rules.planMinimum) {
                try emit(cell, nil, wholeCellSubject, "flag", "I", 1)
            }
            let judgement = judge(figure, scope: cell.scope)
            for id in itemIDs {
                let share = figure.items[id]?.share
                if judgement.suppressedItems.contains(id) {
                    try emit(cell, nil, id, "flag", "Q", 1)
                } else if let lo = share?.lower, let hi = share?.upper, (hi - lo) / 2 > rules.maxHalfWidth {
                    try emit(cell, nil, id, "flag", "U", 1)
                }
            }
            for factor in survey.factors where judgement.missingFactors.contains(factor.id) {
                try emit(cell, nil, factor.id, "flag", "M", 1)
            }
            if !judgement.missingFactors.isEmpty { try emit(cell, nil, overallIndexID, "flag", "M", 1) }
            for id in indexIDs {
                let published = publishedIndex(figures, cell, id).figure
                guard published.value != nil || figure.indices[id]?.estimated == true else { continue }
                let isFactor = id != overallIndexID
                // A factor no form answered is M (above), not a suppressed number.
                if judgement.missingFactors.contains(id) { continue }
                let suppressed = isFactor ? judgement.thinFactors.contains(id) : judgement.indexSuppressed
                if suppressed {
                    try emit(cell, nil, id, "flag", "Q", 1)
                } else if !isFactor && !judgement.thinFactors.isEmpty && published.value != nil {
                    try emit(cell, nil, id, "flag", "U", 1)
                } else if let lo = published.lower, let hi = published.upper, (hi - lo) / 2 > rules.maxHalfWidth {
                    try emit(cell, nil, id, "flag", "U", 1)
                } else if published.value != nil && published.lower == nil {
                    // No interval at all (for example a single form): nothing vouches for the value.
                    try emit(cell, nil, id, "flag", "U", 1)
                }
            }
        }
        // N: a published change whose interval covers 0 is not significant (questions: the
        // Newcombe interval; indices: the published measure's test).
        func notSignificant(_ key: ComparisonKey, _ id: String, _ change: ChangeFigures?) throws {
            guard let lo = change?.lower, let hi = change?.upper, lo <= 0 && hi >= 0 else { return }
            // (The figures keep no N flag: taken in, the row changes nothing.)
            try hand(EstimateRow(scope: key.cell.scope, unit: key.cell.unit.code, period: key.label, subject: id,
                                 statistic: "flag", method: "N", value: 1))
        }
        for key in estimatorChanges {
            guard let change = figures.comparisons[key] else { continue }
            for id in itemIDs { try notSignificant(key, id, change.items[id]) }
            guard estimator(key.cell.scope) == .unweighted else { continue }
            for id in indexIDs { try notSignificant(key, id, change.indices[id]?[.unweighted]) }
        }
        for (key, id) in publishedChanges { try notSignificant(key, id, publishedChange(figures, key, id)) }

        // 3. Target attainment of the SIPAS index.
        if let target = rules.target {
            for cell in sortedCells {
                let p = publishedIndex(figures, cell, overallIndexID).figure
                guard let value = p.value else { continue }
                try emit(cell, nil, overallIndexID, "target", "configured", target)
                try emit(cell, nil, overallIndexID, "target_met", "point", value >= target ? 1 : 0)
                try emit(cell, nil, overallIndexID, "target_met", "lower_bound", (p.lower ?? -1) >= target ? 1 : 0)
                try emit(cell, nil, overallIndexID, "target_missed", "upper_bound", (p.upper ?? 2) < target ? 1 : 0)
            }
        }

        // 4. Rankings of units by the published SIPAS index, with tiers of overlapping intervals.
        // Units short of forms (plan minimum, sample-size rule) get a caution row, and are
        // ranked or left out as `ranking_policy` says.
        var short = Set<CellKey>()
        var dossiersOf: [UnitCode: [Period: Double]] = [:]
        for row in population { dossiersOf[row.unit, default: [:]][row.period, default: 0] += row.dossiers }
        for cell in sortedCells where cell.scope == .unitQuarter || cell.scope == .unitYear {
            let forms = figures[cell]!.forms
            let belowPlan = cell.scope == .unitQuarter && forms < rules.planMinimum
            let dossiers = dossiersOf[cell.unit]?[cell.period] ?? 0
            let belowRule = dossiers > 0
                && forms < CheckAccumulator.requiredSampleSize(dossiers: dossiers, marginOfError: rules.marginOfError)
            if belowPlan || belowRule {
                short.insert(cell)
                try emit(cell, nil, overallIndexID, "rank_caution", "plan_or_sample_rule", 1)
            }
        }
        var ranks: [Scope: [Period: [UnitCode: Int]]] = [:]
        for scope in [Scope.unitQuarter, .unitYear] {
            let periods = Set(sortedCells.filter { $0.scope == scope }.map(\.period)).sorted()
            for period in periods {
                var entries: [RankEntry] = []
                for cell in sortedCells where cell.scope == scope && cell.period == period && isInStructure(cell) {
                    let p = publishedIndex(figures, cell, overallIndexID).figure
                    guard let v = p.value, !figures[cell]!.flags(overallIndexID).contains(.suppressed) else { continue }
                    if rules.rankingPolicy == .exclude && short.contains(cell) { continue }
                    entries.append((cell.unit, v, p.lower ?? v, p.upper ?? v))
                }
                // Ranked on the share as printed (two decimals of a percent): units printed
                // with the same value share the better rank and are listed by code.
                // The printed share of each entry made once, not at each comparison.
                entries = entries.map { (printed: Self.printedShare($0.value), entry: $0) }
                    .sorted { a, b in a.printed != b.printed ? a.printed > b.printed : a.entry.unit < b.entry.unit }
                    .map(\.entry)
                for (e, rank, tier) in Self.ranked(entries) {
                    ranks[scope, default: [:]][period, default: [:]][e.unit] = rank
                    let cell = CellKey(scope: scope, unit: e.unit, period: period)
                    try emit(cell, nil, overallIndexID, "rank", measure.indexMethod, Double(rank))
                    try emit(cell, nil, overallIndexID, "rank_group", "interval_overlap", Double(tier))
                    try emit(cell, nil, overallIndexID, "rank_of", "units_ranked", Double(entries.count))
                    for (method, earlier) in [("previous_period", period.previous), ("previous_year", period.sameTimeLastYear)]
                    where method == "previous_period" || scope == .unitQuarter {
                        // A rank moves only within one structure: not across a reorganisation.
                        if let before = ranks[scope]?[earlier]?[e.unit],
                            lineage.map({ $0.structure(atEndOf: earlier) == $0.structure(atEndOf: period) }) ?? true {
                            try emit(cell, nil, overallIndexID, "rank_change", method, Double(before - rank))
                        }
                    }
                }
                // Within each group (units.csv `group`): the same ranking among the group's units.
                for group in Set(entries.compactMap { unitGroups[$0.unit] }).sorted() {
                    let members = entries.filter { unitGroups[$0.unit] == group }
                    for (e, rank, tier) in Self.ranked(members) {
                        let cell = CellKey(scope: scope, unit: e.unit, period: period)
                        try emit(cell, nil, overallIndexID, "group_rank", measure.indexMethod, Double(rank))
                        try emit(cell, nil, overallIndexID, "group_rank_group", "interval_overlap", Double(tier))
                        try emit(cell, nil, overallIndexID, "group_rank_of", "units_ranked", Double(members.count))
                    }
                }
            }
        }
    }

    typealias RankEntry = (unit: UnitCode, value: Double, lower: Double, upper: Double)

    /// A share as every output prints it, in hundredths of a percent (`0.855049` → 8550,
    /// printed `85,50%`): formatted exactly as the report formats it (`%.2f` of the percent),
    /// so that two units ranked apart never print the same value.
    public static func printedShare(_ share: Double) -> Int {
        let text = NumberText.fixed(share * 100, decimals: 2)
        return Int(text.replacingOccurrences(of: ".", with: "")) ?? Int((share * 10_000).rounded())
    }

    /// Ranks and tiers of entries sorted best first: shares that print the same share the
    /// better rank (standard competition ranking: 1, 2, 2, 4); a new tier
    /// starts when an interval's upper bound falls below the lower bound of its tier's leader.
    static func ranked(_ entries: [RankEntry]) -> [(entry: RankEntry, rank: Int, tier: Int)] {
        var tier = 0
        var leaderLower = Double.infinity
        var rank = 0
        let printed = entries.map { printedShare($0.value) }
        return entries.enumerated().map { position, e in
            let tied = position > 0 && printed[position] == printed[position - 1]
            if !tied { rank = position + 1 }
            // A unit tied with the one before it shares its rank and its tier.
            if !tied && e.upper < leaderLower {
                tier += 1
                leaderLower = e.lower
            }
            return (e, rank, tier)
        }
    }

    /// Dossiers per unit for a period: its own rows, else the rows of the quarters or year
    /// that hold it (only the units' relative sizes matter).
    static func dossiers(_ population: [PopulationCount], period: Period) -> [UnitCode: Double] {
        var exact: [UnitCode: Double] = [:]
        var inside: [UnitCode: Double] = [:]
        var around: [UnitCode: Double] = [:]
        for row in population {
            if row.period == period { exact[row.unit, default: 0] += row.dossiers }
            else if row.period.isInside(period) { inside[row.unit, default: 0] += row.dossiers }
            else if period.isInside(row.period) { around[row.unit, default: 0] += row.dossiers }
        }
        return !exact.isEmpty ? exact : (!inside.isEmpty ? inside : around)
    }
}
