#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a CSV file cannot be read as text.
public enum CSVReadError: Error, CustomStringConvertible, Equatable {
    /// The encoding named for the file (`[columns.paper] encoding`) is not one iconv knows.
    case unknownEncoding(file: String, name: String)
    /// Bytes that are not text in the file's encoding, where they cannot be left out (see
    /// `CSVReader.validateEncoding()`): the first such byte (or UTF-16 code unit), its line,
    /// and what to do.
    case invalidEncoding(file: String, line: Int, what: String, encoding: String, advice: String)

    public var description: String {
        switch self {
        case .unknownEncoding(let file, let name):
            return "\(file): unknown encoding \"\(name)\"; expected an iconv name such as windows-1258, CP1258, UTF-16LE or latin1 (iconv -l lists them)"
        case .invalidEncoding(let file, let line, let what, let encoding, let advice):
            return "\(file): line \(line): \(what) is not valid \(encoding); \(advice)"
        }
    }
}

/// The UTF-8 text of a file, a chunk at a time: the file's bytes as they are (UTF-8, with or
/// without a byte-order mark), or transcoded as a stream from UTF-16 with a byte-order mark
/// (little or big endian; Excel's "Unicode text") or, through iconv, from a code page the
/// caller names (windows-1258, latin1, ...).
///
/// Input that is not valid in its encoding cannot be transcoded; each such byte (or UTF-16
/// code unit) becomes a marker that is never valid UTF-8, so the CSV reader finds it where it
/// finds invalid UTF-8: `FE h l` for the byte `0xhl`, `FF h h h h` for a code unit, with each
/// hex digit stored as `0x80 + digit`. `describeInvalid` turns a marker back into words.
///
/// A transcoded stream can go back to any offset already read: at the start of every chunk
/// the decoder is in its initial state (iconv's is flushed at the end of each chunk, which
/// may leave a tone mark uncomposed across the edge: the reader normalises such fields to
/// NFC), and the source keeps the input offset of each chunk.
final class TextSource {
    enum Kind: Equatable {
        case utf8
        case utf16(bigEndian: Bool)
        case iconv
    }

    let kind: Kind
    /// The encoding's name for messages: "UTF-8", "UTF-16LE", "UTF-16BE" or the caller's name.
    let name: String
    /// Whether the file is a regular file (one that can be read twice).
    let isRegularFile: Bool
    let output: UnsafeMutablePointer<UInt8>
    let outputCapacity: Int

    private let file: UnsafeMutablePointer<FILE>
    private var converter: iconv_t?
    private let raw: UnsafeMutablePointer<UInt8>
    private let rawCapacity: Int
    private var rawStart = 0
    private var rawEnd = 0
    /// File offset of `raw[0]`.
    private var rawFileOffset = 0
    private var endOfFile = false
    /// The first chunk, read to look for a byte-order mark, waiting in `output` (UTF-8 only).
    private var waitingFirstChunk: Int?
    /// Output offset and input offset where each transcoded chunk starts, rising.
    private var checkpoints: [(output: Int, input: Int)] = []
    private var closed = false
    /// Whether any input so far was not valid in the encoding.
    private(set) var sawInvalid = false

    /// Opens `path`. A byte-order mark decides the encoding (UTF-8 EF BB BF, UTF-16 LE FF FE,
    /// UTF-16 BE FE FF) whatever `encoding` says; without one the file is `encoding` (an iconv
    /// name), or UTF-8 when that is nil. The name is checked even when a mark overrides it.
    ///
    /// - Parameter chunkBytes: the size of each read and of the UTF-8 buffer (1 MiB; tests
    ///   make it odd to split a UTF-16 code unit across the edge).
    init(path: String, encoding: String?, chunkBytes: Int = 1 << 20) throws {
        precondition(chunkBytes >= 64)
        var requested = Kind.utf8
        var converter: iconv_t?
        if let encoding {
            let key = encoding.uppercased().filter { $0 != "-" && $0 != "_" }
            switch key {
            case "UTF8": requested = .utf8
            case "UTF16LE": requested = .utf16(bigEndian: false)
            case "UTF16BE": requested = .utf16(bigEndian: true)
            default:
                let cd = iconv_open("UTF-8", encoding)
                guard let cd, cd != iconv_t(bitPattern: -1) else {
                    throw CSVReadError.unknownEncoding(file: path, name: encoding)
                }
                requested = .iconv
                converter = cd
            }
        }
        guard let file = fopen(path, "rb") else {
            if let converter { iconv_close(converter) }
            throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        isRegularFile = fstat(fileno(file), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        self.file = file
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkBytes)
        self.output = output
        outputCapacity = chunkBytes
        raw = .allocate(capacity: chunkBytes)
        rawCapacity = chunkBytes

        // The first chunk goes to `output`, as a UTF-8 file needs it; another encoding moves it.
        let first = fread(output, 1, chunkBytes, file)
        endOfFile = first < chunkBytes
        func starts(with mark: [UInt8]) -> Bool { first >= mark.count && mark.indices.allSatisfy { output[$0] == mark[$0] } }
        var kind = requested
        var markLength = 0
        if starts(with: [0xEF, 0xBB, 0xBF]) {
            kind = .utf8  // the reader skips the mark
        } else if starts(with: [0xFF, 0xFE]) {
            kind = .utf16(bigEndian: false)
            markLength = 2
        } else if starts(with: [0xFE, 0xFF]) {
            kind = .utf16(bigEndian: true)
            markLength = 2
        }
        if kind != .iconv, let cd = converter {
            iconv_close(cd)
            converter = nil
        }
        self.kind = kind
        self.converter = converter
        switch kind {
        case .utf8:
            name = "UTF-8"
            waitingFirstChunk = first
        case .utf16(let bigEndian):
            name = bigEndian ? "UTF-16BE" : "UTF-16LE"
            raw.update(from: output, count: first)
            rawStart = markLength
            rawEnd = first
        case .iconv:
            name = encoding ?? "UTF-8"
            raw.update(from: output, count: first)
            rawEnd = first
        }
    }

    deinit {
        close()
        output.deallocate()
        raw.deallocate()
    }

    func close() {
        guard !closed else { return }
        closed = true
        fclose(file)
        if let converter { iconv_close(converter) }
    }

    /// Fills `output` with the next UTF-8 bytes, the first of which has offset `outputOffset`
    /// in the stream. Returns how many; 0 at the end of the file.
    func read(outputOffset: Int) -> Int {
        if kind == .utf8 {
            if let first = waitingFirstChunk {
                waitingFirstChunk = nil
                return first
            }
            return fread(output, 1, outputCapacity, file)
        }
        if checkpoints.last.map({ outputOffset > $0.output }) ?? true {
            checkpoints.append((outputOffset, rawFileOffset + rawStart))
        }
        var produced = 0
        while produced == 0 {
            if rawEnd - rawStart < 8 && !endOfFile {
                // Keep the bytes of a character cut by the edge of the last read.
                let kept = rawEnd - rawStart
                if kept > 0 { raw.update(from: raw + rawStart, count: kept) }
                rawFileOffset += rawStart
                rawStart = 0
                let n = fread(raw + kept, 1, rawCapacity - kept, file)
                endOfFile = n < rawCapacity - kept
                rawEnd = kept + n
            }
            if rawStart == rawEnd && endOfFile { return 0 }
            switch kind {
            case .utf16(let bigEndian): produced = bigEndian ? decodeUTF16(bigEndian: true) : decodeUTF16(bigEndian: false)
            case .iconv: produced = decodeWithIconv()
            case .utf8: break
            }
        }
        return produced
    }

    /// Goes back to output offset `target` or before it; returns the offset it went to (the
    /// next `read` gives the bytes from there).
    func rewind(to target: Int) -> Int {
        var start = target
        var input = target
        if kind != .utf8 {
            // The last chunk that starts at or before `target`.
            var low = 0
            var high = checkpoints.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if checkpoints[mid].output <= target { low = mid } else { high = mid - 1 }
            }
            (start, input) = checkpoints[low]
            if let converter { iconv(converter, nil, nil, nil, nil) }
            rawStart = 0
            rawEnd = 0
            rawFileOffset = input
        }
        waitingFirstChunk = nil
        endOfFile = false
        fseeko(file, off_t(input), SEEK_SET)
        return start
    }

    // MARK: Markers for input that is not valid

    private static func hexDigit(_ value: UInt32) -> UInt8 { 0x80 | UInt8(value & 0xF) }

    /// Writes the marker for an invalid byte (`width` 1) or UTF-16 code unit (`width` 2).
    @inline(never)
    private func writeMarker(_ value: UInt32, width: Int, at o: Int) -> Int {
        sawInvalid = true
        var o = o
        output[o] = width == 1 ? 0xFE : 0xFF
        o += 1
        for shift in stride(from: width * 8 - 4, through: 0, by: -4) {
            output[o] = Self.hexDigit(value >> UInt32(shift))
            o += 1
        }
        return o
    }

    /// "byte 0xE0" or "code unit 0xD800" for the invalid input at `bytes[k]`: the byte itself
    /// in a UTF-8 stream, a marker in a transcoded one.
    static func describeInvalid(_ bytes: UnsafeBufferPointer<UInt8>, at k: Int, kind: Kind) -> String {
        func hex(_ value: UInt32, digits: Int) -> String {
            let text = String(value, radix: 16, uppercase: true)
            return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        if kind != .utf8 {
            let digits = bytes[k] == 0xFE ? 2 : bytes[k] == 0xFF ? 4 : 0
            if digits > 0, k + digits < bytes.count {
                let value = (1...digits).reduce(UInt32(0)) { $0 << 4 | UInt32(bytes[k + $1] & 0xF) }
                return digits == 2 ? "byte \(hex(value, digits: 2))" : "code unit \(hex(value, digits: 4))"
            }
        }
        return "byte \(hex(UInt32(bytes[k]), digits: 2))"
    }

    // MARK: Decoders

    /// UTF-16 to UTF-8, as much of `raw` as fits in `output`. A code unit or surrogate pair cut
    /// by the end of `raw` is left there for the next read.
    private func decodeUTF16(bigEndian: Bool) -> Int {
        let limit = outputCapacity - 8
        var o = 0
        var r = rawStart
        let end = rawEnd
        @inline(__always) func unit(_ at: Int) -> UInt32 {
            bigEndian ? UInt32(raw[at]) << 8 | UInt32(raw[at + 1]) : UInt32(raw[at]) | UInt32(raw[at + 1]) << 8
        }
        let asciiMask: UInt64 = bigEndian ? 0x80FF_80FF_80FF_80FF : 0xFF80_FF80_FF80_FF80
        while o <= limit {
            // Four ASCII code units at a time.
            while r + 8 <= end, o + 4 <= limit {
                let word = UnsafeRawPointer(raw + r).loadUnaligned(as: UInt64.self)
                guard word & asciiMask == 0 else { break }
                let low = bigEndian ? word >> 8 : word
                output[o] = UInt8(truncatingIfNeeded: low)
                output[o + 1] = UInt8(truncatingIfNeeded: low >> 16)
                output[o + 2] = UInt8(truncatingIfNeeded: low >> 32)
                output[o + 3] = UInt8(truncatingIfNeeded: low >> 48)
                o += 4
                r += 8
            }
            guard r + 2 <= end else { break }
            let u = unit(r)
            if u < 0x80 {
                output[o] = UInt8(u)
                o += 1
                r += 2
            } else if u < 0x800 {
                output[o] = UInt8(0xC0 | u >> 6)
                output[o + 1] = UInt8(0x80 | u & 0x3F)
                o += 2
                r += 2
            } else if u & 0xF800 != 0xD800 {
                output[o] = UInt8(0xE0 | u >> 12)
                output[o + 1] = UInt8(0x80 | u >> 6 & 0x3F)
                output[o + 2] = UInt8(0x80 | u & 0x3F)
                o += 3
                r += 2
            } else if u < 0xDC00 {
                // A high surrogate: its pair may be in the next read.
                guard r + 4 <= end else {
                    if !endOfFile { break }
                    o = writeMarker(u, width: 2, at: o)
                    r += 2
                    continue
                }
                let u2 = unit(r + 2)
                guard u2 & 0xFC00 == 0xDC00 else {
                    o = writeMarker(u, width: 2, at: o)
                    r += 2
                    continue
                }
                let scalar = 0x10000 + ((u - 0xD800) << 10 | (u2 - 0xDC00))
                output[o] = UInt8(0xF0 | scalar >> 18)
                output[o + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
                output[o + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
                output[o + 3] = UInt8(0x80 | scalar & 0x3F)
                o += 4
                r += 4
            } else {
                o = writeMarker(u, width: 2, at: o)  // a low surrogate alone
                r += 2
            }
        }
        if endOfFile && r + 1 == end && o <= limit {
            o = writeMarker(UInt32(raw[r]), width: 1, at: o)  // half a code unit at the end
            r += 1
        }
        rawStart = r
        return o
    }

    /// iconv to UTF-8, as much of `raw` as fits in `output`; the converter is left in its
    /// initial state.
    private func decodeWithIconv() -> Int {
        guard let converter else { return 0 }
        let reserve = 16
        var o = 0
        while outputCapacity - reserve - o >= 8 {
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(raw + rawStart).assumingMemoryBound(to: CChar.self)
            var inLeft = rawEnd - rawStart
            var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output + o).assumingMemoryBound(to: CChar.self)
            var outLeft = outputCapacity - reserve - o
            let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            let failure = errno
            rawStart = rawEnd - inLeft
            o = outputCapacity - reserve - outLeft
            if result != -1 || failure == E2BIG { break }
            if failure == EINVAL && !endOfFile { break }  // a sequence cut by the end of `raw`
            // Not valid here (or cut by the end of the file): what came before it first, then
            // a marker for its first byte.
            o = flush(converter, at: o)
            o = writeMarker(UInt32(raw[rawStart]), width: 1, at: o)
            rawStart += 1
        }
        return flush(converter, at: o)
    }

    /// Writes what the converter holds back (glibc keeps a Vietnamese base letter to compose
    /// it with a tone mark that may follow) and returns it to its initial state.
    private func flush(_ converter: iconv_t, at o: Int) -> Int {
        var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output + o).assumingMemoryBound(to: CChar.self)
        var outLeft = outputCapacity - o
        iconv(converter, nil, nil, &outPointer, &outLeft)
        return outputCapacity - outLeft
    }
}

/// Streaming check of a whole file's encoding, before any record is read: a second read of
/// the file (UTF-8: validation only, about as fast as reading; other encodings: a full
/// transcoding). Returns whether every byte is valid.
func fileIsValidText(path: String, encoding: String?) throws -> Bool {
    let source = try TextSource(path: path, encoding: encoding)
    defer { source.close() }
    var offset = 0
    if source.kind != .utf8 {
        while !source.sawInvalid {
            let n = source.read(outputOffset: offset)
            if n == 0 { break }
            offset += n
        }
        return !source.sawInvalid
    }
    return source.validateUTF8()
}

extension TextSource {
    /// Reads the rest of a UTF-8 file and returns whether all of it is well-formed (a
    /// sequence cut by the end of a chunk is checked again with the next one).
    fileprivate func validateUTF8() -> Bool {
        var n = waitingFirstChunk ?? 0
        var atEnd = endOfFile
        waitingFirstChunk = nil
        while true {
            guard let bad = UTF8Text.firstInvalid(UnsafeBufferPointer(start: output, count: n)) else {
                if atEnd { return true }
                n = fread(output, 1, outputCapacity, file)
                atEnd = n < outputCapacity
                continue
            }
            if atEnd || n - bad >= 4 { return false }
            let kept = n - bad
            output.update(from: output + bad, count: kept)
            let more = fread(output + kept, 1, outputCapacity - kept, file)
            atEnd = more < outputCapacity - kept
            n = kept + more
        }
    }
}

/// The text in Unicode normalisation form C, computed only when it may differ: when it holds
/// a combining diacritical mark (U+0300-U+036F, UTF-8 CC 80-CD AF), as Windows-1258 writes
/// tone marks.
func composedIfNeeded(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0xCC || $0 == 0xCD }) else { return text }
    return text.precomposedStringWithCanonicalMapping
}
