import Crypto
import Foundation
import Storage

/// SHA-256 of files and bytes, in lower-case hex.
public enum FileHash {
    /// Hashes a file in 1 MiB chunks.
    public static func sha256(path: String) throws -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestError.unreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw IngestError.unreadable(path: path, reason: "\(error)")
            }
            if chunk.isEmpty { break }
            total += chunk.count
            hasher.update(data: chunk)
        }
        return (hex(hasher.finalize()), total)
    }

    /// Hashes what an open descriptor holds, from its current offset, in 1 MiB chunks.
    public static func sha256(descriptor fd: Int32, path: String) throws -> (hex: String, bytes: Int) {
        var hasher = SHA256()
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            total += n
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return (hex(hasher.finalize()), total)
    }

    public static func sha256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Writes a file so that readers see the old content or the new, never a part.
public enum AtomicFile {
    /// Writes to a temporary name in the same folder, flushes, then renames into place.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw IngestError.unwritable(path: folder.path, reason: "\(error)")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            do { try data.write(to: temporary, options: []) } catch {
                throw IngestError.unwritable(path: temporary.path, reason: "\(error)")
            }
            let fd = open(temporary.path, O_RDONLY)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
            FaultInjection.point("atomic.before_rename")
            if rename(temporary.path, path) != 0 {
                throw IngestError.unwritable(path: path, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}

