import Foundation

/// Intervals for a design-based proportion p with standard error se, as `svyciprop` gives.
/// df is the domain's degrees of freedom (`degf`: forms in the domain − 1).
public enum SurveyInterval {
    static func tQuantile(_ q: Double, df: Double) -> Double? {
        df >= 1 ? Distributions.studentTQuantile(q, df: df) : nil
    }

    /// `svyciprop(method = "logit")`: expit(logit p ∓ t_{df} se / (p(1 − p))); nil at p = 0 or 1.
    public static func logit(_ p: Double, se: Double, df: Double, level: Double) -> Interval? {
        guard p > 0, p < 1, se.isFinite, let t = tQuantile(1 - (1 - level) / 2, df: df) else { return nil }
        return IndexInterval.logit(p, se: se, quantile: t)
    }

    /// `svyciprop(method = "mean")`: p ∓ t_{df} se, not clipped.
    public static func mean(_ p: Double, se: Double, df: Double, level: Double) -> Interval? {
        guard se.isFinite, let t = tQuantile(1 - (1 - level) / 2, df: df) else { return nil }
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
        let alpha = 1 - level
        guard p > 0, p < 1, se > 0, se.isFinite, let tm = tQuantile(alpha / 2, df: m - 1),
            let td = tQuantile(alpha / 2, df: df)
        else { return nil }
        let ratio = tm / td
        let nStar = p * (1 - p) / (se * se) * ratio * ratio
        return Interval(
            lower: Distributions.betaQuantile(alpha / 2, a: nStar * p, b: nStar * (1 - p) + 1),
            upper: Distributions.betaQuantile(1 - alpha / 2, a: nStar * p + 1, b: nStar * (1 - p)))
    }
}
