import Stats
import SurveyModel
import Testing

/// When the sample-size rule fails in most cells, `check` says at which margin of error they
/// would pass (issue 17): n ≥ N/(1 + N e²) ⇔ e ≥ √(1/n − 1/N), checked against the rule itself.
@Suite("Sample-size rule: the margin of error that would pass")
struct SampleSizeAdviceTests {
    @Test("the smallest passing margin is √(1/n − 1/N): the rule passes there and fails just below")
    func closedForm() throws {
        for (n, bigN) in [(100, 1000.0), (60, 600.0), (286, 1000.0), (45, 10_000.0)] {
            let e = try #require(CheckAccumulator.marginThatPasses(forms: n, dossiers: bigN))
            #expect(abs(e - (1 / Double(n) - 1 / bigN).squareRoot()) < 1e-15)
            #expect(CheckAccumulator.requiredSampleSize(dossiers: bigN, marginOfError: e + 1e-9) <= n)
            #expect(CheckAccumulator.requiredSampleSize(dossiers: bigN, marginOfError: e - 1e-6) > n)
        }
    }

    @Test("said only when the rule fails in most cells, with the margins for nine in ten and for all")
    func advice() throws {
        func result(_ unit: UnitCode, _ forms: Int, _ fail: Bool) -> CheckResult {
            CheckResult(unit: unit, period: Period(year: 2024, quarter: 1), check: "sample_size_rule", subject: "ALL",
                        observed: Double(forms), required: nil, status: fail ? .fail : .pass, message: "")
        }
        let population = ["A", "B", "C", "D"].map {
            PopulationCount(unit: UnitCode($0), channel: .paper, period: Period(year: 2024, quarter: 1), dossiers: 1000)
        }
        // n = 100, 90, 80 of N = 1000: √(1/n − 1/N) = 0.0949, 0.1000, 0.1061; D passes with 400.
        let most = [result("A", 100, true), result("B", 90, true), result("C", 80, true), result("D", 400, false)]
        let advice = try #require(CheckAccumulator.sampleSizeAdvice(most, population: population))
        #expect(advice.failed == 3 && advice.cells == 4)
        #expect(advice.all == 0.11)
        #expect(advice.ninetyPercent == 0.11, "the 4th of 4 margins (ceil 0.9·4 = 4)")
        let few = [result("A", 100, true), result("B", 400, false), result("C", 400, false), result("D", 400, false)]
        #expect(CheckAccumulator.sampleSizeAdvice(few, population: population) == nil)
    }
}
