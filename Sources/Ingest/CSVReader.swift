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
        /// A field is not UTF-8; the record is otherwise read as written.
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

    public init(line: Int, lastLine: Int? = nil, fields: [String], problem: String? = nil, problemKind: Problem? = nil) {
        self.line = line
        self.lastLine = lastLine ?? line
        self.fields = fields
        self.problem = problem
        self.problemKind = problemKind
    }
}

/// A streaming RFC 4180 reader: comma-separated, `"`-quoted fields with `""` escapes, an
/// optional UTF-8 byte-order mark. A line ends at LF, CRLF or a lone CR (old Mac Excel);
/// line numbers count all three. Quoted fields may span lines (and keep their CRs and LFs).
///
/// It never loses a line silently:
/// - A quoted field whose quote is not closed would swallow the rest of the file. When a
///   line inside it looks like a record of its own (at least `expectedFieldCount - 1`
///   commas) or the file ends inside it, the record is returned with `.unclosedQuote`,
///   ending on the line the quote opened on, and reading resumes on the line after it.
/// - A record over `maximumRecordBytes` is returned with `.tooLong` and skipped without
///   being kept in memory.
///
/// Written by hand (not a package) because it is on the hot path of ingest: it reads the
/// file in 1 MiB chunks and keeps only the current record in memory.
public struct CSVReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8]
    private var position = 0
    private var filled = 0
    /// File offset of `buffer[0]`.
    private var bufferOffset = 0
    private var line = 1
    private var atStart = true
    private var finished = false
    /// Whether the last record read had any byte besides its line end.
    private var sawContent = false

    /// The number of fields a record should have (the header's), if known: it lets the
    /// reader tell a quoted field over several lines of prose from an unclosed quote.
    public var expectedFieldCount: Int?
    /// Column names, to name a field in a problem.
    public var columnNames: [String] = []
    /// A record over this many bytes is returned as `.tooLong`.
    public var maximumRecordBytes = InputLimits.maximumRecordBytes

    public init(path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        self.file = file
        buffer = [UInt8](repeating: 0, count: 1 << 20)
    }

    public func close() { fclose(file) }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    @inline(__always)
    private mutating func refill() -> Bool {
        bufferOffset += filled
        filled = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        position = 0
        return filled > 0
    }

    @inline(__always)
    private mutating func nextByte() -> UInt8? {
        if position == filled, !refill() { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    @inline(__always)
    private mutating func peekByte() -> UInt8? {
        if position == filled, !refill() { return nil }
        return buffer[position]
    }

    /// File offset of the next byte.
    private var offset: Int { bufferOffset + position }

    /// Continues reading at `offset`, which starts physical line `line`.
    private mutating func seek(to offset: Int, line: Int) {
        fseeko(file, off_t(offset), SEEK_SET)
        bufferOffset = offset
        filled = 0
        position = 0
        self.line = line
        finished = false
    }

    /// The next record, or nil at the end of the file. Empty lines are skipped (a line of
    /// spaces, or `""`, is a record of one field).
    public mutating func next() -> CSVRecord? {
        while !finished {
            if let record = readRecord() {
                if record.fields.count == 1 && record.fields[0].isEmpty && record.problem == nil && !sawContent { continue }
                return record
            }
        }
        return nil
    }

    private func fieldName(_ number: Int) -> String {
        number <= columnNames.count && !columnNames[number - 1].isEmpty ? "field \(number) (\(columnNames[number - 1]))" : "field \(number)"
    }

    private mutating func readRecord() -> CSVRecord? {
        if atStart {
            atStart = false
            // Skip a UTF-8 byte-order mark: all three bytes EF BB BF, or nothing (EF alone
            // starts an ordinary character such as U+F000).
            _ = peekByte()
            if filled - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF {
                position += 3
            }
        }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var problem: String?
        var problemKind: CSVRecord.Problem?
        var inQuotes = false
        var sawAny = false
        var bytes = 0
        // The quoted field being read: the line its quote opened on; where the line after
        // that starts (once a line break inside it is passed), and the field's length then;
        // whether the current physical line began inside it, and its commas so far.
        var quoteLine = 0
        var resume: (offset: Int, line: Int, fieldLength: Int)?
        var continuation = false
        var commasOnLine = 0
        let threshold = expectedFieldCount.map { max($0 - 1, 1) } ?? Int.max
        sawContent = false

        func finishField() {
            if let text = UTF8Text.string(field) {
                fields.append(text)
            } else {
                if problem == nil {
                    problem = "\(fieldName(fields.count + 1)) is not valid UTF-8; expected UTF-8 text (save the file as CSV UTF-8)"
                    problemKind = .invalidUTF8
                }
                fields.append(String(decoding: field, as: UTF8.self))
            }
            field.removeAll(keepingCapacity: true)
        }
        /// The quoted field opened on `quoteLine` is taken as unclosed: the record ends on that
        /// line, and reading resumes on the next.
        func unclosed(_ reason: String) -> CSVRecord {
            guard let resume else { preconditionFailure("an unclosed quote is only resumed after a line break") }
            field.removeSubrange(resume.fieldLength...)
            finishField()
            seek(to: resume.offset, line: resume.line)
            return CSVRecord(
                line: startLine, lastLine: quoteLine, fields: fields,
                problem: "a quoted field opened on line \(quoteLine) is not closed; \(reason); expected a closing \"",
                problemKind: .unclosedQuote)
        }

        while true {
            guard let byte = nextByte() else {
                finished = true
                if !sawAny { return nil }
                if inQuotes {
                    if resume != nil {
                        return unclosed("the file ends inside it, so the lines after line \(quoteLine) are read as separate records")
                    }
                    problem = "a quoted field opened on line \(quoteLine) is not closed before the end of the file; expected a closing \""
                    problemKind = .unclosedQuote
                }
                finishField()
                return CSVRecord(line: startLine, lastLine: line, fields: fields, problem: problem, problemKind: problemKind)
            }
            sawAny = true
            if inQuotes || (byte != Self.lf && byte != Self.cr) { sawContent = true }
            bytes += 1
            // (The line end that ends the record is not part of it.)
            if bytes > maximumRecordBytes && (inQuotes || (byte != Self.lf && byte != Self.cr)) {
                if inQuotes, resume != nil {
                    return unclosed("it runs on for more than \(maximumRecordBytes) bytes, the limit for one form, so the lines after line \(quoteLine) are read as separate records")
                }
                if byte == Self.lf || byte == Self.cr {
                    // A line end inside a quote just opened: the record ends here all the same.
                    if byte == Self.cr, peekByte() == Self.lf { _ = nextByte() }
                    line += 1
                    return tooLong(startLine: startLine, lastLine: line - 1, bytes: bytes - 1)
                }
                return skipLongRecord(startLine: startLine, bytes: bytes)
            }
            if inQuotes {
                switch byte {
                case Self.quote:
                    if peekByte() == Self.quote {
                        _ = nextByte()
                        bytes += 1
                        field.append(byte)
                    } else {
                        inQuotes = false
                        if continuation && commasOnLine >= threshold {
                            return unclosed("the following lines look like separate forms")
                        }
                    }
                case Self.lf, Self.cr:
                    let lengthBefore = field.count
                    field.append(byte)
                    if byte == Self.cr, peekByte() == Self.lf {
                        _ = nextByte()
                        bytes += 1
                        field.append(Self.lf)
                    }
                    if continuation && commasOnLine >= threshold {
                        return unclosed("the following lines look like separate forms")
                    }
                    line += 1
                    if resume == nil { resume = (offset, line, lengthBefore) }
                    continuation = true
                    commasOnLine = 0
                case Self.comma:
                    commasOnLine += 1
                    field.append(byte)
                default:
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case Self.comma:
                finishField()
            case Self.quote:
                if field.isEmpty {
                    inQuotes = true
                    quoteLine = line
                    resume = nil
                    continuation = false
                    commasOnLine = 0
                } else {
                    field.append(byte)
                }
            case Self.cr, Self.lf:
                if byte == Self.cr, peekByte() == Self.lf { _ = nextByte() }
                let last = line
                line += 1
                finishField()
                return CSVRecord(line: startLine, lastLine: last, fields: fields, problem: problem, problemKind: problemKind)
            default:
                field.append(byte)
            }
        }
    }

    /// Skips the rest of a record over the limit to the end of its physical line, keeping
    /// nothing but the count of its bytes. (A line end inside a quoted field ends it too:
    /// the lines after it are read as records, since a quote this long is most likely not
    /// closed.)
    private mutating func skipLongRecord(startLine: Int, bytes: Int) -> CSVRecord {
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

    private func tooLong(startLine: Int, lastLine: Int, bytes: Int) -> CSVRecord {
        let what = lastLine == startLine ? "line \(startLine) is" : "the record on lines \(startLine)-\(lastLine) is"
        return CSVRecord(
            line: startLine, lastLine: lastLine, fields: [],
            problem: "\(what) \(bytes) bytes long; the limit is \(maximumRecordBytes) bytes for one form",
            problemKind: .tooLong)
    }
}
