import ArgumentParser
import Stages

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest, check, estimate and report, each only if its inputs changed; publish the release atomically.")

    @OptionGroup var options: CommonOptions

    @OptionGroup var report: ReportOptions

    @Flag(name: .long, help: "Recompute every stage and republish, even when nothing changed.")
    var force = false

    @Option(name: .long, help: ArgumentHelp(
        "Drop the rows of a file that left the inbox (path as listed, e.g. inbox/paper/2024-Q1.csv); repeatable.",
        valueName: "PATH"))
    var forget: [String] = []

    func run() throws {
        let outcome = try options.perform("run") { logger in
            try Pipeline(
                folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions(force: force)
            ).run(language: report.lang, releaseDate: report.releaseDate, forget: forget)
        }
        print(CheckSummary.text(outcome.checks))
        print("Release in \(outcome.outDirectory.path):")
        for file in outcome.files { print("  \(outcome.outDirectory.appendingPathComponent(file).path)") }
        if let held = outcome.held { print("Held for review in \(held.path); publish it with `pipeline publish \(options.folder)`.") }
        print(SummaryLine.text(
            stage: "run", verdict: outcome.verdict, published: outcome.published, out: outcome.outDirectory.path, held: outcome.held?.path))
        try finish(outcome.verdict)
    }
}
