import Foundation
import Testing

@testable import Stats
import SurveyModel

/// Estimates with respondent scores and quality items, as the pipeline computes them.
func fullEstimate(_ forms: [Form], survey: SurveyDefinition = smallSurvey, population: [PopulationCount]) -> [String: Double?] {
    var acc = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5], groups: IndexStructure(survey: survey).members)
    for f in forms { acc.add(f.key, answers: f.answers) }
    var out: [String: Double?] = [:]
    let rows = Estimator(survey: survey).estimate(atoms: acc.atoms, population: population)
    for row in rows + Publication(survey: survey).derive(from: rows, population: population) {
        out["\(row.scope.rawValue),\(row.unit),\(row.period),\(row.subject),\(row.statistic),\(row.method)"] = row.value
    }
    return out
}

/// A population equal to the sample: every weight is 1.
func selfPopulation(_ forms: [Form]) -> [PopulationCount] {
    var counts: [String: (UnitCode, Channel, Int, Int)] = [:]
    for f in forms {
        let key = "\(f.key.unit)|\(f.key.channel)|\(f.key.quarter.year)"
        counts[key, default: (f.key.unit, f.key.channel, f.key.quarter.year, 0)].3 += 1
    }
    return counts.values.map { PopulationCount(unit: $0.0, channel: $0.1, period: Period(year: $0.2), dossiers: Double($0.3)) }
}

@Suite("Weighted estimates")
struct WeightedTests {
    @Test("unit weights give the unweighted estimates and the same linearised SEs")
    func unitWeights() {
        let forms = randomForms(500, seed: 21)
        let values = fullEstimate(forms, population: selfPopulation(forms))
        var compared = 0
        for (key, value) in values {
            let parts = key.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let base = parts[0...3].joined(separator: ",")
            switch (parts[4], parts[5]) {
            case ("p", "weighted"), ("index", "weighted"), ("mean_score", "weighted"):
                let unweighted = values["\(base),\(parts[4]),unweighted"]!!
                #expect(close(value, unweighted, relative: 1e-12), "\(key)")
                compared += 1
            case ("index_se", "lin_fixed"):
                #expect(close(value, values["\(base),index_se,lin_unweighted"]!!, relative: 1e-12), "\(key)")
                compared += 1
            case ("n_eff", "kish"):
                let n = parts[3] == "ALL" ? values["\(base),n_rows,count"]!! : values["\(base),n,count"]!!
                #expect(close(value, n, relative: 1e-12), "\(key)")
                compared += 1
            default: continue
            }
        }
        #expect(compared > 150)
    }

    @Test("permuting the forms changes no weighted estimate beyond rounding")
    func permutation() {
        let forms = randomForms(400, seed: 8)
        let population = selfPopulation(forms).map { var p = $0; p.dossiers *= 7.5; return p }
        var rng = SeededGenerator(state: 3)
        let a = fullEstimate(forms, population: population)
        let b = fullEstimate(forms.shuffled(using: &rng), population: population)
        #expect(a.keys == b.keys)
        for (key, value) in a {
            if let value, let other = b[key]! { #expect(close(other, value, relative: 1e-12), "\(key)") } else { #expect(b[key]! == nil) }
        }
    }

    @Test("every interval contains its estimate", arguments: [31, 32, 33])
    func intervalsContainEstimates(seed: UInt64) {
        let forms = randomForms(300, seed: seed)
        let population = selfPopulation(forms).map { var p = $0; p.dossiers *= Double(1 + p.unit.code.count); return p }
        let values = fullEstimate(forms, population: population)
        var checked = 0
        for (key, lower) in values {
            let parts = key.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts[4].hasSuffix("_lower"), let lower else { continue }
            let statistic = String(parts[4].dropLast("_lower".count))
            let base = parts[0...3].joined(separator: ",")
            guard let upper = values["\(base),\(statistic)_upper,\(parts[5])"] ?? nil else { continue }
            let estimateMethod: String
            if statistic == "diff" { estimateMethod = "unweighted" }
            else if parts[5].hasPrefix("svy") || parts[5].hasPrefix("lin_fixed") || parts[5].hasPrefix("lin_ps") { estimateMethod = "weighted" }
            else if parts[5].hasPrefix("unit_mean") { estimateMethod = "unit_mean" }
            else if parts[5].hasPrefix("dossier_weighted") { estimateMethod = "dossier_weighted" }
            else { estimateMethod = "unweighted" }
            guard let estimate = values["\(base),\(statistic),\(estimateMethod)"] ?? nil else { continue }
            #expect(lower <= estimate + 1e-12 && estimate <= upper + 1e-12, "\(key): \(lower) \(estimate) \(upper)")
            if statistic == "p" && !parts[5].hasSuffix("_mean") { #expect(lower >= 0 && upper <= 1, "\(key)") }
            checked += 1
        }
        #expect(checked > 700)
    }
}

@Suite("Flags, targets and rankings")
struct PublicationTests {
    func rows(_ cells: [(unit: String, index: Double, lower: Double, upper: Double, forms: Double)], period: String = "2024-Q2",
              previous: [String: Double] = [:]) -> [EstimateRow] {
        var out: [EstimateRow] = []
        func add(_ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String, _ value: Double?) {
            out.append(EstimateRow(scope: .unitQuarter, unit: unit, period: period, subject: subject, statistic: statistic, method: method, value: value))
        }
        for c in cells {
            add(c.unit, period, "ALL", "n_rows", "count", c.forms)
            add(c.unit, period, "index", "index", "unweighted", c.index)
            add(c.unit, period, "index", "index_se", "lin_unweighted", (c.upper - c.lower) / 4)
            add(c.unit, period, "index", "index_lower", "lin_unweighted_logit", c.lower)
            add(c.unit, period, "index", "index_upper", "lin_unweighted_logit", c.upper)
        }
        for (unit, value) in previous {
            add(unit, "2024-Q1", "ALL", "n_rows", "count", 100)
            add(unit, "2024-Q1", "index", "index", "unweighted", value)
            add(unit, "2024-Q1", "index", "index_lower", "lin_unweighted_logit", value - 0.01)
            add(unit, "2024-Q1", "index", "index_upper", "lin_unweighted_logit", value + 0.01)
        }
        return out
    }

    var survey: SurveyDefinition {
        var s = SurveyDefinition(factors: [], items: [])
        s.rules.target = 0.9
        return s
    }

    func derived(_ input: [EstimateRow]) -> EstimateLookup {
        EstimateLookup(input + Publication(survey: survey).derive(from: input, population: []))
    }

    @Test("ranks by index, ties share the better rank, suppressed units are not ranked, tiers follow overlap")
    func ranking() {
        let lookup = derived(rows([
            ("A", 0.95, 0.93, 0.97, 100), ("B", 0.94, 0.92, 0.96, 100), ("C", 0.94, 0.90, 0.97, 100),
            ("D", 0.80, 0.75, 0.85, 100), ("E", 0.99, 0.90, 1.0, 20),
        ], previous: ["A": 0.90, "B": 0.95, "D": 0.70]))
        func value(_ unit: String, _ statistic: String, _ method: String) -> Double? {
            lookup.value(.unitQuarter, unit, "2024-Q2", "index", statistic, method)
        }
        #expect(value("A", "rank", "unweighted") == 1)
        #expect(value("B", "rank", "unweighted") == 2)
        #expect(value("C", "rank", "unweighted") == 2)
        #expect(value("D", "rank", "unweighted") == 4)
        #expect(value("E", "rank", "unweighted") == nil, "20 forms: suppressed (Q), not ranked")
        #expect(lookup.flagged(.unitQuarter, "E", "2024-Q2", "index", "Q"))
        #expect([value("A", "rank_group", "interval_overlap"), value("B", "rank_group", "interval_overlap"),
                 value("C", "rank_group", "interval_overlap"), value("D", "rank_group", "interval_overlap")] == [1, 1, 1, 2])
        // Q1 ranks: B 1, A 2, D 3.
        #expect(value("A", "rank_change", "previous_period") == 1)
        #expect(value("B", "rank_change", "previous_period") == -1)
        #expect(value("D", "rank_change", "previous_period") == -1)
        #expect(value("C", "rank_change", "previous_period") == nil)
        #expect(value("A", "rank_of", "units_ranked") == 4)
    }

    @Test("shares that print the same (two decimals of a percent) share the better rank, listed by code; the next rank skips")
    func printedTies() {
        // B and C both print 85,50%; A prints 85,51%; D 85,49%. B is below C by 0.00009.
        let lookup = derived(rows([
            ("D", 0.854_9, 0.80, 0.90, 100), ("C", 0.855_040, 0.80, 0.90, 100), ("B", 0.854_951, 0.80, 0.90, 100),
            ("A", 0.855_1, 0.80, 0.90, 100),
        ]))
        func rank(_ unit: String) -> Double? { lookup.value(.unitQuarter, unit, "2024-Q2", "index", "rank", "unweighted") }
        #expect(["A", "B", "C", "D"].map(rank) == [1, 2, 2, 4])
        #expect(Publication.printedShare(0.855_040) == 8550 && Publication.printedShare(0.854_951) == 8550)
        #expect(Publication.printedShare(0.854_9) == 8549 && Publication.printedShare(1) == 10000)
        // A unit tied with the leader shares its tier too, however far apart the intervals.
        let tiers = derived(rows([("A", 0.955_04, 0.95, 0.96, 100), ("B", 0.954_96, 0.90, 0.94, 100), ("C", 0.80, 0.70, 0.85, 100)]))
        func tier(_ unit: String) -> Double? { tiers.value(.unitQuarter, unit, "2024-Q2", "index", "rank_group", "interval_overlap") }
        #expect(["A", "B", "C"].map(tier) == [1, 1, 2])
    }

    @Test("ranking policy: units short of forms are ranked with a caution row, or left out", arguments: [RankingPolicy.mark, .exclude])
    func rankingPolicy(policy: RankingPolicy) {
        var survey = self.survey
        survey.rules.rankingPolicy = policy
        survey.rules.marginOfError = 0.05
        // B: 45 forms, below the plan minimum 60. C: 100 forms for 5 000 dossiers, the rule needs
        // ceil(5000 / (1 + 5000 · 0.05²)) = 371. A and D are fine (100 forms for 120 dossiers needs 93).
        let input = rows([("A", 0.95, 0.93, 0.97, 100), ("B", 0.97, 0.95, 0.99, 45), ("C", 0.96, 0.94, 0.98, 100),
                          ("D", 0.80, 0.75, 0.85, 100)])
        let q2 = Period(year: 2024, quarter: 2)
        let population = [PopulationCount(unit: "A", channel: .paper, period: q2, dossiers: 120),
                          PopulationCount(unit: "C", channel: .paper, period: q2, dossiers: 3000),
                          PopulationCount(unit: "C", channel: .online, period: q2, dossiers: 2000),
                          PopulationCount(unit: "D", channel: .paper, period: q2, dossiers: 120)]
        let lookup = EstimateLookup(input + Publication(survey: survey).derive(from: input, population: population))
        func value(_ unit: String, _ statistic: String, _ method: String) -> Double? {
            lookup.value(.unitQuarter, unit, "2024-Q2", "index", statistic, method)
        }
        #expect(CheckAccumulator.requiredSampleSize(dossiers: 5000, marginOfError: 0.05) == 371)
        for unit in ["B", "C"] { #expect(value(unit, "rank_caution", "plan_or_sample_rule") == 1, "\(unit) is short") }
        for unit in ["A", "D"] { #expect(value(unit, "rank_caution", "plan_or_sample_rule") == nil, "\(unit) is not") }
        switch policy {
        case .mark:
            #expect(["B", "C", "A", "D"].map { value($0, "rank", "unweighted") } == [1, 2, 3, 4])
            #expect(value("A", "rank_of", "units_ranked") == 4)
        case .exclude:
            #expect(["A", "D"].map { value($0, "rank", "unweighted") } == [1, 2])
            #expect(value("B", "rank", "unweighted") == nil && value("C", "rank", "unweighted") == nil)
            #expect(value("A", "rank_of", "units_ranked") == 2)
        }
    }

    @Test("target attainment: met, significantly met, significantly missed")
    func targets() {
        let lookup = derived(rows([
            ("A", 0.95, 0.92, 0.97, 100), ("B", 0.91, 0.88, 0.94, 100), ("C", 0.89, 0.86, 0.92, 100), ("D", 0.85, 0.82, 0.88, 100),
        ]))
        func status(_ unit: String) -> [Double?] {
            [lookup.value(.unitQuarter, unit, "2024-Q2", "index", "target_met", "point"),
             lookup.value(.unitQuarter, unit, "2024-Q2", "index", "target_met", "lower_bound"),
             lookup.value(.unitQuarter, unit, "2024-Q2", "index", "target_missed", "upper_bound")]
        }
        #expect(status("A") == [1, 1, 0])
        #expect(status("B") == [1, 0, 0])
        #expect(status("C") == [0, 0, 0])
        #expect(status("D") == [0, 0, 1])
    }

    @Test("U when the half-width passes 10 points, I below the plan minimum")
    func reliability() {
        let lookup = derived(rows([("A", 0.7, 0.55, 0.80, 45), ("B", 0.7, 0.65, 0.75, 100)]))
        #expect(lookup.flagged(.unitQuarter, "A", "2024-Q2", "index", "U"))
        #expect(!lookup.flagged(.unitQuarter, "B", "2024-Q2", "index", "U"))
        #expect(lookup.flagged(.unitQuarter, "A", "2024-Q2", "ALL", "I"))
        #expect(!lookup.flagged(.unitQuarter, "B", "2024-Q2", "ALL", "I"))
    }
}
