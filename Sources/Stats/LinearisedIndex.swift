import Foundation
import SurveyModel

/// One atom's share of an estimator's influence values: Σ z_i and Σ z_i² over its forms.
public struct InfluencePart: Sendable {
    public var atom: AtomKey
    public var sum: Double
    public var squares: Double
}

/// Taylor linearisation of an index that is a linear combination of item ratio estimators.
///
/// With item proportions p_j = Σ w r_j s_j / W_j, W_j = Σ w r_j, and an index
/// I = Σ_j c_j p_j (a factor: c_j = 1/J_f over its answered items; the SIPAS index: the mean
/// of the factor indices; one item: c = e_j), the influence of form i is
/// ```
/// z_i = Σ_j c_j w_i r_ij (s_ij − p_j) / W_j
/// ```
/// Weights are constant within an atom, so per atom
/// ```
/// Σ z_i  = w Σ_j c_j (x_j − p_j n_j) / W_j
/// Σ z_i² = w² Σ_jk (c_j/W_j)(c_k/W_k) (SS_jk − p_k S_jk − p_j S_kj + p_j p_k R_jk)
/// ```
/// from the cross-products of `CellSums`; `DesignVariance` turns the parts into a variance.
/// R: `svycontrast(svytotal(~sz_q01 + ... + r_q01 + ..., design), list(A = quote((sz_q01/r_q01 + ...)/5)))`.
public struct LinearisedIndex: Sendable {
    public let itemCount: Int
    let atoms: [(key: AtomKey, sums: CellSums, weight: Double)]
    /// Σ w r_j.
    public private(set) var weightTotals: [Double]
    /// Weighted proportions p_j; nil where no form answered item j.
    public private(set) var proportions: [Double?]

    public init(atoms: [(key: AtomKey, sums: CellSums, weight: Double)], itemCount: Int) {
        self.itemCount = itemCount
        self.atoms = atoms
        var totals = [Double](repeating: 0, count: itemCount)
        var happy = [Double](repeating: 0, count: itemCount)
        for (_, sums, w) in atoms {
            for j in 0..<itemCount {
                totals[j] += w * Double(sums.answered[j])
                happy[j] += w * Double(sums.satisfied[j])
            }
        }
        weightTotals = totals
        proportions = (0..<itemCount).map { totals[$0] > 0 ? happy[$0] / totals[$0] : nil }
    }

    /// The index Σ c_j p_j. `coefficients[j]` must be 0 for items with no answer.
    public func value(coefficients: [Double]) -> Double {
        var value = 0.0
        for j in 0..<itemCount where coefficients[j] != 0 { value += coefficients[j] * (proportions[j] ?? 0) }
        return value
    }

    /// Each atom's Σ z and Σ z² for the index with these coefficients.
    public func influence(coefficients: [Double]) -> [InfluencePart] {
        let used = (0..<itemCount).filter { coefficients[$0] != 0 }
        let a = used.map { coefficients[$0] / weightTotals[$0] }
        let p = used.map { proportions[$0] ?? 0 }
        return atoms.map { key, sums, w in
            var sum = 0.0
            var squares = 0.0
            for (u, j) in used.enumerated() {
                sum += a[u] * (Double(sums.satisfied[j]) - p[u] * Double(sums.answered[j]))
                let row = j * itemCount
                for (v, k) in used.enumerated() {
                    let both = Double(sums.bothAnswered[row + k])
                    if both == 0 { continue }
                    let m = Double(sums.bothSatisfied[row + k]) - p[v] * Double(sums.satisfiedAndAnswered[row + k])
                        - p[u] * Double(sums.satisfiedAndAnswered[k * itemCount + j]) + p[u] * p[v] * both
                    squares += a[u] * a[v] * m
                }
            }
            return InfluencePart(atom: key, sum: w * sum, squares: w * w * squares)
        }
    }
}

/// The design a variance is computed under.
///
/// A *batch* is one `svydesign` of the reference (a year, or a quarter when the population is
/// given per quarter); forms of different batches are independent, so a cell spanning several
/// batches has them as strata. Post-strata are unit × channel × batch period.
/// ```
/// fixed: var = Σ_b n_b/(n_b − 1) [Σ_{i∈b} z_i² − (Σ_{i∈b} z_i)² / n_b]
/// ps:    var = Σ_b n_b/(n_b − 1) [Σ_{i∈b} z_i² − Σ_{h⊂b} (Σ_{i∈h} z_i)² / N_h]
/// ```
/// n_b counts every form of the batch (survey pads a domain back to the whole design), N_h
/// every form of post-stratum h. With one batch the fixed correction term is 0 (Σ z = 0).
public struct DesignVariance: Sendable {
    public let batchOf: @Sendable (AtomKey) -> Period
    public let batchForms: [Period: Int]
    public let stratumForms: [StratumKey: Int]

    public init(batchOf: @escaping @Sendable (AtomKey) -> Period, batchForms: [Period: Int], stratumForms: [StratumKey: Int]) {
        self.batchOf = batchOf
        self.batchForms = batchForms
        self.stratumForms = stratumForms
    }

    public func stratum(of atom: AtomKey) -> StratumKey {
        StratumKey(unit: atom.unit, channel: atom.channel, period: batchOf(atom))
    }

    /// The variance of an estimator from its atoms' influence parts; NaN when a batch has one form.
    /// Sums are taken in a fixed order (batches by period, atoms in order within a batch,
    /// post-strata in order), so the value does not depend on the order of `parts`.
    public func variance(_ parts: [InfluencePart], poststratified: Bool) -> Double {
        let plan = memo.plan(for: parts) { VariancePlan(parts.map(\.atom), design: self) }
        guard !plan.hasSingleBatch else { return .nan }
        var total = 0.0
        for batch in plan.batches {
            var squares = 0.0
            for i in batch.members { squares += parts[i].squares }
            if poststratified {
                for stratum in batch.strata {
                    var sum = 0.0
                    for i in stratum.members { sum += parts[i].sum }
                    squares -= sum * sum / stratum.forms
                }
            } else {
                var sum = 0.0
                for i in batch.members { sum += parts[i].sum }
                squares -= sum * sum / batch.forms
            }
            total += batch.forms / (batch.forms - 1) * max(0, squares)
        }
        return total
    }

    /// The last plan made: a cell's estimators (every item, factor and index, weighted or
    /// not) share its atoms, so the batches and post-strata are worked out once per cell.
    private let memo = PlanMemo()
}

/// How one list of atoms falls into batches and post-strata: positions in the list, batches
/// by period, atoms in order within a batch, post-strata in order.
struct VariancePlan {
    struct Stratum {
        var forms: Double
        var members: [Int]
    }
    struct Batch {
        var forms: Double
        var members: [Int]
        var strata: [Stratum]
    }
    let atoms: [AtomKey]
    var batches: [Batch] = []
    /// A batch of at most one form: no variance.
    var hasSingleBatch = false

    init(_ atoms: [AtomKey], design: DesignVariance) {
        self.atoms = atoms
        var byBatch: [Period: [Int]] = [:]
        for (i, atom) in atoms.enumerated() { byBatch[design.batchOf(atom), default: []].append(i) }
        for period in byBatch.keys.sorted() {
            let members = byBatch[period]!.sorted { atoms[$0] < atoms[$1] }
            let n = Double(design.batchForms[period] ?? 0)
            if n <= 1 { hasSingleBatch = true }
            var byStratum: [StratumKey: [Int]] = [:]
            for i in members { byStratum[design.stratum(of: atoms[i]), default: []].append(i) }
            let strata = byStratum.sorted { $0.key < $1.key }.map {
                Stratum(forms: Double(design.stratumForms[$0.key] ?? 1), members: $0.value)
            }
            batches.append(Batch(forms: n, members: members, strata: strata))
        }
    }
}

/// The last `VariancePlan`, kept for the next estimator of the same atoms. The estimator
/// runs on one thread; the lock only keeps a shared design safe.
final class PlanMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var last: VariancePlan?

    func plan(for parts: [InfluencePart], make: () -> VariancePlan) -> VariancePlan {
        lock.lock()
        defer { lock.unlock() }
        if let last, last.atoms.count == parts.count, parts.indices.allSatisfy({ parts[$0].atom == last.atoms[$0] }) {
            return last
        }
        let plan = make()
        last = plan
        return plan
    }
}

/// A post-stratum: unit × channel × batch period.
public struct StratumKey: Sendable, Hashable, Comparable {
    public var unit: UnitCode
    public var channel: Channel
    public var period: Period

    public static func < (a: StratumKey, b: StratumKey) -> Bool {
        (a.unit, a.channel.rawValue, a.period.year, a.period.quarter ?? 0) < (b.unit, b.channel.rawValue, b.period.year, b.period.quarter ?? 0)
    }
}

/// Which items make each index: the factors of the instrument, in order, then `index`.
public struct IndexStructure: Sendable {
    /// Factor ids in instrument order.
    public let factorIDs: [String]
    /// For each factor, the positions of its Likert items in the Likert item vector.
    public let members: [[Int]]

    public init(survey: SurveyDefinition) {
        let likert = survey.likertItems
        factorIDs = survey.factors.map(\.id)
        members = survey.factors.map { factor in likert.indices.filter { likert[$0].factor == factor.id } }
    }

    /// Coefficient vectors of the factors that have at least one answered item, and of the
    /// overall index (mean of the factors), keyed by factor id and `index`. The overall index
    /// exists only when every factor of the instrument has an answered item: an index over
    /// fewer factors is not the SIPAS index (docs/statistics.md, "An index from every factor").
    /// `answered[j]` says whether item j has any answer in the cell.
    public func coefficients(answered: [Bool], itemCount: Int) -> [(id: String, coefficients: [Double])] {
        var result: [(String, [Double])] = []
        var available: [[Double]] = []
        for (f, positions) in members.enumerated() {
            let used = positions.filter { answered[$0] }
            guard !used.isEmpty else { continue }
            var c = [Double](repeating: 0, count: itemCount)
            for j in used { c[j] = 1 / Double(used.count) }
            result.append((factorIDs[f], c))
            available.append(c)
        }
        guard !available.isEmpty, available.count == members.count else { return result }
        var overall = [Double](repeating: 0, count: itemCount)
        for c in available {
            for j in 0..<itemCount { overall[j] += c[j] / Double(available.count) }
        }
        result.append((overallIndexID, overall))
        return result
    }

    /// The factors with no answered item in a cell (`answered[j]`: item j has an answer), in
    /// instrument order: the reason a cell has no SIPAS index.
    public func missingFactors(answered: [Bool]) -> [String] {
        members.indices.filter { f in !members[f].contains { answered[$0] } }.map { factorIDs[$0] }
    }
}
