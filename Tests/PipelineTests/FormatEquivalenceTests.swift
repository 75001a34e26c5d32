import Foundation
import Stages
import Testing

/// Field data through the front door (issue 8, "Done when"): the same forms typed into Excel,
/// exported as a formatted report sheet, downloaded as an HTML table named .xls, and saved by
/// Excel as ';'-separated, UTF-16 "Unicode text" or Windows-1258 CSV give byte for byte the
/// estimates of the clean UTF-8 CSV. The forms are the R-checked reference data's 2024 paper
/// half (fixtures/formats/make_formats.py writes every variant from it).
@Suite("Every format gives the same estimates")
struct FormatEquivalenceTests {
    static let aliases = """
        [columns.paper]
        form_id = ["form_id", "Mã phiếu"]
        unit = ["unit", "Đơn vị"]
        date = ["date", "Ngày"]
        comment = ["comment", "Ghi chú"]
        """

    /// The reference folder with its 2024 paper file replaced by `variant`.
    func folder(variant: String?, settings: String) throws -> URL {
        let root = try copyFixture("reference")
        let survey = root.appendingPathComponent("survey.toml")
        var text = try String(contentsOf: survey, encoding: .utf8)
        let start = try #require(text.range(of: "[columns.paper]"))
        let end = try #require(text.range(of: "# Field names in inbox/portal"))
        text.replaceSubrange(start.lowerBound..<end.lowerBound, with: settings + "\n\n")
        try text.write(to: survey, atomically: true, encoding: .utf8)
        if let variant {
            let paper = root.appendingPathComponent("inbox/paper")
            try FileManager.default.removeItem(at: paper.appendingPathComponent("small_2024.csv"))
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent("fixtures/formats/\(variant)"),
                to: paper.appendingPathComponent("small_2024" + (variant as NSString).pathExtension.prefixedDot))
        }
        return root
    }

    func estimates(_ root: URL) throws -> (Data, Stages.RunOutcome) {
        let outcome = try Pipeline(folderPath: root.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        return (try Data(contentsOf: outcome.outDirectory.appendingPathComponent("estimates.csv")), outcome)
    }

    @Test("the same forms in each format give byte-identical estimates.csv", arguments: [
        ("typed.xlsx", ""), ("report_sheet.xlsx", ""), ("one_stop.xls", ""), ("semicolon.csv", ""),
        ("unicode_text.csv", ""), ("cp1258.csv", "encoding = \"windows-1258\""),
    ])
    func sameEstimates(_ variant: String, _ extra: String) throws {
        let (clean, baseline) = try estimates(try folder(variant: nil, settings: Self.aliases))
        let (data, outcome) = try estimates(try folder(variant: variant, settings: Self.aliases + "\n" + extra))
        #expect(outcome.ingest.accepted == baseline.ingest.accepted, "\(variant)")
        #expect(outcome.ingest.rejected == baseline.ingest.rejected, "\(variant)")
        #expect(data == clean, "\(variant): estimates differ from the clean CSV's")
    }
}

extension String {
    fileprivate var prefixedDot: String { isEmpty ? "" : "." + self }
}
