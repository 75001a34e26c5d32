import ArgumentParser
import Stages

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest, check, estimate and report; publish the release atomically.")

    @OptionGroup var options: CommonOptions

    @OptionGroup var report: ReportOptions

    func run() throws {
        let outcome = try options.perform("run") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger)
                .run(language: report.lang, releaseDate: report.releaseDate)
        }
        print(CheckSummary.text(outcome.checks))
        print("Accepted \(outcome.ingest.accepted) forms, rejected \(outcome.ingest.rejected), duplicates \(outcome.ingest.duplicates).")
        print("Release in \(outcome.outDirectory.path):")
        for file in outcome.files { print("  \(outcome.outDirectory.appendingPathComponent(file).path)") }
        if outcome.checks.anyFailed { throw ExitCode(ExitStatus.checksFailed.rawValue) }
    }
}
