import Foundation
import SurveyModel

/// Turns per-atom sums into the rows of `estimates.csv`.
///
/// Cells are unit × quarter, unit × year, all units × quarter and all units × year; each is
/// the sum of its atoms. The all-units scopes pool the respondents (the reference's `ALL`).
public struct Estimator: Sendable {
    public let survey: SurveyDefinition
    public let level: Double
    private let likertIDs: [String]
    /// Yes/no and count items' ids, in instrument order (the survey's list is computed anew,
    /// its items copied, each time it is asked for).
    private let qualityIDs: [String]
    private let scales: RatingScales
    private let structure: IndexStructure

    /// unit → group (`units.csv` column `group`); group cells are estimated for every group.
    public let unitGroups: [UnitCode: String]
    /// The units' life (units.csv), nil when no unit has one: a unit that continues others
    /// (a merger, a rename) has their forms pooled as its figures before its `valid_from`.
    public let lineage: UnitLineage?

    public init(survey: SurveyDefinition, unitGroups: [UnitCode: String] = [:], lineage: UnitLineage? = nil) {
        self.survey = survey
        self.unitGroups = unitGroups
        self.lineage = lineage?.isTrivial == true ? nil : lineage
        level = survey.rules.confidenceLevel
        likertIDs = survey.likertItems.map(\.id)
        qualityIDs = survey.qualityItems.map(\.id)
        scales = RatingScales(survey.ratingScales)
        structure = IndexStructure(survey: survey)
    }

    /// What one cell's estimation leaves for the comparisons.
    struct CellSummary {
        var answered: [Int]
        var satisfied: [Int]
        /// Unweighted factor and overall indices, nil where undefined.
        var indices: [String: Double]
        /// lin_unweighted standard errors.
        var linearisedSE: [String: Double]
    }

    /// The cells present in the data, each with the atoms it adds up.
    ///
    /// With a `lineage`, a unit's cells also hold, for quarters before its `valid_from`, the
    /// atoms of the predecessors it continues (`UnitLineage.sources`): its figures there are
    /// theirs pooled, as if their forms carried its code; its year holds its predecessors'
    /// quarters of that year. Groups and all units count each atom once, by its own unit.
    public static func cells(
        of atoms: some Collection<AtomKey>, groups: [UnitCode: String] = [:], lineage: UnitLineage? = nil
    ) -> [CellKey: [AtomKey]] {
        var cells: [CellKey: [AtomKey]] = [:]
        for atom in atoms {
            let year = atom.quarter.yearPeriod
            var keys = [
                CellKey(scope: .allQuarter, unit: allUnitsCode, period: atom.quarter),
                CellKey(scope: .allYear, unit: allUnitsCode, period: year),
            ]
            var owners = [atom.unit]
            if let lineage {
                owners += lineage.descendants(of: atom.unit)
                    .filter { lineage.sources(of: $0, in: atom.quarter).contains(atom.unit) }
            }
            for unit in owners {
                keys += [CellKey(scope: .unitQuarter, unit: unit, period: atom.quarter),
                         CellKey(scope: .unitYear, unit: unit, period: year),
                         CellKey(scope: .channelScope(quarterly: true, atom.channel), unit: unit, period: atom.quarter),
                         CellKey(scope: .channelScope(quarterly: false, atom.channel), unit: unit, period: year)]
            }
            if let group = groups[atom.unit] {
                keys += [CellKey(scope: .groupQuarter, unit: UnitCode(group), period: atom.quarter),
                         CellKey(scope: .groupYear, unit: UnitCode(group), period: year)]
            }
            for key in keys {
                cells[key, default: []].append(atom)
            }
        }
        return cells
    }

    /// The domain cells of the breakdowns: each domain's atoms (an atom's forms with one value
    /// of a category item) add up to all units and to their unit (with a `lineage`, also to
    /// the units that continue it, as `cells(of:)`), by quarter and by year.
    public static func domainCells(
        of domains: [DomainAtom: CellSums], lineage: UnitLineage? = nil
    ) -> [CellKey: [(AtomKey, CellSums)]] {
        var cells: [CellKey: [(AtomKey, CellSums)]] = [:]
        for (key, sums) in domains {
            let atom = key.atom
            let year = atom.quarter.yearPeriod
            var keys = [
                CellKey(scope: .byAllQuarter, unit: allUnitsCode, period: atom.quarter, domain: key.domain),
                CellKey(scope: .byAllYear, unit: allUnitsCode, period: year, domain: key.domain),
            ]
            var owners = [atom.unit]
            if let lineage {
                owners += lineage.descendants(of: atom.unit).filter { lineage.sources(of: $0, in: atom.quarter).contains(atom.unit) }
            }
            for unit in owners {
                keys += [CellKey(scope: .byUnitQuarter, unit: unit, period: atom.quarter, domain: key.domain),
                         CellKey(scope: .byUnitYear, unit: unit, period: year, domain: key.domain)]
            }
            for cell in keys { cells[cell, default: []].append((atom, sums)) }
        }
        return cells.mapValues { $0.sorted { $0.0 < $1.0 } }
    }

    /// Every estimate, in a fixed order: cells sorted by scope, unit and period, then the
    /// comparisons between consecutive periods.
    /// - Parameter population: dossiers per unit, channel and period; empty for no weighting.
    public func estimate(
        atoms: [AtomKey: CellSums], domains: [DomainAtom: CellSums] = [:], population: [PopulationCount] = []
    ) -> [EstimateRow] {
        var rows: [EstimateRow] = []
        estimate(atoms: atoms, domains: domains, population: population) { rows.append($0) }
        return rows
    }

    /// Every estimate, handed to `each` as it is made (one cell's rows at a time, in the
    /// order of `estimate(atoms:population:)`): nothing but the comparisons' summaries is
    /// kept, so memory does not grow with the rows.
    public func estimate(
        atoms: [AtomKey: CellSums], domains: [DomainAtom: CellSums] = [:], population: [PopulationCount] = [],
        each: (EstimateRow) throws -> Void
    ) rethrows {
        let cells = Self.cells(of: atoms.keys, groups: unitGroups, lineage: lineage)
        // A unit's quarter is broken down where the forms allow: a domain of fewer forms than
        // `suppress_below` would publish nothing but its n (the unit's year and all units'
        // quarter hold those forms).
        let domainCells = Self.domainCells(of: domains, lineage: lineage).filter { cell, members in
            cell.scope != .byUnitQuarter || members.reduce(0) { $0 + $1.1.forms } >= survey.rules.suppressBelow
        }
        let forms = atoms.mapValues(\.forms)
        // The unweighted design of the reference: one batch per year, weights 1.
        var yearForms: [Period: Int] = [:]
        for (key, n) in forms { yearForms[key.quarter.yearPeriod, default: 0] += n }
        let unweighted = DesignVariance(batchOf: { $0.quarter.yearPeriod }, batchForms: yearForms, stratumForms: [:])
        let plan = WeightPlan.make(formsPerAtom: forms, population: population)

        var rows: [EstimateRow] = []
        var summaries: [CellKey: CellSummary] = [:]
        // The same few hundred t quantiles serve every cell and item of this run.
        var quantiles = StudentTQuantiles()
        let sortedCells = cells.keys.sorted()
        for cell in sortedCells + domainCells.keys.sorted() {
            // A domain's cell is a subset of the same design: its variance pads the domain
            // back to every form of the batch (and, weighted, of each post-stratum).
            let members = domainCells[cell] ?? cells[cell]!.sorted().map { ($0, atoms[$0]!) }
            summaries[cell] = emitCell(cell, members: members, design: unweighted, quantiles: &quantiles, into: &rows)
            // A channel's cell is one stratum: its weighted figures are its unweighted ones.
            if let plan, cell.scope.channel == nil, members.allSatisfy({ plan.weights[$0.0] != nil }) {
                emitWeighted(
                    cell, members: members.map { ($0.0, $0.1, plan.weights[$0.0]!) }, design: plan.design,
                    quantiles: &quantiles, into: &rows)
            }
            try Self.hand(rows, to: each)
            rows.removeAll(keepingCapacity: true)
        }
        // Changes against the previous period and, for quarters, the same quarter a year earlier.
        for cell in sortedCells where cell.scope.channel == nil {
            for earlierPeriod in cell.period.comparisonPeriods {
                let earlier = CellKey(scope: cell.scope, unit: cell.unit, period: earlierPeriod)
                guard let later = summaries[cell], let before = summaries[earlier] else { continue }
                // A part-year figure (a unit that ceased or started within the year, with no
                // predecessors it continues) is not compared with a whole year.
                if let lineage, !cell.scope.isAggregate,
                    !(lineage.isWhole(cell.unit, cell.period) && lineage.isWhole(cell.unit, earlierPeriod)) { continue }
                emitComparison(cell, later: later, earlierPeriod: earlierPeriod, earlier: before, into: &rows)
                try Self.hand(rows, to: each)
                rows.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Hands each row on as it lies in `rows`, lent rather than copied (a copy retains
    /// every text of the row, for each of hundreds of thousands of rows).
    private static func hand(_ rows: [EstimateRow], to each: (EstimateRow) throws -> Void) rethrows {
        try rows.withUnsafeBufferPointer { buffer in
            for i in buffer.indices { try each(buffer[i]) }
        }
    }

    private func emitCell(
        _ cell: CellKey, members: [(AtomKey, CellSums)], design: DesignVariance,
        quantiles: inout StudentTQuantiles, into rows: inout [EstimateRow]
    ) -> CellSummary {
        var sums = CellSums(itemCount: likertIDs.count, levelStride: scales.stride)
        for (_, atom) in members { sums.merge(atom) }
        let period = cell.period.description
        func emit(_ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            rows.append(EstimateRow(
                scope: cell.scope, unit: cell.unitText, period: period, subject: subject,
                statistic: statistic, method: method, value: value))
        }
        func t(_ df: Int) -> Double? {
            df >= 1 ? quantiles.quantile(1 - (1 - level) / 2, df: Double(df)) : nil
        }
        // A channel's cell (paper or online apart, for the annex) and a breakdown's domain
        // carry what is published:
        // counts, the share with the configured interval, indices; not every interval method.
        // By default only the configured interval (the one published); `[estimates] full`
        // computes every method of docs/statistics.md (the R parity tests set it).
        let light = cell.scope.channel != nil || cell.scope.isDomain
        let methods = !light && survey.rules.fullEstimates ? IntervalMethod.allCases : [survey.rules.intervalMethod]
        var proportions: [Double?] = []
        for (j, id) in likertIDs.enumerated() {
            let n = sums.answered[j]
            let x = sums.satisfied[j]
            emit(id, "n", "count", Double(n))
            emit(id, "satisfied", "count", Double(x))
            // The raw distribution, so that anyone can recompute every figure.
            for (i, value) in scales.scales[j].values.enumerated() where !light {
                emit(id, "answers", "level_\(value)", Double(sums.levelCounts[j * sums.levelStride + i + 1]))
            }
            guard n > 0 else {
                proportions.append(nil)
                continue
            }
            let p = Double(x) / Double(n)
            proportions.append(p)
            emit(id, "p", "unweighted", p)
            for method in methods {
                let ci = BinomialInterval.interval(method, successes: x, trials: n, level: level)
                emit(id, "p_lower", method.rawValue, ci.lower)
                emit(id, "p_upper", method.rawValue, ci.upper)
            }
            guard !light else { continue }
            let score = ScoreSummary(n: n, sum: sums.scoreSum[j], sumOfSquares: sums.scoreSquares[j])
            emit(id, "mean_score", "unweighted", score.mean)
            // The mean score's SD and t interval are not published: `[estimates] full` only.
            if survey.rules.fullEstimates, n >= 2, let tq = t(n - 1) {
                let sd = score.standardDeviation
                let half = tq * sd / Double(n).squareRoot()
                emit(id, "mean_score_sd", "t", sd)
                emit(id, "mean_score_lower", "t", score.mean - half)
                emit(id, "mean_score_upper", "t", score.mean + half)
            }
        }

        // Quality items: the share of favourable answers, with the same interval methods.
        for (q, id) in qualityIDs.enumerated() where q < sums.qualityAnswered.count {
            let n = sums.qualityAnswered[q]
            let x = sums.qualityFavourable[q]
            emit(id, "n", "count", Double(n))
            emit(id, "favourable", "count", Double(x))
            guard n > 0 else { continue }
            emit(id, "p", "unweighted", Double(x) / Double(n))
            for method in methods {
                let ci = BinomialInterval.interval(method, successes: x, trials: n, level: level)
                emit(id, "p_lower", method.rawValue, ci.lower)
                emit(id, "p_upper", method.rawValue, ci.upper)
            }
        }

        // Unweighted SIPAS indices: factor = mean of its answered items' p; index = mean of
        // every factor's index, and none when a factor has no answer in the cell. A factor's
        // `n` counts the forms that answered any of its items (its suppression follows them).
        var indices: [String: Double] = [:]
        var factorValues: [Double] = []
        for (f, positions) in structure.members.enumerated() {
            let ps = positions.compactMap { proportions[$0] }
            let value = ps.isEmpty ? nil : ps.reduce(0, +) / Double(ps.count)
            if let value {
                indices[structure.factorIDs[f]] = value
                factorValues.append(value)
            }
            // (Sums kept without respondent-level scores have no such count: no row, and the
            // factor is judged by the cell's forms.)
            if members.allSatisfy({ f < $0.1.respondents.count }) {
                emit(structure.factorIDs[f], "n", "count", Double(members.reduce(0) { $0 + $1.1.respondents[f] }))
            }
            emit(structure.factorIDs[f], "index", "unweighted", value)
        }
        let complete = !factorValues.isEmpty && factorValues.count == structure.members.count
        let overall = complete ? factorValues.reduce(0, +) / Double(factorValues.count) : nil
        indices[overallIndexID] = overall
        emit(overallIndexID, "index", "unweighted", overall)
        emit(wholeCellSubject, "n_rows", "count", Double(sums.forms))
        if !cell.scope.isQuarterly && !light {
            emitReliability(sums, emit: emit)
            emitDrivers(sums, emit: emit)
        }

        // Linearised SEs (weights 1) and their intervals, df = forms in the cell − 1.
        var linearisedSE: [String: Double] = [:]
        let lin = LinearisedIndex(atoms: members.map { ($0.0, $0.1, 1) }, itemCount: likertIDs.count)
        for (id, se) in emitLinearised(
            lin, tag: "unweighted", forms: sums.forms, design: design, poststratified: false, quantiles: &quantiles, emit: emit)
        {
            linearisedSE[id] = se
        }
        if survey.rules.publishPoints && sums.hasPoints {
            emitPoints(sums, members: members, design: design, items: !light, quantiles: &quantiles, emit: emit)
        }
        return CellSummary(
            answered: sums.answered, satisfied: sums.satisfied, indices: indices,
            linearisedSE: linearisedSE)
    }

    /// Cronbach's α of each factor of two or more items over the forms that answered all of
    /// them (`method = listwise`, with that n), and per item its correlation with the rest of
    /// its factor and the factor's α without it.
    private func emitReliability(_ sums: CellSums, emit: (String, String, String, Double?) -> Void) {
        guard !sums.listwise.isEmpty else { return }
        let layout = ListwiseLayout(groups: structure.members)
        for (f, positions) in structure.members.enumerated() where positions.count >= 2 {
            let r = FactorReliability(listwise: sums.listwise, offset: layout.offsets[f], itemCount: positions.count)
            emit(structure.factorIDs[f], "n", "listwise", Double(r.forms))
            emit(structure.factorIDs[f], "alpha", "listwise", r.alpha)
            for (a, j) in positions.enumerated() {
                emit(likertIDs[j], "item_rest_r", "listwise", r.itemRest[a])
                emit(likertIDs[j], "alpha_if_deleted", "listwise", r.alphaIfDeleted[a])
            }
        }
    }

    /// Key drivers (`KeyDrivers`): each factor's correlation with overall satisfaction (the
    /// overall item, `method = overall_item`, or the rest of the index, `rest_of_index`) with
    /// its Fisher z interval, and with an overall item the standardised regression
    /// coefficients with SE and t interval; n and R² on the overall item (or `index`).
    private func emitDrivers(_ sums: CellSums, emit: (String, String, String, Double?) -> Void) {
        guard !sums.driverSumFixed.isEmpty, structure.members.count >= 1 else { return }
        let overall = survey.overallItem
        let g = structure.members.count
        guard overall != nil || g >= 2 else { return }
        let d = KeyDrivers(
            n: sums.driverForms, sums: sums.driverSum, products: sums.driverProducts, factors: g, hasOverall: overall != nil,
            level: level)
        let target = overall?.id ?? overallIndexID
        emit(target, "n", "drivers", Double(d.forms))
        let method = overall == nil ? "rest_of_index" : "overall_item"
        for (f, driver) in d.drivers.enumerated() {
            let id = structure.factorIDs[f]
            emit(id, "driver_r", method, driver.r)
            emit(id, "driver_r_lower", "fisher_z", driver.rLower)
            emit(id, "driver_r_upper", "fisher_z", driver.rUpper)
            guard overall != nil else { continue }
            emit(id, "driver_beta", "standardised_ols", driver.beta)
            emit(id, "driver_beta_se", "standardised_ols", driver.betaSE)
            emit(id, "driver_beta_lower", "standardised_ols_t", driver.betaLower)
            emit(id, "driver_beta_upper", "standardised_ols_t", driver.betaUpper)
        }
        if overall != nil { emit(target, "r_squared", "standardised_ols", d.rSquared) }
    }

    /// Points out of 100 (`[points] publish`): per item the mean points with a t interval;
    /// per factor and for the index the mean of the items' (factors') mean points, with the
    /// linearised SE (the satisfied share's estimator with the points in place of the
    /// satisfied indicator) and a t interval, df = forms − 1; bounds kept within 0-100.
    private func emitPoints(
        _ sums: CellSums, members: [(AtomKey, CellSums)], design: DesignVariance, items: Bool = true,
        quantiles: inout StudentTQuantiles, emit: (String, String, String, Double?) -> Void
    ) {
        let factors = scales.pointFactors
        func clip(_ v: Double) -> Double { min(100, max(0, v)) }
        for (j, id) in likertIDs.enumerated() where items {
            let n = sums.answered[j]
            guard n > 0 else { continue }
            let mean = Double(sums.pointSum[j]) / Double(n)
            emit(id, "points", "unweighted", factors[j] * mean)
            guard n >= 2 else { continue }
            // Exact integer sums: Σ(u − ū)² = (n Σu² − (Σu)²) / n.
            let spread = Double(n * sums.pointSquares[j] - sums.pointSum[j] * sums.pointSum[j]) / Double(n)
            let se = factors[j] * (max(0, spread) / Double(n - 1) / Double(n)).squareRoot()
            let t = quantiles.quantile(1 - (1 - level) / 2, df: Double(n - 1))
            emit(id, "points_se", "unweighted", se)
            emit(id, "points_lower", "t", clip(factors[j] * mean - t * se))
            emit(id, "points_upper", "t", clip(factors[j] * mean + t * se))
        }
        let lin = LinearisedIndex(atoms: members.map { ($0.0, $0.1.pointsView(), 1) }, itemCount: likertIDs.count)
        let answered = lin.weightTotals.map { $0 > 0 }
        let t = sums.forms >= 2 ? quantiles.quantile(1 - (1 - level) / 2, df: Double(sums.forms - 1)) : nil
        for (id, coefficients) in structure.coefficients(answered: answered, itemCount: likertIDs.count) {
            let scaled = zip(coefficients, factors).map { $0 * $1 }
            let value = lin.value(coefficients: scaled)
            let se = design.variance(lin.influence(coefficients: scaled), poststratified: false).squareRoot()
            emit(id, "points", "unweighted", value)
            emit(id, "points_se", "lin_unweighted", se)
            if let t, se.isFinite {
                emit(id, "points_lower", "lin_unweighted_t", clip(value - t * se))
                emit(id, "points_upper", "lin_unweighted_t", clip(value + t * se))
            }
        }
    }

    /// index_se, and Wald and logit intervals with df = forms in the cell − 1, for every index
    /// with answered items. - Returns: the finite SEs by index id.
    /// `strata`: the independent designs (batches) the cell spans; df = forms − strata.
    private func emitLinearised(
        _ lin: LinearisedIndex, tag: String, forms: Int, strata: Int = 1, design: DesignVariance, poststratified: Bool,
        emitPoint: Bool = false, quantiles: inout StudentTQuantiles, emit: (String, String, String, Double?) -> Void
    ) -> [String: Double] {
        let answered = lin.weightTotals.map { $0 > 0 }
        let t = forms - strata >= 1 ? quantiles.quantile(1 - (1 - level) / 2, df: Double(forms - strata)) : nil
        var ses: [String: Double] = [:]
        for (id, coefficients) in structure.coefficients(answered: answered, itemCount: likertIDs.count) {
            let value = lin.value(coefficients: coefficients)
            let se = design.variance(lin.influence(coefficients: coefficients), poststratified: poststratified).squareRoot()
            if se.isFinite { ses[id] = se }
            if emitPoint { emit(id, "index", "weighted", value) }
            emit(id, "index_se", "lin_\(tag)", se)
            // The Wald interval is not published (the logit one is): computed when asked.
            if survey.rules.fullEstimates {
                let wald = t.flatMap { IndexInterval.wald(value, se: se, quantile: $0) }
                emit(id, "index_lower", "lin_\(tag)_wald", wald?.lower)
                emit(id, "index_upper", "lin_\(tag)_wald", wald?.upper)
            }
            let logit = t.flatMap { IndexInterval.logit(value, se: se, quantile: $0) }
            emit(id, "index_lower", "lin_\(tag)_logit", logit?.lower)
            emit(id, "index_upper", "lin_\(tag)_logit", logit?.upper)
        }
        return ses
    }

    /// The weighted estimates of one cell: population weights, a fixed-weights design and a
    /// post-stratified one (same weights; the variance accounts for the calibration).
    /// Definitions and R calls: `docs/statistics.md`, "Weighted".
    private func emitWeighted(
        _ cell: CellKey, members: [(AtomKey, CellSums, Double)], design: DesignVariance,
        quantiles: inout StudentTQuantiles, into rows: inout [EstimateRow]
    ) {
        let period = cell.period.description
        func emit(_ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            rows.append(EstimateRow(
                scope: cell.scope, unit: cell.unitText, period: period, subject: subject,
                statistic: statistic, method: method, value: value))
        }
        let forms = members.reduce(0) { $0 + $1.1.forms }
        let lin = LinearisedIndex(atoms: members, itemCount: likertIDs.count)
        guard lin.weightTotals.contains(where: { $0 > 0 }) else { return }
        // The members' keys, weights and the sums read per item and per factor, as columns
        // (member i's value of item j at i × J + j), each member copied once: reading a
        // member's sums per item (a loop binding `(_, sums, w)`, a closure's `key, sums, w`,
        // even the array's or a buffer's subscript) copies the member, retaining each of its
        // sums' arrays, for every item.
        let J = likertIDs.count
        let G = members.first?.1.respondents.count ?? 0
        var keys: [AtomKey] = [], weight: [Double] = [], formsOf: [Double] = []
        var answered: [Int] = [], scoreSum: [Int] = [], scoreSquares: [Int] = []
        var respondents: [Int] = [], respondentSum: [Double] = [], respondentSquares: [Double] = []
        for (key, sums, w) in members {
            keys.append(key)
            weight.append(w)
            formsOf.append(Double(sums.forms))
            answered += sums.answered.prefix(J)
            scoreSum += sums.scoreSum.prefix(J)
            scoreSquares += sums.scoreSquares.prefix(J)
            respondents += sums.respondents.prefix(G)
            respondentSum += sums.respondentSum.prefix(G)
            respondentSquares += sums.respondentSquares.prefix(G)
        }
        func kish(_ counts: (Int) -> Double) -> (Double, Double) {
            var w1 = 0.0, w2 = 0.0
            for i in weight.indices {
                let w = weight[i]
                w1 += w * counts(i)
                w2 += w * w * counts(i)
            }
            return (w1, w1 * w1 / w2)
        }
        let (sumW, nEff) = kish { formsOf[$0] }
        emit(wholeCellSubject, "sum_w", "weights", sumW)
        emit(wholeCellSubject, "n_eff", "kish", nEff)
        // A cell spanning several designs (quarterly populations, a year cell) has them as
        // strata: degrees of freedom are forms − strata, as survey's degf.
        let strata = Set(members.map { design.batchOf($0.0) }).count
        _ = emitLinearised(
            lin, tag: "fixed", forms: forms, strata: strata, design: design, poststratified: false, emitPoint: true,
            quantiles: &quantiles, emit: emit)
        _ = emitLinearised(
            lin, tag: "ps", forms: forms, strata: strata, design: design, poststratified: true,
            quantiles: &quantiles, emit: emit)
        // A breakdown's domain publishes its weighted indices only (not every question's
        // weighted share, nor the respondent-level index).
        guard !cell.scope.isDomain else { return }
        // The rows of every batch the cell draws on: nrow() of a post-stratified domain.
        let batchRows = Set(members.map { design.batchOf($0.0) }).reduce(0) { $0 + (design.batchForms[$1] ?? 0) }

        for (j, id) in likertIDs.enumerated() {
            guard lin.weightTotals[j] > 0, let p = lin.proportions[j] else { continue }
            var n = 0
            for i in weight.indices { n += answered[i * J + j] }
            let (sumWj, nEffj) = kish { Double(answered[$0 * J + j]) }
            emit(id, "sum_w", "weights", sumWj)
            emit(id, "n_eff", "kish", nEffj)
            emit(id, "p", "weighted", p)
            var unit = [Double](repeating: 0, count: likertIDs.count)
            unit[j] = 1
            let parts = lin.influence(coefficients: unit)
            // Mean score: a ratio of Σ w y to Σ w over the same domain.
            var totalY = 0.0
            for i in weight.indices { totalY += weight[i] * Double(scoreSum[i * J + j]) }
            let mean = totalY / sumWj
            let meanParts = weight.indices.map { i in
                let w = weight[i]
                let sum = Double(scoreSum[i * J + j]), answered = Double(answered[i * J + j])
                return InfluencePart(
                    atom: keys[i], sum: w * (sum - mean * answered) / sumWj,
                    squares: w * w * (Double(scoreSquares[i * J + j]) - 2 * mean * sum
                        + mean * mean * answered) / (sumWj * sumWj))
            }
            emit(id, "mean_score", "weighted", mean)
            let df = Double(n - strata)
            // By default the post-stratified design's SE and logit interval, the design and
            // interval of the published weighted index; `[estimates] full` adds the
            // fixed-weights design and the beta and plain intervals.
            let full = survey.rules.fullEstimates
            let designs = full ? [("fixed", false, Double(n)), ("ps", true, Double(batchRows))] : [("ps", true, Double(batchRows))]
            for (tag, poststratified, rowsInDesign) in designs {
                let se = design.variance(parts, poststratified: poststratified).squareRoot()
                emit(id, "p_se", "svymean_\(tag)", se)
                let degenerate = p <= 0 || p >= 1
                let logit = degenerate ? nil : SurveyInterval.logit(p, se: se, df: df, level: level, quantiles: &quantiles)
                var intervals = [("logit", logit)]
                if full {
                    let beta = degenerate
                        ? nil : SurveyInterval.beta(p, se: se, df: df, rows: rowsInDesign, level: level, quantiles: &quantiles)
                    let plain = SurveyInterval.mean(p, se: degenerate ? 0 : se, df: df, level: level, quantiles: &quantiles)
                    intervals += [("beta", beta), ("mean", plain)]
                }
                for (method, ci) in intervals {
                    emit(id, "p_lower", "svy_\(tag)_\(method)", ci?.lower)
                    emit(id, "p_upper", "svy_\(tag)_\(method)", ci?.upper)
                }
                emit(id, "mean_score_se", "svymean_\(tag)", design.variance(meanParts, poststratified: poststratified).squareRoot())
            }
        }

        // Respondent-level index: mean over forms of each form's own factor score.
        let respondentGroups = G
        // The overall respondent-level index, like the SIPAS index, needs every factor.
        let everyFactor = (0..<structure.factorIDs.count).allSatisfy { g in
            g < respondentGroups && weight.indices.contains { respondents[$0 * G + g] > 0 }
        }
        for (g, id) in (structure.factorIDs + [overallIndexID]).enumerated() where g < respondentGroups {
            var count = 0
            for i in weight.indices { count += respondents[i * G + g] }
            guard count > 0, id != overallIndexID || everyFactor else { continue }
            var w1 = 0.0, weightedSum = 0.0
            for i in weight.indices { w1 += weight[i] * Double(respondents[i * G + g]) }
            for i in weight.indices { weightedSum += weight[i] * respondentSum[i * G + g] }
            let p = weightedSum / w1
            let parts = weight.indices.map { i in
                let w = weight[i]
                let sum = respondentSum[i * G + g], forms = Double(respondents[i * G + g])
                return InfluencePart(
                    atom: keys[i], sum: w * (sum - p * forms) / w1,
                    squares: w * w * (respondentSquares[i * G + g] - 2 * p * sum
                        + p * p * forms) / (w1 * w1))
            }
            emit(id, "resp_index", "weighted", p)
            let se = design.variance(parts, poststratified: false).squareRoot()
            let ci = SurveyInterval.logit(p, se: se, df: Double(count - strata), level: level, quantiles: &quantiles)
            emit(id, "resp_index_lower", "svy_fixed_logit", ci?.lower)
            emit(id, "resp_index_upper", "svy_fixed_logit", ci?.upper)
        }
    }

    private func emitComparison(
        _ cell: CellKey, later: CellSummary, earlierPeriod: Period, earlier: CellSummary,
        into rows: inout [EstimateRow]
    ) {
        let period = Period.comparisonLabel(cell.period, earlierPeriod)
        func emit(_ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            rows.append(EstimateRow(
                scope: cell.scope, unit: cell.unitText, period: period, subject: subject,
                statistic: statistic, method: method, value: value))
        }
        for (j, id) in likertIDs.enumerated() {
            let n1 = later.answered[j], n2 = earlier.answered[j]
            guard n1 > 0, n2 > 0 else { continue }
            let x1 = later.satisfied[j], x2 = earlier.satisfied[j]
            let test = ProportionComparison(x1: x1, n1: n1, x2: x2, n2: n2, level: level)
            emit(id, "diff", "unweighted", test.difference)
            emit(id, "diff_lower", "newcombe_hybrid", test.newcombe.lower)
            emit(id, "diff_upper", "newcombe_hybrid", test.newcombe.upper)
            // The published test of a question's change is the Newcombe interval (flag N);
            // the pooled z-test is another method: `[estimates] full` only.
            guard survey.rules.fullEstimates else { continue }
            emit(id, "z", "pooled_two_proportion", test.z)
            emit(id, "p_value", "pooled_two_proportion", test.pValue)
        }
        let z = Distributions.normalQuantile(1 - (1 - level) / 2)
        for id in structure.factorIDs + [overallIndexID] {
            guard let i1 = later.indices[id], let i2 = earlier.indices[id] else { continue }
            let d = i1 - i2
            emit(id, "diff", "unweighted", d)
            guard let s1 = later.linearisedSE[id], let s2 = earlier.linearisedSE[id] else { continue }
            let se = (s1 * s1 + s2 * s2).squareRoot()
            emit(id, "diff_lower", "lin_unweighted_wald_z", d - z * se)
            emit(id, "diff_upper", "lin_unweighted_wald_z", d + z * se)
            let p = se > 0 ? 2 * Distributions.normalCDF(-abs(d / se)) : nil
            emit(id, "p_value", "lin_unweighted_wald_z", p)
        }
    }
}

/// Mean and SD of integer answers from their sums, exactly in integer arithmetic.
struct ScoreSummary {
    var n: Int
    var sum: Int
    var sumOfSquares: Int

    var mean: Double { Double(sum) / Double(n) }

    /// Sample SD with divisor n − 1: √((n Σy² − (Σy)²) / (n (n − 1))). R: `sd(y)`.
    var standardDeviation: Double {
        let numerator = n * sumOfSquares - sum * sum
        return (Double(numerator) / (Double(n) * Double(n - 1))).squareRoot()
    }
}

/// Intervals for an index from its linearised SE.
public enum IndexInterval {
    /// I ∓ t·se (not clipped).
    public static func wald(_ value: Double, se: Double, quantile t: Double) -> Interval? {
        guard se.isFinite else { return nil }
        return Interval(lower: value - t * se, upper: value + t * se)
    }

    /// expit(logit I ∓ t·se / (I (1 − I))); nil when I is 0 or 1.
    /// R: `svyciprop(method = "logit")` uses the same transform.
    public static func logit(_ value: Double, se: Double, quantile t: Double) -> Interval? {
        guard value > 0, value < 1, se.isFinite else { return nil }
        let centre = log(value / (1 - value))
        let half = t * se / (value * (1 - value))
        return Interval(lower: expit(centre - half), upper: expit(centre + half))
    }

    static func expit(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
}

/// Two independent proportions x1/n1 (later) and x2/n2 (earlier).
public struct ProportionComparison: Sendable {
    public let difference: Double
    /// Newcombe's hybrid score interval for the difference.
    public let newcombe: Interval
    /// Pooled two-proportion z: (p1 − p2) / √(p̄(1 − p̄)(1/n1 + 1/n2)); nil when p̄ is 0 or 1.
    public let z: Double?
    /// 2 Φ(−|z|), as `prop.test(c(x1, x2), c(n1, n2), correct = FALSE)`.
    public let pValue: Double?

    public init(x1: Int, n1: Int, x2: Int, n2: Int, level: Double) {
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        difference = p1 - p2
        newcombe = BinomialInterval.newcombeDifference(x1: x1, n1: n1, x2: x2, n2: n2, level: level)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let se0 = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        if se0 > 0 {
            let zValue = difference / se0
            z = zValue
            pValue = 2 * Distributions.normalCDF(-abs(zValue))
        } else {
            z = nil
            pValue = nil
        }
    }
}
