import ArgumentParser
import Stages

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read new or changed inbox files into work/pipeline.sqlite; write work/rejects.csv.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: ArgumentHelp(
        "Drop the rows of a file that left the inbox (path as listed, e.g. inbox/paper/2024-Q1.csv); repeatable.",
        valueName: "PATH"))
    var forget: [String] = []

    func run() throws {
        let verdict = try options.perform("ingest") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions())
                .ingest(forget: forget)
        }
        print(SummaryLine.text(stage: "ingest", verdict: verdict, published: nil, out: nil))
        try finish(verdict)
    }
}
