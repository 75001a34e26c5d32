import Foundation
import Testing

@testable import Stats
import SurveyModel

/// Issue 15: "an index from part of the instrument" and "a factor from too few forms". The
/// SIPAS index exists only when every factor has answers (else NA, flag M, unranked); a
/// factor answered on fewer than `suppress_below` forms is Q and the index over it U.
/// Expected values are computed here by hand from the forms, not by the estimator.
@Suite("An index from every factor")
struct IncompleteIndexTests {
    static let q1 = Period(year: 2024, quarter: 1)
    static let q2 = Period(year: 2024, quarter: 2)

    /// `count` forms of a unit; `answers(i)` gives form i's answers to q01..q05 (0 = none).
    static func forms(_ unit: String, _ period: Period, _ count: Int, channel: Channel = .paper, _ answers: (Int) -> [UInt8]) -> [Form] {
        (0..<count).map { Form(key: AtomKey(unit: UnitCode(unit), quarter: period, channel: channel), answers: answers($0)) }
    }

    /// The share satisfied (4 or 5) of the answered values.
    static func share(_ values: [UInt8]) -> Double {
        let answered = values.filter { $0 != 0 }
        return Double(answered.filter { $0 >= 4 }.count) / Double(answered.count)
    }

    /// Factor A = q01..q03, B = q04..q05 (`smallSurvey`): the mean of the items' shares.
    static func factor(_ forms: [Form], _ items: Range<Int>) -> Double? {
        let shares = items.compactMap { j -> Double? in
            let column = forms.map { $0.answers[j] }
            return column.contains { $0 != 0 } ? share(column) : nil
        }
        return shares.isEmpty ? nil : shares.reduce(0, +) / Double(shares.count)
    }

    /// U1 never answers factor B in 2024-Q1 (the portal sheet went missing); U2 answers all.
    static let data: [Form] =
        forms("U1", q1, 80) { i in [UInt8(3 + i % 3), UInt8(2 + i % 4), 5, 0, 0] }
        + forms("U2", q1, 70) { i in [UInt8(1 + i % 5), 4, UInt8(5 - i % 2), UInt8(2 + i % 4), 5] }
        + forms("U1", q2, 75) { i in [4, UInt8(1 + i % 5), 5, UInt8(3 + i % 3), 4] }
        + forms("U2", q2, 66) { i in [5, 4, UInt8(1 + i % 5), 3, UInt8(4 + i % 2)] }

    @Test("a factor without answers has no index, and neither has the cell: M, not ranked, not compared")
    func emptyFactor() throws {
        let values = fullEstimate(Self.data, population: [])
        func v(_ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String) -> Double?? {
            values["unit_quarter,\(unit),\(period),\(subject),\(statistic),\(method)"]
        }
        let u1 = Self.data.filter { $0.key.unit == "U1" && $0.key.quarter == Self.q1 }
        // Factor A is there, B is not; the index is NA (a row with no value), not factor A alone.
        #expect(close(try #require(v("U1", "2024-Q1", "A", "index", "unweighted") ?? nil), Self.factor(u1, 0..<3)!, relative: 1e-12))
        #expect(v("U1", "2024-Q1", "B", "index", "unweighted")! == nil)
        #expect(v("U1", "2024-Q1", "index", "index", "unweighted")! == nil)
        #expect(v("U1", "2024-Q1", "B", "n", "count")! == 0)
        #expect(v("U1", "2024-Q1", "A", "n", "count")! == 80)
        // No SE, interval or respondent-level score is given for an index that is not there.
        #expect(v("U1", "2024-Q1", "index", "index_se", "lin_unweighted") == nil)
        #expect(v("U1", "2024-Q1", "index", "index_lower", "lin_unweighted_logit") == nil)
        // The flags name the missing factor and the index it leaves undefined.
        #expect(v("U1", "2024-Q1", "B", "flag", "M")! == 1)
        #expect(v("U1", "2024-Q1", "index", "flag", "M")! == 1)
        #expect(v("U1", "2024-Q1", "A", "flag", "M") == nil)
        #expect(v("U1", "2024-Q1", "index", "flag", "Q") == nil)
        #expect(v("U1", "2024-Q1", "B", "flag", "Q") == nil)
        #expect(v("U2", "2024-Q1", "index", "flag", "M") == nil)
        // Not ranked: U2 is ranked alone; U1 has no rank rows.
        #expect(v("U1", "2024-Q1", "index", "rank", "unweighted") == nil)
        #expect(v("U2", "2024-Q1", "index", "rank", "unweighted")! == 1)
        #expect(v("U2", "2024-Q1", "index", "rank_of", "units_ranked")! == 1)
        // In 2024-Q2 both are ranked; U1's index is not compared with its missing Q1 index,
        // but its factor A is.
        #expect(v("U1", "2024-Q2", "index", "rank_of", "units_ranked")! == 2)
        #expect(v("U1", "2024-Q2 vs 2024-Q1", "index", "diff", "unweighted") == nil)
        #expect(v("U1", "2024-Q2 vs 2024-Q1", "A", "diff", "unweighted") != nil)
        #expect(v("U2", "2024-Q2 vs 2024-Q1", "index", "diff", "unweighted") != nil)
        // The pooled all-units index has every factor (U2 answered B): the mean of both factors.
        let all = Self.data.filter { $0.key.quarter == Self.q1 }
        let pooled = (Self.factor(all, 0..<3)! + Self.factor(all, 3..<5)!) / 2
        #expect(close(try #require(values["all_quarter,ALL,2024-Q1,index,index,unweighted"] ?? nil), pooled, relative: 1e-12))
    }

    @Test("the weighted index and a unit-mean aggregate need every factor too")
    func weightedAndAggregate() throws {
        var survey = smallSurvey
        survey.rules.indexMeasure = .weighted
        survey.rules.aggregation = .unitMean
        survey.rules.target = 0.5
        let population = [("U1", 300.0), ("U2", 500.0)].flatMap { unit, n in
            [PopulationCount(unit: unit, channel: .paper, period: Period(year: 2024), dossiers: n)]
        }
        let values = fullEstimate(Self.data, survey: survey, population: population)
        #expect(values["unit_quarter,U1,2024-Q1,index,index,weighted"] == nil)
        #expect(values["unit_quarter,U1,2024-Q1,A,index,weighted"]! != nil)
        #expect(values["unit_quarter,U2,2024-Q1,index,index,weighted"]! != nil)
        // The mean of the units' indices is undefined while one unit has none.
        #expect(values["all_quarter,ALL,2024-Q1,index,index,unit_mean"] == nil)
        #expect(values["all_quarter,ALL,2024-Q2,index,index,unit_mean"]! != nil)
        #expect(values["unit_quarter,U1,2024-Q1,index,target,configured"] == nil)
        #expect(values["unit_quarter,U2,2024-Q1,index,target,configured"]! == 0.5)
        // Nor is the respondent-level score published for the index of an incomplete cell.
        #expect(values["unit_quarter,U1,2024-Q1,index,resp_index,weighted"] == nil)
        #expect(values["unit_quarter,U1,2024-Q1,A,resp_index,weighted"]! != nil)
        #expect(values["unit_quarter,U2,2024-Q1,index,resp_index,weighted"]! != nil)
    }

    @Test("a factor answered on too few forms is suppressed, and the index over it is low reliability")
    func thinFactor() throws {
        // 48 forms; factor B (the portal's questions) answered on 16 of them only.
        let thin = Self.forms("X", Self.q1, 48) { i in
            i < 16 ? [4, 5, UInt8(2 + i % 4), UInt8(3 + i % 3), 5] : [UInt8(1 + i % 5), 4, 5, 0, 0]
        }
        var survey = smallSurvey
        survey.rules.suppressBelow = 30
        survey.rules.maxHalfWidth = 1  // so that U can only come from the thin factor
        let values = fullEstimate(thin, survey: survey, population: [])
        func v(_ subject: String, _ statistic: String, _ method: String) -> Double?? {
            values["unit_quarter,X,2024-Q1,\(subject),\(statistic),\(method)"]
        }
        #expect(v("B", "n", "count")! == 16)
        #expect(v("A", "n", "count")! == 48)
        #expect(v("B", "flag", "Q")! == 1)
        #expect(v("A", "flag", "Q") == nil)
        // The index is computed from both factors, published, and marked U (not Q: 48 forms).
        let expected = (Self.factor(thin, 0..<3)! + Self.factor(thin, 3..<5)!) / 2
        #expect(close(try #require(v("index", "index", "unweighted") ?? nil), expected, relative: 1e-12))
        #expect(v("index", "flag", "U")! == 1)
        #expect(v("index", "flag", "Q") == nil)
        #expect(v("index", "rank", "unweighted")! == 1)
        // With B answered on 30 forms, nothing is flagged.
        let enough = Self.forms("X", Self.q1, 48) { i in
            i < 30 ? [4, 5, UInt8(2 + i % 4), UInt8(3 + i % 3), 5] : [UInt8(1 + i % 5), 4, 5, 0, 0]
        }
        let fine = fullEstimate(enough, survey: survey, population: [])
        #expect(fine["unit_quarter,X,2024-Q1,B,flag,Q"] == nil)
        #expect(fine["unit_quarter,X,2024-Q1,index,flag,U"] == nil)
    }

    @Test("the published cell names the missing and the suppressed factors")
    func publishedCell() throws {
        let thin = Self.forms("X", Self.q1, 48) { i in
            i < 16 ? [4, 5, 3, 4, 5] : [UInt8(1 + i % 5), 4, 5, 0, 0]
        }
        let rows0 = Estimator(survey: smallSurvey).estimate(atoms: {
            var acc = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5], groups: IndexStructure(survey: smallSurvey).members)
            for f in Self.data + thin { acc.add(f.key, answers: f.answers) }
            return acc.atoms
        }())
        let rows = rows0 + Publication(survey: smallSurvey).derive(from: rows0, population: [])
        let published = PublishedEstimates(rows, survey: smallSurvey)
        let u1 = try #require(published[.unitQuarter, "U1", Self.q1])
        #expect(u1.index.value == nil)
        #expect(u1.index.flags.contains(.incomplete))
        #expect(u1.index.flags.codes == ["M"])
        #expect(u1.missingFactors == ["B"])
        #expect(u1.rank == nil)
        #expect(u1.target == nil)
        let x = try #require(published[.unitQuarter, "X", Self.q1])
        #expect(x.suppressedFactors == ["B"])
        #expect(x.factors["B"]!.value == nil)
        #expect(x.factors["B"]!.n == 16)
        #expect(x.index.value != nil)
        #expect(x.index.flags.contains(.lowReliability))
        #expect(x.missingFactors.isEmpty)
    }
}
