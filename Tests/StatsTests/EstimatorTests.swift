import Foundation
import Testing

@testable import Stats
import SurveyModel

/// SplitMix64: a small seeded generator so property tests are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func close(_ a: Double?, _ b: Double, relative: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return b == 0 ? abs(a) < relative : abs(a - b) / abs(b) <= relative
}

/// A 5-item, 2-factor instrument; every statistic computed (`[estimates] full`).
let smallSurvey: SurveyDefinition = {
    var survey = SurveyDefinition(
        factors: [Factor(id: "A", nameVi: "A", nameEn: "A"), Factor(id: "B", nameVi: "B", nameEn: "B")],
        items: (1...5).map { Item(id: "q0\($0)", factor: $0 <= 3 ? "A" : "B", kind: .likert5, textVi: "", textEn: "") })
    survey.rules.fullEstimates = true
    return survey
}()

struct Form {
    var key: AtomKey
    var answers: [UInt8]
}

func randomForms(_ count: Int, seed: UInt64, units: [String] = ["U1", "U2"]) -> [Form] {
    var rng = SeededGenerator(state: seed)
    return (0..<count).map { _ in
        let unit = units[Int.random(in: 0..<units.count, using: &rng)]
        let quarter = Period(year: 2024, quarter: Int.random(in: 1...2, using: &rng))
        let channel: Channel = Bool.random(using: &rng) ? .paper : .online
        var answers = (0..<5).map { _ in UInt8(Int.random(in: 0...5, using: &rng)) }
        if answers.allSatisfy({ $0 == 0 }) { answers[0] = 4 }
        return Form(key: AtomKey(unit: UnitCode(unit), quarter: quarter, channel: channel), answers: answers)
    }
}

func estimate(_ forms: [Form], survey: SurveyDefinition = smallSurvey) -> [String: Double?] {
    var acc = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5])
    for f in forms { acc.add(f.key, answers: f.answers) }
    var out: [String: Double?] = [:]
    for row in Estimator(survey: survey).estimate(atoms: acc.atoms) {
        out["\(row.scope.rawValue),\(row.unit),\(row.period),\(row.subject),\(row.statistic),\(row.method)"] = row.value
    }
    return out
}

@Suite("Binomial intervals")
struct BinomialIntervalTests {
    /// reference/README.md's worked example (small.csv, EDU 2024-Q1, q01: n = 14, x = 10),
    /// values from R 4.2.2 (binom.test, prop.test(correct = FALSE), qbeta).
    @Test("the worked example of the reference README", arguments: [
        (IntervalMethod.wald, 0.477646871336, 0.950924557236),
        (.wilson, 0.453509156701, 0.882786213554),
        (.agrestiCoull, 0.449652651556, 0.886642718699),
        (.jeffreys, 0.454748858439, 0.894971439878),
        (.clopperPearson, 0.418964742816, 0.916110681693),
    ])
    func workedExample(method: IntervalMethod, lower: Double, upper: Double) {
        let ci = BinomialInterval.interval(method, successes: 10, trials: 14, level: 0.95)
        #expect(close(ci.lower, lower, relative: 1e-11))
        #expect(close(ci.upper, upper, relative: 1e-11))
    }

    @Test("Wilson by the textbook formula (Agresti & Coull 1998, eq. 2) for x = 0 and x = n is proper, not zero-width")
    func wilsonAtTheEdges() {
        let z = 1.959963984540054
        for n in [1, 5, 13, 60] {
            let zero = BinomialInterval.interval(.wilson, successes: 0, trials: n, level: 0.95)
            let nd = Double(n)
            #expect(abs(zero.lower) < 1e-15)
            #expect(close(zero.upper, z * z / (nd + z * z)))
            let all = BinomialInterval.interval(.wilson, successes: n, trials: n, level: 0.95)
            #expect(close(all.lower, nd / (nd + z * z)))
            #expect(close(all.upper, 1))
            for m in IntervalMethod.allCases {
                let ci = BinomialInterval.interval(m, successes: n, trials: n, level: 0.95)
                #expect(ci.upper - ci.lower > 0 || m == .wald, "\(m) at x = n = \(n)")
            }
        }
    }

    @Test("Newcombe's hybrid interval for his example 10 (56/70 vs 48/80): −0.0524 to 0.3339")
    func newcombe() {
        // Newcombe (1998), Statistics in Medicine 17, Table II, example (a), method 10.
        let ci = BinomialInterval.newcombeDifference(x1: 56, n1: 70, x2: 48, n2: 80, level: 0.95)
        #expect(abs(ci.lower - 0.0524) < 5e-5)
        #expect(abs(ci.upper - 0.3339) < 5e-5)
    }

    @Test("every interval contains its estimate and lies in [0, 1]")
    func containsEstimate() {
        for n in 1...40 {
            for x in 0...n {
                let p = Double(x) / Double(n)
                for m in IntervalMethod.allCases {
                    let ci = BinomialInterval.interval(m, successes: x, trials: n, level: 0.95)
                    #expect(ci.lower >= 0 && ci.upper <= 1 && ci.contains(p), "\(m) x=\(x) n=\(n) \(ci.lower) \(ci.upper)")
                }
            }
        }
    }
}

@Suite("Estimator")
struct EstimatorTests {
    @Test("the linearised SE from per-cell cross-products equals the per-respondent influence sum")
    func linearisedTwoRoutes() {
        let forms = randomForms(300, seed: 42, units: ["U1"])
        let values = estimate(forms)
        // Brute force: z_i = Σ_j c_j r_ij (s_ij − p_j)/n_j over the U1 2024-Q1 cell,
        // var = n_B/(n_B − 1) Σ z_i², n_B = every form of 2024 (the batch).
        let cell = forms.filter { $0.key.quarter == Period(year: 2024, quarter: 1) }
        let n = (0..<5).map { j in Double(cell.filter { $0.answers[j] != 0 }.count) }
        let p = (0..<5).map { j in Double(cell.filter { $0.answers[j] >= 4 }.count) / n[j] }
        let c = [1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 4, 1.0 / 4]  // mean of factor A (3 items) and B (2 items)
        var sumZ2 = 0.0
        for f in cell {
            var z = 0.0
            for j in 0..<5 where f.answers[j] != 0 {
                z += c[j] * ((f.answers[j] >= 4 ? 1 : 0) - p[j]) / n[j]
            }
            sumZ2 += z * z
        }
        let batch = Double(forms.count)
        let se = (batch / (batch - 1) * sumZ2).squareRoot()
        #expect(close(values["unit_quarter,U1,2024-Q1,index,index_se,lin_unweighted"] ?? nil, se, relative: 1e-12))
        let index = (p[0] + p[1] + p[2]) / 6 + (p[3] + p[4]) / 4
        #expect(close(values["unit_quarter,U1,2024-Q1,index,index,unweighted"] ?? nil, index, relative: 1e-14))
    }

    @Test("permuting the forms changes no estimate")
    func permutation() {
        let forms = randomForms(400, seed: 7)
        var rng = SeededGenerator(state: 99)
        #expect(estimate(forms) == estimate(forms.shuffled(using: &rng)))
    }

    @Test("two batches merged equal one batch (a file split in two)")
    func merging() {
        let forms = randomForms(400, seed: 11)
        var whole = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5])
        var first = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5])
        var second = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5])
        for (i, f) in forms.enumerated() {
            whole.add(f.key, answers: f.answers)
            if i < 173 { first.add(f.key, answers: f.answers) } else { second.add(f.key, answers: f.answers) }
        }
        first.merge(second)
        #expect(first.atoms == whole.atoms)
    }

    @Test("adding another unit's forms leaves a unit's per-question numbers unchanged")
    func unitsAreIndependent() {
        let u1 = randomForms(200, seed: 5, units: ["U1"])
        let u2 = randomForms(150, seed: 6, units: ["U2"])
        let alone = estimate(u1)
        let together = estimate(u1 + u2)
        for (key, value) in alone where key.hasPrefix("unit_") && !key.contains("lin_") {
            // The linearised SEs depend on the year's batch size, by design (as survey does).
            #expect(together[key]! == value, "\(key)")
        }
    }

    @Test("mean score SD matches the two-pass formula; a cell with one answer has no SD")
    func scoreSD() {
        let summary = ScoreSummary(n: 5, sum: 1 + 2 + 4 + 5 + 5, sumOfSquares: 1 + 4 + 16 + 25 + 25)
        let mean = 17.0 / 5
        let ss = [1.0, 2, 4, 5, 5].map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        #expect(close(summary.standardDeviation, (ss / 4).squareRoot(), relative: 1e-14))
        let values = estimate([Form(key: AtomKey(unit: "U", quarter: Period(year: 2024, quarter: 1), channel: .paper),
                                    answers: [5, 4, 5, 4, 5])])
        #expect(values["unit_quarter,U,2024-Q1,q01,mean_score,unweighted"]! == 5)
        #expect(values["unit_quarter,U,2024-Q1,q01,mean_score_sd,t"] == nil)
        // One form answering every factor has an index, but no interval (df = 0).
        #expect(values["unit_quarter,U,2024-Q1,index,index,unweighted"]! != nil)
        #expect(values["unit_quarter,U,2024-Q1,index,index_lower,lin_unweighted_wald"]! == nil)
    }
}

@Suite("What is computed")
struct ComputedStatisticsTests {
    @Test("by default the published methods only (item interval, logit index interval, Newcombe changes); full adds every method, same values")
    func defaultIsWhatIsPublished() {
        let forms = randomForms(300, seed: 11)
        var lean = smallSurvey
        lean.rules.fullEstimates = false
        lean.rules.intervalMethod = .jeffreys
        var all = smallSurvey
        all.rules.intervalMethod = .jeffreys
        let full = estimate(forms, survey: all)
        let asked = estimate(forms, survey: lean)
        var methods = Set<String>()
        for (key, value) in asked {
            let parts = key.split(separator: ",").map(String.init)
            if parts[4] == "p_lower" || parts[4] == "p_upper" { methods.insert(parts[5]) }
            #expect(!parts[5].hasSuffix("_wald"), "\(key)")
            // Every row computed by default is computed alike with `full`.
            #expect(full[key].map { $0 == value } == true, "\(key)")
        }
        #expect(methods == ["jeffreys"])
        // Not published, so computed only with `full`: the mean score's SD and t interval and
        // the pooled z-test of a question's change (its Newcombe interval stays: flag N).
        let statistics = { (rows: [String: Double?]) in Set(rows.keys.map { $0.split(separator: ",").dropFirst(4).joined(separator: ",") }) }
        for statistic in ["mean_score_sd,t", "mean_score_lower,t", "mean_score_upper,t", "z,pooled_two_proportion", "p_value,pooled_two_proportion"] {
            #expect(!statistics(asked).contains(statistic), "\(statistic) computed by default")
            #expect(statistics(full).contains(statistic), "\(statistic) not computed with full")
        }
        for statistic in ["mean_score,unweighted", "diff,unweighted", "diff_lower,newcombe_hybrid", "diff_upper,newcombe_hybrid",
                          "p_value,lin_unweighted_wald_z"] {
            #expect(statistics(asked).contains(statistic), "\(statistic) not computed by default")
        }
        let fullMethods = Set(full.keys.map { $0.split(separator: ",").map(String.init) }.filter { $0[4] == "p_lower" }.map { $0[5] })
        #expect(fullMethods == Set(IntervalMethod.allCases.map(\.rawValue)))
        #expect(full.count > asked.count)
    }
}

@Suite("Sampling checks")
struct SampleCheckTests {
    @Test("the sample-size rule n >= N/(1+N e^2)", arguments: [(1000.0, 0.05, 286), (300.0, 0.1, 75), (10502.0, 0.1, 100), (0.0, 0.05, 0)])
    func rule(dossiers: Double, e: Double, needed: Int) {
        #expect(CheckAccumulator.requiredSampleSize(dossiers: dossiers, marginOfError: e) == needed)
    }

    @Test("plan minimum, straight-lining and missing shares are flagged per unit and quarter")
    func flags() {
        var survey = smallSurvey
        survey.rules.planMinimum = 3
        var acc = CheckAccumulator(survey: survey)
        let q = Period(year: 2024, quarter: 1)
        acc.add(unit: "U", quarter: q, answers: [5, 5, 5, 5, 5])
        acc.add(unit: "U", quarter: q, answers: [4, missingAnswer, 3, 2, 1])
        let results = acc.evaluate(
            survey: survey, population: [PopulationCount(unit: "U", channel: .paper, period: q, dossiers: 10)],
            duplicates: [:], repeatedDossiers: [:])
        func status(_ check: String, _ subject: String = "ALL") -> CheckResult.Status? {
            results.first { $0.check == check && $0.subject == subject }?.status
        }
        #expect(status("plan_minimum") == .fail)
        #expect(status("sample_size_rule") == .fail)  // N = 10 needs 10
        #expect(status("straightlining") == .fail)  // 1 of 2 forms
        #expect(status("missing_share", "q02") == .fail)  // 1 of 2 forms
        #expect(status("missing_share", "q01") == .pass)
    }
}
