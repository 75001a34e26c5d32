#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One record of a CSV file.
public struct CSVRecord: Sendable, Equatable {
    /// 1-based physical line where the record starts.
    public var line: Int
    public var fields: [String]
    /// Set when the record cannot be read as written (bad UTF-8, an unterminated quote).
    public var problem: String?
}

/// A streaming RFC 4180 reader: comma-separated, `"`-quoted fields with `""` escapes,
/// LF or CRLF line ends, quoted fields may span lines, an optional UTF-8 byte-order mark.
///
/// Written by hand (not a package) because it is on the hot path of ingest: it reads the
/// file in 1 MiB chunks and keeps only the current record in memory.
public struct CSVReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8]
    private var position = 0
    private var filled = 0
    private var line = 1
    private var atStart = true
    private var finished = false

    public init(path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        self.file = file
        buffer = [UInt8](repeating: 0, count: 1 << 20)
    }

    public func close() { fclose(file) }

    private mutating func nextByte() -> UInt8? {
        if position == filled {
            filled = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            position = 0
            if filled == 0 { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func peekByte() -> UInt8? {
        if position == filled {
            filled = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            position = 0
            if filled == 0 { return nil }
        }
        return buffer[position]
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public mutating func next() -> CSVRecord? {
        while !finished {
            if let record = readRecord() {
                if record.fields.count == 1 && record.fields[0].isEmpty && record.problem == nil { continue }
                return record
            }
        }
        return nil
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
        var inQuotes = false
        var sawAny = false

        func finishField() {
            if let text = String(validating: field, as: UTF8.self) {
                fields.append(text)
            } else {
                problem = problem ?? "field \(fields.count + 1) is not valid UTF-8"
                fields.append(String(decoding: field, as: UTF8.self))
            }
            field.removeAll(keepingCapacity: true)
        }

        while true {
            guard let byte = nextByte() else {
                finished = true
                if !sawAny { return nil }
                if inQuotes { problem = problem ?? "a quoted field is not closed before the end of the file" }
                finishField()
                return CSVRecord(line: startLine, fields: fields, problem: problem)
            }
            sawAny = true
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if peekByte() == UInt8(ascii: "\"") {
                        _ = nextByte()
                        field.append(byte)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                finishField()
            case UInt8(ascii: "\""):
                if field.isEmpty { inQuotes = true } else { field.append(byte) }
            case UInt8(ascii: "\r"):
                if peekByte() == UInt8(ascii: "\n") { continue }
                field.append(byte)
            case UInt8(ascii: "\n"):
                line += 1
                finishField()
                return CSVRecord(line: startLine, fields: fields, problem: problem)
            default:
                field.append(byte)
            }
        }
    }
}
