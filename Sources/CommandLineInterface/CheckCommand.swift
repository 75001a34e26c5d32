import ArgumentParser
import Stages

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Sampling and quality checks per unit and quarter; write checks.csv. Exit 1 if any check failed.")

    @OptionGroup var options: CommonOptions

    func run() throws {
        let (outcome, verdict) = try options.perform("check") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions()).check()
        }
        print(CheckSummary.text(outcome))
        print(SummaryLine.text(stage: "check", verdict: verdict, published: nil, out: nil))
        try finish(verdict)
    }
}
