import Foundation
import Stages
import Testing

/// A run sees one state of its inputs (issue 17): what it records it was made from is what it
/// read, so an edit while it runs makes the next run do the work again.
@Suite("One state of the inputs per run")
struct InputStateTests {
    @Test("survey.toml edited after the run read it: the run publishes what it read, the next run recomputes from the edit")
    func editDuringRun() throws {
        let folder = try copyFixture("example")
        let toml = folder.appendingPathComponent("survey.toml")
        let original = try String(contentsOf: toml, encoding: .utf8)
        // The run reads its configuration when it starts; the statistician saves an edit
        // (only "Rất hài lòng" counts as satisfied) while it goes on.
        let running = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        try original.replacingOccurrences(of: "satisfied = [4, 5]", with: "satisfied = [5]").write(to: toml, atomically: true, encoding: .utf8)
        let first = try running.run(language: nil, releaseDate: nil)
        #expect(first.recomputed.contains("stats"))
        let before = try readEstimates(folder.appendingPathComponent("out/estimates.csv").path)
        // The next run sees the edit: not "up to date".
        let next = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(next.recomputed.contains("stats") && next.published, "\(next.recomputed)")
        let after = try readEstimates(folder.appendingPathComponent("out/estimates.csv").path)
        let key = "all_year,ALL,2024,index,index,unweighted"
        let (was, now) = (try #require(before[key].flatMap(Double.init)), try #require(after[key].flatMap(Double.init)))
        #expect(now < was - 0.2, "with only 5 satisfied the index falls: \(was) then \(now)")
        // And a third run has nothing to do.
        let third = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(!third.published && third.recomputed.isEmpty, "\(third.recomputed)")
    }
}
