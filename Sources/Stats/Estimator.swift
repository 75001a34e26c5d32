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
    private let structure: IndexStructure

    public init(survey: SurveyDefinition) {
        self.survey = survey
        level = survey.rules.confidenceLevel
        likertIDs = survey.likertItems.map(\.id)
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
    public static func cells(of atoms: some Collection<AtomKey>) -> [CellKey: [AtomKey]] {
        var cells: [CellKey: [AtomKey]] = [:]
        for atom in atoms {
            let year = atom.quarter.yearPeriod
            for key in [
                CellKey(scope: .unitQuarter, unit: atom.unit, period: atom.quarter),
                CellKey(scope: .unitYear, unit: atom.unit, period: year),
                CellKey(scope: .allQuarter, unit: allUnitsCode, period: atom.quarter),
                CellKey(scope: .allYear, unit: allUnitsCode, period: year),
            ] {
                cells[key, default: []].append(atom)
            }
        }
        return cells
    }

    /// Every estimate, in a fixed order: cells sorted by scope, unit and period, then the
    /// comparisons between consecutive periods.
    public func estimate(atoms: [AtomKey: CellSums]) -> [EstimateRow] {
        let cells = Self.cells(of: atoms.keys)
        var batchForms: [Int: Int] = [:]
        for (key, sums) in atoms { batchForms[key.quarter.year, default: 0] += sums.forms }

        var rows: [EstimateRow] = []
        var summaries: [CellKey: CellSummary] = [:]
        for cell in cells.keys.sorted() {
            let members = cells[cell]!.sorted()
            var total = CellSums(itemCount: likertIDs.count)
            for key in members { total.merge(atoms[key]!) }
            let batch = batchForms[cell.period.year] ?? 0
            summaries[cell] = emitCell(cell, sums: total, batchForms: batch, into: &rows)
        }
        for cell in cells.keys.sorted() {
            let earlier = CellKey(scope: cell.scope, unit: cell.unit, period: cell.period.previous)
            guard let later = summaries[cell], let before = summaries[earlier] else { continue }
            emitComparison(cell, later: later, earlierPeriod: earlier.period, earlier: before, into: &rows)
        }
        return rows
    }

    private func emitCell(
        _ cell: CellKey, sums: CellSums, batchForms: Int, into rows: inout [EstimateRow]
    ) -> CellSummary {
        let period = cell.period.description
        func emit(_ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            rows.append(EstimateRow(
                scope: cell.scope, unit: cell.unit, period: period, subject: subject,
                statistic: statistic, method: method, value: value))
        }
        let t = { (df: Int) -> Double? in
            df >= 1 ? Distributions.studentTQuantile(1 - (1 - level) / 2, df: Double(df)) : nil
        }
        var proportions: [Double?] = []
        for (j, id) in likertIDs.enumerated() {
            let n = sums.answered[j]
            let x = sums.satisfied[j]
            emit(id, "n", "count", Double(n))
            emit(id, "satisfied", "count", Double(x))
            guard n > 0 else {
                proportions.append(nil)
                continue
            }
            let p = Double(x) / Double(n)
            proportions.append(p)
            emit(id, "p", "unweighted", p)
            for method in IntervalMethod.allCases {
                let ci = BinomialInterval.interval(method, successes: x, trials: n, level: level)
                emit(id, "p_lower", method.rawValue, ci.lower)
                emit(id, "p_upper", method.rawValue, ci.upper)
            }
            let score = ScoreSummary(n: n, sum: sums.scoreSum[j], sumOfSquares: sums.scoreSquares[j])
            emit(id, "mean_score", "unweighted", score.mean)
            if n >= 2, let tq = t(n - 1) {
                let sd = score.standardDeviation
                let half = tq * sd / Double(n).squareRoot()
                emit(id, "mean_score_sd", "t", sd)
                emit(id, "mean_score_lower", "t", score.mean - half)
                emit(id, "mean_score_upper", "t", score.mean + half)
            }
        }

        // Unweighted SIPAS indices: factor = mean of its answered items' p; index = mean of factors.
        var indices: [String: Double] = [:]
        var factorValues: [Double] = []
        for (f, positions) in structure.members.enumerated() {
            let ps = positions.compactMap { proportions[$0] }
            let value = ps.isEmpty ? nil : ps.reduce(0, +) / Double(ps.count)
            if let value {
                indices[structure.factorIDs[f]] = value
                factorValues.append(value)
            }
            emit(structure.factorIDs[f], "index", "unweighted", value)
        }
        let overall = factorValues.isEmpty ? nil : factorValues.reduce(0, +) / Double(factorValues.count)
        indices[overallIndexID] = overall
        emit(overallIndexID, "index", "unweighted", overall)
        emit("ALL", "n_rows", "count", Double(sums.forms))

        // Linearised SEs (weights 1) and their intervals, df = forms in the cell − 1.
        var linearisedSE: [String: Double] = [:]
        let lin = LinearisedIndex(atoms: [(sums, 1)], itemCount: likertIDs.count)
        let answered = sums.answered.map { $0 > 0 }
        let tq = t(sums.forms - 1)
        for (id, coefficients) in structure.coefficients(answered: answered, itemCount: likertIDs.count) {
            let est = lin.estimate(coefficients: coefficients, batchForms: batchForms)
            let se = est.standardError
            linearisedSE[id] = se.isFinite ? se : nil
            emit(id, "index_se", "lin_unweighted", se)
            let wald = tq.flatMap { IndexInterval.wald(est.value, se: se, quantile: $0) }
            emit(id, "index_lower", "lin_unweighted_wald", wald?.lower)
            emit(id, "index_upper", "lin_unweighted_wald", wald?.upper)
            let logit = tq.flatMap { IndexInterval.logit(est.value, se: se, quantile: $0) }
            emit(id, "index_lower", "lin_unweighted_logit", logit?.lower)
            emit(id, "index_upper", "lin_unweighted_logit", logit?.upper)
        }
        return CellSummary(
            answered: sums.answered, satisfied: sums.satisfied, indices: indices,
            linearisedSE: linearisedSE)
    }

    private func emitComparison(
        _ cell: CellKey, later: CellSummary, earlierPeriod: Period, earlier: CellSummary,
        into rows: inout [EstimateRow]
    ) {
        let period = "\(cell.period) vs \(earlierPeriod)"
        func emit(_ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            rows.append(EstimateRow(
                scope: cell.scope, unit: cell.unit, period: period, subject: subject,
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
