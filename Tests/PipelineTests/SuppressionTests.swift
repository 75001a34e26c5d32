import Foundation
import Stages
import Testing

/// Suppression means not published: a suppressed estimate's value, SE and bounds appear in
/// no file of `out/`, only its flag; `work/estimates.csv` keeps every value.
@Suite("Suppressed estimates are not published")
struct SuppressionTests {
    /// The example with `suppress_below = 50`: SNV 2024-Q4 (45 forms) is suppressed.
    func suppressedRelease() throws -> (folder: URL, out: URL) {
        let folder = try copyFixture("example")
        let toml = folder.appendingPathComponent("survey.toml")
        let text = try String(contentsOf: toml, encoding: .utf8)
        try text.replacingOccurrences(of: "suppress_below = 30", with: "suppress_below = 50")
            .write(to: toml, atomically: true, encoding: .utf8)
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
            .run(language: nil, releaseDate: nil)
        return (folder, outcome.outDirectory)
    }

    static let counts: Set<String> = ["n", "n_rows", "satisfied", "favourable", "answers", "flag", "sum_w", "n_eff"]

    @Test("no value, SE or bound of a suppressed estimate is in any file of out/; work/estimates.csv has them all")
    func nothingLeaks() throws {
        let (folder, out) = try suppressedRelease()
        let all = try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
        let published = try readEstimates(out.appendingPathComponent("estimates.csv").path)
        #expect(Set(all.keys) == Set(published.keys), "the public copy keeps every row")
        let cell = "unit_quarter,SNV,2024-Q4,"
        #expect(all[cell + "index,flag,Q"] == "1" && published[cell + "index,flag,Q"] == "1", "the flag stays")

        // The values the statistician sees, which the public must not.
        var secrets: [(key: String, value: Double)] = []
        for (key, value) in all where key.hasPrefix(cell) {
            let statistic = key.split(separator: ",")[4]
            guard !Self.counts.contains(String(statistic)), let v = Double(value), v != 0, v != 1 else { continue }
            secrets.append((key, v))
            #expect(published[key] == "NA", "\(key) is NA in out/estimates.csv (was \(value))")
        }
        let index = try #require(Double(all[cell + "index,index,unweighted"] ?? ""))
        #expect(secrets.contains { $0.key == cell + "index,index,unweighted" })
        #expect(secrets.count > 100, "every item and factor of the cell")

        // Every form of the suppressed index any output uses, searched in every text file of out/.
        let lower = try #require(Double(all[cell + "index,index_lower,lin_unweighted_logit"] ?? ""))
        let upper = try #require(Double(all[cell + "index,index_upper,lin_unweighted_logit"] ?? ""))
        let se = try #require(Double(all[cell + "index,index_se,lin_unweighted"] ?? ""))
        // The precise forms of the suppressed index, searched in every text file of out/
        // (%.12g: estimates.csv and report.xml; %.4f of percent: sdmx.xml).
        var forms: [String] = []
        for v in [index, lower, upper, se] {
            forms.append(String(format: "%.12g", v))
            forms.append(String(format: "%.4f", v * 100))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { !$0.hasSuffix(".xlsx") }
        #expect(files.contains("report.xml") && files.contains("report.html") && files.contains("summary.csv"))
        for name in files {
            let text = String(decoding: try Data(contentsOf: out.appendingPathComponent(name)), as: UTF8.self)
            for form in forms {
                #expect(!text.contains(form), "\(name) shows \(form), a value of the suppressed SNV 2024-Q4 index")
            }
        }
        // The cell in report.xml: counts and flags, no number computed from the answers.
        let xml = String(decoding: try Data(contentsOf: out.appendingPathComponent("report.xml")), as: UTF8.self)
        let start = try #require(xml.range(of: #"<cell scope="unit_quarter" unit="SNV" period="2024-Q4""#))
        let end = try #require(xml.range(of: "</cell>", range: start.upperBound..<xml.endIndex))
        let body = String(xml[start.lowerBound..<end.lowerBound])
        for attribute in [" value=", " se=", " lower=", " upper=", " p=", " meanScore="] {
            #expect(!body.contains(attribute), "report.xml's suppressed cell has\(attribute)")
        }
        #expect(body.contains(" levels=") && body.contains(" n=\""), "the answer counts stay")
        // summary.csv: the row keeps forms and flags, its figures are empty.
        let summary = String(decoding: try Data(contentsOf: out.appendingPathComponent("summary.csv")), as: UTF8.self)
        let row = try #require(summary.components(separatedBy: "\r\n").first { $0.hasPrefix("unit_quarter,SNV,") && $0.contains(",2024-Q4,") })
        let fields = row.components(separatedBy: ",")
        #expect(fields[4] == "45" && fields[5...7].allSatisfy(\.isEmpty), "\(row)")
        #expect(row.contains(",Q I,"), "\(row)")
        // And the statistician's copy does have the number.
        let work = String(decoding: try Data(contentsOf: folder.appendingPathComponent("work/estimates.csv")), as: UTF8.self)
        #expect(work.contains(String(format: "%.12g", index)))
    }

    @Test("report.xml keeps the suppressed index's element and flag without a number; the page shows Q")
    func flagStays() throws {
        let (_, out) = try suppressedRelease()
        let xml = String(decoding: try Data(contentsOf: out.appendingPathComponent("report.xml")), as: UTF8.self)
        let cell = try #require(xml.range(of: #"<cell scope="unit_quarter" unit="SNV" period="2024-Q4""#))
        let end = try #require(xml.range(of: "</cell>", range: cell.upperBound..<xml.endIndex))
        let body = String(xml[cell.lowerBound..<end.lowerBound])
        #expect(body.contains(#"<index id="index" method="unweighted" flags="Q" suppressed="true"/>"#), "\(body.prefix(600))")
        #expect(!body.contains("<target "), "no target status for a suppressed index")
        let html = String(decoding: try Data(contentsOf: out.appendingPathComponent("report.html")), as: UTF8.self)
        #expect(html.contains(#"<td class="num">Q</td>"#))
    }
}
