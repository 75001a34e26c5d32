/// What the ingest makes of inbox files, as value types: the forms read, the rows that did
/// not become forms, and what is known of each file. The readers produce them and Storage
/// keeps them; neither needs the other to be built or tested.

/// A form read from an inbox file, as stored in `responses`.
public struct ResponseRecord: Sendable, Hashable {
    public var path: String
    /// 1-based physical line of the record's first line (for `.json` arrays, of the element's start).
    public var line: Int
    /// For `.json` arrays, the element's 1-based position in the array (several may share a
    /// line); 0 for CSV rows and JSON Lines.
    public var position: Int = 0
    public var responseID: String
    public var channel: Channel
    /// The unit of units.csv the form's unit column named (by code, name or alias).
    public var unit: UnitCode
    /// ISO date `yyyy-mm-dd`.
    public var submittedOn: String
    public var period: Period
    public var dossierCode: String?
    public var comment: String?
    /// One entry per answered (non-text) item of the instrument, in instrument order.
    public var answers: [Int?]
    /// The unit the form named, when that unit had ceased by the form's date and `unit` is
    /// the one unit that continues it (`UnitLineage.placement`); nil otherwise.
    public var writtenUnit: UnitCode?

    /// A 64-bit digest of what the form says (unit, date, dossier, answers; not the comment
    /// or where it was read): equal for identical re-sends, different for a changed version.
    public var contentHash: Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0x1f) &* 0x100_0000_01b3
        }
        mix(unit.code.utf8)
        mix(submittedOn.utf8)
        mix((dossierCode ?? "").utf8)
        for answer in answers {
            let v = UInt64(bitPattern: Int64(answer ?? -1))
            h = (h ^ v) &* 0x100_0000_01b3
        }
        return Int64(bitPattern: h)
    }

    public init(
        path: String, line: Int, position: Int = 0, responseID: String, channel: Channel, unit: UnitCode,
        submittedOn: String, period: Period, dossierCode: String?, comment: String?, answers: [Int?]
    ) {
        self.path = path
        self.line = line
        self.position = position
        self.responseID = responseID
        self.channel = channel
        self.unit = unit
        self.submittedOn = submittedOn
        self.period = period
        self.dossierCode = dossierCode
        self.comment = comment
        self.answers = answers
    }
}

/// A row that did not become an accepted response, or a file-level problem.
public struct RejectRecord: Sendable, Hashable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// The row could not be read as a form.
        case rejected
        /// An identical copy of a form already counted.
        case duplicate
        /// A form id that appears with different answers elsewhere: no version is counted.
        case conflict
        /// The whole file could not be read this time (its earlier rows, if any, are kept).
        case fileUnreadable = "file_unreadable"
        /// The file left the inbox; its rows are kept until `pipeline ingest --forget PATH`.
        case fileMissing = "file_missing"
    }
    public var path: String
    public var line: Int
    /// The array element's position for `.json` files, else 0.
    public var position: Int = 0
    public var outcome: Outcome
    public var responseID: String?
    public var reason: String
    /// The workbook sheet (or `table N` of an HTML page) the row is in; nil for a file of
    /// one table, and for problems of the whole file.
    public var sheet: String?

    public init(
        path: String, line: Int, position: Int = 0, outcome: Outcome, responseID: String?, reason: String, sheet: String? = nil
    ) {
        self.path = path
        self.line = line
        self.position = position
        self.outcome = outcome
        self.responseID = responseID
        self.reason = reason
        self.sheet = sheet
    }
}

/// Where an inbox file stands.
public enum SourceStatus: String, Sendable {
    /// In the inbox and read.
    case present
    /// Gone from the inbox: its rows still count until the operator forgets it.
    case missing
    /// In the inbox but not readable this time: its earlier rows (if any) still count.
    case unreadable
}

/// What is known of an ingested inbox file.
public struct SourceFile: Sendable, Hashable {
    public var path: String
    public var channel: Channel
    /// The SHA-256 of the content last read; empty if it was never read.
    public var sha256: String
    public var bytes: Int
    public var status: SourceStatus
    /// Why the file is unreadable (status `unreadable`).
    public var problem: String?
    /// Records read from the file: always `accepted + rejected + duplicates + conflicts`.
    public var rowsRead: Int
    /// Title, blank and footer rows of tables, which are not forms.
    public var rowsSkipped: Int = 0
    /// Portal answer keys that name no item: `q5 (12), x (1)`.
    public var unknownAnswerKeys: String = ""
    public var accepted: Int
    public var rejected: Int
    public var duplicates: Int
    public var conflicts: Int
    /// Device, inode, size and times of the file when it was last read or hashed (empty:
    /// unknown); the same identity means the same bytes, without hashing them again.
    public var identity: String = ""
    /// Sheets or tables with data but no usable header, whose rows were all rejected:
    /// `'Quý III' (40 rows)`; empty when none.
    public var unreadTables: String = ""
    /// The earliest date (`yyyy-mm-dd`) of a form rejected for being dated after the day of
    /// the ingest: from that day on the file is read again, unchanged or not. Empty if none.
    public var recheckOn: String = ""

    public init(
        path: String, channel: Channel, sha256: String, bytes: Int, status: SourceStatus, problem: String?, rowsRead: Int,
        rowsSkipped: Int = 0, unknownAnswerKeys: String = "", accepted: Int, rejected: Int, duplicates: Int, conflicts: Int,
        identity: String = "", unreadTables: String = "", recheckOn: String = ""
    ) {
        self.path = path
        self.channel = channel
        self.sha256 = sha256
        self.bytes = bytes
        self.status = status
        self.problem = problem
        self.rowsRead = rowsRead
        self.rowsSkipped = rowsSkipped
        self.unknownAnswerKeys = unknownAnswerKeys
        self.accepted = accepted
        self.rejected = rejected
        self.duplicates = duplicates
        self.conflicts = conflicts
        self.identity = identity
        self.unreadTables = unreadTables
        self.recheckOn = recheckOn
    }
}

/// Counts over the whole inbox.
public struct OutcomeCounts: Sendable, Equatable {
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    public var duplicates = 0
    public var conflicts = 0
    public init() {}
}

/// Where a row is, for messages: a file's line, and its sheet (or `table N`) if any.
public struct RowPlace: Sendable, Hashable {
    public var path: String
    public var line: Int
    public var sheet: String?

    public init(path: String, line: Int, sheet: String? = nil) {
        self.path = path
        self.line = line
        self.sheet = sheet
    }

    /// `a.csv:12`, or `a.xlsx:12 (sheet 'Quý I')`, or `a.xls:4 (table 2)`.
    public var description: String {
        "\(path):\(line)" + (sheet.map { " (\($0.hasPrefix("table ") ? $0 : "sheet '\($0)'"))" } ?? "")
    }
}

/// A row (or file) that does not count, as stored: why, in data. What the operator reads is
/// worded from it outside the database (`RejectRecord.init(_:strayReason:)`).
public struct SetAsideRow: Sendable, Hashable {
    public enum Why: Sendable, Hashable {
        /// The file left the inbox; its rows still count until it is forgotten.
        case fileMissing
        /// The file cannot be read this time; `problem` says why.
        case fileUnreadable(problem: String)
        /// The row could not be read as a form; the reader's reason.
        case rejected(reason: String)
        /// An identical copy of the form counted at `first`.
        case duplicate(first: RowPlace)
        /// One of `versions` different versions of a form id; `other` is another of them.
        case conflict(versions: Int, other: RowPlace)
        /// A form dated far from the bulk of the data.
        case strayDate(date: String)
    }

    public var place: RowPlace
    /// The array element's position in `.json` files, else 0.
    public var position: Int
    public var responseID: String?
    public var why: Why

    public init(place: RowPlace, position: Int = 0, responseID: String?, why: Why) {
        self.place = place
        self.position = position
        self.responseID = responseID
        self.why = why
    }
}

extension RejectRecord {
    /// What the operator reads of a set-aside row (rejects.csv, the log).
    /// - Parameter strayReason: the reason for a form dated far from the bulk, given its date.
    public init(_ row: SetAsideRow, strayReason: (String) -> String) {
        let path = row.place.path, id = row.responseID
        switch row.why {
        case .fileMissing:
            self.init(path: path, line: 0, outcome: .fileMissing, responseID: nil,
                      reason: "the file is no longer in the inbox; its rows still count until `pipeline ingest --forget \(path)`")
        case .fileUnreadable(let problem):
            self.init(path: path, line: 0, outcome: .fileUnreadable, responseID: nil, reason: problem)
        case .rejected(let reason):
            self.init(path: path, line: row.place.line, position: row.position, outcome: .rejected, responseID: id, reason: reason,
                      sheet: row.place.sheet)
        case .duplicate(let first):
            self.init(path: path, line: row.place.line, position: row.position, outcome: .duplicate, responseID: id,
                      reason: "identical copy of form \(id ?? "") first read at \(first.description); not counted twice",
                      sheet: row.place.sheet)
        case .conflict(let versions, let other):
            self.init(path: path, line: row.place.line, position: row.position, outcome: .conflict, responseID: id,
                      reason: "form \(id ?? "") appears in \(versions) versions with different answers (also at \(other.description)); no version is counted until the wrong one is corrected or its file forgotten",
                      sheet: row.place.sheet)
        case .strayDate(let date):
            self.init(path: path, line: row.place.line, position: row.position, outcome: .rejected, responseID: id,
                      reason: strayReason(date), sheet: row.place.sheet)
        }
    }
}
