import SurveyModel

/// A mean of item proportions and its linearised standard error.
public struct IndexEstimate: Sendable, Hashable {
    public var value: Double
    public var standardError: Double
}

/// Taylor linearisation of an index that is a linear combination of item ratio estimators.
///
/// With item proportions p_j = Σ w r_j s_j / W_j, W_j = Σ w r_j, and an index
/// I = Σ_j c_j p_j (a factor: c_j = 1/J_f over its answered items; the SIPAS index: the mean
/// of the factor indices), the influence of form i is
/// ```
/// z_i = Σ_j c_j w_i r_ij (s_ij − p_j) / W_j
/// var(I) = n_B / (n_B − 1) · Σ_i z_i²
/// ```
/// where n_B counts every form of the design's batch (one year; survey pads a domain
/// back to the batch), and Σ z_i = 0 so no centring term appears. Expanding the square,
/// Σ z² = Σ_jk c_j c_k M_jk / (W_j W_k) with
/// ```
/// M_jk = Σ_atoms w² (SS_jk − p_k S_jk − p_j S_kj + p_j p_k R_jk)
/// ```
/// from the cross-products of `CellSums`, so one pass over the forms suffices.
/// R: `svycontrast(svytotal(~sz_q01 + ... + r_q01 + ..., design), list(A = quote((sz_q01/r_q01 + ...)/5)))`.
public struct LinearisedIndex: Sendable {
    public let itemCount: Int
    /// Σ w r_j.
    public private(set) var weightTotals: [Double]
    /// Weighted proportions p_j; nil where no form answered item j.
    public private(set) var proportions: [Double?]
    private var m: [Double]

    /// - Parameter atoms: the groups of the cell with their (constant) weight per form.
    public init(atoms: [(sums: CellSums, weight: Double)], itemCount: Int) {
        self.itemCount = itemCount
        var totals = [Double](repeating: 0, count: itemCount)
        var happy = [Double](repeating: 0, count: itemCount)
        for (sums, w) in atoms {
            for j in 0..<itemCount {
                totals[j] += w * Double(sums.answered[j])
                happy[j] += w * Double(sums.satisfied[j])
            }
        }
        let p = (0..<itemCount).map { j in totals[j] > 0 ? happy[j] / totals[j] : 0 }
        var m = [Double](repeating: 0, count: itemCount * itemCount)
        for (sums, w) in atoms {
            let w2 = w * w
            for j in 0..<itemCount {
                let row = j * itemCount
                for k in 0..<itemCount {
                    let both = Double(sums.bothAnswered[row + k])
                    if both == 0 { continue }
                    let ss = Double(sums.bothSatisfied[row + k])
                    let sjk = Double(sums.satisfiedAndAnswered[row + k])
                    let skj = Double(sums.satisfiedAndAnswered[k * itemCount + j])
                    m[row + k] += w2 * (ss - p[k] * sjk - p[j] * skj + p[j] * p[k] * both)
                }
            }
        }
        weightTotals = totals
        proportions = (0..<itemCount).map { totals[$0] > 0 ? p[$0] : nil }
        self.m = m
    }

    /// The index Σ c_j p_j and its SE for a design batch of `batchForms` forms.
    /// `coefficients[j]` must be 0 for items with no answer.
    public func estimate(coefficients: [Double], batchForms: Int) -> IndexEstimate {
        var value = 0.0
        for j in 0..<itemCount where coefficients[j] != 0 {
            value += coefficients[j] * (proportions[j] ?? 0)
        }
        var sumZ2 = 0.0
        for j in 0..<itemCount where coefficients[j] != 0 {
            let a = coefficients[j] / weightTotals[j]
            let row = j * itemCount
            for k in 0..<itemCount where coefficients[k] != 0 {
                sumZ2 += a * coefficients[k] / weightTotals[k] * m[row + k]
            }
        }
        let nb = Double(batchForms)
        let variance = batchForms > 1 ? nb / (nb - 1) * max(0, sumZ2) : .nan
        return IndexEstimate(value: value, standardError: variance.squareRoot())
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
        var ids: [String] = []
        var members: [[Int]] = []
        for factor in survey.factors {
            let positions = likert.indices.filter { likert[$0].factor == factor.id }
            ids.append(factor.id)
            members.append(positions)
        }
        factorIDs = ids
        self.members = members
    }

    /// Coefficient vectors of the factors that have at least one answered item, and of the
    /// overall index (mean of those factors), keyed by factor id and `index`.
    /// `answered[j]` says whether item j has any answer in the cell.
    public func coefficients(answered: [Bool], itemCount: Int) -> [(id: String, coefficients: [Double])] {
        var result: [(String, [Double])] = []
        var overall = [Double](repeating: 0, count: itemCount)
        var available: [[Double]] = []
        for (f, positions) in members.enumerated() {
            let used = positions.filter { answered[$0] }
            guard !used.isEmpty else { continue }
            var c = [Double](repeating: 0, count: itemCount)
            for j in used { c[j] = 1 / Double(used.count) }
            result.append((factorIDs[f], c))
            available.append(c)
        }
        guard !available.isEmpty else { return [] }
        for c in available {
            for j in 0..<itemCount { overall[j] += c[j] / Double(available.count) }
        }
        result.append((overallIndexID, overall))
        return result
    }
}
