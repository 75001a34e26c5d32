import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Fault tests: the built `pipeline` executable run as a child process on copies of the
// example survey, killed at the compiled-in fault points (`SIPAS_FAULT=point[@n][:term]`,
// Sources/CShims/cshims.c), stopped by signals, starved of disk, fed FIFOs and devices, given
// a damaged database and raced against itself. After each fault the next plain run must give
// the bytes an uninterrupted run gives (every file of out/ and work/rejects.csv), and leave no
// staging folder or temporary file behind.
//
// Speed: the copies narrow the survey window to 2024-Q4 (survey.toml `first_period`), so a
// cold debug run takes about a second instead of five; every inbox file is still read, all
// 3348 forms are still stored and checked, and only the estimates cover one quarter.

/// Where every folder of this test process lives; removed when the process exits
/// (`SIPAS_KEEP_FAULT_DIRS=1` keeps it, to look at what a failing case left).
let faultsRoot: URL = {
    try? FileManager.default.createDirectory(atPath: faultsRootPath, withIntermediateDirectories: true)
    if ProcessInfo.processInfo.environment["SIPAS_KEEP_FAULT_DIRS"] != "1" {
        atexit { try? FileManager.default.removeItem(atPath: faultsRootPath) }
    }
    return URL(fileURLWithPath: faultsRootPath)
}()
let faultsRootPath = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-faults-\(getpid())").path

/// The inbox file the re-run case forgets (removed from the inbox, then `--forget`).
let forgottenFile = "inbox/paper/2023-Q1.csv"

/// A survey folder of one case, and beside it a folder for the children's output.
struct Workspace: Sendable {
    let root: URL
    let survey: URL
    let logs: URL

    var out: URL { survey.appendingPathComponent("out") }
    var work: URL { survey.appendingPathComponent("work") }
    var database: URL { work.appendingPathComponent("pipeline.sqlite") }
    var rejects: URL { work.appendingPathComponent("rejects.csv") }
    var paper: URL { survey.appendingPathComponent("inbox/paper") }
    var portal: URL { survey.appendingPathComponent("inbox/portal") }

    init(root: URL, survey: URL? = nil) {
        self.root = root
        self.survey = survey ?? root.appendingPathComponent("example")
        logs = root.appendingPathComponent("logs")
    }

    /// An empty case folder (no survey yet).
    static func empty() throws -> Workspace {
        let root = faultsRoot.appendingPathComponent("case-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return Workspace(root: root)
    }

    /// A fresh copy of fixtures/example (no out/, no work/), its window narrowed to 2024-Q4.
    static func fresh() throws -> Workspace {
        let ws = try empty()
        try ws.copyExample(to: ws.survey)
        return ws
    }

    /// A copy of another case's survey folder, with its database, rejects and release.
    static func copy(of template: Workspace) throws -> Workspace {
        let ws = try empty()
        try FileManager.default.copyItem(at: template.survey, to: ws.survey)
        return ws
    }

    /// Copies the narrowed example to `target`.
    func copyExample(to target: URL) throws {
        try copyFolder(repositoryRoot.appendingPathComponent("fixtures/example"), to: target)
        let toml = target.appendingPathComponent("survey.toml")
        let text = try String(contentsOf: toml, encoding: .utf8)
        let window = #"first_period = "2023-Q1""#
        try #require(text.contains(window), "fixtures/example/survey.toml no longer says \(window)")
        try text.replacingOccurrences(of: window, with: #"first_period = "2024-Q4""#).write(to: toml, atomically: true, encoding: .utf8)
    }

    func remove() {
        if ProcessInfo.processInfo.environment["SIPAS_KEEP_FAULT_DIRS"] == "1" { return }
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: running

    /// Starts `pipeline run SURVEY ARGUMENTS` (with `SIPAS_FAULT` if given).
    func start(_ arguments: [String] = [], fault: String? = nil, environment: [String: String] = [:]) throws -> ChildProcess {
        let name = "run-\(UUID().uuidString.prefix(8))\(fault.map { "-" + $0 } ?? "")"
        return try ChildProcess(
            executable: try PipelineExecutable.url().path, arguments: ["run", survey.path] + arguments,
            environment: environment.merging(fault.map { ["SIPAS_FAULT": $0] } ?? [:]) { _, b in b }, logs: logs, name: name)
    }

    /// Runs `pipeline run` to its end (killed and reported as timed out after `timeout` s).
    func run(_ arguments: [String] = [], fault: String? = nil, timeout: Double = 120) async throws -> ProcessResult {
        try await start(arguments, fault: fault).wait(timeout: timeout)
    }

    // MARK: what a run left

    /// Every file of out/ (as `out/NAME`) and work/rejects.csv.
    func release() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for (name, data) in try filesUnder(out) { files["out/" + name] = data }
        if let rejects = FileManager.default.contents(atPath: rejects.path) { files["work/rejects.csv"] = rejects }
        return files
    }

    /// Every file of out/ only.
    func published() throws -> [String: Data] { try release().filter { $0.key.hasPrefix("out/") } }

    /// Staging folders beside out/, temporary files in work/ or out/, a rollback journal.
    func leftovers() -> [String] {
        func names(_ url: URL) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] }
        var found = names(survey).filter { $0.hasPrefix(".out.staging-") }
        found += names(work).filter { $0.contains(".tmp-") || $0.hasSuffix("-journal") }.map { "work/" + $0 }
        found += names(out).filter { $0.hasPrefix(".") }.map { "out/" + $0 }
        return found.sorted()
    }

    /// Whether the database still lists `path` in `source_files`. Asked of a copy (with its
    /// rollback journal, which sqlite3 then applies), so the case's own files stay untouched.
    func databaseLists(_ path: String) async throws -> Bool {
        let probe = logs.appendingPathComponent("probe-\(UUID().uuidString.prefix(8)).sqlite")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: database, to: probe)
        let journal = URL(fileURLWithPath: database.path + "-journal")
        if FileManager.default.fileExists(atPath: journal.path) {
            try FileManager.default.copyItem(at: journal, to: URL(fileURLWithPath: probe.path + "-journal"))
        }
        let answer = try await sqlite(probe, "SELECT count(*) FROM source_files WHERE path = '\(path)'")
        try #require(answer.termination == .exited(0), "sqlite3 on a copy of \(database.path): \(answer)")
        return answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "0"
    }

    /// Runs the sqlite3 command-line shell (a test failure when it is not installed).
    func sqlite(_ database: URL, _ sql: String, readOnly: Bool = false) async throws -> ProcessResult {
        let tool = try #require(findTool("sqlite3"), "sqlite3 is not installed (Debian package sqlite3)")
        return try await runTool(tool, (readOnly ? ["-readonly"] : []) + [database.path, sql], logs: logs)
    }

    // MARK: inbox changes

    /// The lines of a paper file of the example (header first).
    func lines(_ name: String) throws -> [Substring] {
        try String(contentsOf: paper.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
    }

    /// A late paper file: 20 forms re-sent as identical copies (duplicates) and 30 new
    /// forms (copies of 2024-Q4 forms under new ids).
    func addLateFile() throws {
        let rows = try lines("2024-Q4.csv")
        var text = String(rows[0]) + "\n"
        for row in rows[1...20] { text += String(row) + "\n" }
        for row in rows[21...50] {
            let comma = row.firstIndex(of: ",")!
            text += String(row[..<comma]) + "-L" + String(row[comma...]) + "\n"
        }
        try text.write(to: paper.appendingPathComponent("2024-Q4-late.csv"), atomically: true, encoding: .utf8)
    }

    /// One more form at the end of inbox/paper/2024-Q4.csv (a changed file).
    func appendForm() throws {
        let rows = try lines("2024-Q4.csv")
        let row = rows[1]
        let comma = row.firstIndex(of: ",")!
        let handle = try FileHandle(forWritingTo: paper.appendingPathComponent("2024-Q4.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((String(row[..<comma]) + "-N" + String(row[comma...]) + "\n").utf8))
        try handle.close()
    }
}

/// The counts of a summary line, without the number of files read (which depends on what
/// an interrupted run had already done).
struct SummaryCounts: Equatable, CustomStringConvertible {
    var files = -1, missing = -1, unreadable = -1
    var forms = "", checks = ""

    init(_ line: String) {
        let pattern = #"files (\d+) \(\d+ read, (\d+) missing, (\d+) unreadable\); forms ([^;]*); ([^;]*)"#
        guard let regex = try? Regex(pattern), let match = line.firstMatch(of: regex) else { return }
        func text(_ i: Int) -> String { match.output[i].substring.map(String.init) ?? "" }
        files = Int(text(1)) ?? -1
        missing = Int(text(2)) ?? -1
        unreadable = Int(text(3)) ?? -1
        forms = text(4)
        checks = text(5)
    }

    var description: String { "files \(files), \(missing) missing, \(unreadable) unreadable; forms \(forms); \(checks)" }
}

/// An uninterrupted run's result, computed once per test process.
struct Reference: Sendable {
    var termination: Termination
    var summary: String
    var files: [String: Data]
    /// The folder after the run, to copy (never to change).
    var folder: Workspace

    var counts: SummaryCounts { SummaryCounts(summary) }

    /// A fresh copy, run once: exit 1 (the example's checks fail), 3348 forms.
    static func cold() async throws -> Reference {
        try await ReferenceCache.shared.value("cold") {
            let ws = try Workspace.fresh()
            return try Reference(ws, try await ws.run())
        }
    }

    /// After `cold`: 2023-Q1.csv removed from the inbox, and a run that marks it missing
    /// (exit 2: a file missing from the inbox needs attention).
    static func missing() async throws -> Reference {
        try await ReferenceCache.shared.value("missing") {
            let ws = try Workspace.copy(of: try await cold().folder)
            try FileManager.default.removeItem(at: ws.survey.appendingPathComponent(forgottenFile))
            return try Reference(ws, try await ws.run())
        }
    }

    /// After `missing`: the late file added and 2023-Q1.csv forgotten, in one run.
    static func rerun() async throws -> Reference {
        try await ReferenceCache.shared.value("rerun") {
            let ws = try Workspace.copy(of: try await missing().folder)
            try ws.addLateFile()
            return try Reference(ws, try await ws.run(["--forget", forgottenFile]))
        }
    }

    /// After `missing`: 2023-Q1.csv forgotten.
    static func forgotten() async throws -> Reference {
        try await ReferenceCache.shared.value("forgotten") {
            let ws = try Workspace.copy(of: try await missing().folder)
            return try Reference(ws, try await ws.run(["--forget", forgottenFile]))
        }
    }

    /// After `cold`: the late file added.
    static func added() async throws -> Reference {
        try await ReferenceCache.shared.value("added") {
            let ws = try Workspace.copy(of: try await cold().folder)
            try ws.addLateFile()
            return try Reference(ws, try await ws.run())
        }
    }

    /// After `cold`: one form appended to 2024-Q4.csv.
    static func appended() async throws -> Reference {
        try await ReferenceCache.shared.value("appended") {
            let ws = try Workspace.copy(of: try await cold().folder)
            try ws.appendForm()
            return try Reference(ws, try await ws.run())
        }
    }

    init(_ ws: Workspace, _ result: ProcessResult) throws {
        guard case .exited(let status) = result.termination, [0, 1, 2].contains(status) else {
            throw ReferenceError.failed("the uninterrupted run failed: \(result)")
        }
        termination = result.termination
        summary = result.summaryLine
        files = try ws.release()
        folder = ws
        guard files.keys.contains("out/manifest.json"), files.keys.contains("work/rejects.csv") else {
            throw ReferenceError.failed("the uninterrupted run left no release or no rejects.csv: \(files.keys.sorted())")
        }
    }
}

enum ReferenceError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let why): why }
    }
}

actor ReferenceCache {
    static let shared = ReferenceCache()
    private var tasks: [String: Task<Reference, any Error>] = [:]

    func value(_ key: String, _ make: @escaping @Sendable () async throws -> Reference) async throws -> Reference {
        if let task = tasks[key] { return try await task.value }
        let task = Task { try await make() }
        tasks[key] = task
        return try await task.value
    }
}

/// A fault point, shown by name in the test list.
struct FaultPoint: Sendable, CustomTestStringConvertible {
    var name: String
    /// Reached in case 2's re-run, which reads one file (so `ingest.after_file@5` is not).
    var reachedOnRerun = true
    var testDescription: String { name }
}

/// A stop requested by SIGTERM at a point, on a fresh folder (cold) or after a clean run.
struct StopCase: Sendable, CustomTestStringConvertible {
    var fault: String
    var warm: Bool
    var testDescription: String { "\(fault) on a \(warm ? "folder with a release" : "fresh folder")" }
}

/// Ways to run out of disk space.
enum DiskCase: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// A new inbox file of 30 000 valid forms: the ingest transaction outgrows the disk.
    case bigInboxFile = "a big new inbox file"
    /// One more form, 64 KiB free: the database writes fail.
    case fullDuringDatabaseWrites = "64 KiB free for the database writes"
    /// One more form, room for the database writes but not for the new release.
    case fullDuringRelease = "no room for the staged release"
    var testDescription: String { rawValue }
}

/// Ways to damage work/pipeline.sqlite.
enum Damage: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// 4 KiB of 0xFF over a page in the middle (one that `PRAGMA quick_check` notices).
    case middlePage = "4 KiB of 0xFF in the middle"
    /// The 100-byte header overwritten.
    case header = "the header overwritten"
    /// The file cut to half its size.
    case truncated = "the file cut in half"
    var testDescription: String { rawValue }
}

@Suite("Faults: kills, signals, full disks, odd inbox entries, damaged databases, two runs", .serialized)
struct FaultTests {
    static let killPoints: [FaultPoint] = [
        FaultPoint(name: "ingest.after_file@1"),
        FaultPoint(name: "ingest.after_file@5", reachedOnRerun: false),
        FaultPoint(name: "ingest.after_file@16", reachedOnRerun: false),
        FaultPoint(name: "ingest.before_commit"),
        FaultPoint(name: "ingest.after_commit"),
        FaultPoint(name: "rejects.before_rename"),
        FaultPoint(name: "run.before_publish"),
        FaultPoint(name: "run.after_publish"),
    ]

    /// The final run after a fault: same status, counts and bytes as the reference, nothing left over.
    func expectSame(_ result: ProcessResult, in ws: Workspace, as reference: Reference, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(result.termination == reference.termination, "\(what): \(result)", sourceLocation: sourceLocation)
        #expect(SummaryCounts(result.summaryLine) == reference.counts,
                "\(what): \(result.summaryLine)\nexpected: \(reference.summary)", sourceLocation: sourceLocation)
        expectSameFiles(try ws.release(), reference.files, "\(what): out/ and work/rejects.csv", sourceLocation: sourceLocation)
        #expect(ws.leftovers().isEmpty, "\(what): left behind \(ws.leftovers())", sourceLocation: sourceLocation)
    }

    // MARK: 1. kill points, cold run

    @Test("a first run killed at a fault point, then run again, gives the bytes of an uninterrupted run", arguments: killPoints)
    func killedFirstRun(point: FaultPoint) async throws {
        let reference = try await Reference.cold()
        let ws = try Workspace.fresh()
        defer { ws.remove() }
        let killed = try await ws.run(fault: point.name)
        #expect(killed.termination == .signaled(SIGKILL), "SIPAS_FAULT=\(point.name): \(killed)")
        let again = try await ws.run()
        try expectSame(again, in: ws, as: reference, "the run after a kill at \(point.name)")
    }

    // MARK: 2. kill points, a re-run that adds and forgets

    // The re-run starts from a folder whose last run saw 2023-Q1.csv gone (marked missing):
    // `--forget` in the very run that first misses the file is refused (see
    // `forgetInTheRunThatMissesTheFile`).
    @Test("a re-run that adds a file and forgets one, killed at a fault point, then run again, gives the uninterrupted bytes",
          arguments: killPoints)
    func killedRerun(point: FaultPoint) async throws {
        let reference = try await Reference.rerun()
        let ws = try Workspace.copy(of: try await Reference.missing().folder)
        defer { ws.remove() }
        try ws.addLateFile()
        let killed = try await ws.run(["--forget", forgottenFile], fault: point.name)
        if point.reachedOnRerun {
            #expect(killed.termination == .signaled(SIGKILL), "SIPAS_FAULT=\(point.name): \(killed)")
        } else {
            // The re-run reads one file, so the point is never reached: an ordinary run.
            #expect(killed.termination == reference.termination, "SIPAS_FAULT=\(point.name) (not reached): \(killed)")
        }
        // After a kill the forget may or may not have been committed; a second --forget of a
        // file the database no longer lists is an error, so it is given only when needed.
        let stillListed = try await ws.databaseLists(forgottenFile)
        let again = try await ws.run(stillListed ? ["--forget", forgottenFile] : [])
        try expectSame(again, in: ws, as: reference, "the run after a kill at \(point.name) (forget \(stillListed ? "not yet committed" : "committed"))")
    }

    @Test("a file taken out of the inbox can be forgotten in the run that first misses it, with the bytes of forgetting it a run later")
    func forgetInTheRunThatMissesTheFile() async throws {
        let reference = try await Reference.forgotten()
        let ws = try Workspace.copy(of: try await Reference.cold().folder)
        defer { ws.remove() }
        try FileManager.default.removeItem(at: ws.survey.appendingPathComponent(forgottenFile))
        let result = try await ws.run(["--forget", forgottenFile])
        try #require(result.termination == reference.termination, "removed and forgotten in one run: \(result)")
        try expectSame(result, in: ws, as: reference, "removed and forgotten in one run")
    }

    // MARK: 3. signals

    @Test("SIGTERM at a point stops the run with exit 143 and keeps out/; the next run gives the uninterrupted bytes",
          arguments: [
            StopCase(fault: "ingest.after_file@3:term", warm: false),
            StopCase(fault: "run.before_publish:term", warm: false),
            StopCase(fault: "ingest.after_file@1:term", warm: true),
            StopCase(fault: "run.before_publish:term", warm: true),
          ])
    func terminated(stop: StopCase) async throws {
        let reference = stop.warm ? try await Reference.added() : try await Reference.cold()
        let ws = stop.warm ? try Workspace.copy(of: try await Reference.cold().folder) : try Workspace.fresh()
        defer { ws.remove() }
        if stop.warm { try ws.addLateFile() }
        let before = try ws.published()
        let stopped = try await ws.run(fault: stop.fault)
        #expect(stopped.termination == .exited(143), "SIPAS_FAULT=\(stop.fault): \(stopped)")
        expectSameFiles(try ws.published(), before, "out/ after SIGTERM at \(stop.fault)")
        #expect(ws.leftovers().isEmpty, "left behind after SIGTERM: \(ws.leftovers())")
        let again = try await ws.run()
        try expectSame(again, in: ws, as: reference, "the run after SIGTERM at \(stop.fault)")
    }

    @Test("SIGINT during a long ingest stops it with exit 130; out/, rejects.csv and the database keep their state")
    func interrupted() async throws {
        let reference = try await Reference.cold()
        for copies in [20, 60] {
            let ws = try Workspace.copy(of: reference.folder)
            defer { ws.remove() }
            var added: [URL] = []
            for folder in [ws.paper, ws.portal] {
                for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                    for k in 1...copies {
                        let copy = folder.appendingPathComponent("copy\(k)-\(name)")
                        try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: copy)
                        added.append(copy)
                    }
                }
            }
            let before = try ws.release()
            let child = try ws.start()
            // The lock file holds the pid once the run holds the lock, after the stop
            // handlers are installed; the signal then reaches a run in its ingest.
            let lock = ws.work.appendingPathComponent("pipeline.lock")
            let deadline = ContinuousClock.now + .seconds(30)
            while child.poll() == nil, ContinuousClock.now < deadline,
                (try? String(contentsOf: lock, encoding: .utf8)) != "\(child.pid)\n"
            {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(300))
            child.send(SIGINT)
            let result = await child.wait(timeout: 120)
            if case .exited(let status) = result.termination, [0, 1, 2].contains(status) {
                continue  // it finished before the signal: try a bigger inbox
            }
            #expect(result.termination == .exited(130), "SIGINT: \(result)")
            #expect(result.stdout.contains("stopped by SIGINT"), "the summary says why: \(result.summaryLine)")
            expectSameFiles(try ws.release(), before, "out/ and work/rejects.csv after SIGINT")
            #expect(ws.leftovers().isEmpty, "left behind after SIGINT: \(ws.leftovers())")
            // Nothing of the interrupted ingest was kept: without the copies, nothing changed.
            for url in added { try FileManager.default.removeItem(at: url) }
            let again = try await ws.run()
            try expectSame(again, in: ws, as: reference, "the run after SIGINT")
            #expect(again.summaryLine.contains("up to date, unchanged"), "\(again.summaryLine)")
            return
        }
        Issue.record("the run always finished before SIGINT arrived, even with 60 copies of every inbox file")
    }

    @Test("SIGINT while LibreOffice converts the annex stops the conversion and the run at once (exit 130), publishing nothing")
    func interruptedConversion() async throws {
        let ws = try Workspace.fresh()
        defer { ws.remove() }
        // An office that says it started (its pid) and then hangs: without the stop, the run
        // would wait out the conversion's time limit (180 s).
        let started = ws.root.appendingPathComponent("office.pid")
        let source = ws.root.appendingPathComponent("soffice.txt")
        let office = ws.root.appendingPathComponent("soffice")
        try "#!/bin/sh\necho $$ > '\(started.path)'\nexec sleep 300\n".write(to: source, atomically: true, encoding: .utf8)
        // Installed by a process of its own: a file this process had open for writing could be
        // inherited by a child spawned meanwhile, and exec'ing it fail with ETXTBSY.
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/install")
        install.arguments = ["-m", "755", source.path, office.path]
        try install.run()
        install.waitUntilExit()
        let child = try ws.start(environment: ["SIPAS_SOFFICE": office.path])
        let deadline = ContinuousClock.now + .seconds(120)
        var pid: pid_t?
        while child.poll() == nil, ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: started, encoding: .utf8), let value = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                pid = value
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let officePID = pid else {
            Issue.record("the run never started the office: \(await child.wait(timeout: 1))")
            return
        }
        let signalled = ContinuousClock.now
        child.send(SIGINT)
        let result = await child.wait(timeout: 60)
        #expect(result.termination == .exited(130), "SIGINT: \(result)")
        #expect(ContinuousClock.now - signalled < .seconds(20), "the run waited for the office")
        #expect(result.stdout.contains("stopped by SIGINT"), "\(result.summaryLine)")
        #expect(try ws.published().isEmpty, "nothing published")
        #expect(ws.leftovers().isEmpty, "left behind: \(ws.leftovers())")
        // The office was stopped with the run, not left hanging.
        let gone = ContinuousClock.now + .seconds(15)
        while kill(officePID, 0) == 0, ContinuousClock.now < gone { try await Task.sleep(for: .milliseconds(50)) }
        #expect(kill(officePID, 0) != 0, "the office (pid \(officePID)) still runs")
    }

    // MARK: 4. full disk

    @Test("a full disk stops the run with exit 73, keeps out/ and leaves the database usable", arguments: DiskCase.allCases)
    func fullDisk(disk: DiskCase) async throws {
        let ws0 = try Workspace.empty()
        defer { ws0.remove() }
        let mountPoint = ws0.root.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        guard mount("tmpfs", mountPoint.path, "tmpfs", 0, "size=16m") == 0 else {
            Issue.record("cannot mount a 16 MiB tmpfs on \(mountPoint.path): \(String(cString: strerror(errno))); the fault tests run as root (in CI too)")
            return
        }
        defer { umount2(mountPoint.path, Int32(MNT_DETACH)) }
        let ws = Workspace(root: ws0.root, survey: mountPoint.appendingPathComponent("example"))
        try ws.copyExample(to: ws.survey)

        let cold = try await Reference.cold()
        let first = try await ws.run()
        #expect(first.termination == cold.termination, "first run on the 16 MiB disk: \(first)")
        expectSameFiles(try ws.release(), cold.files, "first run on the 16 MiB disk")
        let before = try ws.release()

        let filler = mountPoint.appendingPathComponent("filler")
        let big = ws.paper.appendingPathComponent("2024-Q4-big.csv")
        switch disk {
        case .bigInboxFile:
            let rows = try ws.lines("2024-Q4.csv")
            var text = String(rows[0]) + "\n"
            // Forms enough that storing them cannot fit beside the file on the 16 MiB disk
            // (30,000 came within a few hundred KiB of fitting once the first run's index by
            // form id was made in one go, denser than kept up row by row).
            var n = 0
            while n < 60_000 {
                for row in rows.dropFirst() where n < 60_000 {
                    n += 1
                    text += "BIG-\(n)" + String(row[row.firstIndex(of: ",")!...]) + "\n"
                }
            }
            try text.write(to: big, atomically: false, encoding: .utf8)
        case .fullDuringDatabaseWrites, .fullDuringRelease:
            try ws.appendForm()
            let outBytes = before.filter { $0.key.hasPrefix("out/") }.values.reduce(0) { $0 + $1.count }
            // Room for the stats stage's new work/estimates.csv (written beside the old one),
            // not for the whole staged release (half of it: the estimates' rollback journal,
            // a third of the file since they are stored as numbers, no longer fills the rest).
            let workEstimates = (try? Data(contentsOf: ws.survey.appendingPathComponent("work/estimates.csv")))?.count ?? 0
            let free = disk == .fullDuringDatabaseWrites ? 64 << 10 : workEstimates + outBytes / 2
            try fill(filler, leaving: free, on: mountPoint)
        }

        let full = try await ws.run()
        #expect(full.termination == .exited(73), "\(disk.rawValue): \(full)")
        // The message names what could not be written (the database or the release), not an
        // inbox file, and says the disk is full.
        #expect(full.summaryLine.contains("full") || full.summaryLine.contains("No space left"), "says the disk is full: \(full.summaryLine)")
        #expect(!full.summaryLine.hasPrefix("run FAILED (exit 73): inbox/"), "blames the database or the release, not an inbox file: \(full.summaryLine)")
        if disk == .fullDuringRelease {
            #expect(full.summaryLine.contains(".out.staging-"), "meant to fail while writing the staged release: \(full.summaryLine)")
        }
        expectSameFiles(try ws.published(), before.filter { $0.key.hasPrefix("out/") }, "out/ after the disk filled up")
        #expect(!ws.leftovers().contains { $0.hasPrefix(".out.staging-") }, "left behind: \(ws.leftovers())")

        // Space again: the database is still usable and the next run gives the right bytes.
        try? FileManager.default.removeItem(at: filler)
        try? FileManager.default.removeItem(at: big)
        let again = try await ws.run()
        try expectSame(again, in: ws, as: disk == .bigInboxFile ? cold : try await Reference.appended(), "the run with space again")
        let check = try await ws.sqlite(ws.database, "PRAGMA quick_check", readOnly: true)
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "PRAGMA quick_check: \(check)")
    }

    /// Writes zeros into `file` until `bytes` remain free on the file system of `folder`.
    func fill(_ file: URL, leaving bytes: Int, on folder: URL) throws {
        var info = statvfs()
        try #require(statvfs(folder.path, &info) == 0)
        let available = Int(info.f_bavail) * Int(info.f_frsize)
        var remaining = max(0, available - bytes)
        try #require(FileManager.default.createFile(atPath: file.path, contents: nil))
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let chunk = Data(count: 1 << 16)
        while remaining > 0 {
            let n = min(remaining, chunk.count)
            try handle.write(contentsOf: chunk.prefix(n))
            remaining -= n
        }
    }

    // MARK: 5. FIFOs, devices, broken and outside links

    @Test("a FIFO, a link to /dev/zero, a broken link and a link out of the folder are reported, not waited on")
    func oddInboxEntries() async throws {
        let ws = try Workspace.fresh()
        defer { ws.remove() }
        let outside = ws.root.appendingPathComponent("outside.csv")
        try FileManager.default.copyItem(at: ws.paper.appendingPathComponent("2024-Q4.csv"), to: outside)
        #expect(mkfifo(ws.paper.appendingPathComponent("pipe.csv").path, 0o644) == 0, "mkfifo: \(String(cString: strerror(errno)))")
        try FileManager.default.createSymbolicLink(atPath: ws.portal.appendingPathComponent("zero.jsonl").path, withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: ws.paper.appendingPathComponent("broken.csv").path, withDestinationPath: "nowhere.csv")
        try FileManager.default.createSymbolicLink(atPath: ws.paper.appendingPathComponent("outside.csv").path, withDestinationPath: outside.path)
        let entries = ["inbox/paper/broken.csv", "inbox/paper/outside.csv", "inbox/paper/pipe.csv", "inbox/portal/zero.jsonl"]

        for attempt in ["first run", "nightly re-run"] {
            let before = try ws.release()
            let result = try await ws.run(timeout: 20)
            #expect(result.termination == .exited(2), "\(attempt): \(result)")
            #expect(result.summaryLine.contains("4 unreadable"), "\(attempt): \(result.summaryLine)")
            #expect(FileManager.default.fileExists(atPath: ws.out.appendingPathComponent("manifest.json").path), "\(attempt): out/ is published")
            let rejects = (try? String(contentsOf: ws.rejects, encoding: .utf8)) ?? ""
            for entry in entries {
                #expect(rejects.contains("\n\(entry),0,file_unreadable,"), "\(attempt): rejects.csv reports \(entry)")
            }
            if attempt == "nightly re-run" { expectSameFiles(try ws.release(), before, "the nightly re-run") }
            #expect(ws.leftovers().isEmpty, "\(attempt): left behind \(ws.leftovers())")
        }
    }

    // MARK: 6. damaged database

    @Test("a damaged database stops the run with exit 74 and a message that says what to do; out/ is kept",
          arguments: Damage.allCases)
    func damagedDatabase(damage: Damage) async throws {
        let ws = try Workspace.copy(of: try await Reference.cold().folder)
        defer { ws.remove() }
        let before = try ws.published()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: ws.database.path)[.size] as? Int)
        let file = try FileHandle(forUpdating: ws.database)
        switch damage {
        case .header:
            try file.write(contentsOf: Data(repeating: 0xFF, count: 100))
        case .truncated:
            try file.truncate(atOffset: UInt64(size / 2 / 4096 * 4096))
        case .middlePage:
            // The first page from the middle on whose loss quick_check notices.
            let pages = size / 4096
            var noticed = false
            for page in (pages / 2..<pages).map({ $0 }) + (1..<pages / 2).reversed() {
                try file.seek(toOffset: UInt64(page * 4096))
                let original = try file.read(upToCount: 4096) ?? Data()
                try file.seek(toOffset: UInt64(page * 4096))
                try file.write(contentsOf: Data(repeating: 0xFF, count: 4096))
                try file.synchronize()
                let check = try await ws.sqlite(ws.database, "PRAGMA quick_check", readOnly: true)
                if check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "ok" {
                    noticed = true
                    break
                }
                try file.seek(toOffset: UInt64(page * 4096))
                try file.write(contentsOf: original)
            }
            #expect(noticed, "no page of \(pages) is noticed by quick_check when overwritten")
        }
        try file.close()
        let check = try await ws.sqlite(ws.database, "PRAGMA quick_check", readOnly: true)
        #expect(check.termination != .exited(0) || check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "ok",
                "sqlite3 finds the damage: \(check)")
        try ws.appendForm()

        let result = try await ws.run()
        #expect(result.termination == .exited(74), "\(damage.rawValue): \(result)")
        let said = result.stdout + result.stderr
        #expect(said.contains("damaged"), "says the database is damaged: \(result.summaryLine)")
        #expect(said.contains("pipeline.sqlite.damaged") && said.contains("pipeline run"), "says what to do: \(result.summaryLine)")
        expectSameFiles(try ws.published(), before, "out/ after the run on a damaged database")
        #expect(!ws.leftovers().contains { $0.hasPrefix(".out.staging-") }, "left behind: \(ws.leftovers())")
    }

    // MARK: 7. two runs at once

    @Test("two runs started together on one folder: one waits its turn or exits 75, and out/ is the uninterrupted release")
    func twoRunsAtOnce() async throws {
        let reference = try await Reference.cold()
        let ws = try Workspace.fresh()
        defer { ws.remove() }
        let a = try ws.start()
        let b = try ws.start()
        let results = [await a.wait(timeout: 120), await b.wait(timeout: 120)]
        let finished = results.filter { $0.termination == reference.termination }
        let busy = results.filter { $0.termination == .exited(75) }
        #expect(finished.count >= 1 && finished.count + busy.count == 2, "\(results)")
        for result in busy {
            #expect(result.summaryLine.contains("another pipeline run holds"), "the busy run says why: \(result.summaryLine)")
        }
        expectSameFiles(try ws.release(), reference.files, "out/ and work/rejects.csv after two runs at once")
        #expect(ws.leftovers().isEmpty, "left behind \(ws.leftovers())")
    }

    // MARK: crash states no fault point reaches yet

    @Test("a staging folder left by a kill while a release file was being written is removed by the next run")
    func stagingWithTemporaryFile() async throws {
        let reference = try await Reference.appended()
        let ws = try Workspace.copy(of: try await Reference.cold().folder)
        defer { ws.remove() }
        // What a SIGKILL inside AtomicFile.write (between the write and the rename) in the
        // staging folder leaves: release files and a hidden temporary file.
        let staging = ws.survey.appendingPathComponent(".out.staging-999999")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        try FileManager.default.copyItem(at: ws.out.appendingPathComponent("checks.csv"), to: staging.appendingPathComponent("checks.csv"))
        try Data("partial".utf8).write(to: staging.appendingPathComponent(".estimates.csv.tmp-999999"))
        try ws.appendForm()
        let result = try await ws.run()
        try expectSame(result, in: ws, as: reference, "the run after a kill inside the staging folder")
    }

    @Test("the old release left by a kill between the swap and its removal is removed by the next run, even with nothing new")
    func stagingWithOldRelease() async throws {
        let reference = try await Reference.cold()
        let ws = try Workspace.copy(of: reference.folder)
        defer { ws.remove() }
        // What a SIGKILL in publish() between renameat2(RENAME_EXCHANGE) and the removal of
        // the old release leaves: the previous release under the staging name.
        try FileManager.default.copyItem(at: ws.out, to: ws.survey.appendingPathComponent(".out.staging-999999"))
        let result = try await ws.run()
        try expectSame(result, in: ws, as: reference, "the nightly run after a kill between the swap and the removal")
    }
}
