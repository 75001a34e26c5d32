import Testing
import Stats

@Suite("t quantiles memoised over one run")
struct StudentTQuantilesTests {
    static let probabilities = [0, 1e-12, 0.025, 0.025000000000000022, 0.3, 0.5, 0.7, 0.975, 0.9999, 1, .nan]
    static let degrees = [0.5, 1, 2, 3, 7.5, 29, 30, 57, 1000, 123_456, 1e21]

    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    @Test("the table returns studentTQuantile's doubles, whatever the order of the calls")
    func sameDoubles() {
        let calls = Self.probabilities.flatMap { p in Self.degrees.map { (p, $0) } }
        var forward = StudentTQuantiles()
        var backward = StudentTQuantiles()
        let first = calls.map { forward.quantile($0.0, df: $0.1) }
        let again = calls.map { forward.quantile($0.0, df: $0.1) }
        let reversed = Array(calls.reversed().map { backward.quantile($0.0, df: $0.1) }.reversed())
        for (i, (p, df)) in calls.enumerated() {
            let direct = Distributions.studentTQuantile(p, df: df)
            #expect(Self.same(first[i], direct), "p = \(p), df = \(df): \(first[i]) vs \(direct)")
            #expect(Self.same(again[i], direct) && Self.same(reversed[i], direct), "p = \(p), df = \(df)")
        }
    }

    @Test("both tails of an interval share one entry, and each df is computed once")
    func oneEntryPerDegree() {
        var table = StudentTQuantiles()
        for _ in 0..<3 {
            for df in [5.0, 50, 5000] {
                let upper = table.quantile(0.975, df: df)
                let lower = table.quantile(1 - 0.975, df: df)
                #expect(lower == -upper)
            }
        }
        #expect(table.count == 3)
    }

    @Test("design-based intervals are the same with one table for many calls as with none")
    func surveyIntervals() {
        var table = StudentTQuantiles()
        for (p, se, df, rows) in [(0.8, 0.03, 40.0, 200.0), (0.31, 0.011, 999, 2000), (0.97, 0.004, 12, 12)] {
            for _ in 0..<2 {
                let pairs = [
                    (SurveyInterval.logit(p, se: se, df: df, level: 0.95),
                     SurveyInterval.logit(p, se: se, df: df, level: 0.95, quantiles: &table)),
                    (SurveyInterval.mean(p, se: se, df: df, level: 0.95),
                     SurveyInterval.mean(p, se: se, df: df, level: 0.95, quantiles: &table)),
                    (SurveyInterval.beta(p, se: se, df: df, rows: rows, level: 0.95),
                     SurveyInterval.beta(p, se: se, df: df, rows: rows, level: 0.95, quantiles: &table)),
                ]
                for (alone, shared) in pairs {
                    #expect(alone != nil && alone == shared)
                }
            }
        }
    }
}
