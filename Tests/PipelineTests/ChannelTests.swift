import Foundation
import Stages
import Testing

/// Paper and online apart: each unit's quarter and year per channel (`unit_quarter_paper`,
/// `unit_quarter_online`, `unit_year_paper`, `unit_year_online`), in the annex of the page.
@Suite("Paper and online apart")
struct ChannelTests {
    @Test("the channels' forms and answers add up to the unit's; their shares and indices follow from their own counts")
    func addsUp() throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: .vi, releaseDate: nil)
        let e = try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
        var compared = 0
        for unit in ["STP", "SYT", "SXD", "SNV"] {
            for (period, scope, paper, online) in [("2024-Q4", "unit_quarter", "unit_quarter_paper", "unit_quarter_online"),
                                                   ("2024", "unit_year", "unit_year_paper", "unit_year_online")] {
                // A row that is missing (or NA) is a failure, never a 0 that happens to add up.
                func value(_ s: String, _ subject: String, _ statistic: String, _ method: String) -> Double {
                    let key = "\(s),\(unit),\(period),\(subject),\(statistic),\(method)"
                    guard let number = e[key].flatMap(Double.init) else {
                        Issue.record("estimates.csv has no number for \(key)")
                        return .nan
                    }
                    return number
                }
                #expect(value(paper, "ALL", "n_rows", "count") + value(online, "ALL", "n_rows", "count") == value(scope, "ALL", "n_rows", "count"))
                #expect(value(paper, "ALL", "n_rows", "count") > 0 && value(online, "ALL", "n_rows", "count") > 0, "\(unit) \(period)")
                var shares: [Double] = []
                for q in 1...22 {
                    let id = String(format: "q%02d", q)
                    for statistic in ["n", "satisfied"] {
                        #expect(value(paper, id, statistic, "count") + value(online, id, statistic, "count")
                                == value(scope, id, statistic, "count"), "\(unit) \(period) \(id) \(statistic)")
                    }
                    let n = value(paper, id, "n", "count"), x = value(paper, id, "satisfied", "count")
                    #expect(abs(value(paper, id, "p", "unweighted") - x / n) < 1e-12)
                    shares.append(x / n)
                    compared += 1
                }
                // The paper index from its own shares: factors A q01-05, B q06-10, C q11-15, D q16-19, E q20-22.
                let factors = [0..<5, 5..<10, 10..<15, 15..<19, 19..<22].map { r in r.map { shares[$0] }.reduce(0, +) / Double(r.count) }
                #expect(abs(value(paper, "index", "index", "unweighted") - factors.reduce(0, +) / 5) < 1e-12, "\(unit) \(period)")
            }
        }
        #expect(compared == 4 * 2 * 22)
        let html = String(decoding: try Data(contentsOf: outcome.outDirectory.appendingPathComponent("report.html")), as: UTF8.self)
        #expect(html.contains("Phiếu giấy và trực tuyến: Sở Tư pháp") && html.contains("Trực tuyến (cổng dịch vụ công)"))
        #expect(!e.keys.contains { $0.hasPrefix("unit_quarter_paper,") && $0.contains(" vs ") }, "no comparisons per channel")
    }
}
