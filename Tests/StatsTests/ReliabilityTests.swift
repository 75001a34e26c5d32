import Testing

@testable import Stats
import SurveyModel

/// Cronbach's α from the listwise sums `CellSums` keeps, against closed forms worked by hand
/// (the reference data's values against psych::alpha are in PipelineTests/ReferenceTests).
@Suite("Cronbach's α of a factor")
struct ReliabilityTests {
    /// Factor A = items 0, 1; factor B = items 2, 3, 4; five-point answers (0 = missing).
    static func sums(_ forms: [[UInt8]]) -> CellSums {
        var sums = CellSums(itemCount: 5, groupCount: 2)
        let scales = RatingScales(Array(repeating: .fivePoint(), count: 5))
        for answers in forms { sums.add(answers: answers, scales: scales, groups: [[0, 1], [2, 3, 4]]) }
        return sums
    }

    @Test("two items: α = 2 (1 − (v₁ + v₂) / (v₁ + v₂ + 2c)), item-rest r is their correlation; incomplete forms left out")
    func twoItems() throws {
        // y1 = 1, 2, 3 and y2 = 2, 1, 3: variances 1 and 1, covariance 1/2, so
        // α = 2 (1 − 2 / 3) = 2/3 and r = 0.5. The fourth form misses item 1: not counted for A.
        let sums = Self.sums([[1, 2, 5, 5, 5], [2, 1, 4, 4, 4], [3, 3, 3, 3, 3], [4, 0, 1, 1, 1]])
        let layout = ListwiseLayout(groups: [[0, 1], [2, 3, 4]])
        let a = FactorReliability(listwise: sums.listwise, offset: layout.offsets[0], itemCount: 2)
        #expect(a.forms == 3)
        #expect(abs(try #require(a.alpha) - 2.0 / 3.0) < 1e-15)
        #expect(abs(try #require(a.itemRest[0]) - 0.5) < 1e-15)
        #expect(abs(try #require(a.itemRest[1]) - 0.5) < 1e-15)
        #expect(a.alphaIfDeleted == [nil, nil], "one item left has no α")
        // B's three items are identical on every form: α = 1, each item-rest r = 1, and
        // without any one item the other two still give α = 1.
        let b = FactorReliability(listwise: sums.listwise, offset: layout.offsets[1], itemCount: 3)
        #expect(b.forms == 4)
        #expect(abs(try #require(b.alpha) - 1) < 1e-15)
        #expect(b.itemRest.allSatisfy { abs($0! - 1) < 1e-15 })
        #expect(b.alphaIfDeleted.allSatisfy { abs($0! - 1) < 1e-15 })
    }

    @Test("items that disagree give a negative α; no variance or one form gives none")
    func undefinedAndNegative() throws {
        // y1 = 1, 5 and y2 = 5, 1: covariance −v, so the total's variance is 0: no α.
        let opposite = Self.sums([[1, 5, 3, 3, 3], [5, 1, 3, 3, 3]])
        let layout = ListwiseLayout(groups: [[0, 1], [2, 3, 4]])
        #expect(FactorReliability(listwise: opposite.listwise, offset: 0, itemCount: 2).alpha == nil)
        #expect(FactorReliability(listwise: opposite.listwise, offset: layout.offsets[1], itemCount: 3).alpha == nil, "constant items")
        // y1 = 1, 2, 3 and y2 = 3, 2, 2: v₁ = 1, v₂ = 1/3, c = −1/2:
        // α = 2 (1 − (4/3) / (4/3 − 1)) = 2 (1 − 4) = −6.
        let negative = Self.sums([[1, 3, 1, 1, 1], [2, 2, 1, 1, 1], [3, 2, 1, 1, 1]])
        #expect(abs(try #require(FactorReliability(listwise: negative.listwise, offset: 0, itemCount: 2).alpha) + 6) < 1e-12)
        let single = Self.sums([[1, 3, 1, 1, 1]])
        #expect(FactorReliability(listwise: single.listwise, offset: 0, itemCount: 2).alpha == nil)
    }

    @Test("merged sums give the α of all the forms together")
    func merging() {
        let forms: [[UInt8]] = [[1, 2, 5, 4, 5], [2, 1, 4, 4, 3], [3, 3, 3, 2, 3], [5, 4, 1, 1, 2], [4, 5, 2, 1, 1]]
        var merged = Self.sums(Array(forms.prefix(2)))
        merged.merge(Self.sums(Array(forms.dropFirst(2))))
        #expect(merged.listwise == Self.sums(forms).listwise)
    }
}
