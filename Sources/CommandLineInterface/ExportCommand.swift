import ArgumentParser
import Foundation
import Stages
import SurveyModel

/// `pipeline export FOLDER --to FILE`: the accepted forms for SPSS, Stata or a spreadsheet.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the accepted forms, one row per form, to FILE: SPSS .sav, Stata .dta or .csv (UTF-8 with BOM) by its extension, with the units' names, the answer scales' labels as value labels and the questions as variable labels; free-text comments only with --with-comments.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: ArgumentHelp("The file to write: NAME.sav, NAME.dta or NAME.csv (not in the release folder).", valueName: "FILE"))
    var to: String

    @Flag(name: .long, help: "Also write the free-text comments (they may name people; they are never published).")
    var withComments = false

    @Option(help: "Language of the labels: vi or en (default: survey.toml's language).")
    var lang: Language?

    func validate() throws {
        let ext = (to as NSString).pathExtension.lowercased()
        guard ["sav", "dta", "csv"].contains(ext) else {
            throw ValidationError("--to '\(to)': expected a file ending in .sav (SPSS), .dta (Stata) or .csv")
        }
    }

    func run() throws {
        let summary = try options.perform("export") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions())
                .export(to: to, withComments: withComments, language: lang)
        }
        let cut = summary.textsCut == 0 ? "" : "; \(summary.textsCut) text(s) cut to the format's longest string (the .csv keeps them whole)"
        print(SummaryLine.escaped("export OK (exit 0); wrote \(summary.path): \(summary.forms) forms, \(summary.columns) variables (\(summary.format.rawValue))\(cut)"))
    }
}
