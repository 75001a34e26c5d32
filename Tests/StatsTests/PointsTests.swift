import Foundation
import Testing

@testable import Stats
import SurveyModel

/// Points out of 100 against a direct computation from the forms: per-respondent influence
/// values z_i = Σ_j c_j (g_ij − ḡ_j) r_ij / n_j, var = n/(n − 1) Σ z_i² (one design, Σ z = 0),
/// the textbook linearisation of a mean of item means, written out here form by form.
@Suite("Points out of 100")
struct PointsTests {
    /// Two scales: the built-in five-point one with configured points, and a seven-point one
    /// with the default linear map (1 → 0, 7 → 100: units of 100/6, not whole points).
    static func survey(likert5Points: [Double]?) -> SurveyDefinition {
        let seven = AnswerScale(name: "seven", values: Array(1...7), satisfied: [6, 7])
        var items = (1...4).map { Item(id: "q0\($0)", factor: $0 <= 2 ? "A" : "B", kind: .likert5, textVi: "", textEn: "") }
        items.append(Item(id: "q05", factor: "B", kind: .likert, textVi: "", textEn: "", scale: seven))
        var s = SurveyDefinition(factors: [Factor(id: "A", nameVi: "A", nameEn: "A"), Factor(id: "B", nameVi: "B", nameEn: "B")], items: items)
        s.rules.publishPoints = true
        s.rules.likert5Points = likert5Points
        for i in s.items.indices where s.items[i].kind == .likert5 {
            var five = AnswerScale.fivePoint(satisfied: [4, 5])
            five.points = likert5Points
            s.items[i].scale = five
        }
        return s
    }

    @Test("item, factor and index points with their SEs and t intervals", arguments: [nil, [0, 10, 40, 80, 100] as [Double]?])
    func againstDirect(likert5Points: [Double]?) throws {
        let survey = Self.survey(likert5Points: likert5Points)
        let layout = TallyLayout(survey: survey)
        var acc = SumsAccumulator(scales: layout.scales, groups: layout.groups)
        var rng = SeededGenerator(state: 77)
        let key = AtomKey(unit: "U", quarter: Period(year: 2024, quarter: 1), channel: .paper)
        var forms: [[UInt8]] = []
        for _ in 0..<137 {
            var a = (0..<4).map { _ in UInt8(Int.random(in: 0...5, using: &rng)) } + [UInt8(Int.random(in: 0...7, using: &rng))]
            if a.allSatisfy({ $0 == 0 }) { a[0] = 3 }
            forms.append(a)
            acc.add(key, answers: a)
        }
        var rows: [String: Double] = [:]
        for row in Estimator(survey: survey).estimate(atoms: acc.atoms) where row.scope == .unitQuarter {
            if let v = row.value { rows["\(row.subject),\(row.statistic),\(row.method)"] = v }
        }
        // Points of a level, written out independently of AnswerScale.pointUnits.
        func points(_ j: Int, _ level: UInt8) -> Double {
            if j == 4 { return Double(level - 1) * 100 / 6 }
            return likert5Points.map { $0[Int(level) - 1] } ?? Double(level - 1) * 25
        }
        let n = Double(forms.count)
        var itemMeans: [Double] = []
        var itemCounts: [Double] = []
        for j in 0..<5 {
            let given = forms.filter { $0[j] != 0 }.map { points(j, $0[j]) }
            let m = given.reduce(0, +) / Double(given.count)
            itemMeans.append(m)
            itemCounts.append(Double(given.count))
            let sd = (given.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(given.count - 1)).squareRoot()
            let se = sd / Double(given.count).squareRoot()
            #expect(close(rows["q0\(j + 1),points,unweighted"], m), "q0\(j + 1)")
            #expect(close(rows["q0\(j + 1),points_se,unweighted"], se), "q0\(j + 1) se")
            let t = Distributions.studentTQuantile(0.975, df: Double(given.count - 1))
            #expect(close(rows["q0\(j + 1),points_lower,t"], max(0, m - t * se)))
            #expect(close(rows["q0\(j + 1),points_upper,t"], min(100, m + t * se)))
        }
        // Factor A: q01, q02; factor B: q03, q04, q05; the index: the mean of the two factors.
        let coefficients: [String: [Double]] = [
            "A": [0.5, 0.5, 0, 0, 0], "B": [0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3],
            "index": [0.25, 0.25, 1.0 / 6, 1.0 / 6, 1.0 / 6],
        ]
        for (id, c) in coefficients {
            let value = zip(c, itemMeans).map { $0 * $1 }.reduce(0, +)
            var sumOfSquares = 0.0
            for form in forms {
                var z = 0.0
                for j in 0..<5 where form[j] != 0 { z += c[j] * (points(j, form[j]) - itemMeans[j]) / itemCounts[j] }
                sumOfSquares += z * z
            }
            let se = (n / (n - 1) * sumOfSquares).squareRoot()
            let t = Distributions.studentTQuantile(0.975, df: n - 1)
            #expect(close(rows["\(id),points,unweighted"], value), "\(id)")
            #expect(close(rows["\(id),points_se,lin_unweighted"], se), "\(id) se \(rows["\(id),points_se,lin_unweighted"] ?? -1) vs \(se)")
            #expect(close(rows["\(id),points_lower,lin_unweighted_t"], value - t * se))
            #expect(close(rows["\(id),points_upper,lin_unweighted_t"], value + t * se))
        }
    }

    @Test("without [points] publish there are no point rows and no point sums")
    func off() {
        var survey = Self.survey(likert5Points: nil)
        survey.rules.publishPoints = false
        let layout = TallyLayout(survey: survey)
        var acc = SumsAccumulator(scales: layout.scales, groups: layout.groups)
        acc.add(AtomKey(unit: "U", quarter: Period(year: 2024, quarter: 1), channel: .paper), answers: [1, 2, 3, 4, 5])
        #expect(acc.atoms.values.allSatisfy { !$0.hasPoints })
        #expect(!Estimator(survey: survey).estimate(atoms: acc.atoms).contains { $0.statistic.hasPrefix("points") })
    }

    @Test("point sums survive the stored byte form and merge exactly")
    func storedAndMerged() throws {
        let survey = Self.survey(likert5Points: [0, 10, 40, 80, 100])
        let layout = TallyLayout(survey: survey)
        var a = AtomTally(layout: layout), b = AtomTally(layout: layout), both = AtomTally(layout: layout)
        let x: [UInt8] = [1, 2, 3, 4, 5], y: [UInt8] = [5, 0, 2, 2, 7]
        a.sums.add(answers: x, scales: layout.scales)
        b.sums.add(answers: y, scales: layout.scales)
        both.sums.add(answers: x, scales: layout.scales)
        both.sums.add(answers: y, scales: layout.scales)
        var merged = a.sums
        merged.merge(b.sums)
        #expect(merged == both.sums)
        let bytes = both.encoded()
        let decoded = try #require(bytes.withUnsafeBytes { AtomTally(decoding: $0, layout: layout) })
        #expect(decoded.sums == both.sums && decoded.sums.hasPoints)
    }
}
