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
    @Test("the example and reference fixtures load: they hold no unknown key")
    func fixturesLoad() throws {
        for name in ["example", "reference"] {
            let folder = try SurveyFolder.load(repositoryRoot.appendingPathComponent("fixtures/\(name)").path)
            #expect(!folder.survey.likertItems.isEmpty)
        }
    }

    /// (survey.toml, what the error must contain)
    static let locatedErrors: [(String, String)] = [
        ("[survey]\nplan_minimum = 2\nconfidence_level = 2\n\n" + instrument, "survey.toml:3: survey.confidence_level must lie between 0.5 and 1"),
        // A multi-line array and a multi-line string holding a header and a key shift no line.
        ("[survey]\nsatisfied = [\n  4, # hài lòng\n  5,\n]\ntitle_vi = \"\"\"\n[flags]\nlanguage = 1\n\"\"\"\nlanguage = \"fr\"\n\n" + instrument,
         "survey.toml:10: survey.language 'fr'; expected vi or en"),
        ("[survey]\nsatisfied = [0, 5]\n\n" + instrument, "survey.toml:2: survey.satisfied must be a list of answers from 1 to 5"),
        ("[flags]\nmax_half_width = 0\n\n" + instrument, "survey.toml:2: max_half_width must be a share from 0 to 1"),
        ("[columns.paper]\nunit = 5\n\n" + instrument, "survey.toml:2: unit must be a string"),
        (instrument + "\n\n[[items]]\nkind = \"yesno\"", "survey.toml:10: items[2] needs an id"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"likert5\"", "survey.toml:10: item q02: a likert5 item needs a factor"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nfactor = \"Z\"", "survey.toml:12: item q02: a likert5 item needs a factor"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"scale\"", "survey.toml:12: item q02: kind 'scale'; expected likert5"),
        (instrument + "\n\n[[items]]\nid = \"q02\"\nkind = \"yesno\"\nfavourable = 2", "survey.toml:13: favourable must be a whole number from 0 to 1"),
        (instrument + "\n\n[[items]]\nid = \"q01\"\nfactor = \"F\"", "survey.toml:11: item id q01 is used twice"),
        ("[[factors]]\nid = \"G\"\n\n" + instrument, "survey.toml:1: factor G has no likert5 item"),
        ("[[factors]]\nid = \"F\"\n\n" + instrument, "survey.toml:5: factor id F is used twice or is reserved"),
    ]

    @Test("every survey.toml error names its line: a value its key's, a missing key its table's", arguments: locatedErrors)
    func locatedError(survey: String, expected: String) throws {
        let message = try loadError(survey: survey)
        #expect(message.contains(expected), "\(message)")
    }
}
