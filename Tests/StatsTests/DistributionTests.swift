import Testing
import Stats
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Reference values were printed with scipy 1.17.1 (numpy 2.4.6) and checked
// against mpmath 1.3.0 at 60 significant digits; see the comment on each table.
// Doubles are written in their shortest round-trip form, so the literals are
// exactly the values scipy returned.

// MARK: - Tolerances

/// Relative tolerance for the normal distribution (AS 241 and erfc are good to a few ulp).
fileprivate let normalTolerance = 1e-12
/// Relative tolerance for the regularized incomplete beta and the t CDF.
fileprivate let cdfTolerance = 1e-12
/// Relative tolerance for the beta and t quantiles.
fileprivate let quantileTolerance = 1e-11

fileprivate func relativeError(_ got: Double, _ expected: Double) -> Double {
    if expected == 0 { return abs(got) }
    return abs(got - expected) / abs(expected)
}

// MARK: - Table rows

fileprivate struct QuantileCase: Sendable, CustomTestStringConvertible {
    let p: Double
    let expected: Double
    var testDescription: String { "p = \(p)" }
}

fileprivate struct CDFCase: Sendable, CustomTestStringConvertible {
    let x: Double
    let expected: Double
    var testDescription: String { "x = \(x)" }
}

fileprivate struct BetaCDFCase: Sendable, CustomTestStringConvertible {
    let x: Double
    let a: Double
    let b: Double
    let expected: Double
    var testDescription: String { "x = \(x), a = \(a), b = \(b)" }
}

fileprivate struct BetaQuantileCase: Sendable, CustomTestStringConvertible {
    let p: Double
    let a: Double
    let b: Double
    let expected: Double
    var testDescription: String { "p = \(p), a = \(a), b = \(b)" }
}

fileprivate struct TCDFCase: Sendable, CustomTestStringConvertible {
    let t: Double
    let df: Double
    let expected: Double
    var testDescription: String { "t = \(t), df = \(df)" }
}

fileprivate struct TQuantileCase: Sendable, CustomTestStringConvertible {
    let p: Double
    let df: Double
    let expected: Double
    var testDescription: String { "p = \(p), df = \(df)" }
}

// MARK: - Anchors

@Suite("Distributions")
struct DistributionTests {

    @Test("the 97.5% normal quantile is 1.95996398454005")
    func normalAnchor() {
        let z = Distributions.normalQuantile(0.975)
        #expect(relativeError(z, 1.95996398454005) < 1e-14)
        // 0.75 = 1 − 0.25 exactly, so the quantiles must be exact negatives.
        #expect(Distributions.normalQuantile(0.75) == -Distributions.normalQuantile(0.25))
    }

    @Test("the Jeffreys interval for 10 of 14 matches qbeta to 12 decimals")
    func jeffreysAnchor() {
        // R: qbeta(c(0.025, 0.975), 10 + 0.5, 14 - 10 + 0.5)
        let lower = Distributions.betaQuantile(0.025, a: 10.5, b: 4.5)
        let upper = Distributions.betaQuantile(0.975, a: 10.5, b: 4.5)
        #expect(abs(lower - 0.454748858439) < 5e-13)
        #expect(abs(upper - 0.894971439878) < 5e-13)
    }

    @Test("the Clopper-Pearson interval for 10 of 14 matches qbeta to 12 decimals")
    func clopperPearsonAnchor() {
        // R: qbeta(0.025, 10, 14 - 10 + 1); qbeta(0.975, 10 + 1, 14 - 10)
        let lower = Distributions.betaQuantile(0.025, a: 10, b: 5)
        let upper = Distributions.betaQuantile(0.975, a: 11, b: 4)
        #expect(abs(lower - 0.418964742816) < 5e-13)
        #expect(abs(upper - 0.916110681693) < 5e-13)
    }

    // MARK: Tables against scipy

    @Test("normal quantile matches scipy over the whole range", arguments: normalQuantileTable)
    fileprivate func normalQuantileMatchesScipy(_ row: QuantileCase) {
        let got = Distributions.normalQuantile(row.p)
        #expect(relativeError(got, row.expected) < normalTolerance, "got \(got)")
    }

    @Test("normal CDF matches scipy from the far lower tail to the upper tail", arguments: normalCDFTable)
    fileprivate func normalCDFMatchesScipy(_ row: CDFCase) {
        let got = Distributions.normalCDF(row.x)
        #expect(relativeError(got, row.expected) < normalTolerance, "got \(got)")
    }

    @Test("regularized incomplete beta matches scipy for small, skewed and large shapes",
          arguments: incompleteBetaTable)
    fileprivate func incompleteBetaMatchesScipy(_ row: BetaCDFCase) {
        let got = Distributions.regularizedIncompleteBeta(x: row.x, a: row.a, b: row.b)
        #expect(relativeError(got, row.expected) < cdfTolerance, "got \(got)")
    }

    @Test("beta quantile matches scipy from p = 1e-12 to 1 - 1e-12", arguments: betaQuantileTable)
    fileprivate func betaQuantileMatchesScipy(_ row: BetaQuantileCase) {
        let got = Distributions.betaQuantile(row.p, a: row.a, b: row.b)
        #expect(relativeError(got, row.expected) < quantileTolerance, "got \(got)")
    }

    @Test("Student t CDF matches scipy for df from 1 to a million", arguments: studentTCDFTable)
    fileprivate func studentTCDFMatchesScipy(_ row: TCDFCase) {
        let got = Distributions.studentTCDF(row.t, df: row.df)
        #expect(relativeError(got, row.expected) < cdfTolerance, "got \(got)")
    }

    @Test("Student t quantile matches scipy for df from 1 to a million", arguments: studentTQuantileTable)
    fileprivate func studentTQuantileMatchesScipy(_ row: TQuantileCase) {
        let got = Distributions.studentTQuantile(row.p, df: row.df)
        #expect(relativeError(got, row.expected) < quantileTolerance, "got \(got)")
    }

    // MARK: Round trips and identities

    @Test("normal CDF undoes the normal quantile", arguments: roundTripProbabilities)
    func normalRoundTrip(_ p: Double) {
        let back = Distributions.normalCDF(Distributions.normalQuantile(p))
        #expect(abs(back - p) <= 1e-12 * min(p, 1 - p) + 2 * Double.ulpOfOne)
    }

    @Test("incomplete beta undoes the beta quantile",
          arguments: roundTripProbabilities, roundTripShapes)
    fileprivate func betaRoundTrip(_ p: Double, _ shape: BetaShape) {
        let x = Distributions.betaQuantile(p, a: shape.a, b: shape.b)
        #expect(x > 0 && x <= 1)
        if x == 1 {
            // The quantile is within half an ulp of 1: check it through the reflection.
            let y = Distributions.betaQuantile(1 - p, a: shape.b, b: shape.a)
            #expect(y < Double.ulpOfOne / 2, "y = \(y)")
            return
        }
        let back = Distributions.regularizedIncompleteBeta(x: x, a: shape.a, b: shape.b)
        // Near x = 1 one ulp of x moves I_x a lot in relative terms: allow that step.
        let ulpStep = abs(Distributions.regularizedIncompleteBeta(x: x.nextUp, a: shape.a, b: shape.b) - back)
        #expect(abs(back - p) <= 1e-11 * min(p, 1 - p) + ulpStep + 2 * Double.ulpOfOne,
                "x = \(x), back = \(back)")
    }

    @Test("Student t CDF undoes the t quantile",
          arguments: roundTripProbabilities, [0.7, 1, 2, 3, 4.5, 10, 29, 100, 1000, 1e6, 1e7])
    func studentTRoundTrip(_ p: Double, _ df: Double) {
        let t = Distributions.studentTQuantile(p, df: df)
        let back = Distributions.studentTCDF(t, df: df)
        #expect(abs(back - p) <= 1e-11 * min(p, 1 - p) + 2 * Double.ulpOfOne, "t = \(t), back = \(back)")
    }

    @Test("beta quantile is reflected by swapping the shapes", arguments: roundTripShapes)
    fileprivate func betaReflection(_ shape: BetaShape) {
        // Probabilities whose complements are exact doubles.
        for p in [0x1p-30, 0.015625, 0.25] {
            let x = Distributions.betaQuantile(p, a: shape.a, b: shape.b)
            let y = Distributions.betaQuantile(1 - p, a: shape.b, b: shape.a)
            #expect(abs((1 - y) - x) <= 1e-13 * x + 2 * Double.ulpOfOne)
        }
    }

    @Test("t quantile is odd and tends to the normal quantile as df grows")
    func studentTLimits() {
        for p in [0x1p-33, 0.015625, 0.25] {  // 1 − p is exact
            #expect(Distributions.studentTQuantile(1 - p, df: 7.5) == -Distributions.studentTQuantile(p, df: 7.5))
        }
        let z = Distributions.normalQuantile(0.975)
        var previous = Double.infinity
        for df in [10.0, 100, 1e4, 1e6, 1e7] {
            let t = Distributions.studentTQuantile(0.975, df: df)
            #expect(t > z && t < previous)
            previous = t
        }
        // The 1/df term: qt(0.975, 1e7) - qnorm(0.975) ≈ (z³ + z) / (4 df).
        let gap = Distributions.studentTQuantile(0.975, df: 1e7) - z
        #expect(abs(gap - (z * z * z + z) / 4e7) < 1e-12)
        #expect(Distributions.studentTQuantile(0.975, df: 1e30) == z)
    }

    @Test("closed forms for df = 1 and df = 2 are reproduced")
    func studentTClosedForms() {
        for p in [0.6, 0.75, 0.9, 0.975] {
            // df = 1 is the Cauchy distribution: qt(p, 1) = tan(π(p − ½)).
            let cauchy = tan(Double.pi * (p - 0.5))
            #expect(relativeError(Distributions.studentTQuantile(p, df: 1), cauchy) < 1e-13)
            // df = 2: qt(p, 2) = (2p − 1) / √(2p(1 − p)).
            let two = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
            #expect(relativeError(Distributions.studentTQuantile(p, df: 2), two) < 1e-13)
        }
    }

    @Test("boundaries give infinities, 0 and 1, and invalid input gives NaN")
    func boundariesAndInvalidInput() {
        #expect(Distributions.normalQuantile(0) == -.infinity)
        #expect(Distributions.normalQuantile(1) == .infinity)
        #expect(Distributions.normalQuantile(0.5) == 0)
        #expect(Distributions.normalQuantile(-0.1).isNaN)
        #expect(Distributions.normalQuantile(.nan).isNaN)
        #expect(Distributions.normalCDF(-.infinity) == 0)
        #expect(Distributions.normalCDF(.infinity) == 1)

        #expect(Distributions.regularizedIncompleteBeta(x: 0, a: 2, b: 3) == 0)
        #expect(Distributions.regularizedIncompleteBeta(x: 1, a: 2, b: 3) == 1)
        #expect(Distributions.regularizedIncompleteBeta(x: 1.5, a: 2, b: 3).isNaN)
        #expect(Distributions.regularizedIncompleteBeta(x: 0.5, a: 0, b: 3).isNaN)
        #expect(Distributions.betaQuantile(0, a: 2, b: 3) == 0)
        #expect(Distributions.betaQuantile(1, a: 2, b: 3) == 1)
        #expect(Distributions.betaQuantile(0.5, a: -1, b: 3).isNaN)
        #expect(Distributions.betaQuantile(1.01, a: 1, b: 3).isNaN)

        #expect(Distributions.studentTQuantile(0, df: 5) == -.infinity)
        #expect(Distributions.studentTQuantile(1, df: 5) == .infinity)
        #expect(Distributions.studentTQuantile(0.5, df: 5) == 0)
        #expect(Distributions.studentTQuantile(0.3, df: 0).isNaN)
        #expect(Distributions.studentTQuantile(0.3, df: -2).isNaN)
        #expect(Distributions.studentTQuantile(.nan, df: 3).isNaN)
        #expect(Distributions.studentTCDF(0, df: 3) == 0.5)
        #expect(Distributions.studentTCDF(.infinity, df: 3) == 1)
        #expect(Distributions.studentTCDF(-.infinity, df: 3) == 0)
        #expect(Distributions.studentTCDF(1, df: .nan).isNaN)
    }
}

// MARK: - Property-test inputs

fileprivate let roundTripProbabilities: [Double] = [
    1e-12, 1e-10, 1e-7, 1e-4, 0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5,
    0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-4, 1 - 1e-7, 1 - 1e-10, 1 - 1e-12,
]

fileprivate struct BetaShape: Sendable, CustomTestStringConvertible {
    let a: Double
    let b: Double
    var testDescription: String { "a = \(a), b = \(b)" }
}

fileprivate let roundTripShapes: [BetaShape] = [
    BetaShape(a: 0.5, b: 0.5), BetaShape(a: 0.5, b: 20.5), BetaShape(a: 10.5, b: 0.5), BetaShape(a: 13.5, b: 0.5),
    BetaShape(a: 2, b: 50), BetaShape(a: 500.5, b: 30.5), BetaShape(a: 5000, b: 5000), BetaShape(a: 37.23, b: 11.91),
    BetaShape(a: 5000.5, b: 10.5), BetaShape(a: 1, b: 1), BetaShape(a: 0.5, b: 1e5), BetaShape(a: 1e5, b: 0.5),
]

// MARK: - Reference tables

/// scipy 1.17.1: `scipy.stats.norm.ppf(p)` (agrees with mpmath at 60 digits to 1.8e-16).
fileprivate let normalQuantileTable: [QuantileCase] = [
    QuantileCase(p: 1e-12, expected: -7.034483825301131),
    QuantileCase(p: 1e-10, expected: -6.361340902404056),
    QuantileCase(p: 1e-08, expected: -5.612001244174789),
    QuantileCase(p: 1e-06, expected: -4.753424308822899),
    QuantileCase(p: 0.0001, expected: -3.7190164854556804),
    QuantileCase(p: 0.001, expected: -3.090232306167813),
    QuantileCase(p: 0.01, expected: -2.3263478740408408),
    QuantileCase(p: 0.025, expected: -1.9599639845400545),
    QuantileCase(p: 0.05, expected: -1.6448536269514729),
    QuantileCase(p: 0.1, expected: -1.2815515655446004),
    QuantileCase(p: 0.2, expected: -0.8416212335729142),
    QuantileCase(p: 0.3, expected: -0.5244005127080409),
    QuantileCase(p: 0.4, expected: -0.2533471031357997),
    QuantileCase(p: 0.45, expected: -0.12566134685507402),
    QuantileCase(p: 0.5, expected: 0.0),
    QuantileCase(p: 0.55, expected: 0.12566134685507416),
    QuantileCase(p: 0.6, expected: 0.2533471031357997),
    QuantileCase(p: 0.7, expected: 0.5244005127080407),
    QuantileCase(p: 0.8, expected: 0.8416212335729143),
    QuantileCase(p: 0.9, expected: 1.2815515655446004),
    QuantileCase(p: 0.95, expected: 1.6448536269514722),
    QuantileCase(p: 0.975, expected: 1.959963984540054),
    QuantileCase(p: 0.99, expected: 2.3263478740408408),
    QuantileCase(p: 0.999, expected: 3.090232306167813),
    QuantileCase(p: 0.9999, expected: 3.719016485455709),
    QuantileCase(p: 0.999999, expected: 4.753424308817087),
    QuantileCase(p: 0.99999999, expected: 5.612001243305505),
    QuantileCase(p: 0.9999999999, expected: 6.361340889697422),
    QuantileCase(p: 0.999999999999, expected: 7.0344869100478356),
]

/// scipy 1.17.1: `scipy.special.ndtr(x)` (agrees with mpmath `ncdf` to 5.7e-14; worst at x = -37.5).
fileprivate let normalCDFTable: [CDFCase] = [
    CDFCase(x: -37.5, expected: 4.605353009581954e-308),
    CDFCase(x: -30.0, expected: 4.906713927147908e-198),
    CDFCase(x: -20.0, expected: 2.7536241186061556e-89),
    CDFCase(x: -10.0, expected: 7.61985302416047e-24),
    CDFCase(x: -8.0, expected: 6.22096057427174e-16),
    CDFCase(x: -5.0, expected: 2.866515718791933e-07),
    CDFCase(x: -3.0, expected: 0.0013498980316300933),
    CDFCase(x: -1.959963984540054, expected: 0.025),
    CDFCase(x: -1.0, expected: 0.15865525393145707),
    CDFCase(x: -0.5, expected: 0.3085375387259869),
    CDFCase(x: -1e-08, expected: 0.4999999960105772),
    CDFCase(x: 0.0, expected: 0.5),
    CDFCase(x: 1e-08, expected: 0.5000000039894228),
    CDFCase(x: 0.5, expected: 0.6914624612740131),
    CDFCase(x: 1.0, expected: 0.8413447460685429),
    CDFCase(x: 1.959963984540054, expected: 0.975),
    CDFCase(x: 3.0, expected: 0.9986501019683699),
    CDFCase(x: 5.0, expected: 0.9999997133484281),
    CDFCase(x: 8.0, expected: 0.9999999999999993),
]

/// scipy 1.17.1: `scipy.special.betainc(a, b, x)`, with x = `betaincinv(a, b, p)` for
/// p in {1e-12, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 1-1e-6}. Agrees with an mpmath
/// (60 digits) continued fraction to 6.1e-14 (worst: a = b = 5000 near x = 0.5).
fileprivate let incompleteBetaTable: [BetaCDFCase] = [
    BetaCDFCase(x: 2.4674011002723395e-24, a: 0.5, b: 0.5, expected: 1e-12),
    BetaCDFCase(x: 2.46740110027031e-12, a: 0.5, b: 0.5, expected: 1e-06),
    BetaCDFCase(x: 0.00024671981713422146, a: 0.5, b: 0.5, expected: 0.01),
    BetaCDFCase(x: 0.09549150281252627, a: 0.5, b: 0.5, expected: 0.2),
    BetaCDFCase(x: 0.4999999999999999, a: 0.5, b: 0.5, expected: 0.49999999999999994),
    BetaCDFCase(x: 0.9045084971874736, a: 0.5, b: 0.5, expected: 0.8),
    BetaCDFCase(x: 0.9997532801828658, a: 0.5, b: 0.5, expected: 0.9899999999999997),
    BetaCDFCase(x: 0.9999999999975326, a: 0.5, b: 0.5, expected: 0.9999990000083996),
    BetaCDFCase(x: 3.8782139995743e-26, a: 0.5, b: 20.5, expected: 1e-12),
    BetaCDFCase(x: 3.878213999576255e-14, a: 0.5, b: 20.5, expected: 9.999999999999997e-07),
    BetaCDFCase(x: 3.87840953968771e-06, a: 0.5, b: 20.5, expected: 0.01),
    BetaCDFCase(x: 0.0015834304991625733, a: 0.5, b: 20.5, expected: 0.2),
    BetaCDFCase(x: 0.011169169123591411, a: 0.5, b: 20.5, expected: 0.5),
    BetaCDFCase(x: 0.03973661694216606, a: 0.5, b: 20.5, expected: 0.8000000000000002),
    BetaCDFCase(x: 0.15107509857083254, a: 0.5, b: 20.5, expected: 0.99),
    BetaCDFCase(x: 0.44590314037892137, a: 0.5, b: 20.5, expected: 0.9999990000000001),
    BetaCDFCase(x: 0.08477543013277972, a: 10.5, b: 0.5, expected: 9.99999999999999e-13),
    BetaCDFCase(x: 0.3121825469715558, a: 10.5, b: 0.5, expected: 9.999999999999991e-07),
    BetaCDFCase(x: 0.723723737780001, a: 10.5, b: 0.5, expected: 0.009999999999999988),
    BetaCDFCase(x: 0.9230434034335522, a: 10.5, b: 0.5, expected: 0.2),
    BetaCDFCase(x: 0.9780598332312825, a: 10.5, b: 0.5, expected: 0.49999999999999956),
    BetaCDFCase(x: 0.9968748793942134, a: 10.5, b: 0.5, expected: 0.8000000000000009),
    BetaCDFCase(x: 0.9999923394826578, a: 10.5, b: 0.5, expected: 0.9900000000000033),
    BetaCDFCase(x: 0.9999999999999234, a: 10.5, b: 0.5, expected: 0.9999989999743364),
    BetaCDFCase(x: 0.14767450849064098, a: 13.5, b: 0.5, expected: 1.0000000000000004e-12),
    BetaCDFCase(x: 0.4059514376428752, a: 13.5, b: 0.5, expected: 1.0000000000000775e-06),
    BetaCDFCase(x: 0.7786211611795169, a: 13.5, b: 0.5, expected: 0.010000000000000018),
    BetaCDFCase(x: 0.9399211015402531, a: 13.5, b: 0.5, expected: 0.2),
    BetaCDFCase(x: 0.9829825639598524, a: 13.5, b: 0.5, expected: 0.4999999999999999),
    BetaCDFCase(x: 0.9975813034759919, a: 13.5, b: 0.5, expected: 0.8000000000000005),
    BetaCDFCase(x: 0.9999940732280457, a: 13.5, b: 0.5, expected: 0.9899999999999757),
    BetaCDFCase(x: 0.9999999999999407, a: 13.5, b: 0.5, expected: 0.999998999821857),
    BetaCDFCase(x: 2.8005614491025892e-08, a: 2.0, b: 50.0, expected: 1.0000000000000018e-12),
    BetaCDFCase(x: 2.8018420335858742e-05, a: 2.0, b: 50.0, expected: 1.000000000000002e-06),
    BetaCDFCase(x: 0.0029375064220632584, a: 2.0, b: 50.0, expected: 0.009999999999999992),
    BetaCDFCase(x: 0.01619300167219511, a: 2.0, b: 50.0, expected: 0.2000000000000001),
    BetaCDFCase(x: 0.032690849916220156, a: 2.0, b: 50.0, expected: 0.5000000000000001),
    BetaCDFCase(x: 0.057575097800807135, a: 2.0, b: 50.0, expected: 0.8000000000000004),
    BetaCDFCase(x: 0.12319724287510171, a: 2.0, b: 50.0, expected: 0.99),
    BetaCDFCase(x: 0.28148596128400016, a: 2.0, b: 50.0, expected: 0.999999),
    BetaCDFCase(x: 0.8449822372196045, a: 500.5, b: 30.5, expected: 1.0000000000000004e-12),
    BetaCDFCase(x: 0.8826949699132125, a: 500.5, b: 30.5, expected: 9.999999999999839e-07),
    BetaCDFCase(x: 0.9167042173330484, a: 500.5, b: 30.5, expected: 0.010000000000000007),
    BetaCDFCase(x: 0.9342635578577593, a: 500.5, b: 30.5, expected: 0.19999999999999998),
    BetaCDFCase(x: 0.9431163436697352, a: 500.5, b: 30.5, expected: 0.49999999999999867),
    BetaCDFCase(x: 0.9511811198463584, a: 500.5, b: 30.5, expected: 0.7999999999999996),
    BetaCDFCase(x: 0.9635324080500919, a: 500.5, b: 30.5, expected: 0.9900000000000001),
    BetaCDFCase(x: 0.9788748531243536, a: 500.5, b: 30.5, expected: 0.999999),
    BetaCDFCase(x: 0.46487017211442755, a: 5000.0, b: 5000.0, expected: 9.999999999999404e-13),
    BetaCDFCase(x: 0.47624570454877807, a: 5000.0, b: 5000.0, expected: 9.999999999999163e-07),
    BetaCDFCase(x: 0.48836954353001727, a: 5000.0, b: 5000.0, expected: 0.010000000000000264),
    BetaCDFCase(x: 0.4957918631510836, a: 5000.0, b: 5000.0, expected: 0.2000000000000043),
    BetaCDFCase(x: 0.5, a: 5000.0, b: 5000.0, expected: 0.49999999999999967),
    BetaCDFCase(x: 0.5042081368489164, a: 5000.0, b: 5000.0, expected: 0.7999999999999957),
    BetaCDFCase(x: 0.5116304564699827, a: 5000.0, b: 5000.0, expected: 0.9899999999999998),
    BetaCDFCase(x: 0.5237542954511929, a: 5000.0, b: 5000.0, expected: 0.999999),
    BetaCDFCase(x: 0.27548061681568864, a: 37.23, b: 11.91, expected: 9.999999999999988e-13),
    BetaCDFCase(x: 0.42613942804369676, a: 37.23, b: 11.91, expected: 1.000000000000347e-06),
    BetaCDFCase(x: 0.6035218024670514, a: 37.23, b: 11.91, expected: 0.01000000000000001),
    BetaCDFCase(x: 0.7073672378845226, a: 37.23, b: 11.91, expected: 0.20000000000000046),
    BetaCDFCase(x: 0.7611481231577469, a: 37.23, b: 11.91, expected: 0.5000000000000007),
    BetaCDFCase(x: 0.8098723817168634, a: 37.23, b: 11.91, expected: 0.7999999999999999),
    BetaCDFCase(x: 0.8813081302802702, a: 37.23, b: 11.91, expected: 0.99),
    BetaCDFCase(x: 0.9561242156441869, a: 37.23, b: 11.91, expected: 0.999999),
    BetaCDFCase(x: 0.03943256413850831, a: 10.5, b: 4.5, expected: 1.0000000000000024e-12),
    BetaCDFCase(x: 0.15263990804464309, a: 10.5, b: 4.5, expected: 1.0000000000000014e-06),
    BetaCDFCase(x: 0.4071082952445809, a: 10.5, b: 4.5, expected: 0.009999999999999986),
    BetaCDFCase(x: 0.6032474556438907, a: 10.5, b: 4.5, expected: 0.19999999999999987),
    BetaCDFCase(x: 0.7090867852881875, a: 10.5, b: 4.5, expected: 0.5000000000000001),
    BetaCDFCase(x: 0.8014218887270053, a: 10.5, b: 4.5, expected: 0.8000000000000003),
    BetaCDFCase(x: 0.9178058481477367, a: 10.5, b: 4.5, expected: 0.99),
    BetaCDFCase(x: 0.9906704965344754, a: 10.5, b: 4.5, expected: 0.999999),
    BetaCDFCase(x: 0.031995021121706116, a: 10.0, b: 5.0, expected: 9.999999999999992e-13),
    BetaCDFCase(x: 0.13249876406390393, a: 10.0, b: 5.0, expected: 9.999999999999995e-07),
    BetaCDFCase(x: 0.37256530511457264, a: 10.0, b: 5.0, expected: 0.009999999999999997),
    BetaCDFCase(x: 0.5663559879978177, a: 10.0, b: 5.0, expected: 0.19999999999999993),
    BetaCDFCase(x: 0.6742488447137873, a: 10.0, b: 5.0, expected: 0.5000000000000002),
    BetaCDFCase(x: 0.7708789039090028, a: 10.0, b: 5.0, expected: 0.8),
    BetaCDFCase(x: 0.898071404278149, a: 10.0, b: 5.0, expected: 0.99),
    BetaCDFCase(x: 0.9859094484413736, a: 10.0, b: 5.0, expected: 0.999999),
    BetaCDFCase(x: 0.048039211303255655, a: 11.0, b: 4.0, expected: 1.0000000000000008e-12),
    BetaCDFCase(x: 0.17472795257703302, a: 11.0, b: 4.0, expected: 1.0000000000000194e-06),
    BetaCDFCase(x: 0.4433314745089065, a: 11.0, b: 4.0, expected: 0.00999999999999999),
    BetaCDFCase(x: 0.6408464637536788, a: 11.0, b: 4.0, expected: 0.1999999999999999),
    BetaCDFCase(x: 0.7439158242191628, a: 11.0, b: 4.0, expected: 0.49999999999999956),
    BetaCDFCase(x: 0.8312480260468893, a: 11.0, b: 4.0, expected: 0.7999999999999998),
    BetaCDFCase(x: 0.935972124862131, a: 11.0, b: 4.0, expected: 0.99),
    BetaCDFCase(x: 0.9943135970227543, a: 11.0, b: 4.0, expected: 0.999999),
    BetaCDFCase(x: 0.9898035500455077, a: 5000.5, b: 10.5, expected: 9.999999999998558e-13),
    BetaCDFCase(x: 0.9933148331579298, a: 5000.5, b: 10.5, expected: 1.0000000000000885e-06),
    BetaCDFCase(x: 0.9961184173123806, a: 5000.5, b: 10.5, expected: 0.00999999999999872),
    BetaCDFCase(x: 0.9973890485519581, a: 5000.5, b: 10.5, expected: 0.2000000000000013),
    BetaCDFCase(x: 0.9979704719998932, a: 5000.5, b: 10.5, expected: 0.49999999999999833),
    BetaCDFCase(x: 0.9984583482417678, a: 5000.5, b: 10.5, expected: 0.8000000000000296),
    BetaCDFCase(x: 0.9991116080617156, a: 5000.5, b: 10.5, expected: 0.990000000000001),
    BetaCDFCase(x: 0.9997137300112621, a: 5000.5, b: 10.5, expected: 0.999999),
    BetaCDFCase(x: 1e-12, a: 1.0, b: 1.0, expected: 1e-12),
    BetaCDFCase(x: 1e-06, a: 1.0, b: 1.0, expected: 1e-06),
    BetaCDFCase(x: 0.01, a: 1.0, b: 1.0, expected: 0.01),
    BetaCDFCase(x: 0.2, a: 1.0, b: 1.0, expected: 0.2),
    BetaCDFCase(x: 0.5, a: 1.0, b: 1.0, expected: 0.5),
    BetaCDFCase(x: 0.8, a: 1.0, b: 1.0, expected: 0.8),
    BetaCDFCase(x: 0.99, a: 1.0, b: 1.0, expected: 0.99),
    BetaCDFCase(x: 0.999999, a: 1.0, b: 1.0, expected: 0.999999),
    BetaCDFCase(x: 2.147818818347673e-05, a: 3.0, b: 7.5, expected: 1.0000000000000002e-12),
    BetaCDFCase(x: 0.0021552830242114926, a: 3.0, b: 7.5, expected: 1e-06),
    BetaCDFCase(x: 0.05025760531192933, a: 3.0, b: 7.5, expected: 0.009999999999999997),
    BetaCDFCase(x: 0.16619802790333946, a: 3.0, b: 7.5, expected: 0.19999999999999987),
    BetaCDFCase(x: 0.27170396499024413, a: 3.0, b: 7.5, expected: 0.49999999999999994),
    BetaCDFCase(x: 0.39847738737943345, a: 3.0, b: 7.5, expected: 0.7999999999999999),
    BetaCDFCase(x: 0.6333382397147072, a: 3.0, b: 7.5, expected: 0.99),
    BetaCDFCase(x: 0.9008138728942221, a: 3.0, b: 7.5, expected: 0.999999),
]

/// scipy 1.17.1: `scipy.special.betaincinv(a, b, p)`. Agrees with mpmath (60-digit
/// Newton on the incomplete beta) to 1.2e-14 everywhere in this table.
fileprivate let betaQuantileTable: [BetaQuantileCase] = [
    BetaQuantileCase(p: 1e-12, a: 0.5, b: 0.5, expected: 2.4674011002723395e-24),
    BetaQuantileCase(p: 1e-10, a: 0.5, b: 0.5, expected: 2.4674011002723397e-20),
    BetaQuantileCase(p: 1e-06, a: 0.5, b: 0.5, expected: 2.46740110027031e-12),
    BetaQuantileCase(p: 0.001, a: 0.5, b: 0.5, expected: 2.4673990709169446e-06),
    BetaQuantileCase(p: 0.025, a: 0.5, b: 0.5, expected: 0.001541333133436012),
    BetaQuantileCase(p: 0.1, a: 0.5, b: 0.5, expected: 0.024471741852423214),
    BetaQuantileCase(p: 0.5, a: 0.5, b: 0.5, expected: 0.4999999999999999),
    BetaQuantileCase(p: 0.9, a: 0.5, b: 0.5, expected: 0.9755282581475768),
    BetaQuantileCase(p: 0.975, a: 0.5, b: 0.5, expected: 0.9984586668665639),
    BetaQuantileCase(p: 0.999, a: 0.5, b: 0.5, expected: 0.999997532600929),
    BetaQuantileCase(p: 0.999999, a: 0.5, b: 0.5, expected: 0.9999999999975326),
    BetaQuantileCase(p: 0.9999999999, a: 0.5, b: 0.5, expected: 1.0),
    BetaQuantileCase(p: 0.999999999999, a: 0.5, b: 0.5, expected: 1.0),
    BetaQuantileCase(p: 1e-12, a: 0.5, b: 20.5, expected: 3.8782139995743e-26),
    BetaQuantileCase(p: 1e-10, a: 0.5, b: 20.5, expected: 3.878213999574301e-22),
    BetaQuantileCase(p: 1e-06, a: 0.5, b: 20.5, expected: 3.878213999576255e-14),
    BetaQuantileCase(p: 0.001, a: 0.5, b: 20.5, expected: 3.878215954846301e-08),
    BetaQuantileCase(p: 0.025, a: 0.5, b: 20.5, expected: 2.4246478459242733e-05),
    BetaQuantileCase(p: 0.1, a: 0.5, b: 20.5, expected: 0.0003897898118241041),
    BetaQuantileCase(p: 0.5, a: 0.5, b: 20.5, expected: 0.011169169123591411),
    BetaQuantileCase(p: 0.9, a: 0.5, b: 20.5, expected: 0.064612002792834),
    BetaQuantileCase(p: 0.975, a: 0.5, b: 20.5, expected: 0.11663898290487539),
    BetaQuantileCase(p: 0.999, a: 0.5, b: 20.5, expected: 0.23452104984225847),
    BetaQuantileCase(p: 0.999999, a: 0.5, b: 20.5, expected: 0.44590314037892137),
    BetaQuantileCase(p: 0.9999999999, a: 0.5, b: 20.5, expected: 0.64351631399722),
    BetaQuantileCase(p: 0.999999999999, a: 0.5, b: 20.5, expected: 0.71455985011679),
    BetaQuantileCase(p: 1e-12, a: 10.5, b: 0.5, expected: 0.08477543013277972),
    BetaQuantileCase(p: 1e-10, a: 10.5, b: 0.5, expected: 0.1311514909331665),
    BetaQuantileCase(p: 1e-06, a: 10.5, b: 0.5, expected: 0.3121825469715558),
    BetaQuantileCase(p: 0.001, a: 10.5, b: 0.5, expected: 0.5901051496015022),
    BetaQuantileCase(p: 0.025, a: 10.5, b: 0.5, expected: 0.7828037324907894),
    BetaQuantileCase(p: 0.1, a: 10.5, b: 0.5, expected: 0.8764257936713199),
    BetaQuantileCase(p: 0.5, a: 10.5, b: 0.5, expected: 0.9780598332312825),
    BetaQuantileCase(p: 0.9, a: 10.5, b: 0.5, expected: 0.9992302446953152),
    BetaQuantileCase(p: 0.975, a: 10.5, b: 0.5, expected: 0.9999521095668424),
    BetaQuantileCase(p: 0.999, a: 10.5, b: 0.5, expected: 0.999999923398506),
    BetaQuantileCase(p: 0.999999, a: 10.5, b: 0.5, expected: 0.9999999999999234),
    BetaQuantileCase(p: 0.9999999999, a: 10.5, b: 0.5, expected: 1.0),
    BetaQuantileCase(p: 0.999999999999, a: 10.5, b: 0.5, expected: 1.0),
    BetaQuantileCase(p: 1e-12, a: 13.5, b: 0.5, expected: 0.14767450849064098),
    BetaQuantileCase(p: 1e-10, a: 13.5, b: 0.5, expected: 0.20719712326231488),
    BetaQuantileCase(p: 1e-06, a: 13.5, b: 0.5, expected: 0.4059514376428752),
    BetaQuantileCase(p: 0.001, a: 13.5, b: 0.5, expected: 0.6648103354469037),
    BetaQuantileCase(p: 0.025, a: 13.5, b: 0.5, expected: 0.8273805547179431),
    BetaQuantileCase(p: 0.1, a: 13.5, b: 0.5, expected: 0.9029740494961654),
    BetaQuantileCase(p: 0.5, a: 13.5, b: 0.5, expected: 0.9829825639598524),
    BetaQuantileCase(p: 0.9, a: 13.5, b: 0.5, expected: 0.9994044056890719),
    BetaQuantileCase(p: 0.975, a: 13.5, b: 0.5, expected: 0.9999629480667013),
    BetaQuantileCase(p: 0.999, a: 13.5, b: 0.5, expected: 0.9999999407351783),
    BetaQuantileCase(p: 0.999999, a: 13.5, b: 0.5, expected: 0.9999999999999407),
    BetaQuantileCase(p: 0.9999999999, a: 13.5, b: 0.5, expected: 1.0),
    BetaQuantileCase(p: 0.999999999999, a: 13.5, b: 0.5, expected: 1.0),
    BetaQuantileCase(p: 1e-12, a: 2.0, b: 50.0, expected: 2.8005614491025892e-08),
    BetaQuantileCase(p: 1e-10, a: 2.0, b: 50.0, expected: 2.800572978595453e-07),
    BetaQuantileCase(p: 1e-06, a: 2.0, b: 50.0, expected: 2.8018420335858742e-05),
    BetaQuantileCase(p: 0.001, a: 2.0, b: 50.0, expected: 0.0008986905293637155),
    BetaQuantileCase(p: 0.025, a: 2.0, b: 50.0, expected: 0.004784992694707293),
    BetaQuantileCase(p: 0.1, a: 2.0, b: 50.0, expected: 0.010476268261645261),
    BetaQuantileCase(p: 0.5, a: 2.0, b: 50.0, expected: 0.032690849916220156),
    BetaQuantileCase(p: 0.9, a: 2.0, b: 50.0, expected: 0.07414054566834279),
    BetaQuantileCase(p: 0.975, a: 2.0, b: 50.0, expected: 0.10447489639551714),
    BetaQuantileCase(p: 0.999, a: 2.0, b: 50.0, expected: 0.16712892112554797),
    BetaQuantileCase(p: 0.999999, a: 2.0, b: 50.0, expected: 0.28148596128400016),
    BetaQuantileCase(p: 0.9999999999, a: 2.0, b: 50.0, expected: 0.40649789617135557),
    BetaQuantileCase(p: 0.999999999999, a: 2.0, b: 50.0, expected: 0.45999768086244386),
    BetaQuantileCase(p: 1e-12, a: 500.5, b: 30.5, expected: 0.8449822372196045),
    BetaQuantileCase(p: 1e-10, a: 500.5, b: 30.5, expected: 0.8566645753060205),
    BetaQuantileCase(p: 1e-06, a: 500.5, b: 30.5, expected: 0.8826949699132125),
    BetaQuantileCase(p: 0.001, a: 500.5, b: 30.5, expected: 0.9067041702670917),
    BetaQuantileCase(p: 0.025, a: 500.5, b: 30.5, expected: 0.9212681190930138),
    BetaQuantileCase(p: 0.1, a: 500.5, b: 30.5, expected: 0.9293195864468479),
    BetaQuantileCase(p: 0.5, a: 500.5, b: 30.5, expected: 0.9431163436697352),
    BetaQuantileCase(p: 0.9, a: 500.5, b: 30.5, expected: 0.9550874555878696),
    BetaQuantileCase(p: 0.975, a: 500.5, b: 30.5, expected: 0.9607026266818757),
    BetaQuantileCase(p: 0.999, a: 500.5, b: 30.5, expected: 0.9689862515307919),
    BetaQuantileCase(p: 0.999999, a: 500.5, b: 30.5, expected: 0.9788748531243536),
    BetaQuantileCase(p: 0.9999999999, a: 500.5, b: 30.5, expected: 0.9860746785586653),
    BetaQuantileCase(p: 0.999999999999, a: 500.5, b: 30.5, expected: 0.9884755532759371),
    BetaQuantileCase(p: 1e-12, a: 5000.0, b: 5000.0, expected: 0.46487017211442755),
    BetaQuantileCase(p: 1e-10, a: 5000.0, b: 5000.0, expected: 0.46822465365254573),
    BetaQuantileCase(p: 1e-06, a: 5000.0, b: 5000.0, expected: 0.47624570454877807),
    BetaQuantileCase(p: 0.001, a: 5000.0, b: 5000.0, expected: 0.4845521405442887),
    BetaQuantileCase(p: 0.025, a: 5000.0, b: 5000.0, expected: 0.4902008762219615),
    BetaQuantileCase(p: 0.1, a: 5000.0, b: 5000.0, expected: 0.49359234508768945),
    BetaQuantileCase(p: 0.5, a: 5000.0, b: 5000.0, expected: 0.5),
    BetaQuantileCase(p: 0.9, a: 5000.0, b: 5000.0, expected: 0.5064076549123105),
    BetaQuantileCase(p: 0.975, a: 5000.0, b: 5000.0, expected: 0.5097991237780385),
    BetaQuantileCase(p: 0.999, a: 5000.0, b: 5000.0, expected: 0.5154478594557113),
    BetaQuantileCase(p: 0.999999, a: 5000.0, b: 5000.0, expected: 0.5237542954511929),
    BetaQuantileCase(p: 0.9999999999, a: 5000.0, b: 5000.0, expected: 0.5317753462841122),
    BetaQuantileCase(p: 0.999999999999, a: 5000.0, b: 5000.0, expected: 0.535129843252543),
    BetaQuantileCase(p: 1e-12, a: 37.23, b: 11.91, expected: 0.27548061681568864),
    BetaQuantileCase(p: 1e-10, a: 37.23, b: 11.91, expected: 0.31696264206371044),
    BetaQuantileCase(p: 1e-06, a: 37.23, b: 11.91, expected: 0.42613942804369676),
    BetaQuantileCase(p: 0.001, a: 37.23, b: 11.91, expected: 0.5475851042014168),
    BetaQuantileCase(p: 0.025, a: 37.23, b: 11.91, expected: 0.62992610265809),
    BetaQuantileCase(p: 0.1, a: 37.23, b: 11.91, expected: 0.6775871595871095),
    BetaQuantileCase(p: 0.5, a: 37.23, b: 11.91, expected: 0.7611481231577469),
    BetaQuantileCase(p: 0.9, a: 37.23, b: 11.91, expected: 0.8330558642984135),
    BetaQuantileCase(p: 0.975, a: 37.23, b: 11.91, expected: 0.8655022996247479),
    BetaQuantileCase(p: 0.999, a: 37.23, b: 11.91, expected: 0.9103533672529464),
    BetaQuantileCase(p: 0.999999, a: 37.23, b: 11.91, expected: 0.9561242156441869),
    BetaQuantileCase(p: 0.9999999999, a: 37.23, b: 11.91, expected: 0.9811559423772137),
    BetaQuantileCase(p: 0.999999999999, a: 37.23, b: 11.91, expected: 0.9874246424164379),
    BetaQuantileCase(p: 1e-12, a: 10.5, b: 4.5, expected: 0.03943256413850831),
    BetaQuantileCase(p: 1e-10, a: 10.5, b: 4.5, expected: 0.061573858986964325),
    BetaQuantileCase(p: 1e-06, a: 10.5, b: 4.5, expected: 0.15263990804464309),
    BetaQuantileCase(p: 0.001, a: 10.5, b: 4.5, expected: 0.31353547674031595),
    BetaQuantileCase(p: 0.025, a: 10.5, b: 4.5, expected: 0.454748858438615),
    BetaQuantileCase(p: 0.1, a: 10.5, b: 4.5, expected: 0.5450048383265453),
    BetaQuantileCase(p: 0.5, a: 10.5, b: 4.5, expected: 0.7090867852881875),
    BetaQuantileCase(p: 0.9, a: 10.5, b: 4.5, expected: 0.8424840268124437),
    BetaQuantileCase(p: 0.975, a: 10.5, b: 4.5, expected: 0.8949714398777346),
    BetaQuantileCase(p: 0.999, a: 10.5, b: 4.5, expected: 0.9538017641453884),
    BetaQuantileCase(p: 0.999999, a: 10.5, b: 4.5, expected: 0.9906704965344754),
    BetaQuantileCase(p: 0.9999999999, a: 10.5, b: 4.5, expected: 0.998811925237311),
    BetaQuantileCase(p: 0.999999999999, a: 10.5, b: 4.5, expected: 0.9995735917927415),
    BetaQuantileCase(p: 1e-12, a: 10.0, b: 5.0, expected: 0.031995021121706116),
    BetaQuantileCase(p: 1e-10, a: 10.0, b: 5.0, expected: 0.051075281250955326),
    BetaQuantileCase(p: 1e-06, a: 10.0, b: 5.0, expected: 0.13249876406390393),
    BetaQuantileCase(p: 0.001, a: 10.0, b: 5.0, expected: 0.28267567520566156),
    BetaQuantileCase(p: 0.025, a: 10.0, b: 5.0, expected: 0.4189647428163391),
    BetaQuantileCase(p: 0.1, a: 10.0, b: 5.0, expected: 0.508034786222999),
    BetaQuantileCase(p: 0.5, a: 10.0, b: 5.0, expected: 0.6742488447137873),
    BetaQuantileCase(p: 0.9, a: 10.0, b: 5.0, expected: 0.8148658238687838),
    BetaQuantileCase(p: 0.975, a: 10.0, b: 5.0, expected: 0.8724015701408404),
    BetaQuantileCase(p: 0.999, a: 10.0, b: 5.0, expected: 0.9397862197863792),
    BetaQuantileCase(p: 0.999999, a: 10.0, b: 5.0, expected: 0.9859094484413736),
    BetaQuantileCase(p: 0.9999999999, a: 10.0, b: 5.0, expected: 0.9978065025389921),
    BetaQuantileCase(p: 0.999999999999, a: 10.0, b: 5.0, expected: 0.9991284884202515),
    BetaQuantileCase(p: 1e-12, a: 11.0, b: 4.0, expected: 0.048039211303255655),
    BetaQuantileCase(p: 1e-10, a: 11.0, b: 4.0, expected: 0.07350893111872417),
    BetaQuantileCase(p: 1e-06, a: 11.0, b: 4.0, expected: 0.17472795257703302),
    BetaQuantileCase(p: 0.001, a: 11.0, b: 4.0, expected: 0.3463411359469164),
    BetaQuantileCase(p: 0.025, a: 11.0, b: 4.0, expected: 0.4920243229515281),
    BetaQuantileCase(p: 0.1, a: 11.0, b: 4.0, expected: 0.5830228702266003),
    BetaQuantileCase(p: 0.5, a: 11.0, b: 4.0, expected: 0.7439158242191628),
    BetaQuantileCase(p: 0.9, a: 11.0, b: 4.0, expected: 0.869060596293457),
    BetaQuantileCase(p: 0.975, a: 11.0, b: 4.0, expected: 0.9161106816928725),
    BetaQuantileCase(p: 0.999, a: 11.0, b: 4.0, expected: 0.9661516918523306),
    BetaQuantileCase(p: 0.999999, a: 11.0, b: 4.0, expected: 0.9943135970227543),
    BetaQuantileCase(p: 0.9999999999, a: 11.0, b: 4.0, expected: 0.9994371658636111),
    BetaQuantileCase(p: 0.999999999999, a: 11.0, b: 4.0, expected: 0.9998221542216398),
    BetaQuantileCase(p: 1e-12, a: 5000.5, b: 10.5, expected: 0.9898035500455077),
    BetaQuantileCase(p: 1e-10, a: 5000.5, b: 10.5, expected: 0.9909306451691409),
    BetaQuantileCase(p: 1e-06, a: 5000.5, b: 10.5, expected: 0.9933148331579298),
    BetaQuantileCase(p: 0.001, a: 5000.5, b: 10.5, expected: 0.9953361120135555),
    BetaQuantileCase(p: 0.025, a: 5000.5, b: 10.5, expected: 0.9964621052962603),
    BetaQuantileCase(p: 0.1, a: 5000.5, b: 10.5, expected: 0.9970459679138955),
    BetaQuantileCase(p: 0.5, a: 5000.5, b: 10.5, expected: 0.9979704719998932),
    BetaQuantileCase(p: 0.9, a: 5000.5, b: 10.5, expected: 0.9986783027356773),
    BetaQuantileCase(p: 0.975, a: 5000.5, b: 10.5, expected: 0.9989733159245316),
    BetaQuantileCase(p: 0.999, a: 5000.5, b: 10.5, expected: 0.9993562157029986),
    BetaQuantileCase(p: 0.999999, a: 5000.5, b: 10.5, expected: 0.9997137300112621),
    BetaQuantileCase(p: 0.9999999999, a: 5000.5, b: 10.5, expected: 0.9998896298809987),
    BetaQuantileCase(p: 0.999999999999, a: 5000.5, b: 10.5, expected: 0.9999300534615175),
    BetaQuantileCase(p: 1e-12, a: 1.0, b: 1.0, expected: 1e-12),
    BetaQuantileCase(p: 1e-10, a: 1.0, b: 1.0, expected: 1e-10),
    BetaQuantileCase(p: 1e-06, a: 1.0, b: 1.0, expected: 1e-06),
    BetaQuantileCase(p: 0.001, a: 1.0, b: 1.0, expected: 0.001),
    BetaQuantileCase(p: 0.025, a: 1.0, b: 1.0, expected: 0.025),
    BetaQuantileCase(p: 0.1, a: 1.0, b: 1.0, expected: 0.1),
    BetaQuantileCase(p: 0.5, a: 1.0, b: 1.0, expected: 0.5),
    BetaQuantileCase(p: 0.9, a: 1.0, b: 1.0, expected: 0.9),
    BetaQuantileCase(p: 0.975, a: 1.0, b: 1.0, expected: 0.975),
    BetaQuantileCase(p: 0.999, a: 1.0, b: 1.0, expected: 0.999),
    BetaQuantileCase(p: 0.999999, a: 1.0, b: 1.0, expected: 0.999999),
    BetaQuantileCase(p: 0.9999999999, a: 1.0, b: 1.0, expected: 0.9999999999),
    BetaQuantileCase(p: 0.999999999999, a: 1.0, b: 1.0, expected: 0.999999999999),
    BetaQuantileCase(p: 1e-12, a: 3.0, b: 7.5, expected: 2.147818818347673e-05),
    BetaQuantileCase(p: 1e-10, a: 3.0, b: 7.5, expected: 9.970559252610161e-05),
    BetaQuantileCase(p: 1e-06, a: 3.0, b: 7.5, expected: 0.0021552830242114926),
    BetaQuantileCase(p: 0.001, a: 3.0, b: 7.5, expected: 0.022273274848521433),
    BetaQuantileCase(p: 0.025, a: 3.0, b: 7.5, expected: 0.07056332891416528),
    BetaQuantileCase(p: 0.1, a: 3.0, b: 7.5, expected: 0.12227846726402922),
    BetaQuantileCase(p: 0.5, a: 3.0, b: 7.5, expected: 0.27170396499024413),
    BetaQuantileCase(p: 0.9, a: 3.0, b: 7.5, expected: 0.46899817761151497),
    BetaQuantileCase(p: 0.975, a: 3.0, b: 7.5, expected: 0.5773217680684133),
    BetaQuantileCase(p: 0.999, a: 3.0, b: 7.5, expected: 0.7393575569850128),
    BetaQuantileCase(p: 0.999999, a: 3.0, b: 7.5, expected: 0.9008138728942221),
    BetaQuantileCase(p: 0.9999999999, a: 3.0, b: 7.5, expected: 0.9714588362238438),
    BetaQuantileCase(p: 0.999999999999, a: 3.0, b: 7.5, expected: 0.9846030613927857),
]

/// scipy 1.17.1: `scipy.special.stdtr(df, t)` (cases below 1e-300 omitted).
/// Exception: for df = 1, t = ±1e-6 scipy is off by 2.8e-11 relative, so those two
/// rows hold the mpmath value (60 digits, ½·I_x(df/2, ½)) instead.
fileprivate let studentTCDFTable: [TCDFCase] = [
    TCDFCase(t: -1000.0, df: 1.0, expected: 0.0003183097800805589),
    TCDFCase(t: -50.0, df: 1.0, expected: 0.006365349100972797),
    TCDFCase(t: -10.0, df: 1.0, expected: 0.03172551743055357),
    TCDFCase(t: -3.0, df: 1.0, expected: 0.10241638234956672),
    TCDFCase(t: -1.96, df: 1.0, expected: 0.15017144588801656),
    TCDFCase(t: -1.0, df: 1.0, expected: 0.25000000000000006),
    TCDFCase(t: -0.1, df: 1.0, expected: 0.4682744825694465),
    TCDFCase(t: -1e-06, df: 1.0, expected: 0.49999968169011383),
    TCDFCase(t: 0.0, df: 1.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 1.0, expected: 0.5000003183098862),
    TCDFCase(t: 0.5, df: 1.0, expected: 0.6475836176504333),
    TCDFCase(t: 1.0, df: 1.0, expected: 0.75),
    TCDFCase(t: 2.5, df: 1.0, expected: 0.8788810584091566),
    TCDFCase(t: 5.0, df: 1.0, expected: 0.9371670418109987),
    TCDFCase(t: 20.0, df: 1.0, expected: 0.9840977487438236),
    TCDFCase(t: 10000.0, df: 1.0, expected: 0.9999681690114878),
    TCDFCase(t: -1000.0, df: 2.0, expected: 4.9999925000125e-07),
    TCDFCase(t: -50.0, df: 2.0, expected: 0.00019988007994404028),
    TCDFCase(t: -10.0, df: 2.0, expected: 0.004926228511662845),
    TCDFCase(t: -3.0, df: 2.0, expected: 0.04773298313335456),
    TCDFCase(t: -1.96, df: 2.0, expected: 0.09452865480086614),
    TCDFCase(t: -1.0, df: 2.0, expected: 0.2113248654051871),
    TCDFCase(t: -0.1, df: 2.0, expected: 0.4647327192070701),
    TCDFCase(t: -1e-06, df: 2.0, expected: 0.4999996464466094),
    TCDFCase(t: 0.0, df: 2.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 2.0, expected: 0.5000003535533906),
    TCDFCase(t: 0.5, df: 2.0, expected: 0.6666666666666666),
    TCDFCase(t: 1.0, df: 2.0, expected: 0.7886751345948129),
    TCDFCase(t: 2.5, df: 2.0, expected: 0.9351941398892446),
    TCDFCase(t: 5.0, df: 2.0, expected: 0.9811252243246882),
    TCDFCase(t: 20.0, df: 2.0, expected: 0.9987546680538164),
    TCDFCase(t: 10000.0, df: 2.0, expected: 0.999999995),
    TCDFCase(t: -1000.0, df: 3.0, expected: 1.102653821288296e-09),
    TCDFCase(t: -50.0, df: 3.0, expected: 8.808576020635984e-06),
    TCDFCase(t: -10.0, df: 3.0, expected: 0.0010641995292070751),
    TCDFCase(t: -3.0, df: 3.0, expected: 0.02883444281121865),
    TCDFCase(t: -1.96, df: 3.0, expected: 0.07242610428242682),
    TCDFCase(t: -1.0, df: 3.0, expected: 0.19550110947788524),
    TCDFCase(t: -0.1, df: 3.0, expected: 0.46332617440040297),
    TCDFCase(t: -1e-06, df: 3.0, expected: 0.49999963244740303),
    TCDFCase(t: 0.0, df: 3.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 3.0, expected: 0.500000367552597),
    TCDFCase(t: 0.5, df: 3.0, expected: 0.6742760175759245),
    TCDFCase(t: 1.0, df: 3.0, expected: 0.8044988905221148),
    TCDFCase(t: 2.5, df: 3.0, expected: 0.9561466764959672),
    TCDFCase(t: 5.0, df: 3.0, expected: 0.9923037809633488),
    TCDFCase(t: 20.0, df: 3.0, expected: 0.9998633983748764),
    TCDFCase(t: 10000.0, df: 3.0, expected: 0.9999999999988973),
    TCDFCase(t: -1000.0, df: 4.5, expected: 1.6599270262005824e-13),
    TCDFCase(t: -50.0, df: 4.5, expected: 1.1836973977841892e-07),
    TCDFCase(t: -10.0, df: 4.5, expected: 0.00015264028784169793),
    TCDFCase(t: -3.0, df: 4.5, expected: 0.01719043394437981),
    TCDFCase(t: -1.96, df: 4.5, expected: 0.05682512411819265),
    TCDFCase(t: -1.0, df: 4.5, expected: 0.18400254194009424),
    TCDFCase(t: -0.1, df: 4.5, expected: 0.46232203381534276),
    TCDFCase(t: -1e-06, df: 4.5, expected: 0.4999996224531792),
    TCDFCase(t: 0.0, df: 4.5, expected: 0.5),
    TCDFCase(t: 1e-06, df: 4.5, expected: 0.5000003775468208),
    TCDFCase(t: 0.5, df: 4.5, expected: 0.6797252489629764),
    TCDFCase(t: 1.0, df: 4.5, expected: 0.8159974580599058),
    TCDFCase(t: 2.5, df: 4.5, expected: 0.9700471567488997),
    TCDFCase(t: 5.0, df: 4.5, expected: 0.9972618208202401),
    TCDFCase(t: 20.0, df: 4.5, expected: 0.9999928186522147),
    TCDFCase(t: 10000.0, df: 4.5, expected: 1.0),
    TCDFCase(t: -1000.0, df: 10.0, expected: 1.2304123550866357e-26),
    TCDFCase(t: -50.0, df: 10.0, expected: 1.23715516465134e-13),
    TCDFCase(t: -10.0, df: 10.0, expected: 7.947765877982062e-07),
    TCDFCase(t: -3.0, df: 10.0, expected: 0.006671827511284785),
    TCDFCase(t: -1.96, df: 10.0, expected: 0.039218120123849856),
    TCDFCase(t: -1.0, df: 10.0, expected: 0.17044656615103),
    TCDFCase(t: -0.1, df: 10.0, expected: 0.4611603592822041),
    TCDFCase(t: -1e-06, df: 10.0, expected: 0.49999961089161604),
    TCDFCase(t: 0.0, df: 10.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 10.0, expected: 0.500000389108384),
    TCDFCase(t: 0.5, df: 10.0, expected: 0.6860531971285135),
    TCDFCase(t: 1.0, df: 10.0, expected: 0.8295534338489701),
    TCDFCase(t: 2.5, df: 10.0, expected: 0.9842765778816955),
    TCDFCase(t: 5.0, df: 10.0, expected: 0.9997313331986217),
    TCDFCase(t: 20.0, df: 10.0, expected: 0.9999999989269689),
    TCDFCase(t: 10000.0, df: 10.0, expected: 1.0),
    TCDFCase(t: -1000.0, df: 29.0, expected: 1.1764192763762537e-67),
    TCDFCase(t: -50.0, df: 29.0, expected: 5.374311992786222e-30),
    TCDFCase(t: -10.0, df: 29.0, expected: 3.2999312882167624e-11),
    TCDFCase(t: -3.0, df: 29.0, expected: 0.002749596066951706),
    TCDFCase(t: -1.96, df: 29.0, expected: 0.029833897759795665),
    TCDFCase(t: -1.0, df: 29.0, expected: 0.16279099400809682),
    TCDFCase(t: -0.1, df: 29.0, expected: 0.46051622224368693),
    TCDFCase(t: -1e-06, df: 29.0, expected: 0.499999604481421),
    TCDFCase(t: 0.0, df: 29.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 29.0, expected: 0.500000395518579),
    TCDFCase(t: 0.5, df: 29.0, expected: 0.6895759579031093),
    TCDFCase(t: 1.0, df: 29.0, expected: 0.8372090059919032),
    TCDFCase(t: 2.5, df: 29.0, expected: 0.9908373278307869),
    TCDFCase(t: 5.0, df: 29.0, expected: 0.9999873168421323),
    TCDFCase(t: 20.0, df: 29.0, expected: 1.0),
    TCDFCase(t: 10000.0, df: 29.0, expected: 1.0),
    TCDFCase(t: -1000.0, df: 100.0, expected: 3.9598093039739577e-202),
    TCDFCase(t: -50.0, df: 100.0, expected: 7.236081839880732e-73),
    TCDFCase(t: -10.0, df: 100.0, expected: 4.950844492297065e-17),
    TCDFCase(t: -3.0, df: 100.0, expected: 0.0017039576716647233),
    TCDFCase(t: -1.96, df: 100.0, expected: 0.02638945068311483),
    TCDFCase(t: -1.0, df: 100.0, expected: 0.15986207789206167),
    TCDFCase(t: -0.1, df: 100.0, expected: 0.4602722655479256),
    TCDFCase(t: -1e-06, df: 100.0, expected: 0.49999960205381305),
    TCDFCase(t: 0.0, df: 100.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 100.0, expected: 0.5000003979461869),
    TCDFCase(t: 0.5, df: 100.0, expected: 0.6909132170845567),
    TCDFCase(t: 1.0, df: 100.0, expected: 0.8401379221079384),
    TCDFCase(t: 2.5, df: 100.0, expected: 0.9929771054379614),
    TCDFCase(t: 5.0, df: 100.0, expected: 0.9999987749132933),
    TCDFCase(t: 20.0, df: 100.0, expected: 1.0),
    TCDFCase(t: 10000.0, df: 100.0, expected: 1.0),
    TCDFCase(t: -50.0, df: 1000.0, expected: 1.379336206162586e-274),
    TCDFCase(t: -10.0, df: 1000.0, expected: 8.335351479300069e-23),
    TCDFCase(t: -3.0, df: 1000.0, expected: 0.0013833545221190963),
    TCDFCase(t: -1.96, df: 1000.0, expected: 0.025136592477874368),
    TCDFCase(t: -1.0, df: 1000.0, expected: 0.15877620904233627),
    TCDFCase(t: -0.1, df: 1000.0, expected: 0.46018218451180204),
    TCDFCase(t: -1e-06, df: 1000.0, expected: 0.4999996011574427),
    TCDFCase(t: 0.0, df: 1000.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 1000.0, expected: 0.5000003988425573),
    TCDFCase(t: 0.5, df: 1000.0, expected: 0.6914074595830626),
    TCDFCase(t: 1.0, df: 1000.0, expected: 0.8412237909576638),
    TCDFCase(t: 2.5, df: 1000.0, expected: 0.9937107160994546),
    TCDFCase(t: 5.0, df: 1000.0, expected: 0.9999996616371818),
    TCDFCase(t: 20.0, df: 1000.0, expected: 1.0),
    TCDFCase(t: 10000.0, df: 1000.0, expected: 1.0),
    TCDFCase(t: -10.0, df: 1000000.0, expected: 7.63930538408909e-24),
    TCDFCase(t: -3.0, df: 1000000.0, expected: 0.0013499312707109),
    TCDFCase(t: -1.96, df: 1000000.0, expected: 0.024998033792634926),
    TCDFCase(t: -1.0, df: 1000000.0, expected: 0.15865537491678916),
    TCDFCase(t: -0.1, df: 1000000.0, expected: 0.4601721727460216),
    TCDFCase(t: -1e-06, df: 1000000.0, expected: 0.4999996010578193),
    TCDFCase(t: 0.0, df: 1000000.0, expected: 0.5),
    TCDFCase(t: 1e-06, df: 1000000.0, expected: 0.5000003989421806),
    TCDFCase(t: 0.5, df: 1000000.0, expected: 0.6914624062638143),
    TCDFCase(t: 1.0, df: 1000000.0, expected: 0.8413446250832108),
    TCDFCase(t: 2.5, df: 1000000.0, expected: 0.9937902552489184),
    TCDFCase(t: 5.0, df: 1000000.0, expected: 0.9999997133001065),
    TCDFCase(t: 20.0, df: 1000000.0, expected: 1.0),
    TCDFCase(t: 10000.0, df: 1000000.0, expected: 1.0),
]

/// scipy 1.17.1: `scipy.special.stdtrit(df, p)`. Agrees with mpmath (60 digits)
/// to 1.1e-15 everywhere in this table.
fileprivate let studentTQuantileTable: [TQuantileCase] = [
    TQuantileCase(p: 1e-12, df: 1.0, expected: -318309886183.7907),
    TQuantileCase(p: 1e-10, df: 1.0, expected: -3183098861.8379064),
    TQuantileCase(p: 1e-06, df: 1.0, expected: -318309.8861827435),
    TQuantileCase(p: 0.001, df: 1.0, expected: -318.30883898555044),
    TQuantileCase(p: 0.025, df: 1.0, expected: -12.706204736174705),
    TQuantileCase(p: 0.05, df: 1.0, expected: -6.313751514675044),
    TQuantileCase(p: 0.1, df: 1.0, expected: -3.0776835371752536),
    TQuantileCase(p: 0.3, df: 1.0, expected: -0.7265425280053609),
    TQuantileCase(p: 0.45, df: 1.0, expected: -0.15838444032453633),
    TQuantileCase(p: 0.55, df: 1.0, expected: 0.15838444032453658),
    TQuantileCase(p: 0.7, df: 1.0, expected: 0.7265425280053608),
    TQuantileCase(p: 0.9, df: 1.0, expected: 3.0776835371752544),
    TQuantileCase(p: 0.95, df: 1.0, expected: 6.313751514675037),
    TQuantileCase(p: 0.975, df: 1.0, expected: 12.706204736174694),
    TQuantileCase(p: 0.999, df: 1.0, expected: 318.30883898555015),
    TQuantileCase(p: 0.999999, df: 1.0, expected: 318309.88617359026),
    TQuantileCase(p: 0.9999999999, df: 1.0, expected: 3183098598.467148),
    TQuantileCase(p: 0.999999999999, df: 1.0, expected: 318316927901.77966),
    TQuantileCase(p: 1e-12, df: 2.0, expected: -707106.7811854869),
    TQuantileCase(p: 1e-10, df: 2.0, expected: -70710.67810804816),
    TQuantileCase(p: 1e-06, df: 2.0, expected: -707.1057205259339),
    TQuantileCase(p: 0.001, df: 2.0, expected: -22.327124770119873),
    TQuantileCase(p: 0.025, df: 2.0, expected: -4.302652729749464),
    TQuantileCase(p: 0.05, df: 2.0, expected: -2.9199855803537256),
    TQuantileCase(p: 0.1, df: 2.0, expected: -1.8856180831641267),
    TQuantileCase(p: 0.3, df: 2.0, expected: -0.6172133998483678),
    TQuantileCase(p: 0.45, df: 2.0, expected: -0.14213381090374025),
    TQuantileCase(p: 0.55, df: 2.0, expected: 0.14213381090374042),
    TQuantileCase(p: 0.7, df: 2.0, expected: 0.6172133998483674),
    TQuantileCase(p: 0.9, df: 2.0, expected: 1.8856180831641272),
    TQuantileCase(p: 0.95, df: 2.0, expected: 2.9199855803537242),
    TQuantileCase(p: 0.975, df: 2.0, expected: 4.302652729749462),
    TQuantileCase(p: 0.999, df: 2.0, expected: 22.327124770119866),
    TQuantileCase(p: 0.999999, df: 2.0, expected: 707.1057205157672),
    TQuantileCase(p: 0.9999999999, df: 2.0, expected: 70710.67518273447),
    TQuantileCase(p: 0.999999999999, df: 2.0, expected: 707114.602524408),
    TQuantileCase(p: 1e-12, df: 3.0, expected: -10331.108244292487),
    TQuantileCase(p: 1e-10, df: 3.0, expected: -2225.769284683093),
    TQuantileCase(p: 1e-06, df: 3.0, expected: -103.29946778041935),
    TQuantileCase(p: 0.001, df: 3.0, expected: -10.214531852407385),
    TQuantileCase(p: 0.025, df: 3.0, expected: -3.1824463052837086),
    TQuantileCase(p: 0.05, df: 3.0, expected: -2.353363434801824),
    TQuantileCase(p: 0.1, df: 3.0, expected: -1.6377443536962089),
    TQuantileCase(p: 0.3, df: 3.0, expected: -0.5843897274398188),
    TQuantileCase(p: 0.45, df: 3.0, expected: -0.1365981993536989),
    TQuantileCase(p: 0.55, df: 3.0, expected: 0.13659819935369905),
    TQuantileCase(p: 0.7, df: 3.0, expected: 0.5843897274398182),
    TQuantileCase(p: 0.9, df: 3.0, expected: 1.637744353696209),
    TQuantileCase(p: 0.95, df: 3.0, expected: 2.3533634348018233),
    TQuantileCase(p: 0.975, df: 3.0, expected: 3.1824463052837078),
    TQuantileCase(p: 0.999, df: 3.0, expected: 10.214531852407383),
    TQuantileCase(p: 0.999999, df: 3.0, expected: 103.29946777942898),
    TQuantileCase(p: 0.9999999999, df: 3.0, expected: 2225.7692232960744),
    TQuantileCase(p: 0.999999999999, df: 3.0, expected: 10331.184426046091),
    TQuantileCase(p: 1e-12, df: 4.5, expected: -670.942702505106),
    TQuantileCase(p: 1e-10, df: 4.5, expected: -241.117429191934),
    TQuantileCase(p: 1e-06, df: 4.5, expected: -31.081356583149244),
    TQuantileCase(p: 0.001, df: 4.5, expected: -6.421242884295792),
    TQuantileCase(p: 0.025, df: 4.5, expected: -2.658912347204404),
    TQuantileCase(p: 0.05, df: 4.5, expected: -2.065575888878525),
    TQuantileCase(p: 0.1, df: 4.5, expected: -1.5008853175085575),
    TQuantileCase(p: 0.3, df: 4.5, expected: -0.5635058039393779),
    TQuantileCase(p: 0.45, df: 4.5, expected: -0.1329100721020202),
    TQuantileCase(p: 0.55, df: 4.5, expected: 0.13291007210202027),
    TQuantileCase(p: 0.7, df: 4.5, expected: 0.5635058039393774),
    TQuantileCase(p: 0.9, df: 4.5, expected: 1.5008853175085577),
    TQuantileCase(p: 0.95, df: 4.5, expected: 2.065575888878524),
    TQuantileCase(p: 0.975, df: 4.5, expected: 2.6589123472044034),
    TQuantileCase(p: 0.999, df: 4.5, expected: 6.421242884295791),
    TQuantileCase(p: 0.999999, df: 4.5, expected: 31.081356582949844),
    TQuantileCase(p: 0.9999999999, df: 4.5, expected: 241.11742475827822),
    TQuantileCase(p: 0.999999999999, df: 4.5, expected: 670.946000890191),
    TQuantileCase(p: 1e-12, df: 10.0, expected: -40.5320961786626),
    TQuantileCase(p: 1e-10, df: 10.0, expected: -25.466008021697725),
    TQuantileCase(p: 1e-06, df: 10.0, expected: -9.751995490940581),
    TQuantileCase(p: 0.001, df: 10.0, expected: -4.143700494046589),
    TQuantileCase(p: 0.025, df: 10.0, expected: -2.2281388519862753),
    TQuantileCase(p: 0.05, df: 10.0, expected: -1.812461122811676),
    TQuantileCase(p: 0.1, df: 10.0, expected: -1.3721836411103359),
    TQuantileCase(p: 0.3, df: 10.0, expected: -0.5415280387550154),
    TQuantileCase(p: 0.45, df: 10.0, expected: -0.1288901892932738),
    TQuantileCase(p: 0.55, df: 10.0, expected: 0.12889018929327395),
    TQuantileCase(p: 0.7, df: 10.0, expected: 0.5415280387550154),
    TQuantileCase(p: 0.9, df: 10.0, expected: 1.372183641110336),
    TQuantileCase(p: 0.95, df: 10.0, expected: 1.8124611228116756),
    TQuantileCase(p: 0.975, df: 10.0, expected: 2.228138851986274),
    TQuantileCase(p: 0.999, df: 10.0, expected: 4.143700494046589),
    TQuantileCase(p: 0.999999, df: 10.0, expected: 9.751995490909856),
    TQuantileCase(p: 0.9999999999, df: 10.0, expected: 25.466007808016013),
    TQuantileCase(p: 0.999999999999, df: 10.0, expected: 40.532186343811446),
    TQuantileCase(p: 1e-12, df: 29.0, expected: -11.613158011561406),
    TQuantileCase(p: 1e-10, df: 29.0, expected: -9.51796550493783),
    TQuantileCase(p: 1e-06, df: 29.0, expected: -5.917105540459563),
    TQuantileCase(p: 0.001, df: 29.0, expected: -3.396240288356803),
    TQuantileCase(p: 0.025, df: 29.0, expected: -2.045229642132704),
    TQuantileCase(p: 0.05, df: 29.0, expected: -1.6991270265334977),
    TQuantileCase(p: 0.1, df: 29.0, expected: -1.3114336473015509),
    TQuantileCase(p: 0.3, df: 29.0, expected: -0.530214395709161),
    TQuantileCase(p: 0.45, df: 29.0, expected: -0.12676660562027484),
    TQuantileCase(p: 0.55, df: 29.0, expected: 0.12676660562027497),
    TQuantileCase(p: 0.7, df: 29.0, expected: 0.5302143957091606),
    TQuantileCase(p: 0.9, df: 29.0, expected: 1.311433647301551),
    TQuantileCase(p: 0.95, df: 29.0, expected: 1.6991270265334972),
    TQuantileCase(p: 0.975, df: 29.0, expected: 2.045229642132703),
    TQuantileCase(p: 0.999, df: 29.0, expected: 3.3962402883568026),
    TQuantileCase(p: 0.999999, df: 29.0, expected: 5.917105540449102),
    TQuantileCase(p: 0.9999999999, df: 29.0, expected: 9.517965469448779),
    TQuantileCase(p: 0.999999999999, df: 29.0, expected: 11.613168702047647),
    TQuantileCase(p: 1e-12, df: 100.0, expected: -8.02582559449325),
    TQuantileCase(p: 1e-10, df: 100.0, expected: -7.083375481400722),
    TQuantileCase(p: 1e-06, df: 100.0, expected: -5.048830877228346),
    TQuantileCase(p: 0.001, df: 100.0, expected: -3.173739493738783),
    TQuantileCase(p: 0.025, df: 100.0, expected: -1.983971518523552),
    TQuantileCase(p: 0.05, df: 100.0, expected: -1.6602343260853396),
    TQuantileCase(p: 0.1, df: 100.0, expected: -1.290074761346516),
    TQuantileCase(p: 0.3, df: 100.0, expected: -0.5260762706003465),
    TQuantileCase(p: 0.45, df: 100.0, expected: -0.12598088204153962),
    TQuantileCase(p: 0.55, df: 100.0, expected: 0.12598088204153987),
    TQuantileCase(p: 0.7, df: 100.0, expected: 0.5260762706003462),
    TQuantileCase(p: 0.9, df: 100.0, expected: 1.290074761346516),
    TQuantileCase(p: 0.95, df: 100.0, expected: 1.6602343260853392),
    TQuantileCase(p: 0.975, df: 100.0, expected: 1.9839715185235518),
    TQuantileCase(p: 0.999, df: 100.0, expected: 3.173739493738783),
    TQuantileCase(p: 0.999999, df: 100.0, expected: 5.048830877221446),
    TQuantileCase(p: 0.9999999999, df: 100.0, expected: 7.083375464183689),
    TQuantileCase(p: 0.999999999999, df: 100.0, expected: 8.025830060218647),
    TQuantileCase(p: 1e-12, df: 1000.0, expected: -7.124228925314409),
    TQuantileCase(p: 1e-10, df: 1000.0, expected: -6.427876283134213),
    TQuantileCase(p: 1e-06, df: 1000.0, expected: -4.781608620458351),
    TQuantileCase(p: 0.001, df: 1000.0, expected: -3.0984021639129233),
    TQuantileCase(p: 0.025, df: 1000.0, expected: -1.9623390808264085),
    TQuantileCase(p: 0.05, df: 1000.0, expected: -1.6463788172854648),
    TQuantileCase(p: 0.1, df: 1000.0, expected: -1.2823987214609245),
    TQuantileCase(p: 0.3, df: 1000.0, expected: -0.524567707309227),
    TQuantileCase(p: 0.45, df: 1000.0, expected: -0.1256932625187162),
    TQuantileCase(p: 0.55, df: 1000.0, expected: 0.12569326251871638),
    TQuantileCase(p: 0.7, df: 1000.0, expected: 0.5245677073092267),
    TQuantileCase(p: 0.9, df: 1000.0, expected: 1.2823987214609247),
    TQuantileCase(p: 0.95, df: 1000.0, expected: 1.6463788172854643),
    TQuantileCase(p: 0.975, df: 1000.0, expected: 1.9623390808264083),
    TQuantileCase(p: 0.999, df: 1000.0, expected: 3.0984021639129233),
    TQuantileCase(p: 0.999999, df: 1000.0, expected: 4.781608620452439),
    TQuantileCase(p: 0.9999999999, df: 1000.0, expected: 6.427876270033028),
    TQuantileCase(p: 0.999999999999, df: 1000.0, expected: 7.124232127382443),
    TQuantileCase(p: 1e-12, df: 1000000.0, expected: -7.034572608411255),
    TQuantileCase(p: 1e-10, df: 1000000.0, expected: -6.361406848876743),
    TQuantileCase(p: 1e-06, df: 1000000.0, expected: -4.75345234827968),
    TQuantileCase(p: 0.001, df: 1000000.0, expected: -3.09024045631652),
    TQuantileCase(p: 0.025, df: 1000000.0, expected: -1.9599663568141072),
    TQuantileCase(p: 0.05, df: 1000000.0, expected: -1.6448551507220406),
    TQuantileCase(p: 0.1, df: 1000000.0, expected: -1.2815524121299389),
    TQuantileCase(p: 0.3, df: 1000000.0, expected: -0.5244006798602092),
    TQuantileCase(p: 0.45, df: 1000000.0, expected: -0.1256613787664875),
    TQuantileCase(p: 0.55, df: 1000000.0, expected: 0.12566137876648764),
    TQuantileCase(p: 0.7, df: 1000000.0, expected: 0.524400679860209),
    TQuantileCase(p: 0.9, df: 1000000.0, expected: 1.281552412129939),
    TQuantileCase(p: 0.95, df: 1000000.0, expected: 1.6448551507220404),
    TQuantileCase(p: 0.975, df: 1000000.0, expected: 1.959966356814107),
    TQuantileCase(p: 0.999, df: 1000000.0, expected: 3.09024045631652),
    TQuantileCase(p: 0.999999, df: 1000000.0, expected: 4.7534523482738695),
    TQuantileCase(p: 0.9999999999, df: 1000000.0, expected: 6.36140683616972),
    TQuantileCase(p: 0.999999999999, df: 1000000.0, expected: 7.034575693273216),
]
