import SurveyModel

/// A two-sided interval.
public struct Interval: Sendable, Hashable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// Confidence intervals for an unweighted binomial proportion x / n.
///
/// Definitions follow `docs/statistics.md` ("Per question"); z = Φ⁻¹(1 − α/2).
public enum BinomialInterval {
    /// The interval of `method` for x successes in n trials (n > 0).
    ///
    /// ```
    /// wald:            p ∓ z √(p(1−p)/n), clipped to [0, 1]
    /// wilson:          (x + z²/2)/(n + z²) ∓ z √n/(n + z²) · √(p(1−p) + z²/(4n))
    /// agresti_coull:   ñ = n + z², p̃ = (x + z²/2)/ñ, p̃ ∓ z √(p̃(1−p̃)/ñ), clipped
    /// jeffreys:        Beta(α/2; x+½, n−x+½), Beta(1−α/2; x+½, n−x+½); 0 at x = 0, 1 at x = n
    /// clopper_pearson: Beta(α/2; x, n−x+1), Beta(1−α/2; x+1, n−x); 0 at x = 0, 1 at x = n
    /// ```
    /// The Jeffreys boundary rule is Brown, Cai and DasGupta's (2001), as in the reference.
    /// R: `binom.test(x, n)$conf.int` (Clopper–Pearson), `prop.test(x, n, correct = FALSE)`
    /// (Wilson), `qbeta` (Jeffreys).
    public static func interval(
        _ method: IntervalMethod, successes x: Int, trials n: Int, level: Double
    ) -> Interval {
        precondition(n > 0 && x >= 0 && x <= n, "need 0 <= x <= n and n > 0")
        let alpha = 1 - level
        let z = Distributions.normalQuantile(1 - alpha / 2)
        let nd = Double(n)
        let xd = Double(x)
        let p = xd / nd
        switch method {
        case .wald:
            let h = z * (p * (1 - p) / nd).squareRoot()
            return Interval(lower: clip(p - h), upper: clip(p + h))
        case .wilson:
            let z2 = z * z
            let centre = (xd + z2 / 2) / (nd + z2)
            let half = z * nd.squareRoot() / (nd + z2) * (p * (1 - p) + z2 / (4 * nd)).squareRoot()
            // At x = 0 (x = n) the lower (upper) limit is exactly 0 (1); the formula leaves ±1e-17.
            return Interval(lower: x == 0 ? 0 : centre - half, upper: x == n ? 1 : centre + half)
        case .agrestiCoull:
            let nTilde = nd + z * z
            let pTilde = (xd + z * z / 2) / nTilde
            let h = z * (pTilde * (1 - pTilde) / nTilde).squareRoot()
            return Interval(lower: clip(pTilde - h), upper: clip(pTilde + h))
        case .jeffreys:
            let lower = x == 0 ? 0 : Distributions.betaQuantile(alpha / 2, a: xd + 0.5, b: nd - xd + 0.5)
            let upper = x == n ? 1 : Distributions.betaQuantile(1 - alpha / 2, a: xd + 0.5, b: nd - xd + 0.5)
            return Interval(lower: lower, upper: upper)
        case .clopperPearson:
            let lower = x == 0 ? 0 : Distributions.betaQuantile(alpha / 2, a: xd, b: nd - xd + 1)
            let upper = x == n ? 1 : Distributions.betaQuantile(1 - alpha / 2, a: xd + 1, b: nd - xd)
            return Interval(lower: lower, upper: upper)
        }
    }

    /// Newcombe's (1998) hybrid score interval for p1 − p2 (his method 10), from the
    /// Wilson limits (l_k, u_k) of the two independent proportions:
    /// ```
    /// d − √((p1 − l1)² + (u2 − p2)²),  d + √((u1 − p1)² + (p2 − l2)²)
    /// ```
    /// R: `PropCIs::diffscoreci` is the score (method 10) interval.
    public static func newcombeDifference(
        x1: Int, n1: Int, x2: Int, n2: Int, level: Double
    ) -> Interval {
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        let w1 = interval(.wilson, successes: x1, trials: n1, level: level)
        let w2 = interval(.wilson, successes: x2, trials: n2, level: level)
        let d = p1 - p2
        let lowerHalf = ((p1 - w1.lower) * (p1 - w1.lower) + (w2.upper - p2) * (w2.upper - p2)).squareRoot()
        let upperHalf = ((w1.upper - p1) * (w1.upper - p1) + (p2 - w2.lower) * (p2 - w2.lower)).squareRoot()
        return Interval(lower: d - lowerHalf, upper: d + upperHalf)
    }

    private static func clip(_ v: Double) -> Double { min(1, max(0, v)) }
}
