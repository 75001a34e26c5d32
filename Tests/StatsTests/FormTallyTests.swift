import Foundation
import Testing

@testable import Stats
import SurveyModel

/// The kept sums (`FormTally`) against sums built independently, form by form.
@Suite("Form tallies: exact, mergeable, subtractable sums per atom")
struct FormTallyTests {
    /// Six ratings in two factors (one on a three-level scale), a yes/no and a count item.
    static let survey: SurveyDefinition = {
        var items = (1...5).map { Item(id: "q0\($0)", factor: $0 <= 3 ? "F" : "G", kind: .likert5, textVi: "", textEn: "") }
        items.append(Item(
            id: "q06", factor: "G", kind: .likert, textVi: "", textEn: "",
            scale: AnswerScale(name: "three", values: [0, 1, 2], satisfied: [2], labelsVi: ["a", "b", "c"], labelsEn: ["a", "b", "c"])))
        items.append(Item(id: "q07", factor: nil, kind: .yesno, textVi: "", textEn: "", favourable: 1))
        items.append(Item(id: "q08", factor: nil, kind: .count, textVi: "", textEn: "", favourableAtMost: 1))
        return SurveyDefinition(
            factors: [Factor(id: "F", nameVi: "F", nameEn: "F"), Factor(id: "G", nameVi: "G", nameEn: "G")], items: items)
    }()

    struct Form {
        var unit: UnitCode
        var quarter: Period
        var channel: Channel
        var date: String
        var answers: [UInt8]
    }

    static func forms(_ count: Int, seed: UInt64) -> [Form] {
        var rng = SeededGenerator(state: seed)
        return (0..<count).map { i in
            let quarter = Period(year: 2024, quarter: Int.random(in: 1...2, using: &rng))
            let month = (quarter.quarter! - 1) * 3 + Int.random(in: 1...3, using: &rng)
            let day = Int.random(in: 1...28, using: &rng)
            var answers: [UInt8] = (0..<5).map { _ in Int.random(in: 0..<8, using: &rng) == 0 ? missingAnswer : UInt8.random(in: 1...5, using: &rng) }
            answers.append(Int.random(in: 0..<6, using: &rng) == 0 ? missingAnswer : UInt8.random(in: 0...2, using: &rng))
            answers.append(Int.random(in: 0..<5, using: &rng) == 0 ? missingAnswer : UInt8.random(in: 0...1, using: &rng))
            answers.append(UInt8.random(in: 0...4, using: &rng))
            if i % 7 == 0 { for j in 0..<5 { answers[j] = 4 } }  // straight-lined
            return Form(
                unit: i % 3 == 0 ? "A" : "B", quarter: quarter, channel: i % 4 == 0 ? .online : .paper,
                date: String(format: "2024-%02d-%02d", month, day), answers: answers)
        }
    }

    static func tally(_ forms: [Form], layout: TallyLayout) -> FormTally {
        var tally = FormTally(layout: layout)
        for f in forms {
            tally.add(unit: f.unit, quarter: f.quarter, channel: f.channel, submittedOn: f.date, answers: f.answers)
        }
        return tally
    }

    @Test("the sums are those of CellSums fed the levels directly, and the checks' counts are those of CheckAccumulator")
    func matchesIndependentAccumulation() {
        let layout = TallyLayout(survey: Self.survey)
        let forms = Self.forms(400, seed: 7)
        let tally = Self.tally(forms, layout: layout)
        // Independently: the levels by hand (q06's values 0, 1, 2 are levels 1, 2, 3).
        let scales = RatingScales(Self.survey.ratingScales)
        var direct = SumsAccumulator(scales: scales, groups: [[0, 1, 2], [3, 4, 5]])
        var checks = CheckAccumulator(survey: Self.survey)
        for f in forms {
            var levels = f.answers[0..<5].map { $0 == missingAnswer ? UInt8(0) : $0 }
            levels.append(f.answers[5] == missingAnswer ? 0 : f.answers[5] + 1)
            let quality: [UInt8] = [
                f.answers[6] == missingAnswer ? 0 : (f.answers[6] == 1 ? 2 : 1),
                f.answers[7] <= 1 ? 2 : 1,
            ]
            direct.add(AtomKey(unit: f.unit, quarter: f.quarter, channel: f.channel), answers: levels, quality: quality)
            checks.add(unit: f.unit, quarter: f.quarter, answers: f.answers)
        }
        #expect(tally.atoms.mapValues(\.sums) == direct.atoms)
        var fromTally = CheckAccumulator(survey: Self.survey)
        for (key, atom) in tally.atoms { fromTally.add(unit: key.unit, quarter: key.quarter, tally: atom) }
        let rebuilt = fromTally.evaluate(survey: Self.survey, population: [], duplicates: [:], repeatedDossiers: [:])
        let reference = checks.evaluate(survey: Self.survey, population: [], duplicates: [:], repeatedDossiers: [:])
        #expect(rebuilt == reference)
        #expect(reference.contains { $0.check == "straightlining" && ($0.observed ?? 0) > 0 })
        // The latest date of an atom is the latest of its forms.
        for (key, atom) in tally.atoms {
            let latest = forms.filter { $0.unit == key.unit && $0.quarter == key.quarter && $0.channel == key.channel }.map(\.date).max()
            #expect(atom.latestDate(in: key.quarter) == latest)
        }
    }

    @Test("taking forms out leaves exactly the sums of the forms that remain, in any order")
    func subtractionIsExact() {
        let layout = TallyLayout(survey: Self.survey)
        let forms = Self.forms(500, seed: 11)
        var tally = Self.tally(forms, layout: layout)
        let removed = forms.indices.filter { $0 % 5 == 2 }
        for i in removed.reversed() {
            let f = forms[i]
            tally.add(unit: f.unit, quarter: f.quarter, channel: f.channel, submittedOn: f.date, answers: f.answers, sign: -1)
        }
        let kept = forms.indices.filter { $0 % 5 != 2 }.map { forms[$0] }
        #expect(tally.atoms == Self.tally(kept, layout: layout).atoms)
        // And the respondent-level sums agree with a plain double sum to rounding.
        let reversed = Self.tally(kept.reversed(), layout: layout)
        #expect(reversed.atoms == tally.atoms)
        // Merging two halves is the tally of the whole.
        var merged = Self.tally(Array(kept.prefix(200)), layout: layout)
        merged.merge(Self.tally(Array(kept.dropFirst(200)), layout: layout))
        #expect(merged.atoms == tally.atoms)
    }

    @Test("respondent-level sums in fixed point equal the double sums to 1e-15")
    func fixedPointSums() {
        let layout = TallyLayout(survey: Self.survey)
        let forms = Self.forms(300, seed: 3)
        let tally = Self.tally(forms, layout: layout)
        for (key, atom) in tally.atoms {
            var sum = 0.0
            var squares = 0.0
            for f in forms where f.unit == key.unit && f.quarter == key.quarter && f.channel == key.channel {
                let given = f.answers[0..<3].filter { $0 != missingAnswer }
                guard !given.isEmpty else { continue }
                let score = Double(given.filter { $0 >= 4 }.count) / Double(given.count)
                sum += score
                squares += score * score
            }
            #expect(abs(atom.sums.respondentSum[0] - sum) <= 1e-15 * max(1, sum))
            #expect(abs(atom.sums.respondentSquares[0] - squares) <= 1e-15 * max(1, squares))
        }
    }

    @Test("the byte form reads back to the same tally, and refuses bytes of another layout or cut short")
    func encoding() {
        let layout = TallyLayout(survey: Self.survey)
        let tally = Self.tally(Self.forms(200, seed: 5), layout: layout)
        for atom in tally.atoms.values {
            let bytes = atom.encoded()
            #expect(atom.sums.listwise.contains { $0 > 0 }, "the factors' listwise sums are part of the tally")
            #expect(bytes.withUnsafeBytes { AtomTally(decoding: $0, layout: layout) } == atom)
            #expect(bytes.dropLast().withUnsafeBytes { AtomTally(decoding: $0, layout: layout) } == nil)
            var other = Self.survey
            other.items.removeLast()
            #expect(bytes.withUnsafeBytes { AtomTally(decoding: $0, layout: TallyLayout(survey: other)) } == nil)
        }
        // A changed satisfied set, factor or favourable answer is another layout.
        var stricter = Self.survey
        stricter.rules.satisfied = [5]
        var moved = Self.survey
        moved.items[2].factor = "G"
        var favourable = Self.survey
        favourable.items[6].favourable = 0
        for other in [stricter, moved, favourable] {
            #expect(TallyLayout(survey: other).fingerprint != layout.fingerprint)
        }
    }
}
