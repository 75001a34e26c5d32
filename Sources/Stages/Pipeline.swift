import CShims
import Foundation
import Ingest
import Logging
import Report
import Stats
import Storage
import SurveyModel

/// The program version written into stage records, manifests and reports.
public let programVersion = "0.2.0"

/// How a stage or run ended, for the exit status and the one-line summary.
public struct Verdict: Sendable {
    /// Why the input needs an operator's attention (empty: it does not).
    public var attention: [String] = []
    public var checksFailed = 0
    /// Unit × period cells whose published index carries a flag (Q, U or I).
    public var cellsFlagged = 0
    /// Inbox files whose portal answers carry keys that name no item.
    public var filesWithUnknownKeys: [String] = []
    public var ingest = IngestSummary()

    /// Whether this stage evaluated the checks (`check`, `report`, `run`): only then do failed
    /// checks decide the exit status; other stages count the stored ones for the summary line.
    public var checksEvaluated = true

    /// Release files this run could not make here, with why (the annex's PDF without
    /// LibreOffice): said on the summary line and in the manifest; the rest is published.
    public var notMade: [String] = []

    public var exitStatus: ExitStatus {
        if !attention.isEmpty { return .needsAttention }
        return checksEvaluated && checksFailed > 0 ? .checksFailed : .success
    }
}

/// What a whole run did.
public struct RunOutcome: Sendable {
    public var ingest: IngestSummary
    public var checks: CheckOutcome
    public var estimateRows: Int
    public var outDirectory: URL
    public var files: [String]
    /// False when the release in `out/` was already up to date and left as it was.
    public var published: Bool
    /// Stages recomputed in this run (`check`, `stats`, `report`).
    public var recomputed: [String]
    public var verdict: Verdict
    /// Where the release of a damaged night waits for review (`work/pending`), when `run`
    /// held it back instead of publishing (`[publication] hold`); nil otherwise.
    public var held: URL? = nil
}

/// Options of a pipeline invocation.
public struct PipelineOptions: Sendable {
    /// Recompute every stage even when its stored output is up to date.
    public var force = false
    /// Progress lines (stderr, only when it is a terminal).
    public var progress: (@Sendable (String) -> Void)?
    /// The day of the ingest (default: today in Vietnam).
    public var today: (year: Int, month: Int, day: Int)?
    public init() {}
}

/// The four stages on one survey folder. Each public stage takes the folder's lock, so two
/// runs never interleave; `run` builds the whole release in a staging folder and swaps it in
/// atomically, so `out/` always holds a complete release. Every stage output records what
/// it was computed from, and nothing stale is used: `report` refuses stale estimates or
/// checks, `run` recomputes what is stale and nothing else.
public struct Pipeline {
    public let folder: SurveyFolder
    public let outDirectory: URL
    let logger: Logger
    let options: PipelineOptions
    /// Whether the database passed its structural check in this invocation.
    private let health = Health()
    private final class Health: @unchecked Sendable { var checked = false }

    /// Output files of a release, in manifest order.
    public static let releaseFiles = ReleaseFiles.names

    /// The release files a stage writes (`check`, `stats`, `report`), from the same registry.
    public static func releaseFiles(of stage: String) -> [String] { ReleaseFiles.names(of: stage) }

    public init(folderPath: String, outPath: String?, logger: Logger, options: PipelineOptions = PipelineOptions()) throws {
        folder = try SurveyFolder.load(folderPath)
        // A link is followed: the release replaces the folder it points to, never the link.
        outDirectory = OutputFolder.followingLinks(
            outPath.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? folder.root.appendingPathComponent("out"))
        self.logger = logger
        self.options = options
    }

    func lock() throws -> RunLock { try RunLock(directory: folder.workDirectory) }

    func ingester() -> Ingester {
        var ingester = Ingester(
            folder: folder, logger: logger, today: options.today, shouldStop: { StopSignal.requested },
            progress: options.progress)
        ingester.hashEveryFile = options.force
        return ingester
    }

    func checkOutput() throws {
        if let problem = OutputFolder.problem(out: outDirectory, surveyRoot: folder.root) {
            throw StageError.refusedOutput(path: outDirectory.path, reason: problem)
        }
    }

    func stopIfRequested() throws {
        if StopSignal.requested { throw StageError.interrupted(signal: StopSignal.received) }
    }

    // MARK: public stages

    public func ingest(forget: [String] = []) throws -> Verdict {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("ingest") { db in
            let summary = try ingestStage(db, forget: forget)
            return try verdict(db, summary: summary, checks: nil)
        }
    }

    /// `pipeline replace`: a corrected file takes the place of the file it corrects, in one
    /// step. The corrected file is in the inbox; the original (a path as listed, such as
    /// `inbox/paper/2024-Q3.csv`) is moved out to `work/replaced/` (kept, never deleted), its
    /// rows forgotten, and the corrected file read: no duplicates, no conflicts between them.
    public func replace(_ original: String, with corrected: String) throws -> Verdict {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("replace") { db in
            for path in [original, corrected] where !path.hasPrefix("inbox/") || path.contains("/../") || path.hasSuffix("/..") {
                throw IngestError.invalidConfiguration(file: path, line: nil, problem: "expected a path inside the inbox as listed, such as inbox/paper/2024-Q3.csv")
            }
            guard original != corrected else {
                throw IngestError.invalidConfiguration(file: corrected, line: nil, problem: "a file cannot replace itself")
            }
            guard try db.sourceFiles()[original] != nil else {
                throw IngestError.invalidConfiguration(file: original, line: nil, problem: "not a file the pipeline has read; expected the original file's path as listed (see rejects.csv or the report's inputs)")
            }
            let correctedURL = folder.root.appendingPathComponent(corrected)
            guard FileManager.default.fileExists(atPath: correctedURL.path) else {
                throw IngestError.missingInput(path: corrected, expected: "the corrected file in the inbox")
            }
            let originalURL = folder.root.appendingPathComponent(original)
            if FileManager.default.fileExists(atPath: originalURL.path) {
                let shelf = folder.workDirectory.appendingPathComponent("replaced")
                var target = shelf.appendingPathComponent(originalURL.lastPathComponent)
                var n = 2
                while FileManager.default.fileExists(atPath: target.path) {
                    target = shelf.appendingPathComponent("\(n)-" + originalURL.lastPathComponent)
                    n += 1
                }
                do {
                    try FileManager.default.createDirectory(at: shelf, withIntermediateDirectories: true)
                    try FileManager.default.moveItem(at: originalURL, to: target)
                } catch {
                    throw StageError.cannotWrite(path: target.path, reason: "\(error)")
                }
                logger.notice("\(original) moved to \(target.path) (kept): \(corrected) replaces it")
            }
            let summary = try ingestStage(db, forget: [original])
            return try verdict(db, summary: summary, checks: nil)
        }
    }

    public func check() throws -> (CheckOutcome, Verdict) {
        try checkOutput()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("check") { db in
            try requireCurrentInstrument(db)
            let outcome = try checkStage(db, inputs: try currentInputs(db))
            try createOutput()
            try writeChecks(outcome, db: db, into: outDirectory)
            try writeManifest(in: outDirectory, inputs: try manifestInputs(db, report: nil))
            return (outcome, try verdict(db, summary: try storedSummary(db), checks: outcome))
        }
    }

    /// - Returns: the number of estimates (rows of estimates.csv) and the verdict.
    public func stats() throws -> (Int, Verdict) {
        try checkOutput()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("stats") { db in
            try requireCurrentInstrument(db)
            try createOutput()
            let (_, count) = try statsStage(db, inputs: try currentInputs(db), publicCopy: outDirectory)
            try writeManifest(in: outDirectory, inputs: try manifestInputs(db, report: nil))
            return (count, try verdict(db, summary: try storedSummary(db), checks: nil))
        }
    }

    /// Returns the page's other language with the verdict.
    public func report(language: Language?, releaseDate: String?) throws -> (Language, Verdict) {
        try checkOutput()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("report") { db in
            try requireCurrentInstrument(db)
            let inputs = try currentInputs(db)
            try requireFresh(db, [("checks_inputs", "checks", "check"), ("estimates_inputs", "estimates", "stats")], inputs: inputs)
            try requireSound(db)
            let published = PublishedEstimates(try storedFigures(db, copiesInto: nil), survey: folder.survey, lineage: folder.lineage)
            try createOutput()
            // Rendered beside out/ first, each file let go once written, then moved in: a
            // report that fails its own schema leaves out/ as it was.
            let staging = try makeStaging()
            defer { try? FileManager.default.removeItem(at: staging) }
            let rendered = try reportStage(
                db, language: language, releaseDate: releaseDate, published: published, into: staging)
            let otherLanguage = rendered.otherLanguage
            for name in Self.releaseFiles(of: "report") {
                let made = staging.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: made.path) {
                    if rename(made.path, outDirectory.appendingPathComponent(name).path) != 0 {
                        try write(try Data(contentsOf: made), name, in: outDirectory)
                    }
                } else {
                    try? FileManager.default.removeItem(at: outDirectory.appendingPathComponent(name))
                }
            }
            let reportKey = Self.reportKey(
                inputs: inputs, language: otherLanguage == .vi ? .en : .vi, releaseDate: releaseDate)
            try writeManifest(in: outDirectory, inputs: Self.recorded(try manifestInputs(db, report: reportKey), rendered), notMade: rendered.notMade)
            let checks = try CheckOutcome(stored: db)
            var v = try verdict(db, summary: try storedSummary(db), checks: checks)
            v.notMade = rendered.notMade.map { "\($0.name) (\($0.reason))" }
            return (otherLanguage, v)
        }
    }

    /// All four stages, each only if what it would compute from changed (or `force`); the
    /// release appears in `out/` whole or not at all, and is left untouched when it is
    /// already up to date.
    public func run(language: Language?, releaseDate: String?, forget: [String] = []) throws -> RunOutcome {
        try checkOutput()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("run") { db in
            removeLeftoverStaging()
            let summary = try ingestStage(db, forget: forget)
            releaseFreedMemory()
            try stopIfRequested()
            let inputs = try currentInputs(db)
            var recomputed: [String] = []
            let checksFresh = try isFresh(db, key: "checks_inputs", inputs: inputs)
            let estimatesFresh = try isFresh(db, key: "estimates_inputs", inputs: inputs)
            if !checksFresh || !estimatesFresh || summary.changed { try requireSound(db) }
            // The cell sums, decoded once for check and stats when both run (kept for stats only).
            var tally: FormTally?
            func readTally() throws -> FormTally {
                if tally == nil { tally = try db.tallies() }
                return tally!
            }
            let outcome: CheckOutcome
            if checksFresh && !options.force {
                outcome = try CheckOutcome(stored: db)
            } else {
                outcome = try checkStage(db, inputs: inputs, tally: estimatesFresh && !options.force ? nil : try readTally())
                recomputed.append("check")
            }
            try stopIfRequested()
            // New estimates stream straight into the release being built (and the database):
            // the figures the report renders from stay in memory, nothing is read back.
            var staging: URL?
            var figures: EstimateFigures?
            if !estimatesFresh || options.force {
                ReportRenderer.prepare()
                let folder = try makeStaging()
                staging = folder
                do {
                    figures = try statsStage(db, inputs: inputs, publicCopy: folder, tally: try readTally()).figures
                    tally = nil
                    releaseFreedMemory()
                    try stopIfRequested()
                } catch {
                    try? FileManager.default.removeItem(at: folder)
                    throw error
                }
                recomputed.append("stats")
            }
            try stopIfRequested()
            let language = language ?? folder.survey.rules.language
            let reportKey = Self.reportKey(inputs: inputs, language: language, releaseDate: releaseDate)
            let expected = try manifestInputs(db, report: reportKey)
            var published = false
            var held: URL?
            var notMade: [String] = []
            // A damaged night (a file wholly rejected or unreadable, or too many rejects, not
            // seen in the published release) does not replace a release: its own waits in
            // work/pending for `pipeline publish`, and keeps waiting while nothing changes.
            let damage = try damageSignature(db)
            let unseen = damage.subtracting(try acceptedDamage(db))
            let hold = folder.survey.rules.hold == .damaged && OutputFolder.manifestFiles(outDirectory.path) != nil && !unseen.isEmpty
            if hold, !options.force, recomputed.isEmpty, pendingInputs() == expected {
                held = pendingDirectory
                try? staging.map { try FileManager.default.removeItem(at: $0) }
                logger.warning("run: the release held in \(pendingDirectory.path) is still the one these inputs make; the published release is unchanged")
            } else if options.force || !recomputed.isEmpty || !releaseIsCurrent(expected: expected, db: db) || hold {
                try requireSound(db)
                let staging = try staging ?? makeStaging()
                do {
                    try writeChecks(outcome, db: db, into: staging)
                    // Estimates made in an earlier run: both copies of estimates.csv written
                    // again from the stored rows, the figures decoded from them. The figures
                    // are let go once the published cells are made: not held while the report renders.
                    let release = PublishedEstimates(
                        try figures ?? storedFigures(db, copiesInto: staging), survey: folder.survey, lineage: folder.lineage)
                    figures = nil
                    releaseFreedMemory()
                    let rendered = try reportStage(db, language: language, releaseDate: releaseDate, published: release, into: staging)
                    notMade = rendered.notMade.map { "\($0.name) (\($0.reason))" }
                    try writeManifest(in: staging, inputs: Self.recorded(expected, rendered), notMade: rendered.notMade)
                    FaultInjection.point("run.before_publish")
                    try stopIfRequested()
                    if hold {
                        try keepPending(staging)
                        try db.setMeta(["pending_damage": damage.sorted().joined(separator: "\n")])
                        held = pendingDirectory
                    } else {
                        try publish(staging, db: db)
                        try acceptDamage(damage, db)
                    }
                    FaultInjection.point("run.after_publish")
                } catch {
                    try? FileManager.default.removeItem(at: staging)
                    throw error
                }
                recomputed.append("report")
                published = !hold
            } else {
                logger.info("run: nothing changed since the last release; \(outDirectory.path) is up to date and was left as it is")
            }
            let files = Self.releaseFiles.filter {
                FileManager.default.fileExists(atPath: outDirectory.appendingPathComponent($0).path)
            } + ["manifest.json"]
            var v = try verdict(db, summary: summary, checks: outcome)
            v.notMade = notMade
            if let held {
                v.attention.append("a damaged night (\(unseen.sorted().prefix(3).joined(separator: "; "))): the release was held in \(held.path) and \(outDirectory.path) left as it was; review it, then `pipeline publish \(folder.root.path)`")
            }
            return RunOutcome(
                ingest: summary, checks: outcome, estimateRows: try db.estimatesCount(), outDirectory: outDirectory,
                files: files, published: published, recomputed: recomputed, verdict: v, held: held)
        }
    }

    // MARK: provenance

    func currentInputs(_ db: SurveyDatabase) throws -> StageInputs {
        StageInputs(folder: folder, ingestState: try db.ingestState() ?? "none")
    }

    func isFresh(_ db: SurveyDatabase, key: String, inputs: StageInputs) throws -> Bool {
        try db.meta(key) == inputs.encoded
    }

    /// Refuses to use a stage output computed from other inputs than the current ones.
    func requireFresh(_ db: SurveyDatabase, key: String, inputs: StageInputs, what: String, stage: String) throws {
        try requireFresh(db, [(key, what, stage)], inputs: inputs)
    }

    /// Refuses stale stage outputs, naming every stage to run, in order, at once.
    func requireFresh(_ db: SurveyDatabase, _ outputs: [(key: String, what: String, stage: String)], inputs: StageInputs) throws {
        var missing: [(what: String, stage: String)] = []
        var stale: [(what: String, stage: String, why: [String])] = []
        for (key, what, stage) in outputs {
            guard let stored = try db.meta(key) else {
                missing.append((what, stage))
                continue
            }
            guard stored != inputs.encoded else { continue }
            stale.append((what, stage, StageInputs(encoded: stored).map { inputs.changes(since: $0) } ?? ["they were made by an older program"]))
        }
        guard !missing.isEmpty || !stale.isEmpty else { return }
        let stages = (missing.map(\.stage) + stale.map(\.stage)).map { "`pipeline \($0) \(folder.root.path)`" }.joined(separator: " then ")
        var said = missing.map { "no \($0.what) yet" }
        said += stale.map { "the stored \($0.what) are out of date (\($0.why.joined(separator: "; ")) since `pipeline \($0.stage)` ran)" }
        throw StageError.staleInput(
            "\(said.joined(separator: "; ")); nothing was written. Run \(stages) first, or `pipeline run` to bring everything up to date")
    }

    /// Only `ingest` and `run` may rebuild the forms for a new instrument.
    func requireCurrentInstrument(_ db: SurveyDatabase) throws {
        guard db.storedFingerprint != nil else {
            throw StageError.missingStageInput("no forms in \(folder.databasePath): put files in inbox/ and run `pipeline ingest \(folder.root.path)` first")
        }
        guard db.matchesInstrument else {
            throw StageError.staleInput(
                "survey.toml's instrument changed since the last ingest (\(Ingester.instrumentChangeDescription(from: db.storedFingerprint!, to: db.fingerprint))); the stored forms do not fit it and nothing was written. Run `pipeline ingest \(folder.root.path)` (it reads every inbox file again) or `pipeline run`")
        }
    }

    /// Refuses to compute or publish from a damaged database (checked once per invocation).
    func requireSound(_ db: SurveyDatabase) throws {
        guard !health.checked else { return }
        if let problem = try db.integrityProblem(tables: SurveyDatabase.derivedTables) {
            throw StorageError.corrupt(path: db.path, detail: problem)
        }
        health.checked = true
    }

    static func reportKey(inputs: StageInputs, language: Language, releaseDate: String?) -> String {
        FileHash.sha256(Data("\(inputs.encoded);language=\(language.rawValue);release_date=\(releaseDate ?? "")".utf8))
    }

    // MARK: stage bodies (lock held)

    func recorded<T>(_ stage: String, _ body: (SurveyDatabase) throws -> T) throws -> T {
        let started = Self.timestamp()
        let clock = ContinuousClock.now
        let db = try ingester().openDatabase()
        let result = try body(db)
        let read = try db.sourceFiles().values.sorted { $0.path < $1.path }
            .map { "\($0.path) \($0.sha256) \($0.status.rawValue)" }.joined(separator: "\n")
        try db.recordStageRun(
            stage: stage, version: programVersion, startedAt: started, finishedAt: Self.timestamp(), read: read,
            wrote: "\(outDirectory.path)")
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.info("\(stage) finished in \(String(format: "%.3f", seconds)) s", metadata: ["stage": "\(stage)", "duration_s": "\(String(format: "%.3f", seconds))"])
        return result
    }

    func ingestStage(_ db: SurveyDatabase, forget: [String]) throws -> IngestSummary {
        let summary: IngestSummary
        do {
            summary = try ingester().run(database: db, forget: forget, verify: db.storedFingerprint != nil)
        } catch StorageError.interrupted {
            throw StageError.interrupted(signal: StopSignal.received)
        }
        // An ingest that changed the database checked it before its first change (or built
        // it anew), inside the same transaction: no second full check in this process.
        if summary.changed { health.checked = true }
        let c = summary.counts
        logger.info("ingest: \(summary.files) files (\(summary.filesRead) read, \(summary.filesUnchanged) unchanged, \(summary.filesMissing.count) missing, \(summary.filesUnreadable.count) unreadable); \(c.accepted) forms accepted, \(c.rejected) rejected, \(c.duplicates) duplicates, \(c.conflicts) conflicts")
        return summary
    }

    /// The ingest counts as stored (for stages that do not ingest).
    func storedSummary(_ db: SurveyDatabase) throws -> IngestSummary {
        var summary = IngestSummary()
        let files = try db.sourceFiles()
        summary.files = files.count
        summary.filesMissing = files.values.filter { $0.status == .missing }.map(\.path).sorted()
        summary.filesUnreadable = files.values.filter { $0.status == .unreadable }.map(\.path).sorted()
        summary.filesWhollyRejected = files.values.filter {
            $0.rowsRead > 0 && $0.accepted == 0 && $0.duplicates == 0 && $0.conflicts == 0 && $0.status != .unreadable
        }.map(\.path).sorted()
        summary.filesWithUnreadTables = Ingester.unreadTables(files)
        summary.counts = try db.outcomeCounts()
        return summary
    }

    /// Whether the input needs attention, and the counts of the summary line.
    func verdict(_ db: SurveyDatabase, summary: IngestSummary, checks: CheckOutcome?) throws -> Verdict {
        var v = Verdict()
        v.ingest = summary
        let c = summary.counts
        if !summary.filesWhollyRejected.isEmpty {
            v.attention.append("\(summary.filesWhollyRejected.count) file(s) wholly rejected: \(summary.filesWhollyRejected.prefix(3).joined(separator: ", "))")
        }
        if !summary.filesWithUnreadTables.isEmpty {
            v.attention.append("\(summary.filesWithUnreadTables.count) file(s) with a sheet of data but no usable header (its rows rejected): \(summary.filesWithUnreadTables.prefix(3).joined(separator: "; ")); fix its header, or name the sheets to read in [columns.paper] / [columns.portal] sheet")
        }
        if !summary.filesUnreadable.isEmpty {
            v.attention.append("\(summary.filesUnreadable.count) file(s) unreadable: \(summary.filesUnreadable.prefix(3).joined(separator: ", "))")
        }
        if !summary.filesMissing.isEmpty {
            v.attention.append("\(summary.filesMissing.count) file(s) missing from the inbox: \(summary.filesMissing.prefix(3).joined(separator: ", "))")
        }
        if c.conflicts > 0 { v.attention.append("\(c.conflicts) forms in conflict (same id, different answers)") }
        let share = folder.survey.rules.maxRejectedShare
        if c.read > 0, Double(c.rejected) / Double(c.read) > share {
            v.attention.append(String(format: "%.1f%% of rows rejected (limit %.1f%%, [checks] max_rejected_share)", 100 * Double(c.rejected) / Double(c.read), 100 * share))
        }
        // The latest period: the latest quarter (inside the window, if one is set) with forms.
        let counts = try db.acceptedCounts()
        let window = CheckAccumulator(survey: folder.survey)
        let inWindow = counts.filter { window.isInWindow($0.quarter) }
        if let latest = inWindow.map(\.quarter).max() {
            let here = inWindow.filter { $0.quarter == latest }
            // Units that exist then (units.csv valid_from, valid_to); one that starts in this
            // very quarter is told in the log until its first forms, not as attention.
            let lineage = folder.lineage
            let expected = folder.units.filter { lineage.exists($0.code, in: latest) }
            let missingUnits = expected.filter { $0.validFrom != latest }.map(\.code).filter { code in !here.contains { $0.unit == code } }
            let starting = expected.filter { $0.validFrom == latest }.map(\.code).filter { code in !here.contains { $0.unit == code } }
            if !starting.isEmpty {
                logger.notice("no accepted form yet in \(latest) for unit(s) starting then (units.csv valid_from): \(starting.map(\.code).joined(separator: ", "))")
            }
            if !missingUnits.isEmpty {
                v.attention.append("no accepted form in \(latest) for unit(s) \(missingUnits.prefix(5).map(\.code).joined(separator: ", "))")
            }
            let channels = Set(inWindow.map(\.channel))
            for channel in channels.sorted() where !here.contains(where: { $0.channel == channel }) {
                v.attention.append("no accepted \(channel.rawValue) form in \(latest)")
            }
        }
        // Every summary line counts failed checks as checks.csv holds them: a stage that did
        // not evaluate them counts the stored ones.
        if let checks {
            v.checksFailed = checks.failed.count
        } else {
            v.checksFailed = try CheckOutcome(stored: db).failed.count
            v.checksEvaluated = false
        }
        v.filesWithUnknownKeys = try db.sourceFiles().values.filter { !$0.unknownAnswerKeys.isEmpty }.map(\.path).sorted()
        v.cellsFlagged = try db.flaggedCells()
        return v
    }

    func requireForms(_ db: SurveyDatabase) throws {
        if try db.sourceFiles().isEmpty {
            throw StageError.missingStageInput("no forms in \(folder.databasePath): put files in inbox/ and run `pipeline ingest` first")
        }
        if try db.outcomeCounts().accepted == 0 {
            throw StageError.missingStageInput("no accepted forms: every row of the inbox was rejected (see \(folder.rejectsPath))")
        }
    }

    /// `tally`: the cell sums, if already read.
    func checkStage(_ db: SurveyDatabase, inputs: StageInputs, tally: FormTally? = nil) throws -> CheckOutcome {
        try requireForms(db)
        try requireSound(db)
        var accumulator = CheckAccumulator(survey: folder.survey)
        for (key, atom) in try (tally ?? db.tallies()).atoms.sorted(by: { $0.key < $1.key }) {
            accumulator.add(unit: key.unit, quarter: key.quarter, channel: key.channel, tally: atom)
        }
        let results = accumulator.evaluate(
            survey: folder.survey, population: folder.population, duplicates: try db.duplicateCounts(),
            repeatedDossiers: try db.repeatedDossierCounts(), units: folder.units.map(\.code), lineage: folder.lineage)
        FaultInjection.point("check.before_commit")
        try stopIfRequested()
        try db.replaceChecks(results, meta: ["checks_inputs": inputs.encoded])
        let outcome = CheckOutcome(results: results)
        logger.info("check: \(results.count) checks, \(outcome.failed.count) failed")
        if let advice = CheckAccumulator.sampleSizeAdvice(results, population: folder.population) {
            let e = folder.survey.rules.marginOfError
            logger.warning("check: the sample-size rule fails in \(advice.failed) of \(advice.cells) unit-quarters at margin_of_error = \(NumberText.g12(e)) ([survey] in survey.toml); nine in ten would pass at \(NumberText.g12(advice.ninetyPercent)), all at \(NumberText.g12(advice.all)). Choose the margin with the survey plan (a larger one is a weaker rule), not to pass the check")
        }
        return outcome
    }

    /// Computes every estimate and streams it, as it is made, into the database, the
    /// statistician's `work/estimates.csv` and the public copy in `publicCopy`, from `tally`
    /// (the cell sums) if already read. Returns the release's typed figures and the row count.
    func statsStage(_ db: SurveyDatabase, inputs: StageInputs, publicCopy: URL, tally: FormTally? = nil) throws -> (figures: EstimateFigures, count: Int) {
        try requireForms(db)
        try requireSound(db)
        let (atoms, domains, outside, latestDate) = try statsSums(db, tally: tally)
        if outside > 0 { logger.warning("stats: \(outside) forms dated outside the survey window are left out (see checks.csv)") }
        if let plan = WeightPlan.make(formsPerAtom: atoms.mapValues(\.forms), population: folder.population) {
            for problem in plan.problems { logger.warning("weights: \(problem)") }
        }
        let groups = folder.unitGroups
        let lineage = folder.lineage
        let csv = try EstimatesCSV(
            work: workEstimatesPath, published: publicCopy.appendingPathComponent("estimates.csv").path)
        var result: (figures: EstimateFigures, count: Int)?
        do {
            let survey = folder.survey
            let population = folder.population
            try db.replaceEstimates(meta: ["estimates_inputs": inputs.encoded, "data_through": latestDate]) { insert in
                // The estimator and the typed figures on a second core; the rows stored in
                // SQLite and written to both copies of estimates.csv here, in order.
                let made = try BatchHandoff<(EstimateRow, Double?)>.run { handoff in
                    var stream = EstimateStream(survey: survey, unitGroups: groups, lineage: lineage) { row, shown in
                        try handoff.put((row, shown))
                    }
                    try Stats.Estimator(survey: survey, unitGroups: groups, lineage: lineage).estimate(
                        atoms: atoms, domains: domains, population: population
                    ) { try stream.add($0) }
                    try stream.publish(population: population)
                    try stream.finish()
                    return (stream.figures, stream.count)
                } consume: { row, shown in
                    try insert(row)
                    try csv.write(row, shown: shown)
                }
                FaultInjection.point("stats.before_commit")
                try stopIfRequested()
                result = made
                return ["estimates_rows": String(made.1), "cells_flagged": String(made.0.cellsFlagged)]
            }
            try csv.commit()
        } catch {
            csv.abandon()
            throw error
        }
        logger.info("stats: \(result!.count) estimates for \(atoms.count) unit x quarter x channel groups")
        return result!
    }

    /// Hands memory freed by the stage just done back to the system. The ingest's reader
    /// threads and the estimates' buffers leave freed blocks in malloc's arenas, which glibc
    /// keeps; without this the next stage's peak stacks on top of them (measured at 200 units).
    func releaseFreedMemory() {
        cshims_release_free_memory()
    }

    /// The statistician's copy of estimates.csv.
    var workEstimatesPath: String { folder.workDirectory.appendingPathComponent("estimates.csv").path }

    /// The typed figures of the stored estimates, decoded row by row; with `copiesInto`, both
    /// copies of estimates.csv written again on the way (work/ and that folder).
    func storedFigures(_ db: SurveyDatabase, copiesInto folderURL: URL?) throws -> EstimateFigures {
        let csv = try folderURL.map {
            try EstimatesCSV(work: workEstimatesPath, published: $0.appendingPathComponent("estimates.csv").path)
        }
        var stream = EstimateStream(survey: folder.survey, unitGroups: folder.unitGroups, lineage: folder.lineage) { row, shown in
            try csv?.write(row, shown: shown)
        }
        do {
            try db.forEachEstimate { try stream.add($0) }
            try stream.finish()
            try csv?.commit()
        } catch {
            csv?.abandon()
            throw error
        }
        return stream.figures
    }

    /// Renders the report stage's files (`ReportOutputs`) into `dir`, each written as soon as
    /// it is made and let go; a file of that stage this release does not have (the page in a
    /// language it does not offer) is removed, so a release holds exactly what was rendered
    /// for it. Returns the page's other language.
    @discardableResult
    func reportStage(
        _ db: SurveyDatabase, language: Language?, releaseDate: String?, published estimates: PublishedEstimates, into dir: URL
    ) throws -> ReportRenderer.Summary {
        let input = try reportInput(db, language: language, releaseDate: releaseDate, published: estimates)
        let summary = try ReportRenderer.render(input) { name, data in
            if let data {
                try write(data, name, in: dir)
            } else {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            }
        }
        logger.info("report: report.xml validated against report.xsd; report.html in \(input.language.rawValue)")
        for (name, reason) in summary.notMade {
            logger.warning("report: \(name) not made, the release is published without it: \(reason)")
        }
        for warning in summary.warnings { logger.warning("report: \(warning)") }
        return summary
    }

    /// What the report renders from: the published figures, the checks, the inputs' summary.
    func reportInput(
        _ db: SurveyDatabase, language: Language?, releaseDate: String?, published estimates: PublishedEstimates
    ) throws -> ReportInput {
        guard !estimates.keys.isEmpty else { throw ReportError.noEstimates }
        let sources = try db.sourceFiles().values.filter { !$0.sha256.isEmpty }
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }.map {
                SourceSummary(path: $0.path, sha256: $0.sha256, accepted: $0.accepted, rejected: $0.rejected, duplicates: $0.duplicates)
            }
        let through = try db.meta("data_through").flatMap { $0.isEmpty ? nil : $0 }
        if let releaseDate, let through, releaseDate < through {
            logger.warning("report: the release date \(releaseDate) is before the latest form used (\(through))")
        }
        let date = releaseDate ?? through ?? "1970-01-01"
        var input = ReportInput(
            survey: folder.survey, units: folder.units, published: estimates, checks: try db.checks(),
            language: language ?? folder.survey.rules.language, sources: sources, programVersion: programVersion,
            releaseDate: date, dataThrough: through)
        input.shouldStop = { StopSignal.requested }
        return input
    }

    // MARK: writing

    func createOutput() throws {
        do { try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true) } catch {
            throw StageError.cannotWrite(path: outDirectory.path, reason: "\(error)")
        }
    }

    /// checks.csv: the checks evaluated in this run, or else the stored ones.
    func writeChecks(_ outcome: CheckOutcome, db: SurveyDatabase, into dir: URL) throws {
        var text = "unit,period,check,subject,observed,required,status,message\n"
        for c in try outcome.results ?? db.checks() {
            text += [CSVField.text(c.unit.code), c.period.description, c.check, CSVField.text(c.subject), NumberText.g12(c.observed),
                     NumberText.g12(c.required), c.status.rawValue, CSVField.text(c.message)].joined(separator: ",") + "\n"
        }
        try write(Data(text.utf8), "checks.csv", in: dir)
    }

    func write(_ data: Data, _ name: String, in dir: URL) throws {
        let path = dir.appendingPathComponent(name).path
        do { try AtomicFile.write(data, to: path) } catch {
            throw StageError.cannotWrite(path: path, reason: "\(error)")
        }
    }

}
