import Foundation
import Ingest
import Stages
import Storage
import Stats
import Testing
import SurveyModel

/// The statistician's everyday moves and cron's nights (issue 7): nothing lost, nothing
/// stale, nothing silent. Each test fails on the code before the issue and passes after.
@Suite("Safety: nothing lost, nothing stale, nothing silent")
struct SafetyTests {
    func contents(_ dir: URL) throws -> [String: Data] { try releaseContents(dir) }

    func pipeline(_ folder: URL, out: URL? = nil, force: Bool = false) throws -> Pipeline {
        var options = PipelineOptions()
        options.force = force
        options.today = (2025, 1, 15)
        return try Pipeline(folderPath: folder.path, outPath: out?.path, logger: quietLogger, options: options)
    }

    func edit(_ file: URL, _ change: (String) -> String) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the edit of \(file.lastPathComponent) changed nothing")
        try changed.write(to: file, atomically: true, encoding: .utf8)
    }

    func status(_ body: () throws -> Any) -> Stages.ExitStatus? {
        do {
            _ = try body()
            return nil
        } catch {
            return ExitStatus.for(error)
        }
    }

    // MARK: --out

    @Test("--out never deletes what the pipeline did not write: a foreign folder, a file, the inbox, the survey folder")
    func outIsSafe() throws {
        let folder = try copyFixture("example")
        let parent = folder.deletingLastPathComponent()
        let foreign = parent.appendingPathComponent("publisher")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("signed".utf8).write(to: foreign.appendingPathComponent("decision.pdf"))
        let plain = parent.appendingPathComponent("notes.txt")
        try Data("mine".utf8).write(to: plain)
        let inboxBefore = try FileManager.default.subpathsOfDirectory(atPath: folder.appendingPathComponent("inbox").path).sorted()
        for target in [foreign, plain, folder.appendingPathComponent("inbox"), folder.appendingPathComponent("inbox/paper"),
                       folder.appendingPathComponent("work"), folder, parent] {
            let p = try pipeline(folder, out: target)
            #expect(status { try p.run(language: nil, releaseDate: nil) } == .refusedOutput, "\(target.path)")
            #expect(status { try p.check() } == .refusedOutput, "\(target.path)")
            #expect(status { try p.report(language: nil, releaseDate: nil) } == .refusedOutput, "\(target.path)")
        }
        #expect(try Data(contentsOf: foreign.appendingPathComponent("decision.pdf")) == Data("signed".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign.path) == ["decision.pdf"])
        #expect(try Data(contentsOf: plain) == Data("mine".utf8))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: folder.appendingPathComponent("inbox").path).sorted() == inboxBefore)
        // An empty folder, and then the pipeline's own release, may be written.
        let empty = parent.appendingPathComponent("release")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        _ = try pipeline(folder, out: empty).run(language: nil, releaseDate: nil)
        _ = try pipeline(folder, out: empty, force: true).run(language: nil, releaseDate: nil)
        // A file added to the release by hand is not deleted by the next release.
        try Data("x".utf8).write(to: empty.appendingPathComponent("annotations.docx"))
        #expect(status { try pipeline(folder, out: empty, force: true).run(language: nil, releaseDate: nil) } == .refusedOutput)
        #expect(FileManager.default.fileExists(atPath: empty.appendingPathComponent("annotations.docx").path))
    }

    // MARK: staleness

    @Test("after survey.toml changes, report alone refuses the old numbers and names the stage to run; run recomputes")
    func reportRefusesStaleEstimates() throws {
        let folder = try copyFixture("example")
        let first = try pipeline(folder).run(language: nil, releaseDate: nil)
        let before = try contents(first.outDirectory)
        try edit(folder.appendingPathComponent("survey.toml")) {
            $0.replacingOccurrences(of: "confidence_level = 0.95", with: "confidence_level = 0.90")
        }
        do {
            _ = try pipeline(folder).report(language: nil, releaseDate: nil)
            Issue.record("report published estimates computed at the old confidence level")
        } catch {
            #expect(ExitStatus.for(error) == .missingInput)
            #expect("\(error)".contains("survey.toml changed"))
            // Every stage to run, at once, in order (not one, then the next).
            #expect("\(error)".contains("Run `pipeline check \(folder.path)` then `pipeline stats \(folder.path)` first"), "\(error)")
        }
        #expect(try contents(first.outDirectory) == before)
        let again = try pipeline(folder).run(language: nil, releaseDate: nil)
        #expect(again.recomputed == ["check", "stats", "report"])
        let xml = try String(contentsOf: again.outDirectory.appendingPathComponent("report.xml"), encoding: .utf8)
        #expect(xml.contains("0.9"))
        #expect(try contents(again.outDirectory)["estimates.csv"] != before["estimates.csv"])
    }

    @Test("report without check refuses instead of saying no check failed")
    func reportNeedsChecks() throws {
        let folder = try copyFixture("example")
        let p = try pipeline(folder)
        _ = try p.ingest()
        _ = try p.stats()
        do {
            _ = try p.report(language: nil, releaseDate: nil)
            Issue.record("report ran without checks")
        } catch {
            #expect(ExitStatus.for(error) == .missingInput)
            #expect("\(error)".contains("pipeline check"))
        }
        // A changed plan minimum makes the stored checks stale as well.
        _ = try p.check()
        try edit(folder.appendingPathComponent("survey.toml")) {
            $0.replacingOccurrences(of: "plan_minimum = 60", with: "plan_minimum = 100")
        }
        #expect(status { try pipeline(folder).report(language: nil, releaseDate: nil) } == .missingInput)
    }

    @Test("a new item in survey.toml: single stages refuse and keep the forms; run re-reads loudly and says the input needs attention")
    func instrumentChange() throws {
        let folder = try copyFixture("example")
        _ = try pipeline(folder).run(language: nil, releaseDate: nil)
        let database = folder.appendingPathComponent("work/pipeline.sqlite").path
        func acceptedRows() throws -> Int {
            let db = try SurveyDatabase.open(path: database, itemColumns: [], fingerprint: "probe")
            return try db.outcomeCountsIgnoringInstrument().accepted
        }
        let rowsBefore = try acceptedRows()
        #expect(rowsBefore == 3348)
        try edit(folder.appendingPathComponent("survey.toml")) {
            $0 + "\n[[items]]\nid = \"q25\"\nkind = \"yesno\"\ntext_vi = \"Mới\"\ntext_en = \"New\"\n"
        }
        for stage in ["check", "stats", "report"] {
            let p = try pipeline(folder)
            let result = status {
                switch stage {
                case "check": try p.check()
                case "stats": try p.stats()
                default: try p.report(language: nil, releaseDate: nil)
                }
            }
            #expect(result == .missingInput, "\(stage)")
        }
        #expect(try acceptedRows() == rowsBefore)
        let run = try pipeline(folder).run(language: nil, releaseDate: nil)
        #expect(run.ingest.rebuilt)
        #expect(run.ingest.filesWhollyRejected.count == 8)
        #expect(run.verdict.exitStatus == .needsAttention)
        #expect(run.verdict.attention.contains { $0.contains("wholly rejected") })
    }

    // MARK: nothing leaves silently

    @Test("a file gone from the inbox keeps its forms and is reported on every run until forgotten")
    func missingFile() throws {
        let folder = try copyFixture("example")
        let first = try pipeline(folder).run(language: nil, releaseDate: nil)
        let estimates = try contents(first.outDirectory)["estimates.csv"]
        try FileManager.default.removeItem(at: folder.appendingPathComponent("inbox/paper/2023-Q1.csv"))
        for _ in 0..<2 {
            let run = try pipeline(folder).run(language: nil, releaseDate: nil)
            #expect(run.ingest.filesMissing == ["inbox/paper/2023-Q1.csv"])
            #expect(run.verdict.exitStatus == .needsAttention)
            #expect(run.ingest.accepted == 3348)
            #expect(try contents(run.outDirectory)["estimates.csv"] == estimates)
            let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
            #expect(rejects.contains("inbox/paper/2023-Q1.csv,0,file_missing,"))
        }
        let forgotten = try pipeline(folder).run(language: nil, releaseDate: nil, forget: ["inbox/paper/2023-Q1.csv"])
        #expect(forgotten.ingest.filesMissing.isEmpty)
        #expect(forgotten.ingest.accepted == 3348 - 347)
        #expect(try contents(forgotten.outDirectory)["estimates.csv"] != estimates)
        // Forgetting a file still in the inbox, or an unknown one, is refused.
        #expect(status { try pipeline(folder).ingest(forget: ["inbox/paper/2023-Q2.csv"]) } == .dataError)
        #expect(status { try pipeline(folder).ingest(forget: ["inbox/paper/nope.csv"]) } == .dataError)
    }

    @Test("a mistyped year cannot move the published period: future dates and stray years are rejected with file and line")
    func strayDates() throws {
        let folder = try copyFixture("example")
        try edit(folder.appendingPathComponent("survey.toml")) {
            $0.replacingOccurrences(of: "first_period = \"2023-Q1\"\n", with: "").replacingOccurrences(of: "last_period = \"2024-Q4\"\n", with: "")
        }
        let file = folder.appendingPathComponent("inbox/paper/2024-Q4.csv")
        try edit(file) { text in
            var lines = text.components(separatedBy: "\n")
            for (index, year) in [(5, "2042"), (6, "2004")] {
                var fields = lines[index].components(separatedBy: ",")
                fields[2] = fields[2].replacingOccurrences(of: "2024", with: year)
                lines[index] = fields.joined(separator: ",")
            }
            return lines.joined(separator: "\n")
        }
        let run = try pipeline(folder).run(language: nil, releaseDate: nil)
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.contains("inbox/paper/2024-Q4.csv,6,rejected,"))
        #expect(rejects.contains("after the day of the ingest"))
        #expect(rejects.contains("inbox/paper/2024-Q4.csv,7,rejected,"))
        #expect(rejects.contains("far from the bulk of the data (2023-Q1 to 2024-Q4)"))
        let xml = try String(contentsOf: run.outDirectory.appendingPathComponent("report.xml"), encoding: .utf8)
        #expect(xml.contains("latestPeriod=\"2024-Q4\""))
        #expect(xml.contains("dataThrough=\"2024-12-31\""))
    }

    @Test("the page says the latest form date it used, apart from the release date")
    func dataThrough() throws {
        let folder = try copyFixture("example")
        let run = try pipeline(folder).run(language: nil, releaseDate: "2025-01-20")
        let html = try String(contentsOf: run.outDirectory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Dữ liệu đến ngày 31/12/2024"))
        #expect(html.contains("Ngày công bố 20/01/2025"))
    }

    // MARK: cron

    @Test("exit statuses tell a normal night from one that needs attention")
    func exitStatuses() throws {
        let folder = try copyFixture("example")
        let normal = try pipeline(folder).run(language: nil, releaseDate: nil)
        #expect(normal.verdict.exitStatus == .checksFailed)
        #expect(normal.verdict.attention.isEmpty)
        // A whole channel missing in the latest quarter.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("inbox/portal/2024-Q4.jsonl"))
        let noOnline = try pipeline(folder).run(language: nil, releaseDate: nil, forget: ["inbox/portal/2024-Q4.jsonl"])
        #expect(noOnline.verdict.exitStatus == .needsAttention)
        #expect(noOnline.verdict.attention == ["no accepted online form in 2024-Q4"])
        // A file whose every row is rejected.
        try Data("form_id,unit,date\nX1,STP,01/10/2024\n".utf8).write(to: folder.appendingPathComponent("inbox/paper/extra.csv"))
        let broken = try pipeline(folder).run(language: nil, releaseDate: nil)
        #expect(broken.verdict.attention.contains { $0.contains("wholly rejected: inbox/paper/extra.csv") })
        // Rejects above the configured share.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("inbox/paper/extra.csv"))
        try edit(folder.appendingPathComponent("survey.toml")) {
            $0.replacingOccurrences(of: "[checks]\n", with: "[checks]\nmax_rejected_share = 0.001\n")
        }
        let many = try pipeline(folder).run(language: nil, releaseDate: nil, forget: ["inbox/paper/extra.csv"])
        #expect(many.verdict.attention.contains { $0.contains("rows rejected") })
        // A damaged night: the release is held in work/pending, out/ left as it was (HoldTests).
        #expect(many.held != nil && !many.published)
        let line = SummaryLine.text(stage: "run", verdict: many.verdict, published: many.published, out: "out", held: "work/pending")
        #expect(line.hasPrefix("run ATTENTION (exit 2); held in work/pending, out unchanged; files 15 (0 read, 0 missing, 0 unreadable); rows "))
    }

    @Test("a nightly run with nothing new does no work and leaves every byte; --force recomputes the same bytes")
    func nightlyRun() throws {
        let folder = try copyFixture("example")
        let first = try pipeline(folder).run(language: nil, releaseDate: nil)
        let before = try contents(first.outDirectory)
        let rejects = try Data(contentsOf: folder.appendingPathComponent("work/rejects.csv"))
        let stamp = try FileManager.default.attributesOfItem(atPath: first.outDirectory.appendingPathComponent("report.html").path)[.modificationDate] as? Date
        let again = try pipeline(folder).run(language: nil, releaseDate: nil)
        #expect(!again.published)
        #expect(again.recomputed.isEmpty)
        #expect(try contents(again.outDirectory) == before)
        let stampAfter = try FileManager.default.attributesOfItem(atPath: first.outDirectory.appendingPathComponent("report.html").path)[.modificationDate] as? Date
        #expect(stamp == stampAfter)
        let forced = try pipeline(folder, force: true).run(language: nil, releaseDate: nil)
        #expect(forced.published && forced.recomputed == ["check", "stats", "report"])
        #expect(try contents(forced.outDirectory) == before)
        #expect(try Data(contentsOf: folder.appendingPathComponent("work/rejects.csv")) == rejects)
        // A changed release option is a new release.
        let english = try pipeline(folder).run(language: .en, releaseDate: nil)
        #expect(english.published && english.recomputed == ["report"])
    }

    // MARK: one bad entry never blocks the others

    @Test("bad inbox entries are each a reject of that file; the rest is published and a file read before keeps its rows")
    func badEntries() throws {
        let folder = try copyFixture("example")
        _ = try pipeline(folder).run(language: nil, releaseDate: nil)
        let paper = folder.appendingPathComponent("inbox/paper")
        // A file read before turns into a broken link: its earlier rows stay.
        try FileManager.default.moveItem(at: paper.appendingPathComponent("2023-Q1.csv"), to: folder.appendingPathComponent("moved.csv"))
        try FileManager.default.createSymbolicLink(atPath: paper.appendingPathComponent("2023-Q1.csv").path, withDestinationPath: "/nonexistent/x.csv")
        try Data("x".utf8).write(to: paper.appendingPathComponent("typed.ods"))
        try Data("form_id\n".utf8).write(to: paper.appendingPathComponent("bad\u{7}name.csv"))
        let outside = folder.deletingLastPathComponent().appendingPathComponent("outside.csv")
        try Data("form_id\n".utf8).write(to: outside)
        try FileManager.default.createSymbolicLink(atPath: paper.appendingPathComponent("link.csv").path, withDestinationPath: outside.path)
        let badName = Array(paper.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".csv".utf8)
        let fd = badName.withUnsafeBufferPointer { b -> Int32 in
            var path = Array(b) + [0]
            return path.withUnsafeMutableBufferPointer { p in p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_CREAT | O_WRONLY, 0o644) } }
        }
        #expect(fd >= 0)
        close(fd)
        let run = try pipeline(folder).run(language: nil, releaseDate: nil)
        #expect(run.verdict.exitStatus == .needsAttention)
        #expect(run.ingest.accepted == 3348)
        #expect(Set(run.ingest.filesUnreadable) == [
            // (a name with a control character is shown escaped: it cannot forge a log line)
            "inbox/paper/2023-Q1.csv", "inbox/paper/typed.ods", "inbox/paper/bad\\u{7}name.csv", "inbox/paper/link.csv",
            "inbox/paper/caf\\xe9.csv",
        ])
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.components(separatedBy: ",file_unreadable,").count == 6)
        #expect(rejects.contains("not valid UTF-8"))
        #expect(rejects.contains("outside the survey folder"))
        #expect(rejects.contains("U+0007"))
        #expect(FileManager.default.fileExists(atPath: run.outDirectory.appendingPathComponent("report.xml").path))
    }

    @Test("CSV cells meant for a spreadsheet cannot start a formula")
    func noFormulas() throws {
        let folder = try copyFixture("example")
        try edit(folder.appendingPathComponent("units.csv")) {
            $0.replacingOccurrences(of: "STP,Sở Tư pháp,", with: "STP,\"=HYPERLINK(\"\"http://x\"\")\",")
        }
        try Data("form_id,unit,date\n=cmd|' /C calc'!A0,STP,01/10/2024\n".utf8).write(to: folder.appendingPathComponent("inbox/paper/z.csv"))
        let run = try pipeline(folder).run(language: nil, releaseDate: nil)
        let summary = try String(contentsOf: run.outDirectory.appendingPathComponent("summary.csv"), encoding: .utf8)
        #expect(summary.contains(",\"'=HYPERLINK("))
        #expect(!summary.contains(",\"=HYPERLINK(") && !summary.contains(",=HYPERLINK("))
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(!rejects.contains(",=cmd"))
    }
}
