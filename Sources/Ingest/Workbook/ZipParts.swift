import Foundation
import ZIPFoundation

/// Limits on what one workbook may inflate to. A zip bomb (an entry that inflates to
/// gigabytes, or whose declared size lies) stops at these, with memory held fixed.
struct WorkbookLimits: Sendable {
    /// Bytes one part (sheet, shared strings, styles) may inflate to.
    var part: Int64 = XLSXReader.maximumPartSize
    /// Bytes all parts read from one workbook may inflate to.
    var total: Int64 = XLSXReader.maximumWorkbookSize
    /// Entries of the shared-string table (each is held in memory).
    var sharedStrings: Int = XLSXReader.maximumSharedStrings
}

/// Where an entry's data is, and what it should inflate to.
struct ZipEntryLocation: Sendable {
    var path: String
    var method: UInt16
    var crc32: UInt32
    var compressedSize: Int64
    var declaredSize: Int64
    var dataOffset: Int64
}

/// The entries of a zip archive, listed by ZIPFoundation and located by reading the central
/// directory once more for the one thing ZIPFoundation does not expose: where each entry's
/// data starts. We need it to inflate from a bounded range.
///
/// Why not `Archive.extract`: in ZIPFoundation 0.9.20 on Linux, `Data.decode` reads chunks
/// until zlib reports the end of the stream, whatever the entry's compressed size says. A
/// deflate stream that never ends (five crafted bytes) makes it read past the entry to the end
/// of the file and then loop there for ever; it also tells zlib each chunk holds `bufferSize`
/// bytes even when the last one is shorter, so it inflates uninitialised memory. We call its
/// public `Data.decompress` with a provider that never returns short chunks and throws once the
/// entry's bytes are used up.
struct ZipDirectory {
    let file: String
    let url: URL
    private(set) var entries: [String: ZipEntryLocation] = [:]
    /// Entry paths, lower-cased, to find a part whose name differs only in case (OPC part
    /// names are case-insensitive).
    private var lowercased: [String: String] = [:]

    init(path: String) throws {
        file = path
        url = URL(fileURLWithPath: path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TableReadError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        switch TableFileKind.sniff(head) {
        case .zipWorkbook: break
        case .compoundDocument: throw TableReadError.encryptedOrBinaryWorkbook(file: path)
        case .html: throw TableReadError.notAWorkbook(file: path, reason: "it is an HTML page (read it as an HTML table)")
        case .other:
            throw TableReadError.notAWorkbook(file: path, reason: head.isEmpty ? "the file is empty" : "it is not a zip archive")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw TableReadError.notAWorkbook(file: path, reason: "the zip archive is damaged or truncated (\(error))")
        }
        let located = try Self.locate(handle: handle, file: path)
        var listed: [Entry] = []
        for entry in archive { listed.append(entry) }
        guard listed.count == located.count else {
            throw TableReadError.notAWorkbook(
                file: path, reason: "the zip directory lists \(located.count) entries but \(listed.count) can be read (damaged or truncated)")
        }
        for (entry, var location) in zip(listed, located) {
            guard UInt64(location.compressedSize) == entry.compressedSize,
                  UInt64(location.declaredSize) == entry.uncompressedSize,
                  location.crc32 == entry.checksum else {
                throw TableReadError.notAWorkbook(file: path, reason: "the zip directory is inconsistent at entry \"\(entry.path)\"")
            }
            location.path = entry.path
            try Self.checkName(entry.path, file: path)
            if entries[entry.path] != nil {
                throw TableReadError.unsafeEntry(file: path, entry: entry.path, reason: "appears twice, so which one is read is ambiguous")
            }
            entries[entry.path] = location
            lowercased[entry.path.lowercased()] = entry.path
        }
    }

    /// The entry for a part name (`xl/workbook.xml`), matched exactly, then ignoring case.
    func entry(_ part: String) -> ZipEntryLocation? {
        if let entry = entries[part] { return entry }
        return lowercased[part.lowercased()].flatMap { entries[$0] }
    }

    /// Refuses names that could write outside a folder if anyone unzipped the file.
    static func checkName(_ name: String, file: String) throws {
        if name.hasPrefix("/") || name.hasPrefix("\\") {
            throw TableReadError.unsafeEntry(file: file, entry: name, reason: "has an absolute path")
        }
        let scalars = Array(name.unicodeScalars.prefix(2))
        if scalars.count == 2, scalars[1] == ":", scalars[0].properties.isAlphabetic {
            throw TableReadError.unsafeEntry(file: file, entry: name, reason: "has a drive letter (an absolute Windows path)")
        }
        let segments = name.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if segments.contains("..") {
            throw TableReadError.unsafeEntry(file: file, entry: name, reason: "climbs out of its folder with \"..\"")
        }
        if name.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw TableReadError.unsafeEntry(file: file, entry: name, reason: "has a NUL character in its name")
        }
    }

    // MARK: Central directory

    private static func locate(handle: FileHandle, file: String) throws -> [ZipEntryLocation] {
        func bad(_ reason: String) -> TableReadError {
            .notAWorkbook(file: file, reason: "the zip archive is damaged (\(reason))")
        }
        func read(_ offset: Int64, _ count: Int) throws -> [UInt8] {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw bad("it ends early") }
            return [UInt8](data)
        }
        let size = Int64(try handle.seekToEnd())
        let tailCount = Int(min(size, 22 + 65_535))
        let tail = try read(size - Int64(tailCount), tailCount)
        guard let end = stride(from: tailCount - 22, through: 0, by: -1).first(where: { tail.u32($0) == 0x0605_4B50 }) else {
            throw bad("no end-of-directory record")
        }
        var count = Int64(tail.u16(end + 10))
        var directorySize = Int64(tail.u32(end + 12))
        var directoryOffset = Int64(tail.u32(end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locatorAt = size - Int64(tailCount) + Int64(end) - 20
            guard locatorAt >= 0 else { throw bad("no ZIP64 locator") }
            let locator = try read(locatorAt, 20)
            guard locator.u32(0) == 0x0706_4B50 else { throw bad("no ZIP64 locator") }
            let record = try read(Int64(locator.u64(8)), 56)
            guard record.u32(0) == 0x0606_4B50 else { throw bad("no ZIP64 end-of-directory record") }
            count = Int64(record.u64(32))
            directorySize = Int64(record.u64(40))
            directoryOffset = Int64(record.u64(48))
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset + directorySize <= size,
              directorySize <= 64 << 20, count <= directorySize / 46 else {
            throw bad("the directory is out of bounds")
        }
        let directory = try read(directoryOffset, Int(directorySize))
        var locations: [ZipEntryLocation] = []
        var at = 0
        for _ in 0..<count {
            guard at + 46 <= directory.count, directory.u32(at) == 0x0201_4B50 else { throw bad("a directory record is missing") }
            let flags = directory.u16(at + 8)
            let method = directory.u16(at + 10)
            var compressed = Int64(directory.u32(at + 20))
            var uncompressed = Int64(directory.u32(at + 24))
            let nameLength = Int(directory.u16(at + 28))
            let extraLength = Int(directory.u16(at + 30))
            let commentLength = Int(directory.u16(at + 32))
            var header = Int64(directory.u32(at + 42))
            guard at + 46 + nameLength + extraLength + commentLength <= directory.count else { throw bad("a directory record is cut short") }
            let name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extended information: the 64-bit values of the fields that are all ones.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = directory.u16(extra), length = Int(directory.u16(extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { uncompressed = Int64(directory.u64(field)); field += 8 }
                    if compressed == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { compressed = Int64(directory.u64(field)); field += 8 }
                    if header == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { header = Int64(directory.u64(field)) }
                }
                extra += 4 + length
            }
            if flags & 0x0001 != 0 {
                throw TableReadError.unsafeEntry(file: file, entry: name, reason: "is encrypted (a password-protected zip)")
            }
            guard compressed >= 0, uncompressed >= 0, header >= 0, header + 30 <= size else { throw bad("entry \"\(name)\" is out of bounds") }
            let local = try read(header, 30)
            guard local.u32(0) == 0x0403_4B50 else { throw bad("entry \"\(name)\" has no local header") }
            let dataOffset = header + 30 + Int64(local.u16(26)) + Int64(local.u16(28))
            guard dataOffset + compressed <= size else { throw bad("entry \"\(name)\" runs past the end of the file") }
            locations.append(ZipEntryLocation(
                path: name, method: method, crc32: directory.u32(at + 16), compressedSize: compressed,
                declaredSize: uncompressed, dataOffset: dataOffset))
            at += 46 + nameLength + extraLength + commentLength
        }
        return locations
    }
}

extension [UInt8] {
    fileprivate func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    fileprivate func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    fileprivate func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}

/// Bytes inflated so far from one workbook, shared by the parts read from it.
final class InflationBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var used: Int64 = 0
    let limit: Int64
    init(limit: Int64) { self.limit = limit }

    /// Adds `count` bytes; false once the total passes the limit.
    func spend(_ count: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        used += Int64(count)
        return used <= limit
    }
}

/// One zip entry, inflated on a helper thread into a small bounded queue and read from the
/// other end by libxml2's streaming reader: memory stays at a few chunks whatever the size of
/// the part, and inflating overlaps parsing.
final class InflatingPipe: @unchecked Sendable {
    static let chunkSize = 64 * 1024
    static let queuedChunks = 4

    let part: String
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [Data] = []
    private var finished = false
    private var cancelled = false
    private var failure: TableReadError?
    // Used by the reading side only:
    private var current = Data()
    private var currentOffset = 0
    private var gate = PrologGate()
    /// Set when the bytes before the root element hold a DOCTYPE or an entity declaration:
    /// they were refused before libxml2 saw them.
    private(set) var refusedDoctype = false

    private struct Cancelled: Error {}

    init(directory: ZipDirectory, entry: ZipEntryLocation, limits: WorkbookLimits, budget: InflationBudget) throws {
        part = entry.path
        let file = directory.file
        if entry.declaredSize > limits.part {
            throw TableReadError.partTooLarge(file: file, part: entry.path, limit: limits.part)
        }
        guard entry.method == 0 || entry.method == 8 else {
            throw TableReadError.unsafeEntry(
                file: file, entry: entry.path,
                reason: "uses compression method \(entry.method), where a workbook uses deflate (8) or none (0)")
        }
        let thread = Thread { [self] in
            produce(path: file, entry: entry, limits: limits, budget: budget)
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the helper thread (it ends at its next chunk) when the reader is done early.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Why reading stopped, if it stopped on an error.
    var error: TableReadError? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Copies up to `count` bytes into `buffer`: the byte count, 0 at the end, -1 on an error.
    func read(into buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        if currentOffset == current.count {
            condition.lock()
            while queue.isEmpty && !finished { condition.wait() }
            if queue.isEmpty {
                let failed = failure != nil
                condition.unlock()
                return failed ? -1 : 0
            }
            current = queue.removeFirst()
            condition.signal()
            condition.unlock()
            currentOffset = 0
        }
        let n = min(count, current.count - currentOffset)
        current.withUnsafeBytes { raw in
            let source = raw.baseAddress!.advanced(by: currentOffset)
            UnsafeMutableRawPointer(buffer).copyMemory(from: source, byteCount: n)
        }
        currentOffset += n
        if !gate.isOpen {
            let passed = buffer.withMemoryRebound(to: UInt8.self, capacity: n) { gate.scan($0, count: n) }
            if !passed {
                refusedDoctype = true
                return -1
            }
        }
        return n
    }

    /// The helper thread's error, after letting it run for up to `chunks` more chunks (libxml2
    /// may stop on garbage that the inflater is about to report as the real cause).
    func error(drainingUpTo chunks: Int) -> TableReadError? {
        condition.lock()
        defer { condition.unlock() }
        var drained = 0
        while !finished && drained < chunks {
            if queue.isEmpty {
                condition.wait()
            } else {
                queue.removeFirst()
                drained += 1
                condition.signal()
            }
        }
        return finished ? failure : nil
    }

    private func push(_ data: Data) throws {
        guard !data.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.queuedChunks && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        queue.append(data)
        condition.signal()
    }

    private func finish(_ error: TableReadError?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    private func produce(path: String, entry: ZipEntryLocation, limits: WorkbookLimits, budget: InflationBudget) {
        func damaged(_ problem: String) -> TableReadError {
            .malformedPart(file: path, part: entry.path, line: nil, problem: problem)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            finish(.unreadable(file: path, reason: String(cString: strerror(errno))))
            return
        }
        defer { try? handle.close() }
        var inflated: Int64 = 0
        var overLimit: TableReadError?
        let consume: Consumer = { [self] data in
            inflated += Int64(data.count)
            if inflated > limits.part {
                overLimit = .partTooLarge(file: path, part: entry.path, limit: limits.part)
                throw Cancelled()
            }
            if !budget.spend(data.count) {
                overLimit = .workbookTooLarge(file: path, limit: budget.limit)
                throw Cancelled()
            }
            try push(data)
        }
        var remaining = entry.compressedSize
        var ranPast = false
        do {
            try handle.seek(toOffset: UInt64(entry.dataOffset))
            var checksum: CRC32 = 0
            if entry.method == 0 {
                while remaining > 0 {
                    let chunk = try handle.read(upToCount: Int(min(remaining, Int64(Self.chunkSize)))) ?? Data()
                    if chunk.isEmpty { throw damaged("the file ends inside this part") }
                    remaining -= Int64(chunk.count)
                    checksum = chunk.crc32(checksum: checksum)
                    try consume(chunk)
                }
            } else {
                // Chunks are always as long as asked (ZIPFoundation hands zlib the asked length),
                // padded with 0xFF, which zlib reads as an invalid block once the real data is done;
                // asking after the entry's last byte means the stream did not end where it should.
                let provide: Provider = { _, size in
                    guard remaining > 0 else {
                        ranPast = true
                        throw Cancelled()
                    }
                    var chunk = try handle.read(upToCount: Int(min(remaining, Int64(size)))) ?? Data()
                    if chunk.isEmpty { throw Cancelled() }
                    remaining -= Int64(chunk.count)
                    if chunk.count < size { chunk.append(Data(repeating: 0xFF, count: size - chunk.count)) }
                    return chunk
                }
                checksum = try Data.decompress(
                    size: entry.compressedSize, bufferSize: Self.chunkSize, skipCRC32: false,
                    provider: provide, consumer: consume)
            }
            guard checksum == entry.crc32 else {
                throw damaged("its checksum does not match the zip directory")
            }
            finish(nil)
        } catch let error as TableReadError {
            finish(error)
        } catch is Cancelled {
            if let overLimit { finish(overLimit) }
            else if ranPast { finish(damaged("the compressed data does not end where the zip directory says")) }
            else { finish(damaged("the compressed data is cut short")) }
        } catch {
            finish(damaged("the compressed data cannot be inflated (\(error))"))
        }
    }
}

/// Watches the bytes before an XML part's root element: an XML declaration, processing
/// instructions, comments and whitespace may come there; `<!DOCTYPE` (and with it any entity
/// declaration) may not. NUL bytes are skipped, so UTF-16 parts are watched too.
struct PrologGate {
    private enum State { case text, lessThan, bang, instruction(question: Bool), comment(dashes: Int), open }
    private var state = State.text
    var isOpen: Bool { if case .open = state { return true } else { return false } }

    /// Scans the next bytes; false when they hold a forbidden declaration.
    mutating func scan(_ bytes: UnsafePointer<UInt8>, count: Int) -> Bool {
        for i in 0..<count {
            let byte = bytes[i]
            if byte == 0 { continue }
            switch state {
            case .open:
                return true
            case .text:
                if byte == UInt8(ascii: "<") { state = .lessThan }
            case .lessThan:
                if byte == UInt8(ascii: "?") { state = .instruction(question: false) }
                else if byte == UInt8(ascii: "!") { state = .bang }
                else { state = .open }
            case .bang:
                if byte == UInt8(ascii: "-") { state = .comment(dashes: 0) } else { return false }
            case .instruction(let question):
                state = byte == UInt8(ascii: ">") && question ? .text : .instruction(question: byte == UInt8(ascii: "?"))
            case .comment(let dashes):
                if byte == UInt8(ascii: ">") && dashes >= 2 { state = .text }
                else { state = .comment(dashes: byte == UInt8(ascii: "-") ? dashes + 1 : 0) }
            }
        }
        return true
    }
}
