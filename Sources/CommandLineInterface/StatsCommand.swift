import ArgumentParser
import Stages

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Compute every estimate; write estimates.csv.")

    @OptionGroup var options: CommonOptions

    func run() throws {
        let (count, verdict) = try options.perform("stats") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions()).stats()
        }
        print("Wrote \(count) estimates.")
        print(SummaryLine.text(stage: "stats", verdict: verdict, published: nil, out: nil))
        try finish(verdict)
    }
}
