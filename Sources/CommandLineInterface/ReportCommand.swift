import ArgumentParser
import Stages

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.xml (validated against report.xsd), report.html in both languages, sdmx.xml with its SDMX structure (sdmx-structure.xml, sdmx-schema.xsd), summary.xlsx and summary.csv from the stored estimates; refuses estimates or checks older than survey.toml or the forms.")

    @OptionGroup var options: CommonOptions

    @OptionGroup var report: ReportOptions

    func run() throws {
        let (_, verdict) = try options.perform("report") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions())
                .report(language: report.lang, releaseDate: report.releaseDate)
        }
        print("Wrote report.xml, report.html (and the other language's page), sdmx.xml, sdmx-structure.xml, sdmx-schema.xsd, summary.xlsx and summary.csv.")
        print(SummaryLine.text(stage: "report", verdict: verdict, published: nil, out: nil))
        try finish(verdict)
    }
}
