import ArgumentParser
import Stages

/// `pipeline replace FOLDER ORIGINAL CORRECTED`: a corrected file takes the place of the one
/// it corrects, in one step.
struct ReplaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replace",
        abstract: "A corrected file (already in the inbox) replaces the file it corrects: the original is moved to work/replaced/ (kept), its rows forgotten, the corrected one read.")

    @OptionGroup var options: CommonOptions

    @Argument(help: ArgumentHelp("The original file, as listed (e.g. inbox/paper/2024-Q3.csv).", valueName: "ORIGINAL"))
    var original: String

    @Argument(help: ArgumentHelp("The corrected file in the inbox (e.g. inbox/paper/2024-Q3-corrected.csv).", valueName: "CORRECTED"))
    var corrected: String

    func run() throws {
        let verdict = try options.perform("replace") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions())
                .replace(original, with: corrected)
        }
        print(SummaryLine.text(stage: "replace", verdict: verdict, published: nil, out: nil))
        try finish(verdict)
    }
}
