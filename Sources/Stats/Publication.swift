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

    /// unit → group (`units.csv` column `group`): group aggregates and rankings within groups.
    let unitGroups: [String: String]

    public init(survey: SurveyDefinition, unitGroups: [String: String] = [:]) {
        self.survey = survey
        self.unitGroups = unitGroups
        rules = survey.rules
        level = survey.rules.confidenceLevel
        z = Distributions.normalQuantile(1 - (1 - survey.rules.confidenceLevel) / 2)
    }

    var measure: IndexMeasure { rules.indexMeasure }
    var indexIDs: [String] { survey.factors.map(\.id) + [overallIndexID] }

    /// The published index of a cell: value and interval (nil where undefined).
    public func publishedIndex(_ lookup: EstimateLookup, _ scope: Scope, _ unit: String, _ period: String, _ id: String)
        -> (value: Double?, se: Double?, lower: Double?, upper: Double?, method: String)
    {
        let method: String, seMethod: String, intervalMethod: String
        if scope.isAggregate && rules.aggregation != .pooled {
            method = rules.aggregation.rawValue
            seMethod = method
            intervalMethod = "\(method)_logit"
        } else {
            method = measure.indexMethod
            seMethod = measure.linearisation
            intervalMethod = "\(measure.linearisation)_logit"
        }
        let value = lookup.value(scope, unit, period, id, "index", method)
        let se = lookup.value(scope, unit, period, id, "index_se", seMethod)
        var lower = lookup.value(scope, unit, period, id, "index_lower", intervalMethod)
        var upper = lookup.value(scope, unit, period, id, "index_upper", intervalMethod)
        // At 0 or 1 every form agrees, the SE is 0 and the logit interval is undefined:
        // the interval is the point itself, not "low reliability".
        if let value, value == 0 || value == 1, lower == nil, (se ?? 0) == 0 {
            lower = value
            upper = value
        }
        return (value, se, lower, upper, method)
    }

    /// The target status of a cell, from its `target_*` rows; nil without a target or when suppressed.
    public func targetStatus(_ lookup: EstimateLookup, _ scope: Scope, _ unit: String, _ period: String) -> TargetStatus? {
        guard lookup.value(scope, unit, period, overallIndexID, "target", "configured") != nil,
            !lookup.flagged(scope, unit, period, overallIndexID, "Q")
        else { return nil }
        if lookup.value(scope, unit, period, overallIndexID, "target_met", "lower_bound") == 1 { return .significantlyMet }
        if lookup.value(scope, unit, period, overallIndexID, "target_missed", "upper_bound") == 1 { return .significantlyMissed }
        return lookup.value(scope, unit, period, overallIndexID, "target_met", "point") == 1 ? .met : .notMet
    }

    /// The change of the published index against an earlier period: difference and interval.
    public func publishedChange(_ lookup: EstimateLookup, _ scope: Scope, _ unit: String, _ label: String, _ id: String)
        -> (diff: Double?, lower: Double?, upper: Double?, pValue: Double?)
    {
        var method = measure.indexMethod
        if scope.isAggregate && rules.aggregation != .pooled { method = rules.aggregation.rawValue }
        let test = method == "unweighted" ? "lin_unweighted_wald_z" : "\(method)_wald_z"
        return (lookup.value(scope, unit, label, id, "diff", method), lookup.value(scope, unit, label, id, "diff_lower", test),
                lookup.value(scope, unit, label, id, "diff_upper", test), lookup.value(scope, unit, label, id, "p_value", test))
    }

    /// The derived rows, in a fixed order: aggregations, published changes, flags, targets, ranks.
    public func derive(from rows: [EstimateRow], population: [PopulationCount]) -> [EstimateRow] {
        var lookup = EstimateLookup(rows)
        var cells = Set<CellKey>()
        for row in rows where row.statistic == "n_rows" {
            if let p = Period(row.period) { cells.insert(CellKey(scope: row.scope, unit: row.unit, period: p)) }
        }
        let sortedCells = cells.sorted()
        var derived: [EstimateRow] = []
        func emit(_ cell: CellKey, _ period: String? = nil, _ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            let row = EstimateRow(
                scope: cell.scope, unit: cell.unit, period: period ?? cell.period.description, subject: subject,
                statistic: statistic, method: method, value: value)
            derived.append(row)
            lookup.insert(row)
        }

        // 1. All-units figures as the mean of unit indices, plain and dossier-weighted.
        for cell in sortedCells where cell.scope.isAggregate {
            let unitScope = cell.scope.unitScope
            let units = sortedCells.filter {
                $0.scope == unitScope && $0.period == cell.period && (cell.scope.isAllUnits || unitGroups[$0.unit] == cell.unit)
            }.map(\.unit)
            let dossiers = Self.dossiers(population, period: cell.period)
            for id in indexIDs {
                let parts: [(unit: String, value: Double, se: Double)] = units.compactMap { unit in
                    let lin = measure.linearisation
                    guard let v = lookup.value(unitScope, unit, cell.period.description, id, "index", measure.indexMethod),
                        let se = lookup.value(unitScope, unit, cell.period.description, id, "index_se", lin)
                    else { return nil }
                    return (unit, v, se)
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
                    emit(cell, nil, id, "index", method, value)
                    emit(cell, nil, id, "index_se", method, se)
                    let ci = IndexInterval.logit(value, se: se, quantile: z)
                    emit(cell, nil, id, "index_lower", "\(method)_logit", ci?.lower)
                    emit(cell, nil, id, "index_upper", "\(method)_logit", ci?.upper)
                }
            }
        }

        // 1b. Changes in the published measure when it is not the reference's unweighted pooled
        // index: difference of the published indices, Wald interval from their independent SEs.
        for cell in sortedCells {
          for earlierPeriod in cell.period.comparisonPeriods {
            let earlier = CellKey(scope: cell.scope, unit: cell.unit, period: earlierPeriod)
            guard cells.contains(earlier) else { continue }
            let label = Period.comparisonLabel(cell.period, earlierPeriod)
            for id in indexIDs {
                let now = publishedIndex(lookup, cell.scope, cell.unit, cell.period.description, id)
                guard now.method != "unweighted" else { continue }
                let before = publishedIndex(lookup, earlier.scope, earlier.unit, earlier.period.description, id)
                guard let v1 = now.value, let v2 = before.value else { continue }
                let d = v1 - v2
                emit(cell, label, id, "diff", now.method, d)
                guard let s1 = now.se, let s2 = before.se else { continue }
                let se = (s1 * s1 + s2 * s2).squareRoot()
                emit(cell, label, id, "diff_lower", "\(now.method)_wald_z", d - z * se)
                emit(cell, label, id, "diff_upper", "\(now.method)_wald_z", d + z * se)
                emit(cell, label, id, "p_value", "\(now.method)_wald_z", se > 0 ? 2 * Distributions.normalCDF(-abs(d / se)) : nil)
            }
          }
        }

        // 2. Reliability flags: Q suppressed, U low reliability, I below the plan minimum.
        for cell in sortedCells {
            let period = cell.period.description
            let forms = lookup.value(cell.scope, cell.unit, period, wholeCellSubject, "n_rows", "count") ?? 0
            if cell.scope == .unitQuarter && forms < Double(rules.planMinimum) {
                emit(cell, nil, wholeCellSubject, "flag", "I", 1)
            }
            let method = rules.intervalMethod.rawValue
            for item in survey.likertItems + survey.qualityItems {
                let n = lookup.value(cell.scope, cell.unit, period, item.id, "n", "count") ?? 0
                if n < Double(rules.suppressBelow) {
                    emit(cell, nil, item.id, "flag", "Q", 1)
                } else if let lo = lookup.value(cell.scope, cell.unit, period, item.id, "p_lower", method),
                    let hi = lookup.value(cell.scope, cell.unit, period, item.id, "p_upper", method),
                    (hi - lo) / 2 > rules.maxHalfWidth
                {
                    emit(cell, nil, item.id, "flag", "U", 1)
                }
            }
            var effective = forms
            if measure == .weighted, let nEff = lookup.value(cell.scope, cell.unit, period, wholeCellSubject, "n_eff", "kish") {
                effective = min(forms, nEff)
            }
            // Factors: suppressed when fewer forms than `suppress_below` answered any of their
            // items (their own `n`), whatever the cell's size; M when none did. The index is M
            // when a factor is (it is not computed: docs/statistics.md), and low reliability
            // (U) when it averages a suppressed factor.
            // Each factor judged once: no answer at all (M), or too few answering forms (Q).
            var missing = Set<String>(), thin = Set<String>()
            for factor in survey.factors {
                let id = factor.id
                guard lookup.contains(cell.scope, cell.unit, period, id, "index", "unweighted") else { continue }
                if lookup.value(cell.scope, cell.unit, period, id, "index", "unweighted") == nil {
                    missing.insert(id)
                    emit(cell, nil, id, "flag", "M", 1)
                } else if min(lookup.value(cell.scope, cell.unit, period, id, "n", "count") ?? forms, effective) < Double(rules.suppressBelow) {
                    thin.insert(id)
                }
            }
            if !missing.isEmpty { emit(cell, nil, overallIndexID, "flag", "M", 1) }
            for id in indexIDs {
                let published = publishedIndex(lookup, cell.scope, cell.unit, period, id)
                guard published.value != nil || lookup.contains(cell.scope, cell.unit, period, id, "index", "unweighted") else { continue }
                let isFactor = id != overallIndexID
                // A factor no form answered is M (above), not a suppressed number.
                if missing.contains(id) { continue }
                let suppressed = isFactor ? thin.contains(id) : effective < Double(rules.suppressBelow)
                if suppressed {
                    emit(cell, nil, id, "flag", "Q", 1)
                } else if !isFactor && !thin.isEmpty && published.value != nil {
                    emit(cell, nil, id, "flag", "U", 1)
                } else if let lo = published.lower, let hi = published.upper, (hi - lo) / 2 > rules.maxHalfWidth {
                    emit(cell, nil, id, "flag", "U", 1)
                } else if published.value != nil && published.lower == nil {
                    // No interval at all (for example a single form): nothing vouches for the value.
                    emit(cell, nil, id, "flag", "U", 1)
                }
            }
        }
        // N: a published change whose interval covers 0 is not significant (questions: the
        // Newcombe interval; indices: the published measure's test).
        let indexSet = Set(indexIDs)
        for row in rows + derived where row.statistic == "diff_lower" {
            let published: Bool
            if indexSet.contains(row.subject) {
                let method = publishedChange(lookup, row.scope, row.unit, row.period, row.subject)
                published = method.lower != nil && method.lower == row.value
                    && lookup.value(row.scope, row.unit, row.period, row.subject, "diff_upper", row.method) == method.upper
            } else {
                published = row.method == "newcombe_hybrid"
            }
            guard published, let lo = row.value,
                let hi = lookup.value(row.scope, row.unit, row.period, row.subject, "diff_upper", row.method),
                lo <= 0 && hi >= 0
            else { continue }
            derived.append(EstimateRow(scope: row.scope, unit: row.unit, period: row.period, subject: row.subject,
                                       statistic: "flag", method: "N", value: 1))
        }

        // 3. Target attainment of the SIPAS index.
        if let target = rules.target {
            for cell in sortedCells {
                let p = publishedIndex(lookup, cell.scope, cell.unit, cell.period.description, overallIndexID)
                guard let value = p.value else { continue }
                emit(cell, nil, overallIndexID, "target", "configured", target)
                emit(cell, nil, overallIndexID, "target_met", "point", value >= target ? 1 : 0)
                emit(cell, nil, overallIndexID, "target_met", "lower_bound", (p.lower ?? -1) >= target ? 1 : 0)
                emit(cell, nil, overallIndexID, "target_missed", "upper_bound", (p.upper ?? 2) < target ? 1 : 0)
            }
        }

        // 4. Rankings of units by the published SIPAS index, with tiers of overlapping intervals.
        // Units short of forms (plan minimum, sample-size rule) get a caution row, and are
        // ranked or left out as `ranking_policy` says.
        var short = Set<CellKey>()
        var dossiersOf: [String: [Period: Double]] = [:]
        for row in population { dossiersOf[row.unit, default: [:]][row.period, default: 0] += row.dossiers }
        for cell in sortedCells where cell.scope == .unitQuarter || cell.scope == .unitYear {
            let forms = Int(lookup.value(cell.scope, cell.unit, cell.period.description, wholeCellSubject, "n_rows", "count") ?? 0)
            let belowPlan = cell.scope == .unitQuarter && forms < rules.planMinimum
            let dossiers = dossiersOf[cell.unit]?[cell.period] ?? 0
            let belowRule = dossiers > 0
                && forms < CheckAccumulator.requiredSampleSize(dossiers: dossiers, marginOfError: rules.marginOfError)
            if belowPlan || belowRule {
                short.insert(cell)
                emit(cell, nil, overallIndexID, "rank_caution", "plan_or_sample_rule", 1)
            }
        }
        var ranks: [Scope: [Period: [String: Int]]] = [:]
        for scope in [Scope.unitQuarter, .unitYear] {
            let periods = Set(sortedCells.filter { $0.scope == scope }.map(\.period)).sorted()
            for period in periods {
                let label = period.description
                var entries: [RankEntry] = []
                for cell in sortedCells where cell.scope == scope && cell.period == period {
                    let p = publishedIndex(lookup, scope, cell.unit, label, overallIndexID)
                    guard let v = p.value, !lookup.flagged(scope, cell.unit, label, overallIndexID, "Q") else { continue }
                    if rules.rankingPolicy == .exclude && short.contains(cell) { continue }
                    entries.append((cell.unit, v, p.lower ?? v, p.upper ?? v))
                }
                entries.sort { $0.value != $1.value ? $0.value > $1.value : $0.unit.utf8.lexicographicallyPrecedes($1.unit.utf8) }
                for (e, rank, tier) in Self.ranked(entries) {
                    ranks[scope, default: [:]][period, default: [:]][e.unit] = rank
                    let cell = CellKey(scope: scope, unit: e.unit, period: period)
                    emit(cell, nil, overallIndexID, "rank", measure.indexMethod, Double(rank))
                    emit(cell, nil, overallIndexID, "rank_group", "interval_overlap", Double(tier))
                    emit(cell, nil, overallIndexID, "rank_of", "units_ranked", Double(entries.count))
                    for (method, earlier) in [("previous_period", period.previous), ("previous_year", period.sameTimeLastYear)]
                    where method == "previous_period" || scope == .unitQuarter {
                        if let before = ranks[scope]?[earlier]?[e.unit] {
                            emit(cell, nil, overallIndexID, "rank_change", method, Double(before - rank))
                        }
                    }
                }
                // Within each group (units.csv `group`): the same ranking among the group's units.
                for group in Set(entries.compactMap { unitGroups[$0.unit] }).sorted() {
                    let members = entries.filter { unitGroups[$0.unit] == group }
                    for (e, rank, tier) in Self.ranked(members) {
                        let cell = CellKey(scope: scope, unit: e.unit, period: period)
                        emit(cell, nil, overallIndexID, "group_rank", measure.indexMethod, Double(rank))
                        emit(cell, nil, overallIndexID, "group_rank_group", "interval_overlap", Double(tier))
                        emit(cell, nil, overallIndexID, "group_rank_of", "units_ranked", Double(members.count))
                    }
                }
            }
        }
        return derived
    }

    typealias RankEntry = (unit: String, value: Double, lower: Double, upper: Double)

    /// Ranks and tiers of entries sorted best first: ties share the better rank; a new tier
    /// starts when an interval's upper bound falls below the lower bound of its tier's leader.
    static func ranked(_ entries: [RankEntry]) -> [(entry: RankEntry, rank: Int, tier: Int)] {
        var tier = 0
        var leaderLower = Double.infinity
        var rank = 0
        return entries.enumerated().map { position, e in
            if position == 0 || e.value != entries[position - 1].value { rank = position + 1 }
            if e.upper < leaderLower {
                tier += 1
                leaderLower = e.lower
            }
            return (e, rank, tier)
        }
    }

    /// Dossiers per unit for a period: its own rows, else the rows of the quarters or year
    /// that hold it (only the units' relative sizes matter).
    static func dossiers(_ population: [PopulationCount], period: Period) -> [String: Double] {
        var exact: [String: Double] = [:]
        var inside: [String: Double] = [:]
        var around: [String: Double] = [:]
        for row in population {
            if row.period == period { exact[row.unit, default: 0] += row.dossiers }
            else if row.period.isInside(period) { inside[row.unit, default: 0] += row.dossiers }
            else if period.isInside(row.period) { around[row.unit, default: 0] += row.dossiers }
        }
        return !exact.isEmpty ? exact : (!inside.isEmpty ? inside : around)
    }
}
