import Foundation

/// What drives overall satisfaction: each factor's association with it, from the forms that
/// have a score on every factor (and an answer to the overall item, when there is one).
///
/// A form's factor score f_g is its share satisfied among the factor's questions it answered
/// (the respondent-level score). The target is the overall item's answer mapped onto 0-1
/// (`overall = true`), or, without one, the mean of the form's other factor scores (the rest
/// of the index: the factor's own score is not part of what it is compared with).
/// ```
/// r_g     = corr(f_g, target)                         Fisher z interval (cor.test)
/// β       = R_ff⁻¹ r_fy                               standardised OLS coefficients
/// se(β_g) = √((1 − R²) / (n − G − 1) · (R_ff⁻¹)_gg)    t(n − G − 1) interval (lm on scale()d data)
/// ```
/// Only with an overall item: regressing the index on its own parts explains it exactly.
public struct KeyDrivers: Sendable, Equatable {
    public struct Driver: Sendable, Equatable {
        public var r: Double?
        public var rLower: Double?
        public var rUpper: Double?
        public var beta: Double?
        public var betaSE: Double?
        public var betaLower: Double?
        public var betaUpper: Double?
    }

    /// Forms with every score (listwise).
    public let forms: Int
    /// Per factor, in instrument order.
    public let drivers: [Driver]
    /// R² of the standardised regression (overall item only).
    public let rSquared: Double?

    /// - Parameters:
    ///   - n: forms; `sums`: Σ x (m), `products`: Σ x xᵀ (m × m), m = factors (+ 1 for the
    ///     overall item, last).
    ///   - factors: G.
    ///   - hasOverall: whether the last variable is the overall item.
    ///   - level: confidence level.
    public init(n: Int, sums: [Double], products: [Double], factors g: Int, hasOverall: Bool, level: Double) {
        forms = n
        let m = g + (hasOverall ? 1 : 0)
        let nd = Double(n)
        // Covariances (n − 1 denominators cancel in every correlation).
        var c = [Double](repeating: 0, count: m * m)
        if n >= 2 {
            for a in 0..<m {
                for b in 0..<m { c[a * m + b] = (products[a * m + b] - sums[a] * sums[b] / nd) / (nd - 1) }
            }
        }
        let z = Distributions.normalQuantile(1 - (1 - level) / 2)
        func fisher(_ r: Double) -> (Double?, Double?) {
            guard n > 3, abs(r) < 1 else { return (nil, nil) }
            let zr = atanh(r)
            let half = z / (nd - 3).squareRoot()
            return (tanh(zr - half), tanh(zr + half))
        }
        var drivers: [Driver] = []
        for a in 0..<g {
            var d = Driver()
            let (cov, targetVariance): (Double, Double)
            if hasOverall {
                cov = c[a * m + g]
                targetVariance = c[g * m + g]
            } else {
                // The rest of the index: the mean of the other factors' scores.
                let others = (0..<g).filter { $0 != a }
                let k = Double(others.count)
                cov = others.reduce(0) { $0 + c[a * m + $1] } / k
                targetVariance = others.reduce(0) { s, h in others.reduce(s) { $0 + c[h * m + $1] } } / (k * k)
            }
            let denominator = (c[a * m + a] * targetVariance).squareRoot()
            if n >= 2, g >= 2 || hasOverall, denominator > 0 {
                let r = cov / denominator
                d.r = r
                (d.rLower, d.rUpper) = fisher(r)
            }
            drivers.append(d)
        }
        var rSquared: Double?
        if hasOverall, n > g + 1, let inverse = Self.inverse(correlations: c, size: g, stride: m) {
            let sd = (0..<m).map { c[$0 * m + $0].squareRoot() }
            if sd.allSatisfy({ $0 > 0 }) {
                let rxy = (0..<g).map { c[$0 * m + g] / (sd[$0] * sd[g]) }
                let beta = (0..<g).map { a in (0..<g).reduce(0) { $0 + inverse[a * g + $1] * rxy[$1] } }
                let r2 = zip(beta, rxy).reduce(0) { $0 + $1.0 * $1.1 }
                rSquared = r2
                let df = nd - Double(g) - 1
                let t = Distributions.studentTQuantile(1 - (1 - level) / 2, df: df)
                for a in 0..<g {
                    let se = (max(0, 1 - r2) / df * inverse[a * g + a]).squareRoot()
                    drivers[a].beta = beta[a]
                    drivers[a].betaSE = se
                    drivers[a].betaLower = beta[a] - t * se
                    drivers[a].betaUpper = beta[a] + t * se
                }
            }
        }
        self.drivers = drivers
        self.rSquared = rSquared
    }

    /// The inverse of the G × G correlation matrix of the factor scores (Gauss-Jordan with
    /// partial pivoting); nil when singular.
    static func inverse(correlations c: [Double], size g: Int, stride m: Int) -> [Double]? {
        var a = [Double](repeating: 0, count: g * g)
        for i in 0..<g {
            for j in 0..<g {
                let d = (c[i * m + i] * c[j * m + j]).squareRoot()
                guard d > 0 else { return nil }
                a[i * g + j] = c[i * m + j] / d
            }
        }
        var inv = [Double](repeating: 0, count: g * g)
        for i in 0..<g { inv[i * g + i] = 1 }
        for col in 0..<g {
            guard let pivot = (col..<g).max(by: { abs(a[$0 * g + col]) < abs(a[$1 * g + col]) }), abs(a[pivot * g + col]) > 1e-12
            else { return nil }
            if pivot != col {
                for j in 0..<g {
                    a.swapAt(pivot * g + j, col * g + j)
                    inv.swapAt(pivot * g + j, col * g + j)
                }
            }
            let p = a[col * g + col]
            for j in 0..<g {
                a[col * g + j] /= p
                inv[col * g + j] /= p
            }
            for i in 0..<g where i != col {
                let f = a[i * g + col]
                guard f != 0 else { continue }
                for j in 0..<g {
                    a[i * g + j] -= f * a[col * g + j]
                    inv[i * g + j] -= f * inv[col * g + j]
                }
            }
        }
        return inv
    }
}
