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

/// Every summary line counts failed checks as checks.csv holds them (issue 17).
@Suite("Summary lines agree on failed checks")
struct SummaryCountTests {
    @Test("ingest and stats count the stored failed checks, as run did; their exit status is not decided by them")
    func sameCount() throws {
        let folder = try copyFixture("example")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        let run = try pipeline.run(language: nil, releaseDate: nil)
        let failedInFile = try String(contentsOf: folder.appendingPathComponent("out/checks.csv"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(",fail,") }.count
        #expect(run.verdict.checksFailed == failedInFile && failedInFile > 0)
        let ingest = try pipeline.ingest()
        #expect(ingest.checksFailed == failedInFile)
        #expect(ingest.exitStatus == .success)
        let line = SummaryLine.text(stage: "ingest", verdict: ingest, published: nil, out: nil)
        #expect(line.contains("\(failedInFile) checks failed"), "\(line)")
        let (_, stats) = try pipeline.stats()
        #expect(stats.checksFailed == failedInFile)
    }
}
