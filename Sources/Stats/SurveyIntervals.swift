import Foundation

/// Intervals for a design-based proportion p with standard error se, as `svyciprop` gives.
/// df is the domain's degrees of freedom (`degf`: forms in the domain − 1).
/// Each interval also comes with a `quantiles:` table that memoises the t quantiles over one
/// estimation run (`StudentTQuantiles`); the results are the same doubles either way.
public enum SurveyInterval {
    static func tQuantile(_ q: Double, df: Double, quantiles: inout StudentTQuantiles) -> Double? {
        df >= 1 ? quantiles.quantile(q, df: df) : nil
    }

    /// `svyciprop(method = "logit")`: expit(logit p ∓ t_{df} se / (p(1 − p))); nil at p = 0 or 1.
    public static func logit(_ p: Double, se: Double, df: Double, level: Double) -> Interval? {
        var quantiles = StudentTQuantiles()
        return logit(p, se: se, df: df, level: level, quantiles: &quantiles)
    }

    public static func logit(
        _ p: Double, se: Double, df: Double, level: Double, quantiles: inout StudentTQuantiles
    ) -> Interval? {
        guard p > 0, p < 1, se.isFinite, let t = tQuantile(1 - (1 - level) / 2, df: df, quantiles: &quantiles)
        else { return nil }
        return IndexInterval.logit(p, se: se, quantile: t)
    }

    /// `svyciprop(method = "mean")`: p ∓ t_{df} se, not clipped.
    public static func mean(_ p: Double, se: Double, df: Double, level: Double) -> Interval? {
        var quantiles = StudentTQuantiles()
        return mean(p, se: se, df: df, level: level, quantiles: &quantiles)
    }

    public static func mean(
        _ p: Double, se: Double, df: Double, level: Double, quantiles: inout StudentTQuantiles
    ) -> Interval? {
        guard se.isFinite, let t = tQuantile(1 - (1 - level) / 2, df: df, quantiles: &quantiles) else { return nil }
        return Interval(lower: p - t * se, upper: p + t * se)
    }

    /// `svyciprop(method = "beta")`, Korn and Graubard (1998): with the effective size
    /// ```
    /// n* = p(1 − p)/se² · (t_{m−1}(α/2) / t_{df}(α/2))²
    /// lower = Beta⁻¹(α/2; n* p, n*(1 − p) + 1), upper = Beta⁻¹(1 − α/2; n* p + 1, n*(1 − p))
    /// ```
    /// m = `nrow(design)`: the domain's forms for a fixed-weights design, but the whole batch
    /// for a post-stratified one (survey keeps the other rows with weight 0). nil at p = 0 or 1.
    public static func beta(_ p: Double, se: Double, df: Double, rows m: Double, level: Double) -> Interval? {
        var quantiles = StudentTQuantiles()
        return beta(p, se: se, df: df, rows: m, level: level, quantiles: &quantiles)
    }

    public static func beta(
        _ p: Double, se: Double, df: Double, rows m: Double, level: Double, quantiles: inout StudentTQuantiles
    ) -> Interval? {
        let alpha = 1 - level
        guard p > 0, p < 1, se > 0, se.isFinite, let tm = tQuantile(alpha / 2, df: m - 1, quantiles: &quantiles),
            let td = tQuantile(alpha / 2, df: df, quantiles: &quantiles)
        else { return nil }
        let ratio = tm / td
        let nStar = p * (1 - p) / (se * se) * ratio * ratio
        return Interval(
            lower: Distributions.betaQuantile(alpha / 2, a: nStar * p, b: nStar * (1 - p) + 1),
            upper: Distributions.betaQuantile(1 - alpha / 2, a: nStar * p + 1, b: nStar * (1 - p)))
    }
}

/// Student t quantiles memoised by (p, df), for one estimation run.
///
/// A run asks for the same few hundred t quantiles tens of thousands of times (df = answers − 1
/// or forms − strata for every item of every cell, and again for each design-based interval).
/// `Distributions.studentTQuantile` is a pure function, so a remembered value is the very double
/// it would compute: results do not depend on the table or on the order of the calls. A value
/// type, passed `inout` down one `Estimator.estimate` call and dropped at its end, so nothing
/// is shared between runs or threads.
public struct StudentTQuantiles: Sendable {
    private struct Key: Hashable {
        var p: Double
        var df: Double
    }

    private var values: [Key: Double] = [:]

    public init() {}

    /// Distinct (p, df) pairs computed so far.
    public var count: Int { values.count }

    /// `Distributions.studentTQuantile(p, df: df)`, computed once per (p, df). For p in (½, 1]
    /// the table keeps −quantile(1 − p): `studentTQuantile` itself works from q = 1 − p there
    /// (exact, as is the negation), so both tails of one interval share an entry, bit for bit.
    public mutating func quantile(_ p: Double, df: Double) -> Double {
        if p > 0.5 && p <= 1 { return -lookUp(1 - p, df: df) }
        return lookUp(p, df: df)
    }

    private mutating func lookUp(_ p: Double, df: Double) -> Double {
        let key = Key(p: p, df: df)
        if let value = values[key] { return value }
        let value = Distributions.studentTQuantile(p, df: df)
        values[key] = value
        return value
    }
}
