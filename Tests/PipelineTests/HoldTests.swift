import Foundation
import Stages
import Testing

/// A damaged night does not replace a good release (issue 17): `run` builds it in
/// `work/pending` and leaves `out/` as it was; `pipeline publish` puts it in place.
@Suite("A damaged night's release is held for review")
struct HoldTests {
    func run(_ folder: URL) throws -> RunOutcome {
        try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
    }

    /// A file of the portal channel that is not what it should be: every row rejected.
    func addWhollyRejected(_ folder: URL) throws {
        try Data("form_id,unit,date,q01\nX1,ZZZ,31/02/2024,9\nX2,ZZZ,31/02/2024,9\n".utf8)
            .write(to: folder.appendingPathComponent("inbox/paper/2024-Q4 bad.csv"))
    }

    @Test("the published release stays byte for byte; the new one waits in work/pending, keeps waiting, and is published by `publish`")
    func held() throws {
        let folder = try copyFixture("example")
        let first = try run(folder)
        #expect(first.published && first.held == nil)
        let out = folder.appendingPathComponent("out")
        let published = try releaseContents(out)
        try addWhollyRejected(folder)
        let damaged = try run(folder)
        #expect(!damaged.published)
        let pending = try #require(damaged.held)
        #expect(pending.path == folder.appendingPathComponent("work/pending").path)
        #expect(try releaseContents(out) == published, "the published release is untouched")
        #expect(damaged.verdict.exitStatus == .needsAttention)
        #expect(damaged.verdict.attention.contains { $0.contains("held in") && $0.contains("pipeline publish") }, "\(damaged.verdict.attention)")
        let line = SummaryLine.text(stage: "run", verdict: damaged.verdict, published: damaged.published, out: out.path, held: pending.path)
        #expect(line.contains("held in \(pending.path), \(out.path) unchanged"), "\(line)")
        let heldRelease = try releaseContents(pending)
        #expect(heldRelease["manifest.json"] != nil && heldRelease["report.html"] != nil)
        // The next night, nothing new: still held, nothing recomputed, nothing published.
        let again = try run(folder)
        #expect(again.held != nil && !again.published && again.recomputed.isEmpty, "\(again.recomputed)")
        #expect(try releaseContents(out) == published)
        // After review, `publish` puts the held release in place, whole.
        _ = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).publishPending()
        #expect(try releaseContents(out) == heldRelease)
        #expect(!FileManager.default.fileExists(atPath: pending.path))
        // The same damage, seen and published, holds nothing back any more.
        let after = try run(folder)
        #expect(after.held == nil && !after.published)
        #expect(try releaseContents(out) == heldRelease)
    }

    @Test("hold = \"never\" publishes a damaged night's release, as before")
    func never() throws {
        let folder = try copyFixture("example")
        let toml = folder.appendingPathComponent("survey.toml")
        let text = try String(contentsOf: toml, encoding: .utf8)
        try text.replacingOccurrences(of: "[publication]\n", with: "[publication]\nhold = \"never\"\n").write(to: toml, atomically: true, encoding: .utf8)
        _ = try run(folder)
        try addWhollyRejected(folder)
        let damaged = try run(folder)
        #expect(damaged.published && damaged.held == nil)
        #expect(damaged.verdict.exitStatus == .needsAttention)
    }

    @Test("publish with nothing held is refused (66)")
    func nothingHeld() throws {
        let folder = try copyFixture("example")
        _ = try run(folder)
        do {
            _ = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).publishPending()
            Issue.record("published with nothing held")
        } catch {
            #expect(ExitStatus.for(error) == .missingInput, "\(error)")
        }
    }
}
