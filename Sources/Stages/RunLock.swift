import CShims
import Foundation

/// An exclusive advisory lock on `work/pipeline.lock`, held for the life of the object.
/// The kernel releases it when the process ends, so a crashed run never leaves it stuck.
public final class RunLock {
    private let fd: Int32
    public let path: String

    public init(directory: URL) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw StageError.cannotWrite(path: directory.path, reason: "\(error)")
        }
        path = directory.appendingPathComponent("pipeline.lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StageError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        if cshims_try_lock(fd) != 0 {
            close(fd)
            throw StageError.busy(lockPath: path)
        }
        let pid = "\(getpid())\n"
        ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit { close(fd) }
}
