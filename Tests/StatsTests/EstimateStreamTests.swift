import Foundation
import Testing

@testable import Stats
import SurveyModel

/// Rows of a small province: three units (two in a group), two quarters, both channels,
/// weights from a population, and cells small enough that some figures are suppressed.
private func province(measure: IndexMeasure, suppressBelow: Int) -> (SurveyDefinition, [UnitCode: String], [PopulationCount], [AtomKey: CellSums]) {
    var survey = smallSurvey
    survey.rules.fullEstimates = false
    survey.rules.suppressBelow = suppressBelow
    survey.rules.indexMeasure = measure
    survey.rules.target = 0.5
    // U4: a few forms in Q1, many in Q2, so that a published Q2 is compared with a suppressed Q1.
    let q2 = randomForms(50, seed: 9, units: ["U4"]).map {
        Form(key: AtomKey(unit: "U4", quarter: Period(year: 2024, quarter: 2), channel: $0.key.channel), answers: $0.answers)
    }
    let forms = randomForms(260, seed: 77, units: ["U1", "U2", "U3"]) + randomForms(12, seed: 5, units: ["U4"]) + q2
    var acc = SumsAccumulator(itemCount: 5, satisfiedAnswers: [4, 5], groups: IndexStructure(survey: survey).members)
    for f in forms { acc.add(f.key, answers: f.answers) }
    var population: [PopulationCount] = []
    for unit: UnitCode in ["U1", "U2", "U3", "U4"] {
        for channel in Channel.allCases {
            for q in 1...2 {
                population.append(PopulationCount(unit: unit, channel: channel, period: Period(year: 2024, quarter: q), dossiers: Double(40 + unit.code.count * q * 7)))
            }
        }
    }
    return (survey, ["U1": "G", "U2": "G"], population, acc.atoms)
}

@Suite("Estimates as a stream: typed figures, suppression judged once")
struct EstimateStreamTests {
    /// The stream, run as `stats` runs it: estimator rows, then the publication's.
    func streamed(_ survey: SurveyDefinition, _ groups: [UnitCode: String], _ population: [PopulationCount], _ atoms: [AtomKey: CellSums])
        throws -> (rows: [EstimateRow], shown: [Double?], figures: EstimateFigures)
    {
        var rows: [EstimateRow] = []
        var shown: [Double?] = []
        var stream = EstimateStream(survey: survey, unitGroups: groups) { row, value in
            rows.append(row)
            shown.append(value)
        }
        try Estimator(survey: survey, unitGroups: groups).estimate(atoms: atoms, population: population) { try stream.add($0) }
        try stream.publish(population: population)
        try stream.finish()
        #expect(stream.count == rows.count)
        return (rows, shown, stream.figures)
    }

    @Test("the stream hands on every row in the order of the estimator and the publication", arguments: IndexMeasure.allCases)
    func order(measure: IndexMeasure) throws {
        let (survey, groups, population, atoms) = province(measure: measure, suppressBelow: 30)
        let computed = Estimator(survey: survey, unitGroups: groups).estimate(atoms: atoms, population: population)
        let expected = computed + Publication(survey: survey, unitGroups: groups).derive(from: computed, population: population)
        let got = try streamed(survey, groups, population, atoms).rows
        #expect(got == expected)
    }

    /// The public copy's rule, applied to the finished rows from their `Q` flags (the way the
    /// release used to redact them, after the fact): what the stream decided cell by cell
    /// must be the same.
    @Test("the public copy hides exactly the values of what is flagged Q, and changes touching it; counts stay", arguments: IndexMeasure.allCases)
    func suppression(measure: IndexMeasure) throws {
        let (survey, groups, population, atoms) = province(measure: measure, suppressBelow: 30)
        let (rows, shown, _) = try streamed(survey, groups, population, atoms)
        var flagged = Set<String>()
        for row in rows where row.statistic == "flag" && row.method == "Q" && row.value == 1 {
            flagged.insert("\(row.scope)|\(row.unit)|\(row.period)|\(row.subject)")
        }
        #expect(flagged.count > 10, "the province has suppressed figures")
        #expect(flagged.contains { $0.hasSuffix("|index") }, "an index is suppressed somewhere")
        let counts: Set<String> = ["n", "n_rows", "satisfied", "favourable", "answers", "flag", "sum_w", "n_eff"]
        var hidden = 0
        for (row, value) in zip(rows, shown) {
            let periods = row.period.components(separatedBy: " vs ")
            let suppressed = periods.contains { flagged.contains("\(row.scope)|\(row.unit)|\($0)|\(row.subject)") }
            if suppressed && row.value != nil && !counts.contains(row.statistic) {
                #expect(value == nil, "\(row) is public")
                hidden += 1
            } else {
                #expect(value == row.value, "\(row) was hidden")
            }
        }
        #expect(hidden > 100)
        let leaks = zip(rows, shown).filter { $0.0.unit == "U4" && $0.0.period == "2024-Q2 vs 2024-Q1" && $0.0.subject == "index" && $0.1 == nil }
        #expect(!leaks.isEmpty, "the change of U4's published Q2 index on its suppressed Q1 is hidden")
    }

    @Test("figures made while streaming equal the figures decoded from the stored rows (the codec's round trip)", arguments: IndexMeasure.allCases)
    func roundTrip(measure: IndexMeasure) throws {
        let (survey, groups, population, atoms) = province(measure: measure, suppressBelow: 30)
        let (rows, _, figures) = try streamed(survey, groups, population, atoms)
        let decoded = EstimateFigures(rows, survey: survey)
        #expect(figures.cells == decoded.cells)
        // The summary line's count, as the database counted it before (SQL over the rows).
        let flagged = Set(rows.filter { $0.statistic == "flag" && ["Q", "U", "I"].contains($0.method) && ["index", "ALL"].contains($0.subject) }
            .map { "\($0.scope)|\($0.unit)|\($0.period)" })
        #expect(figures.cellsFlagged == flagged.count && flagged.count > 5)
        #expect(figures.comparisons == decoded.comparisons)
        // And what a report renders: every published cell the same.
        let a = PublishedEstimates(figures, survey: survey), b = PublishedEstimates(rows, survey: survey)
        #expect(a.keys == b.keys && a.keys.count > 20)
        for key in a.keys {
            #expect(a.cells[key]!.index == b.cells[key]!.index && a.cells[key]!.items == b.cells[key]!.items
                    && a.cells[key]!.rank == b.cells[key]!.rank && a.cells[key]!.changeOnPrevious == b.cells[key]!.changeOnPrevious)
        }
    }

    /// The figures hold the values of the rows they came from: each checked against its row.
    @Test("each figure is the value of its tidy row")
    func figuresAreTheRows() throws {
        let (survey, groups, population, atoms) = province(measure: .weighted, suppressBelow: 5)
        let (rows, _, figures) = try streamed(survey, groups, population, atoms)
        var checked = 0
        for row in rows where !row.period.contains(" vs ") {
            guard let cell = figures[CellKey(scope: row.scope, unit: UnitCode(row.unit), period: Period(row.period)!)] else { continue }
            let got: Double??
            switch (row.statistic, row.method) {
            case ("n_rows", "count"): got = .some(Double(cell.forms))
            case ("n_eff", "kish") where row.subject == wholeCellSubject: got = .some(cell.effectiveN)
            case ("p", "unweighted"): got = .some(cell.items[row.subject]?.share.value)
            case ("p_lower", "wilson"): got = .some(cell.items[row.subject]?.share.lower)
            case ("index", let m): got = IndexEstimator(rawValue: m).map { cell.indices[row.subject]?.by[$0]?.value }
            case ("index_se", "lin_ps"): got = .some(cell.indices[row.subject]?.by[.weighted]?.se)
            case ("index_upper", "unit_mean_logit"): got = .some(cell.indices[row.subject]?.by[.unitMean]?.upper)
            case ("rank", "weighted"): got = .some(cell.rank.position)
            case ("answers", "level_3"): got = .some(cell.items[row.subject]?.levels[3].map(Double.init))
            default: got = nil
            }
            guard let got else { continue }
            #expect(got == row.value, "\(row)")
            checked += 1
        }
        #expect(checked > 500)
    }
}
