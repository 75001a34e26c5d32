import CShims
import Foundation
import Ingest
import Logging
import Report
import Stats
import Storage
import SurveyModel

/// The release: its manifest, whether `out/` still holds it, the staging folder and the
/// atomic swap, and the release held back on a damaged night (`work/pending`).
extension Pipeline {
    /// What the release's manifest records it was made from.
    func manifestInputs(_ db: SurveyDatabase, report: String?) throws -> [String: String] {
        var inputs: [String: String] = [:]
        inputs["checks"] = try db.meta("checks_inputs").map { FileHash.sha256(Data($0.utf8)) } ?? ""
        inputs["estimates"] = try db.meta("estimates_inputs").map { FileHash.sha256(Data($0.utf8)) } ?? ""
        if let report {
            inputs["report"] = report
            // A release made without a PDF renderer is made again once one is installed.
            inputs["pdf_renderer"] = ReportRenderer.pdfRenderer
        }
        return inputs
    }

    /// The inputs a release records: a file not made although the renderer is there (a
    /// LibreOffice conversion that failed or ran out of time) records a renderer that never
    /// matches, so that the next run makes the release again rather than trusting it.
    static func recorded(_ inputs: [String: String], _ rendered: ReportRenderer.Summary) -> [String: String] {
        guard !rendered.notMade.isEmpty, inputs["pdf_renderer"] != "none" else { return inputs }
        var out = inputs
        out["pdf_renderer"] = "failed: " + (inputs["pdf_renderer"] ?? "")
        return out
    }

    /// Whether `out/` holds a complete release made from `expected`, every file intact.
    ///
    /// A file is intact when its SHA-256 is the manifest's. Hashing a large release every
    /// night costs more than the rest of a run with nothing new, so a file whose identity
    /// (device, inode, size, modification and change times, as for inbox files) is the one
    /// recorded when it was last found intact is not hashed again; a file changed since, or
    /// younger than a few seconds, is (`meta` `release_identities`).
    func releaseIsCurrent(expected: [String: String], db: SurveyDatabase) -> Bool {
        let manifestPath = outDirectory.appendingPathComponent("manifest.json").path
        guard let data = FileManager.default.contents(atPath: manifestPath),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let inputs = object["inputs"] as? [String: String], inputs == expected,
            let files = object["files"] as? [[String: Any]], !files.isEmpty
        else { return false }
        let known = Self.identities((try? db.meta("release_identities")) ?? nil)
        var found: [String: String] = [:]
        for entry in files {
            guard let name = entry["file"] as? String, let sha = entry["sha256"] as? String else { return false }
            let path = outDirectory.appendingPathComponent(name).path
            let identity = FileIdentity.of(path: path)
            let seen = identity.isEmpty ? nil : "\(identity) \(sha)"
            if let seen, known[name] == seen {
                found[name] = seen
                continue
            }
            guard let actual = try? FileHash.sha256(path: path), actual.hex == sha else { return false }
            if let seen { found[name] = seen }
        }
        if found != known {
            try? db.setMeta(["release_identities": found.keys.sorted().map { "\($0)\t\(found[$0]!)" }.joined(separator: "\n")])
        }
        return true
    }

    /// `name<TAB>identity sha256` lines of `meta` `release_identities`.
    public static func identities(_ text: String?) -> [String: String] {
        var out: [String: String] = [:]
        for line in (text ?? "").split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    // MARK: a damaged night's release

    /// `work/pending`: the release of a damaged night, held for review.
    var pendingDirectory: URL { folder.workDirectory.appendingPathComponent("pending") }

    /// What makes a night damaged, as the database holds it now: each file unreadable or
    /// wholly rejected, and rejects above `max_rejected_share`.
    func damageSignature(_ db: SurveyDatabase) throws -> Set<String> {
        var damage = Set<String>()
        for file in try db.sourceFiles().values {
            if file.status == .unreadable { damage.insert("unreadable \(file.path)") }
            if file.status != .unreadable, file.rowsRead > 0, file.accepted == 0, file.duplicates == 0, file.conflicts == 0 {
                damage.insert("wholly rejected \(file.path)")
            }
        }
        let c = try db.outcomeCounts()
        if c.read > 0, Double(c.rejected) / Double(c.read) > folder.survey.rules.maxRejectedShare {
            damage.insert("rejects above max_rejected_share")
        }
        return damage
    }

    /// The damage the published release was made with (the operator published it).
    func acceptedDamage(_ db: SurveyDatabase) throws -> Set<String> {
        Set((try db.meta("accepted_damage") ?? "").split(separator: "\n").map(String.init))
    }

    func acceptDamage(_ damage: Set<String>, _ db: SurveyDatabase) throws {
        try db.setMeta(["accepted_damage": damage.sorted().joined(separator: "\n"), "pending_damage": ""])
        // A release held earlier is obsolete once another is published.
        if OutputFolder.manifestFiles(pendingDirectory.path) != nil { try? FileManager.default.removeItem(at: pendingDirectory) }
    }

    /// The inputs the held release was made from, if there is one.
    func pendingInputs() -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: pendingDirectory.appendingPathComponent("manifest.json").path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["inputs"] as? [String: String]
    }

    /// Moves a finished release from its staging folder to `work/pending`, replacing a release
    /// held there before.
    func keepPending(_ staging: URL) throws {
        let pending = pendingDirectory
        if FileManager.default.fileExists(atPath: pending.path) {
            guard OutputFolder.isOwnStaging(pending.path) else {
                throw StageError.cannotWrite(path: pending.path, reason: "it holds files the pipeline did not write; move them elsewhere")
            }
            try? FileManager.default.removeItem(at: pending)
        }
        do {
            if rename(staging.path, pending.path) != 0 {
                // Another file system: copied, then the staging folder removed.
                try FileManager.default.copyItem(at: staging, to: pending)
                try FileManager.default.removeItem(at: staging)
            }
        } catch {
            throw StageError.cannotWrite(path: pending.path, reason: "\(error)")
        }
        logger.warning("run: a damaged night; the new release is held in \(pending.path), \(outDirectory.path) is left as it was")
    }

    /// `pipeline publish`: puts the release held in `work/pending` in place, atomically, and
    /// records its damage as seen (the same damage holds no later release).
    public func publishPending() throws -> URL {
        try checkOutput()
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        guard OutputFolder.manifestFiles(pendingDirectory.path) != nil else {
            throw StageError.missingStageInput("no release is held in \(pendingDirectory.path): `pipeline run` holds one back only on a damaged night")
        }
        return try recorded("publish") { db in
            let staging = try makeStaging()
            do {
                try FileManager.default.removeItem(at: staging)
                if rename(pendingDirectory.path, staging.path) != 0 { try FileManager.default.copyItem(at: pendingDirectory, to: staging) }
                try publish(staging, db: db)
            } catch {
                try? FileManager.default.removeItem(at: staging)
                throw error
            }
            let damage = Set((try db.meta("pending_damage") ?? "").split(separator: "\n").map(String.init))
            try acceptDamage(damage, db)
            return outDirectory
        }
    }

    /// `manifest.json`: what the release was made from (digests, no clock) and each release
    /// file present with its size and SHA-256, sorted. It also marks the folder as a release
    /// of this program, the only kind of folder `run` replaces.
    func writeManifest(in dir: URL, inputs: [String: String], notMade: [(name: String, reason: String)] = []) throws {
        var entries: [String] = []
        for name in Self.releaseFiles {
            let path = dir.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let (sha, bytes) = try FileHash.sha256(path: path)
            entries.append("    {\"file\": \"\(name)\", \"bytes\": \(bytes), \"sha256\": \"\(sha)\"}")
        }
        let inputLines = inputs.keys.sorted().map { "    \"\($0)\": \(JSONText.quoted(inputs[$0]!))" }.joined(separator: ",\n")
        var text = "{\n  \"program\": \"sipas-pipeline\",\n  \"version\": \"\(programVersion)\",\n  \"inputs\": {\n\(inputLines)\n  },\n  \"files\": [\n"
        text += entries.joined(separator: ",\n") + "\n  ]"
        if !notMade.isEmpty {
            // Files this release should have but that could not be made here, with why.
            let lines: [String] = notMade.map { "    {\"file\": \"\($0.name)\", \"reason\": \(JSONText.quoted($0.reason))}" }
            text += ",\n  \"not_made\": [\n" + lines.joined(separator: ",\n") + "\n  ]"
        }
        text += "\n}\n"
        try write(Data(text.utf8), "manifest.json", in: dir)
    }

    // MARK: atomic release

    var stagingPrefix: String { ".\(outDirectory.lastPathComponent).staging-" }

    /// A fresh staging folder beside `out/` (same file system, so the swap is a rename).
    /// Leftovers of crashed runs are removed if they hold nothing but release files: the
    /// lock proves no one else is using them.
    func makeStaging() throws -> URL {
        let parent = outDirectory.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw StageError.cannotWrite(path: parent.path, reason: "\(error)")
        }
        removeLeftoverStaging()
        let staging = parent.appendingPathComponent(stagingPrefix + String(getpid()))
        do { try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw StageError.cannotWrite(path: staging.path, reason: "\(error)")
        }
        return staging
    }

    /// Removes staging folders of crashed runs (a half-built release, or the previous release
    /// left under the staging name after the exchange) if they hold nothing but release
    /// files: the lock proves no one else is using them.
    func removeLeftoverStaging() {
        let parent = outDirectory.deletingLastPathComponent()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(stagingPrefix) {
            let leftover = parent.appendingPathComponent(name)
            if OutputFolder.isOwnStaging(leftover.path) {
                try? FileManager.default.removeItem(at: leftover)
                logger.notice("removed \(leftover.path), left by an interrupted run")
            }
        }
    }

    /// Swaps the staging folder into `out/` with one atomic exchange, then deletes the old
    /// release (checked before to hold only release files).
    func publish(_ staging: URL, db: SurveyDatabase) throws {
        let out = outDirectory.path
        if FileManager.default.fileExists(atPath: out) {
            // Now every file of the release replaced is checked against its manifest's digest
            // (a file found intact before, unchanged since, is not hashed again).
            let trusted = Self.identities((try? db.meta("release_identities")) ?? nil)
            if let problem = OutputFolder.problem(out: outDirectory, surveyRoot: folder.root, digests: true, trusted: trusted) {
                throw StageError.refusedOutput(path: outDirectory.path, reason: problem)
            }
            guard DirectoryExchange.exchange(staging.path, out) else {
                throw StageError.cannotWrite(path: out, reason: "cannot swap in the new release: \(String(cString: strerror(errno)))")
            }
            FaultInjection.point("publish.after_exchange")
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
