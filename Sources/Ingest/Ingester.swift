import Foundation
import Logging
import Storage
import SurveyModel

/// What one ingest did and what the database now holds.
public struct IngestSummary: Sendable, Equatable {
    /// Inbox files seen (including those that could not be read).
    public var files = 0
    public var filesRead = 0
    public var filesUnchanged = 0
    /// Known files gone from the inbox, whose rows still count.
    public var filesMissing: [String] = []
    /// Files that could not be read this time (earlier rows, if any, still count).
    public var filesUnreadable: [String] = []
    public var filesForgotten: [String] = []
    /// Files with rows of which none was accepted (every row rejected, or the header).
    public var filesWhollyRejected: [String] = []
    /// Files found under another path with the same bytes (renamed, or archived): (from, to).
    public var filesMoved: [String: String] = [:]
    /// Files with a sheet or table that holds data but no usable header (its rows rejected),
    /// each with what it is: `a.xlsx: sheet 'Quý III' (40 rows)`.
    public var filesWithUnreadTables: [String] = []
    /// Whether the ingest tables were rebuilt for a new instrument (every file read again).
    public var rebuilt = false
    public var counts = OutcomeCounts()
    /// path → sha256 of every inbox file now in the database.
    public var fileHashes: [String: String] = [:]
    /// The digest of the ingested state (see `SurveyDatabase.ingestState`).
    public var state = ""

    public var accepted: Int { counts.accepted }
    public var rejected: Int { counts.rejected }
    public var duplicates: Int { counts.duplicates }
    public var conflicts: Int { counts.conflicts }
    /// Whether anything in the database changed.
    public var changed: Bool { filesRead > 0 || !filesForgotten.isEmpty || rebuilt || stateChanged }
    var stateChanged = false

    public init() {}
}

/// The `ingest` stage: reads new or changed inbox files into the working database.
///
/// - Every input row ends up once as accepted, rejected (file, line, reason), duplicate (an
///   identical copy of a form already counted) or conflict (a form id with different
///   answers elsewhere; no version counts until resolved), stored per file.
/// - An unchanged file (same path and SHA-256) is not read again; a changed file replaces
///   its earlier rows; a file gone from the inbox keeps its rows, marked missing, until
///   `--forget`; a file that cannot be read keeps its earlier rows, marked unreadable.
/// - A file with forms rejected only because they are dated after the day of the ingest (a
///   wrong clock, a typing slip in a form about today) is read again, unchanged or not, from
///   the earliest such date on, and on every `--force` (`hashEveryFile`): such a reject is
///   not final.
/// - All of it is one transaction: a kill at any moment leaves the previous state or the
///   next, and the resolution of duplicates and conflicts is part of it.
public struct Ingester {
    public let folder: SurveyFolder
    let logger: Logger
    /// Polled between files and every 1,024 rows; true stops the ingest (nothing committed).
    var shouldStop: @Sendable () -> Bool
    /// Called with a line of progress (per file, and about every second in long files).
    var progress: (@Sendable (String) -> Void)?
    /// The day of the ingest in Vietnam (UTC+7): forms dated later are rejected.
    var today: (year: Int, month: Int, day: Int)
    /// Hash every inbox file, even one whose identity (inode, size, times) says it is the
    /// file read last time.
    public var hashEveryFile = false
    /// How long ago a file must have last changed for its identity to be trusted (tests
    /// shorten it).
    var identitySettling = FileIdentity.settling

    public init(
        folder: SurveyFolder, logger: Logger, today: (year: Int, month: Int, day: Int)? = nil,
        shouldStop: @escaping @Sendable () -> Bool = { false }, progress: (@Sendable (String) -> Void)? = nil
    ) {
        self.folder = folder
        self.logger = logger
        self.shouldStop = shouldStop
        self.progress = progress
        self.today = today ?? Self.todayInVietnam()
    }

    static func todayInVietnam() -> (year: Int, month: Int, day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return (c.year!, c.month!, c.day!)
    }

    /// Inbox files, sorted by path relative to the survey folder, each with why it cannot
    /// be read if so.
    public func inboxFiles() -> [InboxEntry] {
        let listing = InboxListing.list(root: folder.root.path, folders: [("paper", .paper), ("portal", .online)])
        for sub in listing.folders { logger.warning("\(sub): a folder inside the inbox; its files are not read") }
        return listing.entries
    }

    /// Opens the working database for this folder's instrument (never drops anything).
    public func openDatabase() throws -> SurveyDatabase {
        do { try FileManager.default.createDirectory(at: folder.workDirectory, withIntermediateDirectories: true) } catch {
            throw IngestError.unwritable(path: folder.workDirectory.path, reason: "\(error)")
        }
        return try SurveyDatabase.open(
            path: folder.databasePath, itemColumns: folder.survey.answeredItems.map(\.id), fingerprint: folder.ingestFingerprint,
            survey: folder.survey)
    }

    /// What changed in the instrument between two fingerprints, for the log.
    public static func instrumentChangeDescription(from old: String, to new: String) -> String {
        // The fingerprint is `items:;q01=likert5;...;paper:...;portal:...;units:...`.
        func parts(_ f: String) -> (items: Set<String>, rest: [String: String]) {
            var items = Set<String>()
            var rest: [String: String] = [:]
            for part in f.split(separator: ";") {
                let pieces = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                if pieces.count == 2 { rest[String(pieces[0])] = String(pieces[1]) } else { items.insert(String(part)) }
            }
            return (items, rest)
        }
        let (oldItems, a) = parts(old), (newItems, b) = parts(new)
        var said: [String] = []
        let added = newItems.subtracting(oldItems).sorted(), removed = oldItems.subtracting(newItems).sorted()
        if !added.isEmpty { said.append("items added or changed: \(added.joined(separator: ", "))") }
        if !removed.isEmpty { said.append("items removed or changed: \(removed.joined(separator: ", "))") }
        for key in ["paper", "portal"] where a[key] != b[key] { said.append("\(key) column names changed") }
        if a["units"] != b["units"] { said.append("unit codes changed") }
        return said.isEmpty ? "the instrument changed" : said.joined(separator: "; ")
    }

    /// Runs the ingest.
    /// - Parameter forget: paths (relative to the survey folder) of files gone from the inbox
    ///   whose rows should now be dropped.
    @discardableResult
    /// - Parameter verify: check the database's structure before the first change.
    public func run(database: SurveyDatabase, forget: [String] = [], verify: Bool = false) throws -> IngestSummary {
        var summary = IngestSummary()
        let files = inboxFiles()
        summary.files = files.count
        let before = try database.sourceFiles()
        var rebuild = false
        let inInbox = Set(files.map(\.relative))
        /// The refusal of an instrument change that would lose the forms of `paths`.
        func wouldLose(_ paths: [String], stored: String) -> IngestError {
            .invalidConfiguration(
                file: "survey.toml", line: nil,
                problem: "the instrument changed (\(Self.instrumentChangeDescription(from: stored, to: database.fingerprint))), so every inbox file must be read again, but \(paths.count) file(s) are no longer in the inbox or cannot be read, and their forms would be lost: \(paths.prefix(5).joined(separator: ", ")). Put them back, or forget them with `pipeline ingest --forget PATH`, then run again")
        }
        if !database.matchesInstrument {
            if let stored = database.storedFingerprint {
                // Whatever the previous run recorded: a file with rows that has left the
                // inbox since, or was missing or unreadable then, and is not being forgotten.
                let missing = before.values.filter {
                    $0.rowsRead > 0 && !forget.contains($0.path)
                        && ($0.status == .missing || $0.status == .unreadable || !inInbox.contains($0.path))
                }.map(\.path).sorted()
                guard missing.isEmpty else { throw wouldLose(missing, stored: stored) }
                logger.warning("survey.toml changed the instrument (\(Self.instrumentChangeDescription(from: stored, to: database.fingerprint))): every inbox file is read again")
            } else if FileManager.default.fileExists(atPath: folder.databasePath), !before.isEmpty {
                logger.warning("the working database has an older layout: every inbox file is read again")
            }
            rebuild = true
            summary.rebuilt = true
        }
        let rebuilding = rebuild ? database.storedFingerprint.map { (stored: $0, fingerprint: database.fingerprint, before: before) } : nil
        let known = rebuild ? [:] : before
        let present = Set(files.map(\.relative))
        for path in forget {
            // (Against what was stored: an instrument change reads every file again, and a
            // file it would otherwise refuse to lose is forgotten this way.)
            guard before[path] != nil else {
                throw IngestError.invalidConfiguration(
                    file: path, line: nil,
                    problem: "--forget: no such file in the database; expected a file no longer in the inbox, such as: \(before.keys.filter { !present.contains($0) }.sorted().prefix(10).joined(separator: ", "))")
            }
            if present.contains(path) {
                throw IngestError.invalidConfiguration(
                    file: path, line: nil, problem: "--forget: the file is still in the inbox; move it out first, then forget it")
            }
        }
        // Files gone from their place since the last run, by their bytes: one found again
        // elsewhere in the inbox (renamed, or archived in `archive/`) has moved, not left.
        var vanished: [String: SourceFile] = [:]
        for (path, file) in known.sorted(by: { $0.key < $1.key })
        where !present.contains(path) && !forget.contains(path) && !file.sha256.isEmpty && file.status != .unreadable {
            if vanished[file.sha256] == nil { vanished[file.sha256] = file }
        }
        var movedFrom = Set<String>()
        // units.csv is not the instrument: a change of units, names, aliases or lives reads
        // again only the files whose forms it could place otherwise.
        let unitReading = folder.unitReading
        var reread = Set<String>()
        if !rebuild, let text = try database.meta("unit_reading"), let stored = UnitReading(encoded: text), stored != unitReading {
            let change = unitReading.changes(since: stored)
            if change.unitRejects { reread.formUnion(try database.pathsWithUnitRejects()) }
            reread.formUnion(try database.paths(withFormsOf: change.formsOf))
            reread = reread.filter { present.contains($0) }
            logger.notice("units.csv changed (\(change.said.joined(separator: "; "))): \(reread.count) file(s) whose forms it may place otherwise are read again, no other")
        }
        let validator = FormValidator(survey: folder.survey, units: folder.units, today: today)
        let isoToday = AnswerParser.isoDate(today)
        /// Whether a known file must be read again whatever its content: it has forms rejected
        /// as dated after the day of the ingest, and that day has come (or `--force`).
        func dueAgain(_ old: SourceFile) -> Bool {
            reread.contains(old.path) || (!old.recheckOn.isEmpty && (hashEveryFile || old.recheckOn <= isoToday))
        }
        var newlyRejected: [(path: String, reasons: [RejectRecord])] = []
        var ticks = 0
        let progress = self.progress
        let stop = shouldStop
        // A damaged database is found before anything is written to it, and only then: a
        // night with nothing new reads no page it does not need.
        var verified = !verify || rebuild
        func beforeChange(_ tx: SurveyDatabase.IngestTransaction) throws {
            guard !verified else { return }
            verified = true
            if let problem = try tx.integrityProblem() { throw StorageError.corrupt(path: database.path, detail: problem) }
        }
        try database.ingest(rebuild: rebuild, shouldStop: {
            ticks += 1
            if ticks % 64 == 0 { progress?("ingest: \(ticks * 1024) rows") }
            return stop()
        }) { tx in
            for (index, file) in files.enumerated() {
                if shouldStop() { throw StorageError.interrupted }
                progress?("ingest: file \(index + 1)/\(files.count) \(file.relative)")
                if let problem = file.problem {
                    try beforeChange(tx)
                    try recordUnreadable(file, problem, tx: tx, known: known, summary: &summary, rebuilding: rebuilding)
                    continue
                }
                let fd: Int32, identity: String
                switch InboxListing.openRegularFile(file.absolute, settledFor: identitySettling) {
                case .failure(let problem):
                    try beforeChange(tx)
                    try recordUnreadable(file, problem.message, tx: tx, known: known, summary: &summary, rebuilding: rebuilding)
                    continue
                case .success(let opened): (fd, identity) = opened
                }
                if !hashEveryFile, !identity.isEmpty, let old = known[file.relative], old.status == .present,
                    !old.sha256.isEmpty, old.identity == identity, !dueAgain(old)
                {
                    close(fd)
                    summary.fileHashes[file.relative] = old.sha256
                    summary.filesUnchanged += 1
                    continue
                }
                // A file never seen here with the bytes of one gone from its place: moved.
                if known[file.relative] == nil, !vanished.isEmpty, let (sha, _) = try? FileHash.sha256(path: file.absolute),
                    let old = vanished[sha], old.channel == file.channel
                {
                    close(fd)
                    try beforeChange(tx)
                    try tx.move(from: old.path, to: file.relative, identity: identity)
                    vanished[sha] = nil
                    movedFrom.insert(old.path)
                    summary.fileHashes[file.relative] = sha
                    summary.filesMoved[old.path] = file.relative
                    summary.stateChanged = true
                    logger.notice("\(old.path) moved to \(file.relative): its \(old.accepted) accepted forms still count; nothing read again")
                    continue
                }
                // A file never seen before is new whatever its hash: text files are hashed on
                // the reading thread, before their first row (`HashFailure` if they cannot
                // be read, which then makes them unreadable as below).
                let pipelined = [.csv, .jsonLines, .jsonArray].contains(file.format)
                if pipelined, known[file.relative] == nil {
                    let owned = Handoff(value: fd)
                    do {
                        try beforeChange(tx)
                        try tx.replaceFile(path: file.relative, channel: file.channel, sha256: "", bytes: 0, identity: identity) { writer in
                            defer { close(owned.value) }
                            try PipelinedSink.run(into: writer) { sink in
                                let hashed: (hex: String, bytes: Int)
                                do { hashed = try FileHash.sha256(descriptor: owned.value, path: file.relative) } catch {
                                    throw HashFailure(message: "cannot be read: \(error)")
                                }
                                try sink.noteContent(sha256: hashed.hex, bytes: hashed.bytes)
                                try self.readFile(file, validator: validator, into: sink)
                            }
                            summary.fileHashes[file.relative] = writer.sha256
                            logRead(file, writer)
                        }
                    } catch let failure as HashFailure {
                        try recordUnreadable(file, failure.message, tx: tx, known: known, summary: &summary, rebuilding: rebuilding)
                        continue
                    }
                    summary.filesRead += 1
                    newlyRejected.append((file.relative, []))
                    FaultInjection.point("ingest.after_file")
                    continue
                }
                let hashed = Result { try FileHash.sha256(descriptor: fd, path: file.relative) }
                close(fd)
                let sha: String, bytes: Int
                switch hashed {
                case .failure(let error):
                    try beforeChange(tx)
                    try recordUnreadable(file, "cannot be read: \(error)", tx: tx, known: known, summary: &summary, rebuilding: rebuilding)
                    continue
                case .success(let value): (sha, bytes) = value
                }
                summary.fileHashes[file.relative] = sha
                if let old = known[file.relative], old.sha256 == sha, reread.contains(old.path) {
                    logger.info("\(file.relative): read again, unchanged: units.csv changed how its forms find their unit")
                } else if let old = known[file.relative], old.sha256 == sha, dueAgain(old) {
                    logger.notice("\(file.relative): read again, unchanged: forms in it were rejected as dated after the day of the ingest (the earliest dated \(old.recheckOn); today is \(isoToday))")
                } else if let old = known[file.relative], old.sha256 == sha {
                    summary.filesUnchanged += 1
                    if old.status != .present {
                        try beforeChange(tx)
                        try tx.markPresent(path: file.relative, identity: identity)
                        summary.stateChanged = true
                        logger.notice("\(file.relative) is readable again, unchanged")
                    } else if old.identity != identity {
                        // Copied back or touched, same bytes: remember it, so that tomorrow
                        // needs no hashing.
                        try beforeChange(tx)
                        try tx.setIdentity(path: file.relative, identity: identity)
                    }
                    continue
                }
                try beforeChange(tx)
                try tx.replaceFile(path: file.relative, channel: file.channel, sha256: sha, bytes: bytes, identity: identity) { writer in
                    if pipelined {
                        // Text files: parsed on the second core while this one stores.
                        try PipelinedSink.run(into: writer) { sink in
                            try self.readFile(file, validator: validator, into: sink)
                        }
                    } else {
                        try readFile(file, validator: validator, into: writer)
                    }
                    logRead(file, writer)
                }
                summary.filesRead += 1
                newlyRejected.append((file.relative, []))
                FaultInjection.point("ingest.after_file")
            }
            for path in forget {
                try beforeChange(tx)
                try tx.forget(path: path)
                summary.filesForgotten.append(path)
                logger.notice("\(path): forgotten; its rows are no longer counted")
            }
            let forgotten = Set(forget)
            for (path, file) in known.sorted(by: { $0.key < $1.key })
            where !present.contains(path) && !forgotten.contains(path) && !movedFrom.contains(path) {
                if file.status != .missing {
                    try beforeChange(tx)
                    try tx.markMissing(path: path)
                    summary.stateChanged = true
                }
                summary.filesMissing.append(path)
            }
            var meta: [String: String] = [:]
            if summary.changed {
                let window = folder.survey.rules.firstPeriod != nil || folder.survey.rules.lastPeriod != nil
                try tx.resolve { perQuarter in
                    meta["date_bulk"] = window ? "" : StrayDates.bulk(perQuarter) ?? ""
                    return window ? [] : StrayDates.strayQuarters(perQuarter)
                }
            }
            summary.state = Self.state(of: try tx.sourceFiles(), fingerprint: database.fingerprint)
            meta["ingest_state"] = summary.state
            meta["unit_reading"] = unitReading.encoded
            FaultInjection.point("ingest.before_commit")
            try tx.setMeta(meta)
        }
        FaultInjection.point("ingest.after_commit")
        let after = try database.sourceFiles()
        for file in after.values.sorted(by: { $0.path < $1.path }) {
            if file.rowsRead > 0 && file.accepted == 0 && file.duplicates == 0 && file.conflicts == 0 && file.status != .unreadable {
                summary.filesWhollyRejected.append(file.path)
            }
        }
        summary.counts = try database.outcomeCounts()
        for path in summary.filesMissing {
            let rows = after[path]?.accepted ?? 0
            logger.warning("\(path) is no longer in the inbox; its \(rows) accepted forms still count until `pipeline ingest --forget \(path)`")
        }
        for path in summary.filesUnreadable {
            logger.error("\(path): \(after[path]?.problem ?? "cannot be read"); its earlier rows (\(after[path]?.accepted ?? 0) accepted forms) still count")
        }
        for path in summary.filesWhollyRejected { logger.error("\(path): no row of this file was accepted (see \(folder.rejectsPath))") }
        summary.filesWithUnreadTables = Self.unreadTables(after)
        try logNewRejects(database, files: Set(newlyRejected.map(\.path)))
        try writeRejectsIfStale(database, state: summary.state)
        return summary
    }

    /// `a.xlsx: sheet 'Quý III' (40 rows)` for every file with a sheet or table of data
    /// without a usable header, by path.
    public static func unreadTables(_ files: [String: SourceFile]) -> [String] {
        files.values.filter { !$0.unreadTables.isEmpty }.sorted { $0.path < $1.path }.map { "\($0.path): \($0.unreadTables)" }
    }

    private func logRead(_ file: InboxEntry, _ writer: SurveyDatabase.FileWriter) {
        let skipped = writer.skipped > 0 ? ", \(writer.skipped) title, blank or footer rows skipped" : ""
        logger.info("read \(file.relative): \(writer.accepted) forms, \(writer.rejected) rejected\(skipped)")
        for (written, counted) in writer.reassigned.sorted(by: { $0.key < $1.key }) {
            logger.notice("\(file.relative): \(counted.forms) forms name \(written), which had ceased by their date; counted for \(counted.successor), which continues it (units.csv)")
        }
        if !writer.unknownAnswerKeys.isEmpty {
            let keys = writer.unknownAnswerKeys.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) forms)" }
            logger.warning("\(file.relative): answer keys that name no item of survey.toml, not read: \(keys.joined(separator: ", "))")
        }
    }

    struct HashFailure: Error { var message: String }

    /// Reads one inbox file through its format's reader. A file refused as a whole (a zip
    /// bomb, an old binary .xls, a damaged workbook) is one reject of the file (line 0), after
    /// whatever rows were read before the problem showed.
    ///
    /// Every sheet of a workbook (hidden ones too, or the sheets `sheet` of survey.toml lists,
    /// in its order) and every table of an HTML page is read, each with its own header:
    /// - a sheet where the header is found is read as usual;
    /// - a sheet without a header whose rows could be forms (`TableFormReader`) has every
    ///   row rejected, and is a problem of the file (`SourceFile.unreadTables`): the run
    ///   needs attention;
    /// - a sheet without a header where no row could be a form (instructions, a unit list, a
    ///   title table) is skipped, its rows counted as skipped and logged once;
    /// - a file where no sheet has a header at all is rejected as a whole (line 0);
    /// - a damaged sheet is refused alone (line 0 of that sheet, and a problem of the file),
    ///   the others are read;
    /// - empty sheets are ignored.
    private func readFile(_ file: InboxEntry, validator: FormValidator, into writer: some FileSink) throws {
        let survey = folder.survey
        let layout: TableLayout = file.channel == .paper ? .paper(survey.paperColumns) : .portal(survey.portalFields)
        let sheets = file.channel == .paper ? survey.paperColumns.sheet : survey.portalFields.sheet
        let encoding = file.channel == .paper ? survey.paperColumns.encoding : survey.portalFields.encoding
        let table = TableFormReader(validator: validator, layout: layout)
        func readTable<R: TableReader>(_ reader: inout R) throws {
            let outcome = try table.read(&reader, displayPath: file.relative, into: writer)
            writer.noteSkipped(outcome.skipped)
        }
        func readTables<R: MultiTableReader>(_ reader: inout R) throws {
            var order = 0
            var headers = 0
            var unread = 0
            var withoutForms: [String] = []
            while true {
                // A damaged sheet (its part missing, too large, malformed) is refused alone:
                // the reader moves past it, and the other sheets are read.
                var damage: TableReadError?
                do {
                    guard try reader.nextTable() else { break }
                } catch let error as TableReadError {
                    damage = error
                }
                order += 1
                try writer.beginSheet(reader.tableName, order: order)
                let name = reader.tableName.map { reader.tablesAreSheets ? "sheet '\($0)'" : $0 } ?? "the table"
                let outcome: TableFormReader.Outcome
                do {
                    if let damage { throw damage }
                    outcome = try table.read(&reader, displayPath: file.relative, into: writer)
                } catch let error as TableReadError {
                    let text = "\(error)".replacingOccurrences(of: file.absolute, with: file.relative)
                    try writer.reject(line: 0, position: 0, responseID: nil, reason: "\(name) is refused as a whole: \(text)")
                    writer.noteUnreadTable("\(name) (refused: damaged)")
                    logger.error("\(file.relative): \(name) is refused as a whole: \(text); the other sheets are read")
                    unread += 1
                    continue
                }
                writer.noteSkipped(outcome.skipped)
                if outcome.headerFound { headers += 1 }
                if let rows = outcome.unreadRows {
                    unread += 1
                    writer.noteUnreadTable("\(name) (\(rows) rows)")
                    logger.error("\(file.relative): \(name): \(rows) rows but no usable header; its rows are rejected (see \(folder.rejectsPath))")
                }
                if let rows = outcome.rowsWithoutForms {
                    withoutForms.append("\(name) (\(rows) rows)")
                    logger.notice("\(file.relative): \(name): \(rows) rows, none could be a form; not read")
                }
            }
            if headers == 0, unread == 0, !withoutForms.isEmpty {
                // Nothing in the file could be read as forms: a problem of the file, not a
                // quiet skip (a file of forms whose header is not recognised at all).
                try writer.beginSheet(nil, order: order + 1)
                let required = [layout.formID[0], layout.unit[0], layout.date[0]] + validator.items.map(\.id)
                try writer.reject(
                    line: 0, position: 0, responseID: nil,
                    reason: "no \(reader.tablesAreSheets ? "sheet" : "table") has a header (\(withoutForms.joined(separator: ", ")), none of whose rows could be a form); expected the header \(required.joined(separator: ","))")
            }
        }
        func readCSV() throws {
            var csv = try CSVReader(path: file.absolute, encoding: encoding)
            csv.displayPath = file.relative
            defer { csv.close() }
            try readTable(&csv)
        }
        do {
            switch file.format {
            case .csv:
                try readCSV()
            case .workbook:
                var reader = try XLSXReader(path: file.absolute, sheets: sheets)
                try readTables(&reader)
            case .xls:
                switch try TableFileKind.sniff(path: file.absolute) {
                case .html:
                    var reader = try HTMLTableReader(path: file.absolute)
                    try readTables(&reader)
                case .zipWorkbook:
                    var reader = try XLSXReader(path: file.absolute, sheets: sheets)
                    try readTables(&reader)
                case .compoundDocument:
                    throw TableReadError.oldBinaryExcel(file: file.relative)
                case .other:
                    // Some systems save CSV text under .xls.
                    try readCSV()
                }
            case .jsonLines:
                try PortalReader(validator: validator, fields: survey.portalFields)
                    .readLines(path: file.absolute, displayPath: file.relative, into: writer)
            case .jsonArray:
                try PortalReader(validator: validator, fields: survey.portalFields)
                    .readArray(path: file.absolute, displayPath: file.relative, into: writer)
            case .unsupported:
                break
            }
        } catch let error as TableReadError {
            let text = "\(error)".replacingOccurrences(of: file.absolute, with: file.relative)
            try writer.reject(line: 0, position: 0, responseID: nil, reason: "the file is refused as a whole: \(text)")
        } catch let error as CSVReadError {
            // Not valid in its encoding: no row can be trusted, none is kept.
            try writer.discardRows()
            let text = "\(error)".replacingOccurrences(of: file.absolute, with: file.relative)
            try writer.reject(line: 0, position: 0, responseID: nil, reason: "the file is refused as a whole: \(text)")
        }
    }

    private func recordUnreadable(
        _ file: InboxEntry, _ problem: String, tx: SurveyDatabase.IngestTransaction, known: [String: SourceFile],
        summary: inout IngestSummary, rebuilding: (stored: String, fingerprint: String, before: [String: SourceFile])?
    ) throws {
        // Reading every file again for a new instrument, a file whose earlier rows would be
        // lost with it unreadable now stops the ingest (nothing of it is kept).
        if let rebuilding, let earlier = rebuilding.before[file.relative], earlier.rowsRead > 0 {
            throw IngestError.invalidConfiguration(
                file: "survey.toml", line: nil,
                problem: "the instrument changed (\(Self.instrumentChangeDescription(from: rebuilding.stored, to: rebuilding.fingerprint))), so every inbox file must be read again, but \(file.relative) cannot be read (\(problem)) and its \(earlier.accepted) forms would be lost. Make it readable, or move it out and forget it with `pipeline ingest --forget PATH`, then run again")
        }
        summary.filesUnreadable.append(file.relative)
        if let old = known[file.relative] {
            summary.fileHashes[file.relative] = old.sha256
            if old.status == .unreadable && old.problem == problem { return }
        }
        try tx.markUnreadable(path: file.relative, channel: file.channel, problem: problem)
        summary.stateChanged = true
    }

    /// A digest of every file's path, content hash and status, and of the instrument; and of
    /// what a file read again unchanged can change (the forms dated after the day of the
    /// ingest, the sheets without a header).
    static func state(of files: [String: SourceFile], fingerprint: String) -> String {
        var text = "instrument \(fingerprint)\n"
        for file in files.values.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            text += "\(file.path)\t\(file.sha256)\t\(file.status.rawValue)\t\(file.problem ?? "")"
            text += file.recheckOn.isEmpty && file.unreadTables.isEmpty ? "\n" : "\t\(file.recheckOn)\t\(file.unreadTables)\n"
        }
        return FileHash.sha256(Data(text.utf8))
    }

    /// Logs the first 50 rejects of the files read in this run (not those of files that
    /// did not change).
    private func logNewRejects(_ database: SurveyDatabase, files: Set<String>) throws {
        guard !files.isEmpty else { return }
        var logged = 0
        var more = 0
        let strayReason = try strayReason(database)
        try database.forEachSetAsideRow { row in
            let r = RejectRecord(row, strayReason: strayReason)
            guard files.contains(r.path) || r.outcome == .conflict else { return }
            if logged < 50 {
                // Rows of sheets share line numbers: name the sheet where the reason does not.
                let sheet = r.sheet.map { sheet in r.reason.hasPrefix("sheet '\(sheet)'") || r.reason.hasPrefix(sheet) ? "" : " (\(sheet))" } ?? ""
                logger.warning("\(r.path):\(r.line)\(sheet): \(r.outcome.rawValue): \(r.reason)")
                logged += 1
            } else {
                more += 1
            }
        }
        if more > 0 { logger.warning("... and \(more) more in \(folder.rejectsPath)") }
    }

    func strayReason(_ database: SurveyDatabase) throws -> (String) -> String {
        let bulk = try database.meta("date_bulk") ?? ""
        let range = bulk.replacingOccurrences(of: "...", with: " to ")
        return { date in
            "dated \(date), far from the bulk of the data (\(range)): more than a quarter away from any other form's quarter; correct the date, or set survey.first_period and last_period to the measured window"
        }
    }

    /// `work/rejects.csv` is rewritten whenever the ingested state differs from the one it was
    /// written for (also after a crash between the commit and the rename).
    func writeRejectsIfStale(_ database: SurveyDatabase, state: String) throws {
        // Temporary copies of runs killed before their rename (the lock is held).
        let work = folder.workDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [] where name.hasPrefix("rejects.csv.tmp-") {
            try? FileManager.default.removeItem(atPath: work + "/" + name)
        }
        if try database.meta("rejects_state") == state, FileManager.default.fileExists(atPath: folder.rejectsPath) { return }
        try writeRejects(database)
        FaultInjection.point("rejects.after_rename")
        try database.setMeta(["rejects_state": state])
    }

    /// `work/rejects.csv`: `file,line,outcome,form_id,reason,sheet`, sorted by file, sheet and
    /// line (file-level problems as line 0); `sheet` names the workbook sheet (or `table N` of
    /// an HTML page of several tables), empty for other files. Streamed from the database to
    /// a temporary file and renamed into place. Text cells cannot start a spreadsheet formula.
    func writeRejects(_ database: SurveyDatabase) throws {
        let path = folder.rejectsPath
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw IngestError.unwritable(path: temporary, reason: "cannot create")
        }
        var buffer = "file,line,outcome,form_id,reason,sheet\n"
        do {
            let strayReason = try strayReason(database)
            try database.forEachSetAsideRow { row in
                let r = RejectRecord(row, strayReason: strayReason)
                buffer += [CSVField.text(r.path), String(r.line), r.outcome.rawValue, CSVField.text(r.responseID ?? ""),
                           CSVField.text(r.reason), CSVField.text(r.sheet ?? "")].joined(separator: ",") + "\n"
                if buffer.utf8.count > 1 << 20 {
                    try handle.write(contentsOf: Data(buffer.utf8))
                    buffer = ""
                }
            }
            try handle.write(contentsOf: Data(buffer.utf8))
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw IngestError.unwritable(path: path, reason: "\(error)")
        }
        FaultInjection.point("rejects.before_rename")
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw IngestError.unwritable(path: path, reason: "cannot rename into place: \(reason)")
        }
    }
}

/// The rule that keeps a mistyped year from moving the published period when no survey
/// window is set (README, "Dates"): quarters are taken in order; the *bulk* of the data is
/// the run of quarters around the quarter with the most forms in which consecutive
/// quarters holding forms are at most two quarters apart. Forms dated outside it (a 2004
/// among 2023-2024 forms) are rejected as stray, with file and line.
public enum StrayDates {
    static func index(_ p: Period) -> Int { p.year * 4 + (p.quarter ?? 1) - 1 }

    /// Quarters outside the bulk.
    public static func strayQuarters(_ perQuarter: [String: Int]) -> Set<String> {
        guard let range = bulkRange(perQuarter) else { return [] }
        return Set(perQuarter.keys.filter { key in
            guard let p = Period(key) else { return false }
            return !range.contains(index(p))
        })
    }

    /// The bulk as `2023-Q1...2024-Q4`, or nil without forms.
    public static func bulk(_ perQuarter: [String: Int]) -> String? {
        guard let range = bulkRange(perQuarter) else { return nil }
        func name(_ i: Int) -> String { Period(year: i / 4, quarter: i % 4 + 1).description }
        return "\(name(range.lowerBound))...\(name(range.upperBound))"
    }

    static func bulkRange(_ perQuarter: [String: Int]) -> ClosedRange<Int>? {
        let quarters = perQuarter.compactMap { key, count in Period(key).map { (index($0), count) } }
            .filter { $0.1 > 0 }.sorted { $0.0 < $1.0 }
        guard let mode = quarters.indices.max(by: { quarters[$0].1 < quarters[$1].1 || (quarters[$0].1 == quarters[$1].1 && $0 < $1) })
        else { return nil }
        var low = mode, high = mode
        while low > 0, quarters[low].0 - quarters[low - 1].0 <= 2 { low -= 1 }
        while high < quarters.count - 1, quarters[high + 1].0 - quarters[high].0 <= 2 { high += 1 }
        return quarters[low].0...quarters[high].0
    }
}

/// The database's writer is where readers put a file's forms (the readers themselves know
/// nothing of the database).
extension SurveyDatabase.FileWriter: FileSink {}

extension SurveyDatabase {
    /// Rejected, duplicate and conflicting rows and file-level problems as the operator reads
    /// them (the words of rejects.csv), in file, sheet, line and position order.
    public func rejectsAndDuplicates(
        strayReason: (String) -> String = { "dated \($0), outside the bulk of the data" }
    ) throws -> [RejectRecord] {
        try setAsideRows().map { RejectRecord($0, strayReason: strayReason) }
    }
}
