import SurveyModel
import Testing

@Suite("UnitLineage: where units exist and which continue which")
struct UnitLineageTests {
    // A and B merge into M (2025-Q3); M is renamed N (2026-Q1); S splits into S1 and S2
    // (2025-Q3); X starts in 2025-Q4 with no predecessor.
    let lineage = UnitLineage([
        SurveyUnit(code: "A", nameVi: "A", nameEn: "", validTo: Period("2025-Q2")),
        SurveyUnit(code: "B", nameVi: "B", nameEn: "", validTo: Period("2025-Q2")),
        SurveyUnit(code: "M", nameVi: "M", nameEn: "", validFrom: Period("2025-Q3"), validTo: Period("2025-Q4"), predecessors: ["A", "B"]),
        SurveyUnit(code: "N", nameVi: "N", nameEn: "", validFrom: Period("2026-Q1"), predecessors: ["M"]),
        SurveyUnit(code: "S", nameVi: "S", nameEn: "", validTo: Period("2025-Q2")),
        SurveyUnit(code: "S1", nameVi: "S1", nameEn: "", validFrom: Period("2025-Q3"), predecessors: ["S"]),
        SurveyUnit(code: "S2", nameVi: "S2", nameEn: "", validFrom: Period("2025-Q3"), predecessors: ["S"]),
        SurveyUnit(code: "X", nameVi: "X", nameEn: "", validFrom: Period("2025-Q4")),
    ])
    let q = { (text: String) in Period(text)! }

    @Test("a continued unit's figures before it existed are its predecessors', traced back through renames; a split's are nobody's")
    func sources() {
        #expect(lineage.sources(of: "M", in: q("2025-Q2")) == ["A", "B"])
        #expect(lineage.sources(of: "N", in: q("2025-Q2")) == ["A", "B"])
        #expect(lineage.sources(of: "N", in: q("2025-Q3")) == ["M"])
        #expect(lineage.sources(of: "N", in: q("2026-Q1")) == ["N"])
        #expect(lineage.sources(of: "S1", in: q("2025-Q2")) == [])
        #expect(lineage.sources(of: "X", in: q("2025-Q3")) == [])
        #expect(lineage.isWhole("M", q("2025")) && !lineage.isWhole("A", q("2025")) && !lineage.isWhole("X", q("2025")))
        #expect(lineage.continuesPredecessors("M") && !lineage.continuesPredecessors("S1"))
    }

    @Test("a form of a ceased unit goes to the unit that continues it then, or nowhere")
    func placement() {
        #expect(lineage.placement(of: "A", in: q("2025-Q2")) == .itself)
        #expect(lineage.placement(of: "A", in: q("2025-Q3")) == .successor("M"))
        #expect(lineage.placement(of: "A", in: q("2026-Q2")) == .successor("N"))
        #expect(lineage.placement(of: "S", in: q("2025-Q3")) == .ceased(successors: ["S1", "S2"]))
        #expect(lineage.placement(of: "X", in: q("2025-Q3")) == .notYet)
        #expect(lineage.placement(of: "ZZ", in: q("2025-Q3")) == .itself)
    }

    @Test("a period's structure is the units that exist at its end")
    func structure() {
        #expect(lineage.structure(atEndOf: q("2025-Q2")) == ["A", "B", "S"])
        #expect(lineage.structure(atEndOf: q("2025")) == ["M", "S1", "S2", "X"])
        #expect(lineage.existsAtEnd(of: q("2025"), "M") && !lineage.existsAtEnd(of: q("2025"), "A"))
        #expect(lineage.exists("A", in: q("2025")) && !lineage.exists("A", in: q("2025-Q3")))
    }
}
