import CShims
import Foundation
import Ingest
import Stats
import Storage
import SurveyModel

/// `estimates.csv` written as the rows come, each line formatted once: every value in the
/// statistician's copy (`work/`), the public copy with suppressed values `NA`. Each file
/// appears whole, or not at all (a temporary name, renamed on `commit`).
final class EstimatesCSV {
    private var work: StreamingFile?
    private var published: StreamingFile?
    /// The line being made: raw memory written through a pointer (appending to an array
    /// checks its capacity and uniqueness at every field, a fifth of this writer's work).
    private var line: UnsafeMutablePointer<UInt8>
    private var capacity = 256
    /// `scope,unit,period,` of the last row and what it was made from: a cell's rows come
    /// together, so most rows copy it instead of encoding three texts again.
    private var prefix: [UInt8] = []
    private var prefixOf: (scope: Scope, unit: String, period: String)?

    /// - Parameters: work, published: where each copy goes (nil: not written).
    init(work: String?, published: String?) throws {
        line = .allocate(capacity: capacity)
        self.work = try work.map { try StreamingFile($0) }
        do { self.published = try published.map { try StreamingFile($0) } } catch {
            self.work?.abandon()
            throw error
        }
        let header = Array((EstimateRow.csvHeader + "\n").utf8)
        try self.work?.append(header)
        try self.published?.append(header)
    }

    deinit { line.deallocate() }

    /// One row; `shown` is the value of the public copy (nil: `NA`).
    func write(_ row: EstimateRow, shown: Double?) throws {
        let comma = UInt8(ascii: ",")
        if prefixOf == nil || prefixOf!.scope != row.scope || prefixOf!.unit != row.unit || prefixOf!.period != row.period {
            prefix.removeAll(keepingCapacity: true)
            prefix.appendUTF8(row.scope.rawValue)
            prefix.append(comma)
            prefix.appendUTF8(row.unit)
            prefix.append(comma)
            prefix.appendUTF8(row.period)
            prefix.append(comma)
            prefixOf = (row.scope, row.unit, row.period)
        }
        // The longest the line can be: the texts, three commas, a number (at most 32 bytes) and
        // the line end.
        let most = prefix.count + row.subject.utf8.count + row.statistic.utf8.count + row.method.utf8.count + 36
        if most > capacity {
            line.deallocate()
            capacity = max(most, 2 * capacity)
            line = .allocate(capacity: capacity)
        }
        var n = prefix.withUnsafeBufferPointer { Self.put($0, at: line) }
        n += Self.put(row.subject, at: line + n)
        line[n] = comma
        n += 1
        n += Self.put(row.statistic, at: line + n)
        line[n] = comma
        n += 1
        n += Self.put(row.method, at: line + n)
        line[n] = comma
        n += 1
        let valueStart = n
        n += Self.put(row.value, at: line + n)
        line[n] = UInt8(ascii: "\n")
        n += 1
        try work?.append(UnsafeBufferPointer(start: line, count: n))
        guard let published else { return }
        if shown != row.value {
            n = valueStart + Self.put(shown, at: line + valueStart)
            line[n] = UInt8(ascii: "\n")
            n += 1
        }
        try published.append(UnsafeBufferPointer(start: line, count: n))
    }

    /// Copies bytes to `out`; returns how many.
    private static func put(_ bytes: UnsafeBufferPointer<UInt8>, at out: UnsafeMutablePointer<UInt8>) -> Int {
        if let base = bytes.baseAddress { out.update(from: base, count: bytes.count) }
        return bytes.count
    }

    /// Copies a text's UTF-8 to `out`; returns how many bytes.
    private static func put(_ text: String, at out: UnsafeMutablePointer<UInt8>) -> Int {
        var text = text
        return text.withUTF8 { put($0, at: out) }
    }

    /// `NumberText.g12` of a value (`NA` for nil or not finite) to `out` (32 bytes); returns
    /// how many bytes.
    private static func put(_ value: Double?, at out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let value, value.isFinite else {
            out[0] = UInt8(ascii: "N")
            out[1] = UInt8(ascii: "A")
            return 2
        }
        return NumberText.g12(value, into: out)
    }

    /// `NumberText.g12` of a value appended, `NA` for nil or not finite (as a line writes it).
    static func append(_ value: Double?, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let n = put(value, at: buffer.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: n))
        }
    }

    /// Flushes both copies and renames them into place.
    func commit() throws {
        try work?.commit()
        try published?.commit()
    }

    /// Removes what was written (an error or a stop before `commit`).
    func abandon() {
        work?.abandon()
        published?.abandon()
    }
}

/// A file written through a buffer to a temporary name beside its place, renamed into place
/// by `commit` (readers see the old content or the new, never a part).
final class StreamingFile {
    let path: String
    private let temporary: String
    private var fd: Int32
    private var buffer: [UInt8] = []

    init(_ path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw IngestError.unwritable(path: folder.path, reason: "\(error)")
        }
        temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IngestError.unwritable(path: temporary, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try append($0) }
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw IngestError.unwritable(path: temporary, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func commit() throws {
        try flush()
        fsync(fd)
        close(fd)
        fd = -1
        FaultInjection.point("atomic.before_rename")
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw IngestError.unwritable(path: path, reason: "cannot rename into place: \(reason)")
        }
    }

    func abandon() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temporary)
    }

    deinit { if fd >= 0 { close(fd); unlink(temporary) } }
}
