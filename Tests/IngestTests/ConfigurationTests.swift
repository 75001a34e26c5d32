import Foundation
import Ingest
import SurveyModel
import Testing

/// A valid instrument to end a survey.toml with: one factor, one Likert item.
private let instrument = """
    [[factors]]
    id = "F"
    name_vi = "Yếu tố F"

    [[items]]
    id = "q01"
    factor = "F"
    kind = "likert5"
    """

/// The description of the error that loading a survey folder with this survey.toml (and
/// these other files) throws; records an issue and returns "" if it loads.
private func loadError(
    survey: String, units: String? = nil, population: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    let s = try units.map { try TemporarySurvey(survey: survey, units: $0) } ?? TemporarySurvey(survey: survey)
    if let population { try s.write("population.csv", population) }
    do {
        _ = try SurveyFolder.load(s.root.path)
        Issue.record("the folder loaded; expected a configuration error", sourceLocation: sourceLocation)
        return ""
    } catch let error as IngestError {
        return String(describing: error)
    }
}

private func load(survey: String, population: String? = nil) throws -> SurveyFolder {
    let s = try TemporarySurvey(survey: survey)
    if let population { try s.write("population.csv", population) }
    return try SurveyFolder.load(s.root.path)
}

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Configuration: survey.toml, units.csv and population.csv are checked strictly, with lines")
struct ConfigurationTests {
    @Test("population.csv finds units as the inbox does: by code in any case, by name, by alias; stored by code")
    func populationUnitsAsTyped() throws {
        let units = "code,name_vi,name_en,aliases\nA,Đơn vị A,Unit A,Phòng A\nB,Đơn vị B,Unit B,\n"
        let s = try TemporarySurvey(units: units)
        try s.write("population.csv", "unit,channel,period,dossiers\n a ,paper,2024,10\nĐƠN VỊ B,paper,2024,20\nphòng a,online,2024,5\n")
        let folder = try SurveyFolder.load(s.root.path)
        #expect(folder.population.map(\.unit) == ["A", "B", "A"])
        #expect(folder.population.map(\.dossiers) == [10, 20, 5])
        // The same unit twice under two spellings is the same row twice.
        let twice = try loadError(survey: TemporarySurvey.surveyToml, units: units,
                                  population: "unit,channel,period,dossiers\nA,paper,2024,10\nUnit A,paper,2024,11\n")
        #expect(twice.contains("population.csv:3") && twice.contains("unit A, channel paper, period 2024 appears twice"), "\(twice)")
        let unknown = try loadError(survey: TemporarySurvey.surveyToml, units: units, population: "unit,channel,period,dossiers\nC,paper,2024,10\n")
        #expect(unknown.contains("unknown unit 'C'"), "\(unknown)")
    }

    @Test("the example and reference fixtures load: they hold no unknown key")
    func fixturesLoad() throws {
        for name in ["example", "reference"] {
            let folder = try SurveyFolder.load(repositoryRoot.appendingPathComponent("fixtures/\(name)").path)
            #expect(!folder.survey.likertItems.isEmpty)
        }
    }

    /// (survey.toml before the instrument, what the error must contain)
    static let unknownKeys: [(String, String)] = [
        ("[survey]\nplan_minimum = 2\nplan_minimun = 3", "survey.toml:3: unknown key plan_minimun in [survey]; did you mean plan_minimum?"),
        ("[survey]\n\n[flag]\nsuppress_below = 3", "survey.toml:3: unknown table [flag]; did you mean [flags]?"),
        ("# flags\n[flags]\nsupress_below = 3", "survey.toml:3: unknown key supress_below in [flags]; did you mean suppress_below?"),
        ("[checks]\nmax_missing_shares = 0.1", "survey.toml:2: unknown key max_missing_shares in [checks]; did you mean max_missing_share?"),
        ("[columns.papr]\nform_id = \"ma_phieu\"", "survey.toml:1: unknown table [columns.papr]; did you mean [columns.paper]?"),
        ("[columns.portal]\nsubmited_at = \"t\"", "survey.toml:2: unknown key submited_at in [columns.portal]; did you mean submitted_at?"),
        ("[survey]\n\"plan minimum\" = 3", "survey.toml:2: unknown key plan minimum in [survey]; did you mean plan_minimum?"),
        ("flags.supress_below = 3", "survey.toml:1: unknown key supress_below in [flags]; did you mean suppress_below?"),
        ("[survey]\ncolour = \"red\"", "survey.toml:2: unknown key colour in [survey]; expected one of agency_en, agency_vi, aggregation"),
        ("[survey]\nsuppress_below = 10", "survey.toml:2: unknown key suppress_below in [survey]; suppress_below belongs in [flags]"),
        ("title_vi = \"Khảo sát\"", "survey.toml:1: unknown key title_vi at the top level; title_vi belongs in [survey]"),
        ("[[item]]\nid = \"q09\"", "survey.toml:1: unknown table [[item]]; did you mean [[items]]?"),
        ("[items]\nid = \"q09\"\n\n[[factors]]\nid = \"F\"", "survey.toml:1: items must be a list of tables: write each entry under [[items]]"),
        ("flags = 30", "survey.toml:1: flags must be a table"),
    ]

    @Test("an unknown key or table is an error with its line and the nearest known name", arguments: unknownKeys)
    func unknownKey(before: String, expected: String) throws {
        let survey = before.contains("[items]") ? before + "\n" : before + "\n\n" + instrument
        let message = try loadError(survey: survey)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("unknown keys inside [[factors]] and [[items]] entries name the entry and the line")
    func unknownKeyInEntries() throws {
        let message = try loadError(survey: """
            [[factors]]
            id = "F"
            name_VI = "Yếu tố F"

            [[items]]
            id = "q01"
            factor = "F"

            [[items]]
            id = "q02"
            factor = "F"
            txt_vi = "Câu hỏi"
            favorable_en = "Satisfied"
            """)
        #expect(message.contains("survey.toml:3: unknown key name_VI in [[factors]] entry 1; did you mean name_vi?"), "\(message)")
        #expect(message.contains("survey.toml:12: unknown key txt_vi in [[items]] entry 2; did you mean text_vi?"), "\(message)")
        #expect(message.contains("survey.toml:13: unknown key favorable_en in [[items]] entry 2; did you mean favourable_en?"), "\(message)")
    }

    @Test("keys in inline tables and in arrays of inline tables get their own lines")
    func inlineTables() throws {
        let message = try loadError(survey: """
            factors = [{ id = "F" }]
            items = [
              { id = "q01", factor = "F" },  # the first
              { id = "q02", factr = "F" },
            ]

            [columns]
            paper = { form_id = "ma_phieu", unitt = "don_vi" }
            """)
        #expect(message.contains("survey.toml:4: unknown key factr in [[items]] entry 2; did you mean factor?"), "\(message)")
        #expect(message.contains("survey.toml:4: item q02: a likert5 item needs a factor"), "\(message)")
        #expect(message.contains("survey.toml:8: unknown key unitt in [columns.paper]; did you mean unit?"), "\(message)")
    }

    /// (survey.toml, what the error must contain)
    static let locatedErrors: [(String, String)] = [
        ("[survey]\nplan_minimum = 2\nconfidence_level = 2\n\n" + instrument, "survey.toml:3: survey.confidence_level must lie between 0.5 and 1"),
        // A multi-line array and a multi-line string holding a header and a key shift no line.
        ("[survey]\nsatisfied = [\n  4, # hài lòng\n  5,\n]\ntitle_vi = \"\"\"\n[flags]\nlanguage = 1\n\"\"\"\nlanguage = \"fr\"\n\n" + instrument,
         "survey.toml:10: survey.language 'fr'; expected vi or en"),
        ("[survey]\nsatisfied = [0, 5]\n\n" + instrument, "survey.toml:2: survey.satisfied must be a list of answers from 1 to 5"),
        ("[flags]\nmax_half_width = 0\n\n" + instrument, "survey.toml:2: max_half_width must be a share from 0 to 1"),
        ("[columns.paper]\nunit = 5\n\n" + instrument, "survey.toml:2: unit must be a column name or a list of names"),
        ("[columns.paper]\nform_id = \"so\"\nsheet = 5\n\n" + instrument, "survey.toml:3: sheet must be a sheet's name or a list of names"),
        ("[columns.portal]\nsheet = [\"Quý I\", 2]\n\n" + instrument, "survey.toml:2: sheet must be a sheet's name or a list of names"),
        ("[columns.paper]\nsheet = []\n\n" + instrument, "survey.toml:2: sheet must be a sheet's name or a list of names"),
        ("[columns.paper]\nsheet = [\"Quý I\", \"Quý I\"]\n\n" + instrument, "survey.toml:2: sheet names 'Quý I' twice; expected each sheet once"),
        (instrument + "\n\n[[items]]\nkind = \"yesno\"", "survey.toml:10: items[2] needs an id"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"likert5\"", "survey.toml:10: item q02: a likert5 item needs a factor"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nfactor = \"Z\"", "survey.toml:12: item q02: a likert5 item needs a factor"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"scale\"", "survey.toml:12: item q02: kind 'scale'; expected likert5"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"yesno\"\nfavourable = 2", "survey.toml:13: favourable must be a whole number from 0 to 1"),
        (instrument + "\n\n[[items]]\nid = \"q01\"\nfactor = \"F\"", "survey.toml:11: item id q01 is used twice"),
        ("[[factors]]\nid = \"G\"\n\n" + instrument, "survey.toml:1: factor G has no rating item"),
        ("[[factors]]\nid = \"F\"\n\n" + instrument, "survey.toml:5: factor id F is used twice or is reserved"),
        // Issue 19: category items, breakdowns and the overall item.
        (instrument + "\n\n[estimates]\nbreakdowns = [\"q01\"]",
         "survey.toml:11: estimates.breakdowns: 'q01' is not a category item; define one with kind = \"category\""),
        (instrument + "\n\n[[items]]\nid = \"sex\"\nkind = \"category\"", "survey.toml:10: item sex: a category item needs scale = \"NAME\""),
        ("[scales.sex]\nvalues = [1, 2]\n\n" + instrument + "\n\n[[items]]\nid = \"q02\"\nfactor = \"F\"\nkind = \"likert\"\nscale = \"sex\"",
         "survey.toml:17: item q02: scale sex has no satisfied = [...]"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"likert5\"\noverall = true\n\n[[items]]\nid = \"q03\"\nkind = \"likert5\"\noverall = true",
         "survey.toml:18: item q03: another item is already overall = true"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"yesno\"\noverall = true",
         "survey.toml:13: item q02: only a rating item (likert5, likert) can be the overall satisfaction"),
    ]

    @Test("every survey.toml error names its line: a value its key's, a missing key its table's", arguments: locatedErrors)
    func locatedError(survey: String, expected: String) throws {
        let message = try loadError(survey: survey)
        #expect(message.contains(expected), "\(message)")
    }

    /// (dossiers as written in population.csv, why it is refused)
    static let badDossiers: [(String, String)] = [
        ("1.311", "dossiers '1.311' is ambiguous: 1311 with a Vietnamese thousands point or 1.311 with a decimal point; write the whole number of dossiers with digits only, such as 1311"),
        ("\"1,311\"", "dossiers '1,311' is ambiguous: 1311 with a thousands comma or 1.311 with a Vietnamese decimal comma; write the whole number of dossiers with digits only, such as 1311"),
        ("5.55e2", "dossiers '5.55e2' is in scientific notation; write the whole number of dossiers with digits only, such as 555"),
        ("1 311", "dossiers '1 311' has a space between digits; write the whole number of dossiers with digits only, such as 1311"),
        ("-3", "dossiers '-3' is negative"),
        ("12.0", "dossiers '12.0' has a decimal part; write the whole number of dossiers with digits only, such as 12"),
        ("\"12,5\"", "dossiers '12,5' has a decimal part"),
        ("1000000000001", "dossiers '1000000000001' is above the limit of 10^12"),
        ("many", "dossiers 'many' is not a whole number"),
        ("", "dossiers is empty"),
    ]

    @Test("dossiers in population.csv are whole numbers written with digits only", arguments: badDossiers)
    func dossiers(written: String, expected: String) throws {
        let message = try loadError(
            survey: TemporarySurvey.surveyToml,
            population: "unit,channel,period,dossiers\nA,paper,2024,100\nA,online,2024,\(written)\n")
        #expect(message.contains("population.csv:3: " + expected), "\(message)")
    }

    @Test("dossiers of 0, 1311 and 10^12 are read as written")
    func goodDossiers() throws {
        let folder = try load(
            survey: TemporarySurvey.surveyToml,
            population: "unit,channel,period,dossiers\nA,paper,2024,0\nA,online,2024,1311\nB,paper,2024,1000000000000\n")
        #expect(folder.population.map(\.dossiers) == [0, 1311, 1e12])
    }

    @Test("a weighted index or dossier-weighted aggregation without population data names the key's line",
          arguments: [("index_measure = \"weighted\"", "index_measure"), ("aggregation = \"dossier_weighted\"", "aggregation")],
          [nil, "unit,channel,period,dossiers\n"])
    func weightedNeedsPopulation(setting: (String, String), population: String?) throws {
        let survey = "[survey]\nplan_minimum = 2\n\(setting.0)\n\n" + instrument
        let message = try loadError(survey: survey, population: population)
        #expect(message.contains("survey.toml:3: \(setting.1) = "), "\(message)")
        #expect(message.contains("needs population.csv"), "\(message)")
        // With population data it loads.
        let folder = try load(survey: survey, population: "unit,channel,period,dossiers\nA,paper,2024,10\n")
        #expect(folder.population.count == 1)
    }

    /// (survey.toml with a TOML escape, what the error must contain)
    static let forbiddenText: [(String, String)] = [
        (#"[survey]\#ntitle_vi = "Khảo sát \u202E2024""#, "survey.toml:2: title_vi contains U+202E RIGHT-TO-LEFT OVERRIDE; expected plain text"),
        (#"[survey]\#nagency_en = "Ha Tinh\u0007""#, "survey.toml:2: agency_en contains U+0007"),
        (#"[columns.paper]\#nunit = "don_vi\u2066""#, "survey.toml:2: unit contains U+2066 LEFT-TO-RIGHT ISOLATE"),
        (#"[survey]\#ntitle_en = "x\uFFFE""#, "survey.toml:2: title_en contains U+FFFE"),
        (#"[survey]\#ntitle_en = "x\uFDD0""#, "survey.toml:2: title_en contains U+FDD0"),
        (#"[survey]\#ntitle_en = "x\u061C""#, "survey.toml:2: title_en contains U+061C ARABIC LETTER MARK"),
        (#"[survey]\#ntitle_en = "x\u007F""#, "survey.toml:2: title_en contains U+007F"),
    ]

    @Test("text bound for the reports refuses XML-illegal characters and bidirectional controls, with the code point",
          arguments: forbiddenText)
    func forbiddenCharacters(before: String, expected: String) throws {
        let message = try loadError(survey: before + "\n\n" + instrument)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("factor names, item texts and favourable labels are checked too, at their lines")
    func forbiddenInEntries() throws {
        let message = try loadError(survey: #"""
            [[factors]]
            id = "F"
            name_en = "Access\u202A"

            [[items]]
            id = "q01"
            factor = "F"
            text_vi = "Câu hỏi\u0001"

            [[items]]
            id = "q02"
            kind = "yesno"
            favourable_vi = "Không\u202D"
            """#)
        #expect(message.contains("survey.toml:3: name_en contains U+202A LEFT-TO-RIGHT EMBEDDING; expected plain text"), "\(message)")
        #expect(message.contains("survey.toml:8: text_vi contains U+0001"), "\(message)")
        #expect(message.contains("survey.toml:13: favourable_vi contains U+202D LEFT-TO-RIGHT OVERRIDE"), "\(message)")
    }

    @Test("a unit name with a bidirectional control is refused with its line and code point")
    func forbiddenInUnitName() throws {
        let message = try loadError(
            survey: TemporarySurvey.surveyToml,
            units: "code,name_vi,name_en\nA,Đơn vị A,Unit A\nB,Đơn vị \u{202E}B,Unit B\nC,Đơn vị C,Unit \u{FFFF}\n")
        #expect(message.contains("units.csv:3: unit name contains U+202E RIGHT-TO-LEFT OVERRIDE"), "\(message)")
        #expect(message.contains("units.csv:4: unit name contains U+FFFF"), "\(message)")
    }

    @Test("more than 200 items or 50 factors is an error naming the limit")
    func instrumentLimits() throws {
        let items = (1...201).map { "[[items]]\nid = \"q\($0)\"\nfactor = \"F\"\n" }.joined(separator: "\n")
        let tooManyItems = try loadError(survey: "[[factors]]\nid = \"F\"\n\n" + items)
        #expect(tooManyItems.contains("defines 201 items; the limit is 200"), "\(tooManyItems)")
        // Entry 201 starts on line 4 + 200 * 4.
        #expect(tooManyItems.contains("survey.toml:804:"), "\(tooManyItems)")
        let factors = (1...50).map { "[[factors]]\nid = \"F\($0)\"\n" }.joined(separator: "\n")
        let tooManyFactors = try loadError(survey: factors + "\n" + instrument)
        #expect(tooManyFactors.contains("defines 51 factors; the limit is 50"), "\(tooManyFactors)")
    }

    @Test("more than 100,000 units is an error naming the limit")
    func unitLimit() throws {
        let rows = (1...100_001).map { "U\($0),Đơn vị \($0),Unit \($0)\n" }.joined()
        let message = try loadError(survey: TemporarySurvey.surveyToml, units: "code,name_vi,name_en\n" + rows)
        #expect(message.contains("units.csv:100002: defines 100001 units; the limit is 100000"), "\(message)")
    }

    @Test("max_rejected_share in [checks] is read, defaults to 0.05 and must be a share")
    func maxRejectedShare() throws {
        #expect(abs(try load(survey: TemporarySurvey.surveyToml).survey.rules.maxRejectedShare - 0.05) < 1e-12)
        let set = try load(survey: "[checks]\nmax_rejected_share = 0.1\n\n" + instrument)
        #expect(abs(set.survey.rules.maxRejectedShare - 0.1) < 1e-12)
        let message = try loadError(survey: "[checks]\nmax_missing_share = 0.2\nmax_rejected_share = 1.5\n\n" + instrument)
        #expect(message.contains("survey.toml:3: max_rejected_share must be a share from 0 to 1"), "\(message)")
    }

    @Test("[sdmx] ref_area is an ISO 3166 code, VN by default; the example sets VN-23 (Hà Tĩnh)")
    func refArea() throws {
        let byDefault = try load(survey: instrument).survey.sdmx
        #expect(byDefault.refArea == "VN" && byDefault.refAreaNameVi == nil && byDefault.refAreaNameEn == nil)
        let set = try load(survey: "[sdmx]\nref_area = \"VN-23\"\nref_area_name_vi = \"Hà Tĩnh\"\n\n" + instrument).survey.sdmx
        #expect(set.refArea == "VN-23" && set.refAreaNameVi == "Hà Tĩnh" && set.refAreaNameEn == nil)
        for code in ["VN", "VN-23", "VN-HN", "VN-SG", "LA", "TH-10"] { #expect(SDMXSettings.isAreaCode(code), "\(code)") }
        let example = try SurveyFolder.load(repositoryRoot.appendingPathComponent("fixtures/example").path).survey.sdmx
        #expect(example.refArea == "VN-23" && example.refAreaNameVi == "Hà Tĩnh" && example.refAreaNameEn == "Ha Tinh")
    }

    @Test("a ref_area that is not an ISO 3166 code is refused with its line and what is expected",
          arguments: ["\"Ha Tinh\"", "\"vn-23\"", "\"VN-\"", "\"VNM\"", "\"VN-2345\"", "\"VN_23\"", "\"VN-23-1\"", "\"\""])
    func badRefArea(value: String) throws {
        let message = try loadError(survey: "[sdmx]\n# the province\nref_area = \(value)\n\n" + instrument)
        #expect(message.contains("survey.toml:3: sdmx.ref_area '\(value.dropFirst().dropLast())'; expected an ISO 3166 code in capitals"), "\(message)")
        let notText = try loadError(survey: "[sdmx]\nref_area = 23\n\n" + instrument)
        #expect(notText.contains("survey.toml:2: ref_area must be a string"), "\(notText)")
        let misspelt = try loadError(survey: "[sdmx]\nref_aera = \"VN\"\n\n" + instrument)
        #expect(misspelt.contains("survey.toml:2: unknown key ref_aera in [sdmx]; did you mean ref_area?"), "\(misspelt)")
    }

    @Test("unit codes and factor ids that SDMX cannot tell apart are refused, and so is the unit code _T")
    func sdmxCodes() throws {
        let total = try loadError(survey: TemporarySurvey.surveyToml, units: "code,name_vi,name_en\nA,a,a\n_T,t,t\n")
        #expect(total.contains("units.csv:3: unit code '_T' must be 1-32 letters, digits, '_', '.' or '-', and not ALL or _T"), "\(total)")
        let same = try loadError(survey: TemporarySurvey.surveyToml, units: "code,name_vi,name_en\nS.TP,a,a\nB,b,b\nS_TP,c,c\n")
        #expect(same.contains("units.csv:4: unit codes S.TP and S_TP are the same SDMX code S_TP ('.' becomes '_'); rename one"), "\(same)")
        let factors = try loadError(survey: "[[factors]]\nid = \"A.1\"\n\n[[factors]]\nid = \"A_1\"\n\n" + instrument)
        #expect(factors.contains("survey.toml:5: factor ids A.1 and A_1 are the same SDMX code F_A_1"), "\(factors)")
        #expect(SDMXSettings.identifier("S.TP") == "S_TP" && SDMXSettings.identifier("STP") == "STP")
    }
}
