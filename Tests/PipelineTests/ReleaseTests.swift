import Foundation
import Stages
import Stats
import Storage
import Testing

@Suite("Releases: repeatable, atomic, locked")
struct ReleaseTests {
    /// Every file of a release folder, by name.
    func contents(_ dir: URL) throws -> [String: Data] { try releaseContents(dir) }

    @Test("running twice on the same inputs gives byte-identical outputs, and the second run reads no file")
    func rerunIsIdentical() throws {
        let folder = try copyFixture("example")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        let first = try pipeline.run(language: nil, releaseDate: nil)
        let before = try contents(first.outDirectory)
        let second = try pipeline.run(language: nil, releaseDate: nil)
        #expect(second.ingest.filesRead == 0)
        #expect(second.ingest.filesUnchanged == 16)
        #expect(try contents(second.outDirectory) == before)
        // A fresh folder (new database) gives the same bytes too.
        let other = try copyFixture("example")
        let third = try Pipeline(folderPath: other.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(try contents(third.outDirectory) == before)
    }

    @Test("two processes on two copies give byte-identical releases (hashing is seeded per process, so any order that leaks from a dictionary shows)")
    func twoProcessesAgree() async throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-two-\(UUID().uuidString)")
        var releases: [[String: Data]] = []
        for name in ["first", "second"] {
            let folder = try copyFixture("example")
            let result = try await ChildProcess(
                executable: try PipelineExecutable.url().path, arguments: ["run", folder.path], logs: logs, name: name
            ).wait(timeout: 600)
            #expect(result.termination == .exited(1), "the example publishes with failed checks: \(result)")
            var files = try releaseContents(folder.appendingPathComponent("out"))
            files["work/estimates.csv"] = try Data(contentsOf: folder.appendingPathComponent("work/estimates.csv"))
            files["work/rejects.csv"] = try Data(contentsOf: folder.appendingPathComponent("work/rejects.csv"))
            releases.append(files)
        }
        #expect(releases[0].keys.sorted() == releases[1].keys.sorted())
        #expect(releases[0].count >= 12)
        for (name, data) in releases[0] { #expect(releases[1][name] == data, "\(name) differs between two processes") }
    }

    @Test("the example's checks flag the planted problems and nothing else fails")
    func exampleChecks() throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let failed = Set(outcome.checks.failed.map { "\($0.unit) \($0.period) \($0.check)" })
        #expect(failed == ["SNV 2024-Q4 plan_minimum", "SNV 2024-Q4 sample_size_rule", "SXD 2024-Q2 sample_size_rule"])
        #expect(outcome.ingest.accepted == 3348)
        #expect(outcome.ingest.rejected == 10)
        #expect(outcome.ingest.duplicates == 2)
        // The next night summarises the stored checks without reading those that passed:
        // the same counts and the same lines.
        let again = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(outcome.checks.results != nil && again.checks.results == nil, "the second run evaluated the checks again")
        #expect(CheckSummary.text(again.checks) == CheckSummary.text(outcome.checks))
        #expect(again.checks.count == 1024 && again.checks.cells == 32 && again.checks.notPassed.count == 6)
    }

    @Test("a second run while the lock is held stops with busy and changes nothing")
    func lockIsExclusive() throws {
        let folder = try copyFixture("example")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        _ = try pipeline.run(language: nil, releaseDate: nil)
        let before = try contents(pipeline.outDirectory)
        let held = try RunLock(directory: folder.appendingPathComponent("work"))
        #expect(throws: StageError.self) { try pipeline.run(language: nil, releaseDate: nil) }
        do {
            _ = try pipeline.run(language: nil, releaseDate: nil)
        } catch {
            #expect(ExitStatus.for(error) == .busy)
        }
        withExtendedLifetime(held) {}
        #expect(try contents(pipeline.outDirectory) == before)
    }

    @Test("a report that cannot be made leaves the previous release in place")
    func failedRunKeepsPreviousRelease() throws {
        let folder = try copyFixture("example")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        _ = try pipeline.run(language: nil, releaseDate: nil)
        let before = try contents(pipeline.outDirectory)
        // Not a date: the XML's releaseDate fails the schema, so the run must fail whole.
        #expect(throws: (any Error).self) { try pipeline.run(language: nil, releaseDate: "not-a-date") }
        #expect(try contents(pipeline.outDirectory) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("staging") }
        #expect(leftovers.isEmpty)
    }

    @Test("the manifest lists every release file with its SHA-256")
    func manifest() throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let data = try Data(contentsOf: outcome.outDirectory.appendingPathComponent("manifest.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(json["files"] as? [[String: Any]])
        let present = try FileManager.default.contentsOfDirectory(atPath: outcome.outDirectory.path).filter { $0 != "manifest.json" }
        #expect(Set(files.compactMap { $0["file"] as? String }) == Set(present))
        #expect(Set(present) == ([
            "checks.csv", "estimates.csv", "summary.csv", "summary.xlsx", "report.xml", "sdmx.xml", "sdmx-structure.xml", "sdmx-schema.xsd",
            "report.html", "report.en.html", "annex.docx", "annex.en.docx",
        ] as Set<String>).union(present.contains("annex.pdf") ? ["annex.pdf"] : []))
        // annex.pdf needs LibreOffice (the tests run without it, `SIPAS_SOFFICE=none`): made,
        // or named under not_made with why.
        let notMade = (json["not_made"] as? [[String: String]]) ?? []
        #expect(present.contains("annex.pdf") != (notMade.first?["file"] == "annex.pdf"), "\(notMade)")
        for entry in files {
            let name = entry["file"] as! String
            let bytes = try Data(contentsOf: outcome.outDirectory.appendingPathComponent(name))
            #expect(entry["bytes"] as? Int == bytes.count)
            #expect((entry["sha256"] as? String)?.count == 64)
        }
    }

    @Test("stages run one by one give the same estimates as run")
    func stagesByHand() throws {
        let folder = try copyFixture("example")
        let out = folder.appendingPathComponent("by-hand")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: out.path, logger: quietLogger)
        _ = try pipeline.ingest()
        _ = try pipeline.check()
        _ = try pipeline.stats()
        _ = try pipeline.report(language: nil, releaseDate: nil)
        let whole = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(try contents(out) == contents(whole.outDirectory))
    }

    @Test("report before stats is a missing-input error")
    func reportNeedsEstimates() throws {
        let folder = try copyFixture("example")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        _ = try pipeline.ingest()
        do {
            _ = try pipeline.report(language: nil, releaseDate: nil)
            Issue.record("report without estimates should fail")
        } catch {
            #expect(ExitStatus.for(error) == .missingInput)
        }
    }
}

@Suite("Split input")
struct SplitInputTests {
    @Test("splitting a paper file in two gives byte-identical estimates")
    func splitFile() throws {
        let whole = try copyFixture("reference")
        let split = try copyFixture("reference")
        let file = split.appendingPathComponent("inbox/paper/small_2024.csv")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let header = lines[0]
        let body = lines.dropFirst().filter { !$0.isEmpty }
        let half = body.count / 2
        try FileManager.default.removeItem(at: file)
        try ([header] + body.prefix(half)).joined(separator: "\n").appending("\n")
            .write(to: split.appendingPathComponent("inbox/paper/small_2024_a.csv"), atomically: true, encoding: .utf8)
        try ([header] + body.dropFirst(half)).joined(separator: "\n").appending("\n")
            .write(to: split.appendingPathComponent("inbox/paper/small_2024_b.csv"), atomically: true, encoding: .utf8)
        let a = try Pipeline(folderPath: whole.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let b = try Pipeline(folderPath: split.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let ea = try Data(contentsOf: a.outDirectory.appendingPathComponent("estimates.csv"))
        let eb = try Data(contentsOf: b.outDirectory.appendingPathComponent("estimates.csv"))
        #expect(ea == eb)
        #expect(b.ingest.filesRead == 5)
    }
}

/// The page's numbers read back against estimates.csv, not against an earlier page.
@Suite("The page against estimates.csv")
struct PageNumbersTests {
    @Test("every ranking row's index and interval on the page is estimates.csv's, rounded to two decimals with a decimal comma")
    func rankingRowsAreTheEstimates() throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: .vi, releaseDate: nil)
        let html = String(decoding: try Data(contentsOf: outcome.outDirectory.appendingPathComponent("report.html")), as: UTF8.self)
        let e = try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
        func shown(_ text: String) -> String {
            String(format: "%.2f", (Double(text)! * 100)).replacingOccurrences(of: ".", with: ",")
        }
        let pattern = try NSRegularExpression(
            pattern: #"\(([A-Z]+)\)</span></th><td class="num">([0-9,]+)%</td><td class="num">([0-9,]+)% – ([0-9,]+)%</td>"#)
        let matches = pattern.matches(in: html, range: NSRange(html.startIndex..., in: html))
        var periodsFound: Set<String> = []
        for m in matches {
            let f = (1...4).map { String(html[Range(m.range(at: $0), in: html)!]) }
            // The row is the unit's index in one of the published periods (the year, the quarter).
            let period = ["2024", "2024-Q4"].first { p in
                let scope = p.contains("Q") ? "unit_quarter" : "unit_year"
                let base = "\(scope),\(f[0]),\(p),index,"
                guard let v = e[base + "index,unweighted"], let lo = e[base + "index_lower,lin_unweighted_logit"],
                    let hi = e[base + "index_upper,lin_unweighted_logit"] else { return false }
                return shown(v) == f[1] && shown(lo) == f[2] && shown(hi) == f[3]
            }
            #expect(period != nil, "\(f[0]): the page shows \(f[1])% (\(f[2])% – \(f[3])%), which is no published index in estimates.csv")
            if let period { periodsFound.insert(period) }
        }
        #expect(matches.count >= 8, "ranking rows found: \(matches.count)")
        #expect(periodsFound == ["2024", "2024-Q4"])
    }
}

/// The nightly run with nothing new does not hash the release again: a file whose identity
/// is the one recorded when it was last found intact is trusted; a file changed since is
/// hashed, found changed, and the release made again.
@Suite("The nightly check of the release")
struct NightlyCheckTests {
    @Test("identities are recorded once the files have settled; a file changed since is found: not overwritten (77), and once moved away the release is made again")
    func identities() throws {
        let folder = try copyFixture("example")
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        let first = try pipeline.run(language: nil, releaseDate: nil)
        #expect(first.published)
        Thread.sleep(forTimeInterval: 5.5)  // FileIdentity.settling: younger files are always hashed
        let second = try pipeline.run(language: nil, releaseDate: nil)
        #expect(!second.published)
        let db = try SurveyDatabase.open(path: folder.appendingPathComponent("work/pipeline.sqlite").path, itemColumns: [], fingerprint: "")
        let recorded = Pipeline.identities(try db.meta("release_identities"))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: first.outDirectory.appendingPathComponent("manifest.json"))) as! [String: Any]
        let names = (manifest["files"] as! [[String: Any]]).map { $0["file"] as! String }
        #expect(Set(recorded.keys) == Set(names), "every release file's identity is recorded")
        // One byte of summary.csv changed, same size: a new identity, so it is hashed and found
        // changed. Someone edited the release: the pipeline does not overwrite what it did not
        // write (77, naming the file); moved out of the way, the release is made again.
        let summary = first.outDirectory.appendingPathComponent("summary.csv")
        var bytes = try Data(contentsOf: summary)
        let original = bytes
        bytes[bytes.count - 3] = bytes[bytes.count - 3] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try bytes.write(to: summary)
        do {
            _ = try pipeline.run(language: nil, releaseDate: nil)
            Issue.record("the edited release was replaced")
        } catch {
            #expect(ExitStatus.for(error) == .refusedOutput && "\(error)".contains("summary.csv"), "\(error)")
        }
        #expect(try Data(contentsOf: summary) == bytes)
        try FileManager.default.removeItem(at: summary)
        let third = try pipeline.run(language: nil, releaseDate: nil)
        #expect(third.published, "a missing release file is found and the release made again")
        #expect(try Data(contentsOf: summary) == original)
    }
}
