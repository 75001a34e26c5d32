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
    private var line: [UInt8] = []
    /// `scope,unit,period,` of the last row and what it was made from: a cell's rows come
    /// together, so most rows copy it instead of encoding three texts again.
    private var prefix: [UInt8] = []
    private var prefixOf: (scope: Scope, unit: String, period: String)?

    /// - Parameters: work, published: where each copy goes (nil: not written).
    init(work: String?, published: String?) throws {
        self.work = try work.map { try StreamingFile($0) }
        do { self.published = try published.map { try StreamingFile($0) } } catch {
            self.work?.abandon()
            throw error
        }
        line.reserveCapacity(128)
        let header = Array((EstimateRow.csvHeader + "\n").utf8)
        try self.work?.append(header)
        try self.published?.append(header)
    }

    /// One row; `shown` is the value of the public copy (nil: `NA`).
    func write(_ row: EstimateRow, shown: Double?) throws {
        // Built in a local buffer, swapped back at the end: each access to a class's stored
        // property is checked for exclusivity, a dozen times a row otherwise.
        var line: [UInt8] = []
        swap(&line, &self.line)
        defer { swap(&line, &self.line) }
        line.removeAll(keepingCapacity: true)
        // Field by field, not through an array of the texts (an allocation per row).
        let comma = UInt8(ascii: ",")
        if let last = prefixOf, last.scope == row.scope, last.unit == row.unit, last.period == row.period {
            line.append(contentsOf: prefix)
        } else {
            line.appendUTF8(row.scope.rawValue)
            line.append(comma)
            line.appendUTF8(row.unit)
            line.append(comma)
            line.appendUTF8(row.period)
            line.append(comma)
            prefix = line
            prefixOf = (row.scope, row.unit, row.period)
        }
        line.appendUTF8(row.subject)
        line.append(comma)
        line.appendUTF8(row.statistic)
        line.append(comma)
        line.appendUTF8(row.method)
        line.append(comma)
        let prefix = line.count
        Self.append(row.value, to: &line)
        line.append(UInt8(ascii: "\n"))
        try work?.append(line)
        guard let published else { return }
        if shown == row.value {
            try published.append(line)
        } else {
            line.removeSubrange(prefix...)
            Self.append(shown, to: &line)
            line.append(UInt8(ascii: "\n"))
            try published.append(line)
        }
    }

    /// `NumberText.g12`, straight into bytes.
    static func append(_ value: Double?, to bytes: inout [UInt8]) {
        guard let value, value.isFinite else {
            bytes.append(contentsOf: [UInt8(ascii: "N"), UInt8(ascii: "A")])
            return
        }
        NumberText.appendG12(value, to: &bytes)
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
