#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much one form may cost to read: bounds that keep a broken or hostile file from taking
/// minutes or gigabytes. The readers take them as a value so that tests can make them small.
struct InputLimits: Sendable {
    /// One CSV record, JSON Lines line or JSON array element: 1 MiB. A real form is a few
    /// hundred bytes; a long comment a few kilobytes.
    static let maximumRecordBytes = 1 << 20
    /// A `.json` array file, which is read whole: 512 MiB (JSON Lines are streamed and have
    /// no file limit).
    static let maximumArrayFileBytes = 512 << 20
    /// Columns of a paper CSV header.
    static let maximumColumns = 1000

    var recordBytes = maximumRecordBytes
    var arrayFileBytes = maximumArrayFileBytes
    var columns = maximumColumns
}

/// One record of a CSV file.
public struct CSVRecord: Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        /// A field is not valid in the file's encoding (UTF-8 unless the reader was told
        /// otherwise); the record is otherwise read as written.
        case invalidUTF8
        /// A quoted field is not closed: the record stops at the line it opened on.
        case unclosedQuote
        /// The record is over the byte limit; its fields are not kept.
        case tooLong
    }

    /// 1-based physical line where the record starts.
    public var line: Int
    /// Physical line where it ends (after `line` when a quoted field holds line breaks).
    public var lastLine: Int
    public var fields: [String]
    /// Set when the record cannot be read as written, saying what, where and what was expected.
    public var problem: String?
    public var problemKind: Problem?
    /// Free-text fields (0-based columns, see `CSVReader.freeTextColumns`) read as "" because
    /// they are not valid in the file's encoding: the record is not a problem, but the caller
    /// may log what was lost.
    public var droppedFields: [Int]

    public init(
        line: Int, lastLine: Int? = nil, fields: [String], problem: String? = nil, problemKind: Problem? = nil,
        droppedFields: [Int] = []
    ) {
        self.line = line
        self.lastLine = lastLine ?? line
        self.fields = fields
        self.problem = problem
        self.problemKind = problemKind
        self.droppedFields = droppedFields
    }
}

/// A streaming RFC 4180 reader with the dialects Excel and office software write:
///
/// - The delimiter is `,`, `;` (Excel with Vietnamese regional settings) or tab ("Unicode
///   text"): whichever splits the first record (quotes respected) into the most fields, ties
///   going to `,`, then `;` (see `delimiter(of:)`). All records use it. Fields are
///   `"`-quoted with `""` escapes.
/// - The text is UTF-8 (a byte-order mark is dropped), UTF-16 LE or BE with a byte-order
///   mark, or a code page the caller names (`encoding`, any iconv name). Other encodings are
///   transcoded to UTF-8 as a stream (`TextSource`); code-page fields are returned in NFC.
/// - A line ends at LF, CRLF or a lone CR (old Mac Excel); line numbers count all three.
///   Quoted fields may span lines (and keep their CRs and LFs).
///
/// It never loses a line silently:
/// - A quoted field whose quote is not closed would swallow the rest of the file. When a
///   line inside it looks like a record of its own (at least `expectedFieldCount - 1`
///   delimiters) or the file ends inside it, the record is returned with `.unclosedQuote`,
///   ending on the line the quote opened on, and reading resumes on the line after it.
/// - A record over `maximumRecordBytes` (of UTF-8) is returned with `.tooLong` and skipped
///   without being kept in memory.
///
/// Bytes not valid in the file's encoding:
/// - in a free-text column (`freeTextColumns`) of a record after the first: the field is read
///   as "" and named in `CSVRecord.droppedFields`; the record is not a problem;
/// - elsewhere, `next() -> CSVRecord?` returns the record with `.invalidUTF8`;
///   `nextRecord()` and `TableReader.next()` reject the whole file instead (see
///   `validateEncoding()`), since such bytes mean the file was saved in another encoding.
///
/// Written by hand (not a package) because it is on the hot path of ingest: it reads the
/// file in 1 MiB chunks, keeps only the current record in memory, and builds each field
/// straight from the buffer.
public struct CSVReader {
    private let source: TextSource
    /// The UTF-8 buffer (the source's): `filled` bytes, the next at `position`.
    private let text: UnsafeMutablePointer<UInt8>
    private let classes: ByteClasses
    /// The fields of the record read last, as bytes: made into strings only when asked
    /// (`next()`), or handed over as bytes (`nextRowAccess()`).
    private let spans = FieldSpans()
    /// The record read last by `nextRowAccess()` and left as bytes.
    private var lastHead: RecordHead?
    /// Set by `validateEncoding()` when the whole file is valid in its encoding: no field can
    /// then be dropped or make a problem, so fields need no check one by one.
    private var wholeFileValid = false
    private var position = 0
    private var filled = 0
    /// Stream offset of `text[0]` (the file offset for UTF-8).
    private var bufferOffset = 0
    private var line = 1
    private var atStart = true
    private var finished = false
    /// Whether the last record read had any byte besides its line end.
    private var sawContent = false
    private let path: String
    private let requestedEncoding: String?
    /// Records returned by `next()` so far.
    private var recordCount = 0
    private var lastFieldCount = 8
    private var encodingChecked = false
    /// Set while `validateEncoding()` reads the file ahead.
    private var scanning = false
    /// In the last record read: the first byte not valid in the encoding outside free-text
    /// columns, the first in them, and whether its free text has any non-ASCII byte.
    private var invalidOutsideFreeText: InvalidByte?
    private var invalidInFreeText: InvalidByte?
    private var freeTextIsNonASCII = false

    private struct InvalidByte {
        var line: Int
        /// "byte 0xE0", "code unit 0xD800".
        var what: String
    }

    /// The field delimiter, found from the first record: `,`, `;` or tab.
    public private(set) var delimiter: UInt8
    /// The number of fields a record should have (the header's), if known: it lets the
    /// reader tell a quoted field over several lines of prose from an unclosed quote.
    public var expectedFieldCount: Int?
    /// Column names, to name a field in a problem.
    public var columnNames: [String] = []
    /// A record over this many bytes (of UTF-8) is returned as `.tooLong`.
    public var maximumRecordBytes = InputLimits.maximumRecordBytes
    /// Free-text columns (0-based), such as the comment: a field there that is not valid in
    /// the file's encoding is read as "" and listed in `droppedFields` (the first record,
    /// the header, has none).
    public var freeTextColumns: Set<Int> = []
    /// The file's name in errors (`inbox/paper/x.csv`); the path by default.
    public var displayPath: String
    /// The setting that names a file's encoding, for the advice in errors.
    public var encodingSetting = "[columns.paper] encoding"
    /// "UTF-8", "UTF-16LE", "UTF-16BE", or the caller's encoding name.
    public var encodingName: String { source.name }

    /// Opens `path`, which is UTF-8 unless it starts with a UTF-16 byte-order mark or
    /// `encoding` names another encoding (any iconv name: "windows-1258", "CP1258", "latin1").
    /// A byte-order mark wins over `encoding`.
    ///
    /// - Throws: `IngestError.unreadable`; `CSVReadError.unknownEncoding` for a name iconv
    ///   does not know.
    public init(path: String, encoding: String? = nil) throws {
        try self.init(path: path, encoding: encoding, chunkBytes: 1 << 20)
    }

    /// `chunkBytes`: the size of each read and of the buffer (tests make it odd).
    init(path: String, encoding: String?, chunkBytes: Int) throws {
        source = try TextSource(path: path, encoding: encoding, chunkBytes: chunkBytes)
        text = source.output
        self.path = path
        displayPath = path
        requestedEncoding = encoding
        filled = source.read(outputOffset: 0)
        var start = 0
        if source.kind == .utf8, filled >= 3, text[0] == 0xEF, text[1] == 0xBB, text[2] == 0xBF { start = 3 }
        delimiter = Self.delimiter(of: UnsafeBufferPointer(start: text + start, count: filled - start))
        classes = ByteClasses(delimiter: delimiter)
    }

    public func close() { source.close() }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let semicolon = UInt8(ascii: ";")
    private static let tab = UInt8(ascii: "\t")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// The candidate that splits the first non-empty line's record into the most fields. A
    /// candidate under which a quote stands inside an unquoted field, or a closing quote is
    /// followed by anything but it or the line end (`"a;b",c` read with `;`), does not fit
    /// that record (RFC 4180 and Excel quote any field holding a quote), and loses to any
    /// that does.
    static func delimiter(of bytes: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var start = 0
        while start < bytes.count, bytes[start] == lf || bytes[start] == cr { start += 1 }
        var best = comma
        var bestScore = (fits: false, fields: 0)
        for candidate in [comma, semicolon, tab] {
            var fields = 1
            var fits = true
            var inQuotes = false
            var atFieldStart = true
            var i = start
            scan: while i < bytes.count {
                let b = bytes[i]
                i += 1
                if inQuotes {
                    guard b == quote else { continue }
                    if i < bytes.count, bytes[i] == quote {
                        i += 1
                        continue
                    }
                    inQuotes = false
                    if i < bytes.count, bytes[i] != candidate, bytes[i] != lf, bytes[i] != cr { fits = false }
                    continue
                }
                switch b {
                case candidate:
                    fields += 1
                    atFieldStart = true
                    continue
                case lf, cr: break scan
                case quote:
                    if atFieldStart { inQuotes = true } else { fits = false }
                default: break
                }
                atFieldStart = false
            }
            if (fits && !bestScore.fits) || (fits == bestScore.fits && fields > bestScore.fields) {
                best = candidate
                bestScore = (fits, fields)
            }
        }
        return best
    }

    @inline(__always)
    private mutating func refill() -> Bool {
        bufferOffset += filled
        filled = source.read(outputOffset: bufferOffset)
        position = 0
        return filled > 0
    }

    @inline(__always)
    private mutating func nextByte() -> UInt8? {
        if position == filled, !refill() { return nil }
        defer { position += 1 }
        return text[position]
    }

    @inline(__always)
    private mutating func peekByte() -> UInt8? {
        if position == filled, !refill() { return nil }
        return text[position]
    }

    /// Stream offset of the next byte.
    private var offset: Int { bufferOffset + position }

    /// Continues reading at `target`, which starts physical line `line`: in the buffer if it
    /// is there, else from the source.
    private mutating func seek(to target: Int, line: Int) {
        self.line = line
        finished = false
        if target >= bufferOffset && target <= bufferOffset + filled {
            position = target - bufferOffset
            return
        }
        bufferOffset = source.rewind(to: target)
        filled = 0
        position = 0
        var skip = target - bufferOffset
        while skip > 0, refill() {
            position = min(skip, filled)
            skip -= position
        }
    }

    /// The next record, or nil at the end of the file. Empty lines are skipped (a line of
    /// spaces, or `""`, is a record of one field).
    public mutating func next() -> CSVRecord? {
        while !finished {
            if let head = readRecord() {
                if isBlank(head) { continue }
                let record = materialize(head)
                recordCount += 1
                return record
            }
        }
        return nil
    }

    /// An empty line: one empty field, read without any byte besides its line end.
    private func isBlank(_ head: RecordHead) -> Bool {
        spans.count == 1 && spans.length(0) == 0 && head.problem == nil && !sawContent
    }

    /// The record read last, with its fields as text (checked in the encoding, free text
    /// dropped if not valid, composed to NFC for a code page).
    private mutating func materialize(_ head: RecordHead) -> CSVRecord {
        var problem = head.problem
        var problemKind = head.problemKind
        var dropped: [Int] = []
        var fields: [String] = []
        fields.reserveCapacity(spans.count)
        for column in 0..<spans.count {
            fields.append(fieldText(
                spans.bytes(column, text: text), column: column, endLine: spans.endLine(column), problem: &problem,
                problemKind: &problemKind, dropped: &dropped))
        }
        return CSVRecord(
            line: head.line, lastLine: head.lastLine, fields: fields, problem: problem, problemKind: problemKind,
            droppedFields: dropped)
    }

    /// The next record after the header for the byte-level path: like `nextRecord()`, but a
    /// record without a problem in a file found valid in its encoding is left as bytes
    /// (`fieldCount`, `fieldBytes(_:)`, `lastRecordAsText()`), valid until the next read.
    mutating func nextAccess() throws -> RowAccess {
        if recordCount > 0 { try validateEncoding() }
        guard wholeFileValid && !scanning else {
            guard let record = try nextRecord() else { return .end }
            return .text(TableRow(line: record.line, cells: record.fields, problem: record.problem))
        }
        while !finished {
            guard let head = readRecord() else { continue }
            if isBlank(head) { continue }
            if head.problem != nil {
                let record = materialize(head)
                recordCount += 1
                return .text(TableRow(line: record.line, cells: record.fields, problem: record.problem))
            }
            recordCount += 1
            lastHead = head
            return .bytes(line: head.line)
        }
        return .end
    }

    /// The number of fields of the record `nextAccess()` left as bytes.
    var fieldCount: Int { spans.count }

    /// The bytes of field `column` (0-based) of the record `nextAccess()` left as bytes.
    @inline(__always)
    func fieldBytes(_ column: Int) -> UnsafeBufferPointer<UInt8> { spans.bytes(column, text: text) }

    /// The record `nextAccess()` left as bytes, as text (as `nextRecord()` would have returned it).
    mutating func lastRecordAsText() -> TableRow {
        guard let head = lastHead else { preconditionFailure("no record left as bytes") }
        recordCount -= 1
        let record = materialize(head)
        recordCount += 1
        return TableRow(line: record.line, cells: record.fields, problem: record.problem)
    }

    /// Whether the text of fields must be put in NFC (a code page, transcoded by iconv).
    var composesText: Bool { source.kind == .iconv }

    /// The next record, like `next()`, but a byte not valid in the file's encoding outside
    /// the free-text columns rejects the whole file: the first call checks the first record
    /// (the header), the second `validateEncoding()` for the rest of the file.
    public mutating func nextRecord() throws -> CSVRecord? {
        if recordCount > 0 { try validateEncoding() }
        guard let record = next() else { return nil }
        // (After `validateEncoding()`, only a file that cannot be read twice gets here with one.)
        if let invalid = invalidOutsideFreeText { throw encodingError(invalid) }
        return record
    }

    /// Checks, before any record after the header is used, that the file is text in its
    /// encoding. It throws `CSVReadError.invalidEncoding` naming the first bad byte's line when
    ///
    /// 1. a byte not valid in the encoding is outside the free-text columns (or in the
    ///    header), or
    /// 2. bad bytes in free-text columns are frequent: in at least 3 records, and in at least
    ///    half of the records whose free text is not plain ASCII. (A UTF-8 file with a Latin-1
    ///    word pasted into a comment or two passes, losing those comments; a Windows-1258
    ///    file with Vietnamese only in its comments does not.)
    ///
    /// How: a first pass reads the whole file again and validates it (UTF-8: validation at
    /// memory speed; other encodings: a full transcoding). Only if it finds a bad byte does a
    /// second pass read the records from the current one to the end, to see which columns
    /// the bad bytes are in, and then goes back. A file that cannot be read twice (a pipe)
    /// is checked record by record instead, by `nextRecord()`, with rule 1 only.
    ///
    /// Call it after reading the header and setting `freeTextColumns`; it runs once.
    public mutating func validateEncoding() throws {
        guard !encodingChecked else { return }
        encodingChecked = true
        guard source.isRegularFile else { return }
        if try fileIsValidText(path: path, encoding: requestedEncoding) {
            wholeFileValid = true
            return
        }
        let saved = (offset: offset, line: line, records: recordCount, atStart: atStart, lastFieldCount: lastFieldCount)
        scanning = true
        var outside: InvalidByte?
        var firstInFreeText: InvalidByte?
        var badFreeText = 0
        var nonASCIIFreeText = 0
        while next() != nil {
            if let invalid = invalidOutsideFreeText {
                outside = invalid
                break
            }
            if let invalid = invalidInFreeText {
                badFreeText += 1
                if firstInFreeText == nil { firstInFreeText = invalid }
            }
            if freeTextIsNonASCII { nonASCIIFreeText += 1 }
        }
        scanning = false
        seek(to: saved.offset, line: saved.line)
        recordCount = saved.records
        atStart = saved.atStart
        lastFieldCount = saved.lastFieldCount
        invalidOutsideFreeText = nil
        if let outside { throw encodingError(outside) }
        if badFreeText >= 3 && 2 * badFreeText >= nonASCIIFreeText, let firstInFreeText {
            throw encodingError(
                firstInFreeText,
                frequency: "so are the free-text fields of \(badFreeText) of the \(nonASCIIFreeText) records whose free text is not plain ASCII")
        }
    }

    private func encodingError(_ invalid: InvalidByte, frequency: String? = nil) -> CSVReadError {
        var advice: String
        switch source.kind {
        case .utf8:
            advice = "the file looks like a legacy code page: set \(encodingSetting) = \"windows-1258\" in survey.toml (any iconv name)"
        case .utf16:
            advice = "the file starts with a UTF-16 byte-order mark, so it should be UTF-16 throughout: save it again (CSV UTF-8 or Unicode text)"
        case .iconv:
            advice = "check \(encodingSetting) = \"\(encodingName)\" in survey.toml: the file is in another encoding (any iconv name)"
        }
        if let frequency { advice = frequency + "; " + advice }
        return .invalidEncoding(file: displayPath, line: invalid.line, what: invalid.what, encoding: encodingName, advice: advice)
    }

    private func fieldName(_ number: Int) -> String {
        number <= columnNames.count && !columnNames[number - 1].isEmpty ? "field \(number) (\(columnNames[number - 1]))" : "field \(number)"
    }

    /// The problem for a field not valid in the encoding.
    private func invalidFieldProblem(_ number: Int) -> String {
        switch source.kind {
        case .utf8: "\(fieldName(number)) is not valid UTF-8; expected UTF-8 text (save the file as CSV UTF-8)"
        case .utf16: "\(fieldName(number)) is not valid \(encodingName); expected UTF-16 text, as the file's byte-order mark says"
        case .iconv: "\(fieldName(number)) is not valid \(encodingName); expected text in \(encodingName), the file's encoding"
        }
    }

    /// Line breaks (LF, CRLF or a lone CR) in `bytes` after index `k`.
    private static func lineBreaks(in bytes: UnsafeBufferPointer<UInt8>, after k: Int) -> Int {
        var count = 0
        var j = k + 1
        while j < bytes.count {
            if bytes[j] == lf || (bytes[j] == cr && (j + 1 == bytes.count || bytes[j + 1] != lf)) { count += 1 }
            j += 1
        }
        return count
    }

    /// The text of a field that ends on line `endLine`, column `column` (0-based).
    @inline(__always)
    private mutating func fieldText(
        _ bytes: UnsafeBufferPointer<UInt8>, column: Int, endLine: Int, problem: inout String?,
        problemKind: inout CSVRecord.Problem?, dropped: inout [Int]
    ) -> String {
        // Most fields are a few ASCII bytes: OR them together rather than call the validator.
        // (`String(validating:)` costs about 50 ns a field, six times this.)
        var high: UInt8 = 0
        if bytes.count <= 16 {
            for b in bytes { high |= b }
        } else {
            high = 0x80
        }
        if high < 0x80 || UTF8Text.firstInvalid(bytes) == nil {
            let text = String(decoding: bytes, as: UTF8.self)
            if scanning && high >= 0x80 && !freeTextIsNonASCII && recordCount > 0 && freeTextColumns.contains(column)
                && bytes.contains(where: { $0 >= 0x80 }) {
                freeTextIsNonASCII = true
            }
            return source.kind == .iconv ? composedIfNeeded(text) : text
        }
        return invalidFieldText(bytes, column: column, endLine: endLine, problem: &problem, problemKind: &problemKind, dropped: &dropped)
    }

    @inline(never)
    private mutating func invalidFieldText(
        _ bytes: UnsafeBufferPointer<UInt8>, column: Int, endLine: Int, problem: inout String?,
        problemKind: inout CSVRecord.Problem?, dropped: inout [Int]
    ) -> String {
        let k = UTF8Text.firstInvalid(bytes) ?? 0
        let invalid = InvalidByte(
            line: endLine - Self.lineBreaks(in: bytes, after: k), what: TextSource.describeInvalid(bytes, at: k, kind: source.kind))
        if recordCount > 0 && freeTextColumns.contains(column) {
            dropped.append(column)
            freeTextIsNonASCII = true
            if invalidInFreeText == nil { invalidInFreeText = invalid }
            return ""
        }
        if invalidOutsideFreeText == nil { invalidOutsideFreeText = invalid }
        if problem == nil {
            problem = invalidFieldProblem(column + 1)
            problemKind = .invalidUTF8
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where a record is and what is wrong with it; its fields are in `spans`.
    private struct RecordHead {
        var line: Int
        var lastLine: Int
        var problem: String?
        var problemKind: CSVRecord.Problem?
    }

    /// Reads one record into `spans` (nil: nothing but the end of the file, or an empty
    /// record to read past).
    private mutating func readRecord() -> RecordHead? {
        if atStart {
            atStart = false
            // Skip a UTF-8 byte-order mark: all three bytes EF BB BF, or nothing (EF alone
            // starts an ordinary character such as U+F000).
            _ = peekByte()
            if source.kind == .utf8, filled - position >= 3, text[position] == 0xEF, text[position + 1] == 0xBB,
                text[position + 2] == 0xBF {
                position += 3
            }
        }
        invalidOutsideFreeText = nil
        invalidInFreeText = nil
        freeTextIsNonASCII = false
        if let head = readPlainRecord() { return head }
        let p = UnsafePointer(text)
        let kinds = UnsafePointer(classes.kinds)
        let startLine = line
        let recordStart = offset
        var i = position
        var n = filled
        /// Consuming the byte at this index (or after it) puts the record over the limit.
        var limit = recordStart + maximumRecordBytes - bufferOffset
        spans.reset(capacity: expectedFieldCount ?? lastFieldCount)
        // The current field is `pending` followed by `p[runStart..<i]` (a field is a span of
        // the buffer unless it spans a refill or holds a doubled quote; then it is copied).
        var pending: [UInt8] = []
        var runStart = i
        var problem: String?
        var problemKind: CSVRecord.Problem?
        var inQuotes = false
        // The quoted field being read: the line its quote opened on; where the line after
        // that starts (once a line break inside it is passed), and the field's length then;
        // whether the current physical line began inside it, and its delimiters so far.
        var quoteLine = 0
        var resume: (offset: Int, line: Int, fieldLength: Int)?
        var continuation = false
        var delimitersOnLine = 0
        let threshold = expectedFieldCount.map { max($0 - 1, 1) } ?? Int.max

        /// Moves the field's bytes so far into `pending` and reads the next chunk. False at
        /// the end of the file.
        func more() -> Bool {
            if i > runStart { pending.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
            // The refill overwrites the buffer the record's fields so far are spans of.
            spans.spill(text: p)
            position = i
            let ok = refill()
            i = 0
            n = filled
            runStart = 0
            limit = recordStart + maximumRecordBytes - bufferOffset
            return ok
        }
        func finishField(_ end: Int, endLine: Int) {
            if pending.isEmpty {
                spans.append(start: runStart, count: end - runStart, endLine: endLine)
            } else {
                if end > runStart { pending.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: end - runStart)) }
                pending.withUnsafeBufferPointer { spans.appendCopy($0, endLine: endLine) }
                pending.removeAll(keepingCapacity: true)
            }
            runStart = end
        }
        func record(lastLine: Int) -> RecordHead {
            lastFieldCount = spans.count
            return RecordHead(line: startLine, lastLine: lastLine, problem: problem, problemKind: problemKind)
        }
        /// A record over the limit keeps no field; those read so far are still checked in the
        /// encoding (a bad byte outside free text refuses the file, as in any record).
        func dropFields() {
            var problem: String?
            var problemKind: CSVRecord.Problem?
            var dropped: [Int] = []
            for column in 0..<spans.count {
                _ = fieldText(
                    spans.bytes(column, text: p), column: column, endLine: spans.endLine(column), problem: &problem,
                    problemKind: &problemKind, dropped: &dropped)
            }
            spans.reset(capacity: 0)
        }
        /// The quoted field opened on `quoteLine` is taken as unclosed: the record ends on that
        /// line, and reading resumes on the next.
        func unclosed(_ reason: String) -> RecordHead {
            guard let resume else { preconditionFailure("an unclosed quote is only resumed after a line break") }
            if i > runStart { pending.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
            runStart = i
            pending.removeSubrange(resume.fieldLength...)
            finishField(i, endLine: quoteLine)
            // The seek may read the buffer again.
            spans.spill(text: p)
            position = i
            seek(to: resume.offset, line: resume.line)
            problem = "a quoted field opened on line \(quoteLine) is not closed; \(reason); expected a closing \""
            problemKind = .unclosedQuote
            return record(lastLine: quoteLine)
        }

        while true {
            // Ordinary bytes: part of the current field.
            let stop = min(n, limit)
            while i < stop && kinds[Int(p[i])] == 0 { i += 1 }
            if i == n {
                if more() { continue }
                finished = true
                if offset == recordStart { return nil }
                if inQuotes {
                    if resume != nil {
                        return unclosed("the file ends inside it, so the lines after line \(quoteLine) are read as separate records")
                    }
                    problem = "a quoted field opened on line \(quoteLine) is not closed before the end of the file; expected a closing \""
                    problemKind = .unclosedQuote
                }
                finishField(i, endLine: line)
                sawContent = true
                return record(lastLine: line)
            }
            let byte = p[i]
            i += 1
            // (The line end that ends the record is not part of it.)
            if i > limit && (inQuotes || (byte != Self.lf && byte != Self.cr)) {
                if inQuotes, resume != nil {
                    return unclosed("it runs on for more than \(maximumRecordBytes) bytes, the limit for one form, so the lines after line \(quoteLine) are read as separate records")
                }
                dropFields()
                let length = bufferOffset + i - recordStart
                if byte == Self.lf || byte == Self.cr {
                    // A line end inside a quote just opened: the record ends here all the same.
                    position = i
                    if byte == Self.cr, peekByte() == Self.lf { position += 1 }
                    line += 1
                    return tooLong(startLine: startLine, lastLine: line - 1, bytes: length - 1)
                }
                position = i
                return skipLongRecord(startLine: startLine, bytes: length)
            }
            if inQuotes {
                switch byte {
                case Self.quote:
                    let end = i - 1
                    if i == n {
                        // The next byte is in the next chunk: keep the field without this quote.
                        i = end
                        _ = more()
                        if n > 0 && p[0] == Self.quote {
                            pending.append(Self.quote)
                            i = 1
                            runStart = 1
                            continue
                        }
                    } else if p[i] == Self.quote {
                        // A doubled quote: one quote of the field's text.
                        pending.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart))
                        i += 1
                        runStart = i
                        continue
                    } else {
                        pending.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: end - runStart))
                        runStart = i
                    }
                    inQuotes = false
                    if continuation && delimitersOnLine >= threshold {
                        return unclosed("the following lines look like separate forms")
                    }
                case Self.lf, Self.cr:
                    let lengthBefore = pending.count + (i - 1 - runStart)
                    if byte == Self.cr {
                        if i == n { _ = more() }
                        if i < n, p[i] == Self.lf { i += 1 }
                    }
                    if continuation && delimitersOnLine >= threshold {
                        return unclosed("the following lines look like separate forms")
                    }
                    line += 1
                    if resume == nil { resume = (bufferOffset + i, line, lengthBefore) }
                    continuation = true
                    delimitersOnLine = 0
                case delimiter:
                    delimitersOnLine += 1
                default:
                    break
                }
                continue
            }
            switch byte {
            case delimiter:
                finishField(i - 1, endLine: line)
                runStart = i
            case Self.quote:
                if pending.isEmpty && runStart == i - 1 {
                    inQuotes = true
                    quoteLine = line
                    resume = nil
                    continuation = false
                    delimitersOnLine = 0
                    runStart = i
                }
            case Self.cr, Self.lf:
                let terminator = bufferOffset + i - 1
                finishField(i - 1, endLine: line)
                runStart = i
                if byte == Self.cr {
                    if i == n { _ = more() }
                    if i < n, p[i] == Self.lf { i += 1 }
                }
                position = i
                sawContent = terminator > recordStart
                let last = line
                line += 1
                return record(lastLine: last)
            default:
                break
            }
        }
    }

    /// The usual record, read in one tight loop: no quote, all of it and its line end in the
    /// buffer, within the byte limit. Nil for any other (nothing is consumed; `readRecord`
    /// reads it from the same place).
    @inline(__always)
    private mutating func readPlainRecord() -> RecordHead? {
        let p = UnsafePointer(text)
        let kinds = UnsafePointer(classes.kinds)
        let start = position
        let n = filled
        // Consuming a byte at or past this index could put the record over the limit.
        let stop = min(n, start + maximumRecordBytes)
        let delimiter = self.delimiter
        let line = self.line
        let spans = self.spans
        spans.reset(capacity: 0)
        var i = start
        var fieldStart = start
        while true {
            while i < stop && kinds[Int(p[i])] == 0 { i += 1 }
            guard i < stop else { return nil }
            let byte = p[i]
            if byte == delimiter {
                spans.append(start: fieldStart, count: i - fieldStart, endLine: line)
                i += 1
                fieldStart = i
                continue
            }
            guard byte == Self.lf || byte == Self.cr else { return nil }
            spans.append(start: fieldStart, count: i - fieldStart, endLine: line)
            let terminator = i
            i += 1
            if byte == Self.cr {
                // Whether LF follows is in the next chunk.
                guard i < n else { return nil }
                if p[i] == Self.lf { i += 1 }
            }
            position = i
            sawContent = terminator > start
            lastFieldCount = spans.count
            self.line = line + 1
            return RecordHead(line: line, lastLine: line, problem: nil, problemKind: nil)
        }
    }

    /// Skips the rest of a record over the limit to the end of its physical line, keeping
    /// nothing but the count of its bytes. (A line end inside a quoted field ends it too:
    /// the lines after it are read as records, since a quote this long is most likely not
    /// closed.)
    private mutating func skipLongRecord(startLine: Int, bytes: Int) -> RecordHead {
        var bytes = bytes
        let lastLine = line
        while let b = nextByte() {
            if b == Self.lf || b == Self.cr {
                if b == Self.cr, peekByte() == Self.lf { _ = nextByte() }
                line += 1
                break
            }
            bytes += 1
        }
        if peekByte() == nil { finished = true }
        return tooLong(startLine: startLine, lastLine: lastLine, bytes: bytes)
    }

    private func tooLong(startLine: Int, lastLine: Int, bytes: Int) -> RecordHead {
        let what = lastLine == startLine ? "line \(startLine) is" : "the record on lines \(startLine)-\(lastLine) is"
        return RecordHead(
            line: startLine, lastLine: lastLine,
            problem: "\(what) \(bytes) bytes long; the limit is \(maximumRecordBytes) bytes for one form",
            problemKind: .tooLong)
    }
}

extension CSVReader: TableReader {
    /// The next row for the table pipeline: `nextRecord()` as a `TableRow` (the whole-file
    /// encoding rule applies; dropped free-text fields read as "").
    @_disfavoredOverload
    public mutating func next() throws -> TableRow? {
        guard let record = try nextRecord() else { return nil }
        return TableRow(line: record.line, cells: record.fields, problem: record.problem)
    }

    /// The header's width drives the check of unclosed quotes; its comment column is free text.
    public mutating func headerFound(columns: [String], freeText: Set<Int>) {
        expectedFieldCount = columns.count
        columnNames = columns
        freeTextColumns = freeText
    }

    /// A CSV row is a record as written: as many fields as the header.
    public var rowsHaveFixedWidth: Bool { true }

    public mutating func nextRowAccess() throws -> RowAccess { try nextAccess() }
    public var cellCount: Int { fieldCount }
    public func cellBytes(_ column: Int) -> UnsafeBufferPointer<UInt8> { fieldBytes(column) }
    public mutating func rowText() -> TableRow { lastRecordAsText() }
    public var cellTextNeedsComposition: Bool { composesText }
}

/// The fields of one record as spans: of the reader's buffer, or of `scratch` (a field built
/// from several pieces, or moved there before the buffer is read again).
private final class FieldSpans {
    private struct Span {
        var start: Int
        var count: Int
        var endLine: Int
        var copied: Bool
    }

    private var items: UnsafeMutablePointer<Span>
    private var capacity = 64
    private(set) var count = 0
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 1024
    private var scratchCount = 0

    init() {
        items = .allocate(capacity: capacity)
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        items.deallocate()
        scratch.deallocate()
    }

    @inline(__always)
    func reset(capacity _: Int) {
        count = 0
        scratchCount = 0
    }

    @inline(__always)
    func append(start: Int, count length: Int, endLine: Int) {
        if count == capacity { grow() }
        items[count] = Span(start: start, count: length, endLine: endLine, copied: false)
        count += 1
    }

    func appendCopy(_ bytes: UnsafeBufferPointer<UInt8>, endLine: Int) {
        if count == capacity { grow() }
        items[count] = Span(start: copy(bytes), count: bytes.count, endLine: endLine, copied: true)
        count += 1
    }

    /// Copies the spans of `text` to `scratch`.
    func spill(text: UnsafePointer<UInt8>) {
        for k in 0..<count where !items[k].copied {
            items[k].start = copy(UnsafeBufferPointer(start: text + items[k].start, count: items[k].count))
            items[k].copied = true
        }
    }

    @inline(__always)
    func length(_ k: Int) -> Int { items[k].count }

    @inline(__always)
    func endLine(_ k: Int) -> Int { items[k].endLine }

    @inline(__always)
    func bytes(_ k: Int, text: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let span = items[k]
        return UnsafeBufferPointer(start: (span.copied ? UnsafePointer(scratch) : text) + span.start, count: span.count)
    }

    private func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let start = scratchCount
        if scratchCount + bytes.count > scratchCapacity {
            var size = scratchCapacity * 2
            while size < scratchCount + bytes.count { size *= 2 }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
            bigger.update(from: scratch, count: scratchCount)
            scratch.deallocate()
            scratch = bigger
            scratchCapacity = size
        }
        if let base = bytes.baseAddress, bytes.count > 0 { (scratch + scratchCount).update(from: base, count: bytes.count) }
        scratchCount += bytes.count
        return start
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<Span>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: items, count: count)
        items.deallocate()
        items = bigger
        capacity *= 2
    }
}

/// Which bytes end an ordinary run in a field: the delimiter, the quote, CR and LF.
private final class ByteClasses {
    let kinds: UnsafeMutablePointer<UInt8>

    init(delimiter: UInt8) {
        kinds = .allocate(capacity: 256)
        kinds.initialize(repeating: 0, count: 256)
        for b in [delimiter, UInt8(ascii: "\""), UInt8(ascii: "\r"), UInt8(ascii: "\n")] { kinds[Int(b)] = 1 }
    }

    deinit { kinds.deallocate() }
}
