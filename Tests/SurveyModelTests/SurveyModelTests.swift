import Foundation
import SurveyModel
import Testing

@Suite("Periods")
struct PeriodTests {
    @Test("parses years and quarters, refuses everything else", arguments: [
        ("2024", Period(year: 2024)), ("2024-Q1", Period(year: 2024, quarter: 1)), ("2024-Q4", Period(year: 2024, quarter: 4)),
        ("2024-Q5", nil), ("2024-Q0", nil), ("24", nil), ("2024-q1", nil), ("2024-Q1 ", nil), ("2024-", nil), ("", nil),
    ] as [(String, Period?)])
    func parse(text: String, expected: Period?) {
        #expect(Period(text) == expected)
        if let expected { #expect(expected.description == text) }
    }

    @Test("the previous period, the same quarter a year earlier and the comparisons published")
    func neighbours() {
        let q1 = Period(year: 2024, quarter: 1)
        #expect(q1.previous == Period(year: 2023, quarter: 4))
        #expect(Period(year: 2024, quarter: 3).previous == Period(year: 2024, quarter: 2))
        #expect(q1.sameTimeLastYear == Period(year: 2023, quarter: 1))
        #expect(Period(year: 2024).previous == Period(year: 2023))
        #expect(q1.comparisonPeriods == [Period(year: 2023, quarter: 4), Period(year: 2023, quarter: 1)])
        #expect(Period(year: 2024).comparisonPeriods == [Period(year: 2023)])
        #expect(Period.comparisonLabel(q1, q1.previous) == "2024-Q1 vs 2023-Q4")
        #expect(Period(year: 2024, month: 7) == Period(year: 2024, quarter: 3))
        #expect(Period(year: 2024, month: 12) == Period(year: 2024, quarter: 4))
    }
}

@Suite("CSV fields")
struct CSVFieldTests {
    @Test("quotes what needs it, and no text starts a formula", arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\r\nlines", "\"two\r\nlines\""),
        ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""), ("-3", "'-3"), ("@sum", "'@sum"), ("Sở Tư pháp", "Sở Tư pháp"),
    ])
    func text(raw: String, written: String) {
        #expect(CSVField.text(raw) == written)
    }
}

@Suite("Ingest records")
struct IngestRecordTests {
    static func form(unit: UnitCode = "STP", date: String = "2024-05-02", answers: [Int?] = [5, 4, nil], comment: String? = nil,
                     line: Int = 2) -> ResponseRecord {
        ResponseRecord(path: "inbox/paper/a.csv", line: line, responseID: "P-1", channel: .paper, unit: unit, submittedOn: date,
                       period: Period(year: 2024, quarter: 2), dossierCode: nil, comment: comment, answers: answers)
    }

    @Test("the content hash tells a re-send from a changed form: same content, same hash, wherever it was read")
    func contentHash() {
        let base = Self.form()
        #expect(Self.form(comment: "thanks", line: 40).contentHash == base.contentHash, "the comment and the place do not count")
        #expect(Self.form(answers: [5, 4, 3]).contentHash != base.contentHash)
        #expect(Self.form(answers: [5, nil, 4]).contentHash != Self.form(answers: [5, 4, nil]).contentHash)
        #expect(Self.form(unit: "SYT").contentHash != base.contentHash)
        #expect(Self.form(date: "2024-05-03").contentHash != base.contentHash)
    }
}

@Suite("Items")
struct ItemTests {
    @Test("quality items: a yes/no item's favourable answer, a count's limit; ratings have none")
    func favourable() {
        let yes = Item(id: "q23", factor: nil, kind: .yesno, textVi: "", textEn: "", favourable: 0)
        #expect(yes.isFavourable(0) == true && yes.isFavourable(1) == false)
        let trips = Item(id: "q24", factor: nil, kind: .count, textVi: "", textEn: "", favourableAtMost: 1)
        #expect(trips.isFavourable(1) == true && trips.isFavourable(2) == false)
        let rating = Item(id: "q01", factor: "A", kind: .likert5, textVi: "", textEn: "")
        #expect(rating.isFavourable(5) == nil && rating.isRating && rating.scale != nil)
    }

    @Test("SDMX area codes: ISO 3166-1 or 3166-2 in capitals", arguments: [
        ("VN", true), ("VN-23", true), ("VN-HN", true), ("vn", false), ("VNM", false), ("VN-1234", false), ("VN-", false), ("Ha Tinh", false),
    ])
    func areaCodes(code: String, valid: Bool) {
        #expect(SDMXSettings.isAreaCode(code) == valid)
    }
}

@Suite("What the operator reads of a set-aside row")
struct SetAsideWordingTests {
    @Test("each kind of set-aside row is worded with its places, sheets included")
    func wording() {
        let here = RowPlace(path: "inbox/paper/b.xlsx", line: 7, sheet: "Quý II")
        let first = RowPlace(path: "inbox/paper/b.xlsx", line: 5, sheet: "Quý I")
        let duplicate = RejectRecord(SetAsideRow(place: here, responseID: "P-1", why: .duplicate(first: first)), strayReason: { $0 })
        #expect(duplicate.outcome == .duplicate && duplicate.sheet == "Quý II" && duplicate.line == 7)
        #expect(duplicate.reason == "identical copy of form P-1 first read at inbox/paper/b.xlsx:5 (sheet 'Quý I'); not counted twice")
        let conflict = RejectRecord(SetAsideRow(place: here, responseID: "P-1", why: .conflict(versions: 2, other: RowPlace(path: "a.xls", line: 4, sheet: "table 2"))),
                                    strayReason: { $0 })
        #expect(conflict.outcome == .conflict && conflict.reason.contains("2 versions") && conflict.reason.contains("a.xls:4 (table 2)"))
        let missing = RejectRecord(SetAsideRow(place: RowPlace(path: "inbox/portal/x.jsonl", line: 0), responseID: nil, why: .fileMissing),
                                   strayReason: { $0 })
        #expect(missing.outcome == .fileMissing && missing.line == 0 && missing.reason.contains("--forget inbox/portal/x.jsonl"))
        let stray = RejectRecord(SetAsideRow(place: here, responseID: "P-9", why: .strayDate(date: "2004-03-01")), strayReason: { "far: \($0)" })
        #expect(stray.outcome == .rejected && stray.reason == "far: 2004-03-01")
    }
}

@Suite("Unit codes")
struct UnitCodeTests {
    @Test("a unit code encodes as the plain string (fingerprints and files keep their bytes) and sorts by bytes")
    func codes() throws {
        let unit = SurveyUnit(code: "SỞ-TP", nameVi: "Sở Tư pháp", nameEn: "Justice")
        let json = String(decoding: try JSONEncoder().encode(unit.code), as: UTF8.self)
        #expect(json == "\"SỞ-TP\"")
        #expect(try JSONDecoder().decode(UnitCode.self, from: Data(json.utf8)) == unit.code)
        // Byte order, not Unicode collation: "Z" (0x5A) before "a" (0x61) before "Á" (0xC3 0x81).
        #expect([UnitCode("a"), "Á", "Z"].sorted() == ["Z", "a", "Á"])
        #expect(UnitCode("STP").description == "STP")
    }
}
