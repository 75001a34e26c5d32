import ArgumentParser
import Stages

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read new or changed inbox files into work/pipeline.sqlite; write work/rejects.csv.")

    @OptionGroup var options: CommonOptions

    func run() throws {
        let summary = try options.perform("ingest") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger).ingest()
        }
        print("Files read \(summary.filesRead), unchanged \(summary.filesUnchanged), removed \(summary.filesRemoved).")
        print("Forms accepted \(summary.accepted), rejected \(summary.rejected), duplicates \(summary.duplicates).")
    }
}
