import ArgumentParser
import Stages

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write \(Pipeline.releaseFiles(of: "report").joined(separator: ", ")) from the stored estimates (report.xml validated against report.xsd; report.html in the release's language, the other page in the other); refuses estimates or checks older than survey.toml or the forms.")

    @OptionGroup var options: CommonOptions

    @OptionGroup var report: ReportOptions

    func run() throws {
        let (_, verdict) = try options.perform("report") { logger in
            try Pipeline(folderPath: options.folder, outPath: options.out, logger: logger, options: options.pipelineOptions())
                .report(language: report.lang, releaseDate: report.releaseDate)
        }
        // The other language's page and annex are one of two names each.
        let others: Set<String> = ["report.en.html", "report.vi.html", "annex.en.docx", "annex.vi.docx"]
        print("Wrote \(Pipeline.releaseFiles(of: "report").filter { !others.contains($0) }.joined(separator: ", ")) and the other language's page and annex.")
        print(SummaryLine.text(stage: "report", verdict: verdict, published: nil, out: nil))
        try finish(verdict)
    }
}
