import Foundation
import Ingest
import Storage

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

