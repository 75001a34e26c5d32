import Foundation
import Logging
import Storage
import SurveyModel

/// What one ingest did.
public struct IngestSummary: Sendable, Equatable {
    public var filesRead = 0
    public var filesUnchanged = 0
    public var filesRemoved = 0
    public var accepted = 0
    public var rejected = 0
    public var duplicates = 0
    /// path → sha256 of every inbox file now in the database.
    public var fileHashes: [String: String] = [:]
}

/// The `ingest` stage: reads new or changed inbox files into the working database.
///
/// - Every input row ends up once as accepted, rejected (file, line, reason) or duplicate.
/// - An unchanged file (same path and SHA-256) is not read again; a changed file replaces
///   its earlier rows in one transaction; a file gone from the inbox is forgotten.
/// - Duplicates (same channel and form id) are resolved over all files by path and line,
///   so the result does not depend on the order files arrived in.
public struct Ingester {
    public let folder: SurveyFolder
    let logger: Logger

    public init(folder: SurveyFolder, logger: Logger) {
        self.folder = folder
        self.logger = logger
    }

    /// Inbox files, sorted by path relative to the survey folder.
    public func inboxFiles() throws -> [(relative: String, absolute: String, channel: Channel, isArray: Bool)] {
        var found: [(String, String, Channel, Bool)] = []
        let fm = FileManager.default
        for (dir, channel, extensions) in [
            (folder.paperInbox, Channel.paper, ["csv"]), (folder.portalInbox, Channel.online, ["jsonl", "json"]),
        ] {
            guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
            for name in names where !name.hasPrefix(".") {
                let full = dir.appendingPathComponent(name).path
                let type = (try? fm.attributesOfItem(atPath: full)[.type] as? FileAttributeType) ?? nil
                guard type == .typeRegular || type == .typeSymbolicLink else {
                    logger.warning("ignoring inbox/\(dir.lastPathComponent)/\(name): not a regular file")
                    continue
                }
                let ext = (name as NSString).pathExtension.lowercased()
                guard extensions.contains(ext) else {
                    logger.warning("ignoring \(dir.lastPathComponent)/\(name): expected \(extensions.map { "*." + $0 }.joined(separator: " or "))")
                    continue
                }
                let relative = "inbox/\(dir.lastPathComponent)/\(name)"
                found.append((relative, dir.appendingPathComponent(name).path, channel, ext == "json"))
            }
        }
        return found.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    /// Opens the working database for this folder's instrument.
    public func openDatabase() throws -> SurveyDatabase {
        do { try FileManager.default.createDirectory(at: folder.workDirectory, withIntermediateDirectories: true) } catch {
            throw IngestError.unwritable(path: folder.workDirectory.path, reason: "\(error)")
        }
        let (db, rebuilt) = try SurveyDatabase.open(
            path: folder.databasePath, itemColumns: folder.survey.answeredItems.map(\.id),
            fingerprint: folder.ingestFingerprint)
        if rebuilt { logger.info("database \(folder.databasePath) set up for this instrument; every inbox file will be read") }
        return db
    }

    @discardableResult
    public func run(database: SurveyDatabase) throws -> IngestSummary {
        var summary = IngestSummary()
        let known = try database.sourceFiles()
        let files = try inboxFiles()
        let validator = FormValidator(survey: folder.survey, units: folder.units)
        for file in files {
            let sha: String, bytes: Int
            do {
                (sha, bytes) = try FileHash.sha256(path: file.absolute)
            } catch {
                // One unreadable file (a broken link, no permission) must not stop the others:
                // it is recorded as a reject and read again next time.
                logger.error("\(file.relative): cannot read (\(error)); its rows are left out until it can be read")
                try database.replaceFile(path: file.relative, channel: file.channel, sha256: "unreadable", bytes: 0) { writer in
                    try writer.reject(line: 0, responseID: nil, reason: "the file could not be read: \(error)")
                }
                summary.filesRead += 1
                continue
            }
            summary.fileHashes[file.relative] = sha
            if let old = known[file.relative], old.sha256 == sha {
                summary.filesUnchanged += 1
                continue
            }
            try database.replaceFile(path: file.relative, channel: file.channel, sha256: sha, bytes: bytes) { writer in
                switch file.channel {
                case .paper:
                    try PaperReader(validator: validator, columns: folder.survey.paperColumns)
                        .read(path: file.absolute, displayPath: file.relative, into: writer)
                case .online:
                    let reader = PortalReader(validator: validator, fields: folder.survey.portalFields)
                    if file.isArray {
                        try reader.readArray(path: file.absolute, displayPath: file.relative, into: writer)
                    } else {
                        try reader.readLines(path: file.absolute, displayPath: file.relative, into: writer)
                    }
                }
                logger.info("read \(file.relative): \(writer.accepted) forms, \(writer.rejected) rejected")
            }
            summary.filesRead += 1
        }
        let present = Set(files.map(\.relative))
        for path in known.keys.sorted() where !present.contains(path) {
            try database.removeFile(path: path)
            summary.filesRemoved += 1
            logger.notice("\(path) is no longer in the inbox; its rows were removed")
        }
        let changed = summary.filesRead > 0 || summary.filesRemoved > 0
        if changed { try database.resolveDuplicates() }
        (summary.accepted, summary.rejected, summary.duplicates) = try database.outcomeCounts()
        if changed || !FileManager.default.fileExists(atPath: folder.rejectsPath) {
            try writeRejects(database)
        }
        return summary
    }

    /// `work/rejects.csv`: `file,line,outcome,form_id,reason`, sorted by file and line,
    /// streamed from the database to a temporary file and renamed into place. The first 50
    /// also go to the log.
    func writeRejects(_ database: SurveyDatabase) throws {
        let path = folder.rejectsPath
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw IngestError.unwritable(path: temporary, reason: "cannot create")
        }
        var buffer = "file,line,outcome,form_id,reason\n"
        var logged = 0
        do {
            try database.forEachRejectOrDuplicate { r in
                buffer += [r.path, String(r.line), r.outcome.rawValue, r.responseID ?? "", r.reason]
                    .map(CSVField.quote).joined(separator: ",") + "\n"
                if buffer.utf8.count > 1 << 20 {
                    handle.write(Data(buffer.utf8))
                    buffer = ""
                }
                if logged < 50 {
                    logger.warning("\(r.path):\(r.line): \(r.outcome.rawValue): \(r.reason)")
                }
                logged += 1
            }
            handle.write(Data(buffer.utf8))
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if logged > 50 { logger.warning("... and \(logged - 50) more in \(path)") }
        guard rename(temporary, path) == 0 else {
            throw IngestError.unwritable(path: path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
        }
    }
}
