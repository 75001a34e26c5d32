import ArgumentParser
import Stages
import SurveyModel

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.xml (validated against report.xsd) and report.html from the stored estimates.")

    @OptionGroup var options: CommonOptions

    @Option(help: "Report language: vi or en (default: survey.toml's language).")
    var lang: Language?

    @Option(help: "Release date for the report, yyyy-mm-dd (default: the latest form date).")
    var releaseDate: String?

    func validate() throws {
        if let releaseDate, !ReleaseDate.isValid(releaseDate) {
            throw ValidationError("--release-date '\(releaseDate)' is not a date; expected yyyy-mm-dd, such as 2024-12-31")
        }
    }

    func run() throws {
        _ = try options.perform("report") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger)
                .report(language: lang, releaseDate: releaseDate)
        }
        print("Wrote report.xml and report.html.")
    }
}
