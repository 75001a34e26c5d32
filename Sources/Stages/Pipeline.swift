import Foundation
import Ingest
import Logging
import Report
import Stats
import Storage
import SurveyModel

/// The program version written into stage records, manifests and reports.
public let programVersion = "0.1.0"

/// What `check` found.
public struct CheckOutcome: Sendable {
    public var results: [CheckResult]
    public var failed: [CheckResult] { results.filter { $0.status == .fail } }
    public var anyFailed: Bool { results.contains { $0.status == .fail } }
}

/// What a whole run did.
public struct RunOutcome: Sendable {
    public var ingest: IngestSummary
    public var checks: CheckOutcome
    public var estimateRows: Int
    public var outDirectory: URL
    public var files: [String]
}

/// The four stages on one survey folder. Each public stage takes the folder's lock, so two
/// runs never interleave; `run` builds the whole release in a staging folder and swaps it in
/// atomically, so `out/` always holds a complete release.
public struct Pipeline {
    public let folder: SurveyFolder
    public let outDirectory: URL
    let logger: Logger

    /// Output files of a release, in manifest order.
    public static let releaseFiles = [
        "checks.csv", "estimates.csv", "summary.csv", "report.xml", "sdmx.xml", "report.html", "report.en.html", "report.vi.html",
    ]

    public init(folderPath: String, outPath: String?, logger: Logger) throws {
        folder = try SurveyFolder.load(folderPath)
        outDirectory = outPath.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? folder.root.appendingPathComponent("out")
        self.logger = logger
    }

    private func lock() throws -> RunLock { try RunLock(directory: folder.workDirectory) }

    private func ingester() -> Ingester { Ingester(folder: folder, logger: logger) }

    // MARK: public stages

    public func ingest() throws -> IngestSummary {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("ingest") { db in try ingestStage(db) }
    }

    public func check() throws -> CheckOutcome {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("check") { db in
            let outcome = try checkStage(db)
            try writeChecks(outcome, into: outDirectory)
            try writeManifest(in: outDirectory)
            return outcome
        }
    }

    public func stats() throws -> [EstimateRow] {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("stats") { db in
            let rows = try statsStage(db)
            try writeEstimates(rows, into: outDirectory)
            try writeManifest(in: outDirectory)
            return rows
        }
    }

    public func report(language: Language?, releaseDate: String?) throws -> ReportRenderer.Rendered {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("report") { db in
            let rendered = try reportStage(db, language: language, releaseDate: releaseDate)
            try writeReport(rendered, into: outDirectory)
            try writeManifest(in: outDirectory)
            return rendered
        }
    }

    /// All four stages; the release appears in `out/` whole or not at all.
    public func run(language: Language?, releaseDate: String?) throws -> RunOutcome {
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        return try recorded("run") { db in
            let summary = try ingestStage(db)
            let staging = try makeStaging()
            do {
                let outcome = try checkStage(db)
                try writeChecks(outcome, into: staging)
                let rows = try statsStage(db)
                try writeEstimates(rows, into: staging)
                let rendered = try reportStage(db, language: language, releaseDate: releaseDate)
                try writeReport(rendered, into: staging)
                try writeManifest(in: staging)
                try publish(staging)
                return RunOutcome(
                    ingest: summary, checks: outcome, estimateRows: rows.count, outDirectory: outDirectory,
                    files: Self.releaseFiles.filter {
                        FileManager.default.fileExists(atPath: outDirectory.appendingPathComponent($0).path)
                    } + ["manifest.json"])
            } catch {
                try? FileManager.default.removeItem(at: staging)
                throw error
            }
        }
    }

    // MARK: stage bodies (lock held)

    private func recorded<T>(_ stage: String, _ body: (SurveyDatabase) throws -> T) throws -> T {
        let started = Self.timestamp()
        let db = try ingester().openDatabase()
        let result = try body(db)
        let read = try db.sourceFiles().values.sorted { $0.path < $1.path }
            .map { "\($0.path) \($0.sha256)" }.joined(separator: "\n")
        try db.recordStageRun(
            stage: stage, version: programVersion, startedAt: started, finishedAt: Self.timestamp(), read: read,
            wrote: "\(outDirectory.path)")
        return result
    }

    private func ingestStage(_ db: SurveyDatabase) throws -> IngestSummary {
        let summary = try ingester().run(database: db)
        logger.info("ingest: \(summary.filesRead) files read, \(summary.filesUnchanged) unchanged, \(summary.filesRemoved) removed; \(summary.accepted) forms accepted, \(summary.rejected) rejected, \(summary.duplicates) duplicates")
        return summary
    }

    private func requireForms(_ db: SurveyDatabase) throws {
        if try db.sourceFiles().isEmpty {
            throw StageError.missingStageInput("no forms in \(folder.databasePath): put files in inbox/ and run `pipeline ingest` first")
        }
        if try db.outcomeCounts().accepted == 0 {
            throw StageError.missingStageInput("no accepted forms: every row of the inbox was rejected (see \(folder.rejectsPath))")
        }
    }

    private func checkStage(_ db: SurveyDatabase) throws -> CheckOutcome {
        try requireForms(db)
        var accumulator = CheckAccumulator(survey: folder.survey)
        try db.forEachAcceptedForm { form in
            accumulator.add(unit: form.unit, quarter: form.period, answers: form.answers)
        }
        let results = accumulator.evaluate(
            survey: folder.survey, population: folder.population, duplicates: try db.duplicateCounts(),
            repeatedDossiers: try db.repeatedDossierCounts(), units: folder.units.map(\.code))
        try db.replaceChecks(results)
        let outcome = CheckOutcome(results: results)
        logger.info("check: \(results.count) checks, \(outcome.failed.count) failed")
        return outcome
    }

    private func statsStage(_ db: SurveyDatabase) throws -> [EstimateRow] {
        try requireForms(db)
        let answered = folder.survey.answeredItems
        let likertPositions = answered.indices.filter { answered[$0].kind == .likert5 }
        let qualityPositions = answered.indices.filter { answered[$0].kind == .yesno || answered[$0].kind == .count }
        var accumulator = SumsAccumulator(
            itemCount: likertPositions.count, satisfiedAnswers: folder.survey.rules.satisfied,
            groups: IndexStructure(survey: folder.survey).members)
        var likert = [UInt8](repeating: 0, count: likertPositions.count)
        var quality = [UInt8](repeating: 0, count: qualityPositions.count)
        // Forms dated outside the survey window (a typed 2204 for 2024) stay out of the
        // estimates; `check` reports them.
        let window = CheckAccumulator(survey: folder.survey)
        var outside = 0
        try db.forEachAcceptedForm { form in
            guard window.isInWindow(form.period) else {
                outside += 1
                return
            }
            for (k, j) in likertPositions.enumerated() {
                likert[k] = form.answers[j] == missingAnswer ? 0 : form.answers[j]
            }
            for (k, j) in qualityPositions.enumerated() {
                let v = form.answers[j]
                quality[k] = v == missingAnswer ? 0 : (answered[j].isFavourable(Int(v)) == true ? 2 : 1)
            }
            accumulator.add(AtomKey(unit: form.unit, quarter: form.period, channel: form.channel), answers: likert, quality: quality)
        }
        if outside > 0 { logger.warning("stats: \(outside) forms dated outside the survey window are left out (see checks.csv)") }
        if let plan = WeightPlan.make(formsPerAtom: accumulator.atoms.mapValues(\.forms), population: folder.population) {
            for problem in plan.problems { logger.warning("weights: \(problem)") }
        }
        var rows = Stats.Estimator(survey: folder.survey).estimate(atoms: accumulator.atoms, population: folder.population)
        rows += Publication(survey: folder.survey).derive(from: rows, population: folder.population)
        try db.replaceEstimates(rows)
        logger.info("stats: \(rows.count) estimates for \(accumulator.atoms.count) unit x quarter x channel groups")
        return rows
    }

    private func reportStage(_ db: SurveyDatabase, language: Language?, releaseDate: String?) throws -> ReportRenderer.Rendered {
        let estimates = try db.estimates()
        guard !estimates.isEmpty else { throw ReportError.noEstimates }
        let sources = try db.sourceFiles().values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }.map {
            SourceSummary(path: $0.path, sha256: $0.sha256, accepted: $0.accepted, rejected: $0.rejected, duplicates: $0.duplicates)
        }
        let date = try releaseDate ?? db.latestFormDate() ?? "1970-01-01"
        let input = ReportInput(
            survey: folder.survey, units: folder.units, estimates: estimates, checks: try db.checks(),
            language: language ?? folder.survey.rules.language, sources: sources, programVersion: programVersion,
            releaseDate: date)
        let rendered = try ReportRenderer.render(input)
        logger.info("report: report.xml validated against report.xsd; report.html in \(input.language.rawValue)")
        return rendered
    }

    // MARK: writing

    private func writeChecks(_ outcome: CheckOutcome, into dir: URL) throws {
        var text = "unit,period,check,subject,observed,required,status,message\n"
        for c in outcome.results {
            text += [c.unit, c.period.description, c.check, c.subject, EstimateRow.format(c.observed),
                     EstimateRow.format(c.required), c.status.rawValue, c.message].map(CSVField.quote).joined(separator: ",") + "\n"
        }
        try write(Data(text.utf8), "checks.csv", in: dir)
    }

    private func writeEstimates(_ rows: [EstimateRow], into dir: URL) throws {
        var text = EstimateRow.csvHeader + "\n"
        text.reserveCapacity(rows.count * 64)
        for row in rows { text += row.csvLine + "\n" }
        try write(Data(text.utf8), "estimates.csv", in: dir)
    }

    /// report.html in the release's language, and report.<other>.html in the other one.
    private func writeReport(_ rendered: ReportRenderer.Rendered, into dir: URL) throws {
        try write(rendered.xml, "report.xml", in: dir)
        try write(rendered.html, "report.html", in: dir)
        let other = "report.\(rendered.otherLanguage.rawValue).html"
        try write(rendered.otherHTML, other, in: dir)
        // A release holds exactly one other-language page.
        for stale in ["report.en.html", "report.vi.html"] where stale != other {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(stale))
        }
        try write(rendered.sdmx, "sdmx.xml", in: dir)
        try write(rendered.summary, "summary.csv", in: dir)
    }

    private func write(_ data: Data, _ name: String, in dir: URL) throws {
        let path = dir.appendingPathComponent(name).path
        do { try AtomicFile.write(data, to: path) } catch {
            throw StageError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// `manifest.json`: each release file present with its size and SHA-256, sorted, no clock.
    private func writeManifest(in dir: URL) throws {
        var entries: [String] = []
        for name in Self.releaseFiles {
            let path = dir.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let (sha, bytes) = try FileHash.sha256(path: path)
            entries.append("    {\"file\": \"\(name)\", \"bytes\": \(bytes), \"sha256\": \"\(sha)\"}")
        }
        let text = "{\n  \"program\": \"sipas-pipeline\",\n  \"version\": \"\(programVersion)\",\n  \"files\": [\n"
            + entries.joined(separator: ",\n") + "\n  ]\n}\n"
        try write(Data(text.utf8), "manifest.json", in: dir)
    }

    // MARK: atomic release

    private var stagingPrefix: String { ".\(outDirectory.lastPathComponent).staging-" }

    /// A fresh staging folder beside `out/` (same file system, so the swap is a rename).
    /// Leftovers of crashed runs are removed: the lock proves no one else is using them.
    private func makeStaging() throws -> URL {
        let parent = outDirectory.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw StageError.cannotWrite(path: parent.path, reason: "\(error)")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(stagingPrefix) {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
        let staging = parent.appendingPathComponent(stagingPrefix + String(getpid()))
        do { try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw StageError.cannotWrite(path: staging.path, reason: "\(error)")
        }
        return staging
    }

    /// Swaps the staging folder into `out/` with one atomic exchange, then deletes the old release.
    private func publish(_ staging: URL) throws {
        let out = outDirectory.path
        if FileManager.default.fileExists(atPath: out) {
            guard DirectoryExchange.exchange(staging.path, out) else {
                throw StageError.cannotWrite(path: out, reason: "cannot swap in the new release: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(at: staging)
        } else if rename(staging.path, out) != 0 {
            throw StageError.cannotWrite(path: out, reason: String(cString: strerror(errno)))
        }
        logger.info("published the release in \(out)")
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}
