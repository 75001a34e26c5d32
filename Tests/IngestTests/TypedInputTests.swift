import Foundation
import Stats
import Storage
import SurveyModel
import Testing

@testable import Ingest

/// The description of the error loading the folder throws; records an issue if it loads.
private func configurationError(_ s: TemporarySurvey, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        _ = try SurveyFolder.load(s.root.path)
        Issue.record("the folder loaded; expected a configuration error", sourceLocation: sourceLocation)
        return ""
    } catch {
        return String(describing: error)
    }
}

/// TemporarySurvey's instrument with `aliases` and other keys added to item q01.
private func survey(q01 extra: String, after: String = "") -> String {
    TemporarySurvey.surveyToml.replacingOccurrences(
        of: "id = \"q01\"\nfactor = \"F\"\nkind = \"likert5\"", with: "id = \"q01\"\nfactor = \"F\"\nkind = \"likert5\"\n\(extra)") + after
}

/// A workbook of one sheet (`Sheet1`) with these rows; a cell that is a whole number is a
/// number, anything else an inline string, "" no cell.
private func workbook(_ rows: [[String]]) throws -> Data {
    func column(_ c: Int) -> String { String(UnicodeScalar(UInt8(65 + c))) }
    let xml = rows.enumerated().map { r, cells in
        "<row r=\"\(r + 1)\">" + cells.enumerated().map { c, text in
            let ref = "\(column(c))\(r + 1)"
            if text.isEmpty { return "" }
            if Int(text) != nil { return "<c r=\"\(ref)\"><v>\(text)</v></c>" }
            return "<c r=\"\(ref)\" t=\"inlineStr\"><is><t>\(text)</t></is></c>"
        }.joined() + "</row>"
    }.joined()
    let path = try TestWorkbook.write(sheet: TestWorkbook.sheet(xml))
    return try Data(contentsOf: URL(fileURLWithPath: path))
}

@Suite("Item aliases, items of one channel, headers and units as offices type them (issue 15)")
struct TypedInputTests {
    // MARK: - Item aliases

    @Test("an item's aliases find its column in CSV and workbook headers, and its answer key in portal JSON")
    func itemAliases() throws {
        let s = try TemporarySurvey(survey: survey(q01: "aliases = [\"Câu 1\", \"C1\"]"))
        try s.write("inbox/paper/a.csv", "form_id,unit,date,\("Câu 1".decomposedStringWithCanonicalMapping),q02,q03\nP1,A,03/07/2024,5,4,3\n")
        try s.write("inbox/paper/b.csv", "form_id,unit,date,c1,q02,q03\nP2,A,03/07/2024,2,4,3\n")
        try Data(try workbook([["form_id", "unit", "date", "CÂU 1", "q02", "q03"], ["P3", "A", "03/07/2024", "1", "4", "3"]]))
            .write(to: s.root.appendingPathComponent("inbox/paper/c.xlsx"))
        try s.write("inbox/portal/d.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-03", "answers": {"Câu 1": 4, "q02": 4}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"c1": "3"}}
            """ + "\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 5, "\(outcomes)")
        #expect(try s.acceptedForms(db).map { $0.answers[0] } == [5, 2, 1, 4, 3])
    }

    @Test("a column an id and an alias both match repeats the item: the header is refused")
    func aliasRepeatsColumn() throws {
        let s = try TemporarySurvey(survey: survey(q01: "aliases = [\"Câu 1\"]"))
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,Câu 1,q02,q03\nP1,A,03/07/2024,5,4,4,3\n")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 0)
        #expect(outcomes.first?.reason.contains("repeats column(s) q01") == true, "\(outcomes)")
    }

    @Test("an alias another item or a column also has is refused with its line; aliases and channels are checked", arguments: [
        (survey(q01: "aliases = [\"Q02\"]"), "survey.toml:18: item q01: alias 'Q02' also names item q02"),
        (survey(q01: "aliases = [\"Ngày\"]", after: "\n\n[columns.paper]\ndate = [\"date\", \"ngày\"]"),
         "survey.toml:18: item q01: alias 'Ngày' also names the column [columns.paper] date"),
        (survey(q01: "aliases = [\"Submitted At\"]"), "survey.toml:18: item q01: alias 'Submitted At' also names the column [columns.portal] submitted_at"),
        (survey(q01: "aliases = [\"Câu 1\", 7]"), "survey.toml:18: item q01: aliases must be a list of names"),
        (survey(q01: "aliasses = [\"Câu 1\"]"), "survey.toml:18: unknown key aliasses in [[items]] entry 1; did you mean aliases?"),
        (survey(q01: "channels = [\"papr\"]"), "survey.toml:18: item q01: channels ['papr']; expected a list of paper and online"),
        (survey(q01: "channels = []"), "survey.toml:18: item q01: channels []; expected a list of paper and online"),
        (survey(q01: "channels = [\"paper\", \"paper\"]"), "survey.toml:18: item q01: channels ['paper', 'paper']"),
    ])
    func aliasCollisions(toml: String, expected: String) throws {
        let message = configurationError(try TemporarySurvey(survey: toml))
        #expect(message.contains(expected), "\(message)")
    }

    @Test("new aliases change the ingest fingerprint: a file whose header they now match is read again")
    func aliasesReadFilesAgain() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "form_id,unit,date,Câu 1,q02,q03\nP1,A,03/07/2024,5,4,3\n")
        let before = try SurveyFolder.load(s.root.path).ingestFingerprint
        #expect(try s.ingest().summary.accepted == 0)
        try s.write("survey.toml", survey(q01: "aliases = [\"Câu 1\"]"))
        #expect(try SurveyFolder.load(s.root.path).ingestFingerprint != before)
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 1 && outcomes.isEmpty, "\(outcomes)")
    }

    // MARK: - Items of one channel

    /// 22 items of a three-level scale asked on both channels, and 4 asked online only.
    static let twoChannelSurvey: String = {
        var toml = """
            [survey]
            plan_minimum = 1

            [scales.three]
            values = [1, 2, 3]
            satisfied = [3]
            labels_vi = ["Không hài lòng", "Bình thường", "Hài lòng"]

            [[factors]]
            id = "F"
            name_vi = "Yếu tố F"

            """
        for k in 1...26 {
            toml += "\n[[items]]\nid = \"q\(String(format: "%02d", k))\"\nfactor = \"F\"\nkind = \"likert\"\nscale = \"three\"\n"
            if k > 22 { toml += "channels = [\"online\"]\n" }
        }
        return toml
    }()

    @Test("paper files without the online-only columns are read fully; missing shares count only the forms that asked")
    func onlineOnlyItems() throws {
        let s = try TemporarySurvey(survey: Self.twoChannelSurvey)
        let paperItems = (1...22).map { String(format: "q%02d", $0) }
        let header = "form_id,unit,date," + paperItems.joined(separator: ",")
        let rows = (1...4).map { n in "P\(n),A,03/07/2024," + paperItems.enumerated().map { k, _ in String(1 + (n + k) % 3) }.joined(separator: ",") }
        try s.write("inbox/paper/a.csv", ([header] + rows).joined(separator: "\n") + "\n")
        func online(_ id: String, _ extra: String) -> String {
            let answers = paperItems.map { "\"\($0)\": 2" }.joined(separator: ", ")
            return #"{"id": "\#(id)", "unit": "A", "submitted_at": "2024-07-03", "answers": {\#(answers), \#(extra)}}"#
        }
        try s.write("inbox/portal/b.jsonl", [
            online("W1", #""q23": 3, "q24": 1, "q25": 2, "q26": 3"#),
            online("W2", #""q23": 3, "q24": 1, "q25": 2, "q26": null"#),
        ].joined(separator: "\n") + "\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 6, "\(outcomes)")
        #expect(outcomes.isEmpty, "\(outcomes)")
        let folder = try SurveyFolder.load(s.root.path)
        var accumulator = CheckAccumulator(survey: folder.survey)
        for (key, atom) in try db.tallies().atoms { accumulator.add(unit: key.unit, quarter: key.quarter, channel: key.channel, tally: atom) }
        let checks = accumulator.evaluate(survey: folder.survey, population: [], duplicates: [:], repeatedDossiers: [:])
            .filter { $0.check == "missing_share" && $0.unit == "A" }
        #expect(checks.count == 26)
        // q26: one of the two online forms left it blank; the four paper forms never asked it.
        #expect(checks.filter { $0.status == .fail }.map(\.subject) == ["q26"])
        let q26 = checks.first { $0.subject == "q26" }
        #expect(q26?.observed == 0.5 && q26?.message == "1 of 2 online forms left q26 unanswered", "\(String(describing: q26))")
        #expect(checks.first { $0.subject == "q23" }?.observed == 0)
        #expect(checks.first { $0.subject == "q01" }?.message == "0 of 6 forms left q01 unanswered")
    }

    @Test("an answer a file gives to an item of the other channel is no answer; a portal table needs its online items' columns")
    func otherChannelAnswers() throws {
        let s = try TemporarySurvey(survey: TemporarySurvey.surveyToml + """


            [[items]]
            id = "q04"
            factor = "G"
            channels = ["online"]

            [[items]]
            id = "q05"
            factor = "G"
            channels = ["paper"]
            """)
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03,q04,q05\nP1,A,03/07/2024,5,4,3,2,5\nP2,A,03/07/2024,5,4,Hài lòng,2,4\n")
        try s.write("inbox/portal/b.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5, "q04": 3, "q05": 4}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"Q01": 5, "Q04": 2, "Q05": 4}}
            {"id": "W3", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q05": 4}}
            """ + "\n")
        try s.write("inbox/portal/c.csv", "id,unit,submitted_at,q01,q02,q03,q05\nW9,A,2024-07-03,5,4,3,5\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 4, "\(outcomes)")
        let forms = try s.acceptedForms(db)
        #expect(forms.map { $0.answers[3] } == [missingAnswer, missingAnswer, 3, 2])
        #expect(forms.map { $0.answers[4] } == [5, 4, missingAnswer, missingAnswer])
        #expect(outcomes.map(\.path) == ["inbox/portal/b.jsonl", "inbox/portal/c.csv", "inbox/portal/c.csv"], "\(outcomes)")
        #expect(outcomes.first?.reason.contains("blank form") == true, "\(outcomes)")
        #expect(outcomes.dropFirst().first?.reason.contains("header lacks column(s) q04; matched id, unit, submitted_at, q01..q03; expected") == true, "\(outcomes)")
    }

    @Test("straight-lining looks at the rating items the form's channel asks")
    func straightliningPerChannel() throws {
        var items = (1...6).map { k in Item(id: "q0\(k)", factor: "F", kind: .likert5, textVi: "", textEn: "") }
        for k in 3..<6 { items[k].channels = [.online] }
        let survey = SurveyDefinition(factors: [Factor(id: "F", nameVi: "F", nameEn: "F")], items: items)
        var tally = FormTally(layout: TallyLayout(survey: survey))
        let q = Period(year: 2024, quarter: 3)
        // Three identical answers are every item paper asks; online asks six.
        let three: [UInt8] = [4, 4, 4, missingAnswer, missingAnswer, missingAnswer]
        tally.add(unit: "A", quarter: q, channel: .paper, submittedOn: "2024-07-03", answers: three)
        tally.add(unit: "A", quarter: q, channel: .online, submittedOn: "2024-07-03", answers: three)
        let atoms = tally.atoms
        #expect(atoms[AtomKey(unit: "A", quarter: q, channel: .paper)]?.straightLined == 1)
        #expect(atoms[AtomKey(unit: "A", quarter: q, channel: .online)]?.straightLined == 0)
        var checks = CheckAccumulator(survey: survey)
        checks.add(unit: "A", quarter: q, channel: .paper, answers: three)
        checks.add(unit: "A", quarter: q, channel: .online, answers: three)
        let straight = checks.evaluate(survey: survey, population: [], duplicates: [:], repeatedDossiers: [:]).first { $0.check == "straightlining" }
        #expect(straight?.observed == 0.5)
    }

    // MARK: - Headers as offices type them

    @Test("a header merged over two rows whose upper row reaches beyond the lower row's last cell")
    func mergedHeaderBeyondLowerRow() throws {
        let s = try TemporarySurvey()
        try workbook([
            ["form_id", "unit", "Câu hỏi", "", "", "date"],
            ["", "", "q01", "q02", "q03"],
            ["P1", "A", "5", "4", "3", "03/07/2024"],
        ]).write(to: s.root.appendingPathComponent("inbox/paper/a.xlsx"))
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 1 && outcomes.isEmpty, "\(outcomes)")
        #expect(try s.acceptedForms(db).first?.answers == [5, 4, 3])
    }

    @Test("a header error names the row that matched most, what it matched, what is missing and the names that match nothing")
    func headerErrorNamesBestRow() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "KẾT QUẢ KHẢO SÁT QUÝ III,,,,,\nform_id,unit,Ngay,q01,q02,q03\nP1,A,03/07/2024,5,4,3\n")
        try workbook([
            ["KẾT QUẢ KHẢO SÁT"],
            ["Đơn vị: A"],
            [],
            ["form_id", "unit", "Ngay", "q01", "q02", "Cau 3"],
            ["P1", "A", "03/07/2024", "5", "4", "3"],
        ]).write(to: s.root.appendingPathComponent("inbox/paper/b.xlsx"))
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 0)
        let csv = outcomes.filter { $0.path.hasSuffix("a.csv") }
        #expect(csv.map(\.line) == [2, 3])
        #expect(csv.first?.reason.hasPrefix("line 2: header lacks column(s) date; matched form_id, unit, q01..q03; names that match nothing: \"Ngay\"; expected") == true, "\(csv)")
        let sheet = outcomes.filter { $0.path.hasSuffix("b.xlsx") }
        #expect(sheet.first?.line == 4)
        #expect(sheet.first?.reason.hasPrefix("sheet 'Sheet1' row 4: header lacks column(s) date, q03; matched form_id, unit, q01, q02; names that match nothing: \"Ngay\", \"Cau 3\"") == true, "\(sheet)")
        #expect(sheet.last?.reason.contains("the sheet's header (sheet 'Sheet1' row 4) lacks column(s) date, q03") == true, "\(sheet)")
        // No row matched a name: the first stands for the header, and its values are not called misspellings.
        try s.write("inbox/paper/c.csv", "P1,A,03/07/2024,5,4,3\nP2,A,03/07/2024,5,4,3\n")
        let none = try s.ingest().outcomes.filter { $0.path.hasSuffix("c.csv") }
        #expect(none.map(\.line) == [1, 2])
        #expect(none.first?.reason.hasPrefix("line 1: header lacks column(s) form_id, unit, date, q01, q02, q03; matched none; expected") == true, "\(none)")
    }

    // MARK: - Units as typed

    @Test("a unit typed in another case, with spaces, by its name or an alias is stored as its code")
    func unitsAsTyped() throws {
        let s = try TemporarySurvey(units: """
            code,name_vi,name_en,aliases
            STP,Sở Tư pháp,Department of Justice,Sở TP; So Tu phap
            SYT,Sở Y tế,Department of Health,
            """ + "\n")
        try s.write("inbox/paper/a.csv", """
            form_id,unit,date,q01,q02,q03
            P1,stp ,03/07/2024,5,4,3
            P2,SỞ TƯ PHÁP,03/07/2024,5,4,3
            P3,so  tu PHAP,03/07/2024,5,4,3
            P4,department of   health,03/07/2024,5,4,3
            P5,\("Sở y tế".decomposedStringWithCanonicalMapping),03/07/2024,Hài lòng,4,3
            P6,sở tp,03/07/2024,Hài lòng,4,3
            P7,STP.,03/07/2024,5,4,3
            """ + "\n")
        try s.write("inbox/portal/b.jsonl", #"{"id": "W1", "unit": "syt", "submitted_at": "2024-07-03", "answers": {"q01": 4}}"# + "\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 7)
        #expect(try s.acceptedForms(db).map(\.unit) == ["STP", "STP", "STP", "SYT", "SYT", "STP", "SYT"])
        #expect(outcomes.map(\.line) == [8])
        #expect(outcomes.first?.reason.contains("unknown unit 'STP.'") == true, "\(outcomes)")
    }

    @Test("a code, name or alias that could mean two units is refused with the file and line", arguments: [
        ("code,name_vi,name_en,aliases\nA,Đơn vị A,Unit A,X\nB,Đơn vị B,Unit B,x\n", "units.csv:3: unit B: alias 'x' could mean unit A too (its alias"),
        ("code,name_vi,name_en\nA,Đơn vị A,Unit A\na,Đơn vị a2,Unit a2\n", "units.csv:3: unit a: code 'a' could mean unit A too (its code"),
        ("code,name_vi,name_en\nA,Đơn vị A,Unit A\nB,Đơn vị B,unit  a\n", "units.csv:3: unit B: name_en 'unit  a' could mean unit A too (its name_en"),
        ("code,name_vi,name_en,aliases\nA,Đơn vị A,Unit A,\nB,Đơn vị B,Unit B,đơn vị a\n", "units.csv:3: unit B: alias 'đơn vị a' could mean unit A too"),
        ("code,name_vi,name_en,aliases\nA,Đơn vị A,Unit A,Đơn\u{200B}vị\n", "units.csv:2: unit alias 'Đơn\u{200B}vị' contains U+200B ZERO WIDTH SPACE; expected plain text"),
    ])
    func ambiguousUnits(units: String, expected: String) throws {
        let message = configurationError(try TemporarySurvey(units: units))
        #expect(message.contains(expected), "\(message)")
    }

    // MARK: - Ambiguity is a reject

    @Test("portal answer keys that name one item are ambiguous: the form is rejected with the keys")
    func collidingAnswerKeys() throws {
        let s = try TemporarySurvey(survey: survey(q01: "aliases = [\"Câu 1\"]"))
        try s.write("inbox/portal/a.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5, "Q01": 1}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01 ": 5, "q01": 1}}
            {"id": "W3", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5, "Câu 1": 1}}
            {"id": "W4", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q02": 5, "Câu 1": 1}}
            """ + "\n")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 1)
        #expect(outcomes.map(\.line) == [1, 2, 3])
        #expect(outcomes.first?.reason == "answers: the keys \"q01\" and \"Q01\" both name item q01, so the form is ambiguous (which answer holds is unknown); expected each item once")
        #expect(outcomes.last?.reason.contains("\"q01\" and \"Câu 1\" both name item q01") == true)
    }

    @Test("form ids and dossier codes that differ by invisible characters or look-alike hyphens are one")
    func invisibleCharactersInIDs() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", """
            form_id,unit,date,q01,q02,q03
            P-001,A,03/07/2024,5,4,3
            P\u{200B}-001,A,03/07/2024,5,4,3
            \u{FEFF}P-001,A,03/07/2024,5,4,3
            P\u{2011}001,A,03/07/2024,5,4,3
            Q\u{2013}1\u{00AD},A,03/07/2024,5,4,3
            Q\u{2212}1,A,03/07/2024,1,4,3
            """ + "\n")
        try s.write("inbox/portal/b.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-03", "dossier_code": "HS\u{2010}7", "answers": {"q01": 4}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "dossier_code": "HS-7\u{2060}", "answers": {"q01": 4}}
            """ + "\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 3 && summary.duplicates == 3 && summary.conflicts == 2, "\(outcomes)")
        #expect(try db.repeatedDossierCounts()["A"]?[Period(year: 2024, quarter: 3)] == 1)
        #expect(FormID.normalised("\u{FEFF}P\u{2011}001\u{200B}") == "P-001")
        #expect(FormID.normalised("Phi\u{0301}ếu-1") == "Phíếu-1".precomposedStringWithCanonicalMapping)
    }

    @Test("names and titles may not hold format characters or line and paragraph separators", arguments: [
        ("\u{200B}", "U+200B ZERO WIDTH SPACE"), ("\u{200E}", "U+200E LEFT-TO-RIGHT MARK"), ("\u{200F}", "U+200F RIGHT-TO-LEFT MARK"),
        ("\u{FEFF}", "U+FEFF ZERO WIDTH NO-BREAK SPACE"), ("\u{E0041}", "U+E0041 TAG LATIN CAPITAL LETTER A"),
        ("\u{2028}", "U+2028 LINE SEPARATOR"), ("\u{2029}", "U+2029 PARAGRAPH SEPARATOR"), ("\u{00AD}", "U+00AD SOFT HYPHEN"),
    ])
    func plainTextRefusals(character: String, name: String) throws {
        #expect(PlainText.problem(in: "Sở\(character)Tư pháp", what: "title_vi") == "title_vi contains \(name); expected plain text")
        let toml = TemporarySurvey.surveyToml.replacingOccurrences(of: "[survey]\n", with: "[survey]\ntitle_vi = \"Khảo\(character)sát\"\n")
        let message = configurationError(try TemporarySurvey(survey: toml))
        #expect(message.contains("survey.toml:2: title_vi contains \(name); expected plain text"), "\(message)")
        let units = configurationError(try TemporarySurvey(units: "code,name_vi,name_en\nA,Đơn vị\(character)A,Unit A\n"))
        #expect(units.contains("units.csv:2: unit name contains \(name) (in name_vi); expected plain text"), "\(units)")
    }

    @Test("an ASCII unit key is the key Foundation's normalisation gives, and trimming skips only text with nothing to trim")
    func asciiUnitKeys() {
        var generator = SystemRandomNumberGenerator()
        // Every ASCII byte, spaces and controls more often, in strings of 0 to 12.
        let alphabet: [UInt8] = Array(0..<128) + [0x20, 0x20, 0x09, 0x0A, 0x0D, 0x41, 0x5A, 0x61]
        var differing: [String] = []
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let text = String(decoding: bytes, as: UTF8.self)
            if UnitName.asciiKey(text) != UnitName.unicodeKey(text) { differing.append(text) }
            let slow = text.trimmingCharacters(in: .whitespaces)
            if SurveyFolder.trimmed(text) != slow { differing.append("trim: \(text)") }
        }
        for text in ["  Sở  Tư pháp ", "STP", " s t p\t", "\u{A0}STP\u{A0}", "\u{2003}STP", "ĐƠN VỊ"] {
            if SurveyFolder.trimmed(text) != text.trimmingCharacters(in: .whitespaces) { differing.append("trim: \(text)") }
        }
        let first = Array(differing.prefix(5)), count = differing.count
        #expect(count == 0, "\(count) differ, such as \(first)")
        #expect(UnitName.key(" Sở \t Tư PHÁP ") == UnitName.key("sở tư pháp"))
        #expect(UnitName.key("  STP\tA ") == "stp a")
    }
}
