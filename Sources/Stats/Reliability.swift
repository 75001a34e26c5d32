/// Cronbach's α of one factor over the forms that answered every one of its items (listwise,
/// SPSS RELIABILITY's default), with each item's correlation with the rest of the factor and
/// the α the factor would have without it (psych::alpha's `r.drop` and `alpha.drop`).
///
/// From the factor's block of `CellSums.listwise` (n, Σ y_i, Σ y_i y_j): the centred
/// cross-products D_ij = n Σ y_i y_j − Σ y_i Σ y_j = n (n − 1) cov_ij are exact integers,
/// and every figure is a ratio of sums of them, so the common factor cancels:
/// ```
/// α          = k / (k − 1) · (1 − Σ_i D_ii / Σ_ij D_ij)
/// r_rest(i)  = Σ_{j≠i} D_ij / √(D_ii · Σ_{a,b≠i} D_ab)
/// α_drop(i)  = α of the other k − 1 items
/// ```
public struct FactorReliability: Sendable, Equatable {
    /// Forms that answered every item of the factor.
    public let forms: Int
    /// nil with fewer than two items or two forms, or no variance of the factor's total.
    public let alpha: Double?
    /// Per item of the factor, in its order.
    public let itemRest: [Double?]
    /// Per item; nil where fewer than two items would remain.
    public let alphaIfDeleted: [Double?]

    /// - Parameters:
    ///   - listwise: `CellSums.listwise`.
    ///   - offset: the factor's block (`ListwiseLayout.offsets`).
    ///   - itemCount: the factor's items k.
    public init(listwise: [Int], offset: Int, itemCount k: Int) {
        let n = listwise[offset]
        forms = n
        let sums = Array(listwise[(offset + 1)..<(offset + 1 + k)])
        var d = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                // Exact in 64 bits: n ≤ 10⁷ forms of values ≤ 100 keep n Σ y y below 10¹⁷.
                d[i * k + j] = Double(n * listwise[offset + 1 + k + i * k + j] - sums[i] * sums[j])
            }
        }
        func alpha(of items: [Int]) -> Double? {
            guard items.count >= 2, n >= 2 else { return nil }
            var diagonal = 0.0
            var total = 0.0
            for a in items {
                diagonal += d[a * k + a]
                for b in items { total += d[a * k + b] }
            }
            guard total > 0 else { return nil }
            let m = Double(items.count)
            return m / (m - 1) * (1 - diagonal / total)
        }
        let all = Array(0..<k)
        self.alpha = alpha(of: all)
        itemRest = all.map { i in
            guard k >= 2, n >= 2 else { return nil }
            let rest = all.filter { $0 != i }
            var covariance = 0.0
            var restVariance = 0.0
            for a in rest {
                covariance += d[i * k + a]
                for b in rest { restVariance += d[a * k + b] }
            }
            let denominator = (d[i * k + i] * restVariance).squareRoot()
            return denominator > 0 ? covariance / denominator : nil
        }
        alphaIfDeleted = all.map { i in alpha(of: all.filter { $0 != i }) }
    }
}
