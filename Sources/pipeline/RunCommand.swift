import ArgumentParser
import Stages
import SurveyModel

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest, check, estimate and report; publish the release atomically.")

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
        let outcome = try options.perform("run") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger)
                .run(language: lang, releaseDate: releaseDate)
        }
        print(CheckSummary.text(outcome.checks))
        print("Accepted \(outcome.ingest.accepted) forms, rejected \(outcome.ingest.rejected), duplicates \(outcome.ingest.duplicates).")
        print("Release in \(outcome.outDirectory.path):")
        for file in outcome.files { print("  \(outcome.outDirectory.appendingPathComponent(file).path)") }
        if outcome.checks.anyFailed { throw ExitCode(ExitStatus.checksFailed.rawValue) }
    }
}
