import ArgumentParser
import Stages

/// `pipeline publish FOLDER`: the release `run` held back on a damaged night, put in place
/// after review.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish the release `run` held in work/pending on a damaged night (after review), atomically; the same damage holds no later release.")

    @OptionGroup var options: CommonOptions

    func run() throws {
        let out = try options.perform("publish") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions()).publishPending()
        }
        print("publish OK (exit 0); published \(out.path)")
    }
}
