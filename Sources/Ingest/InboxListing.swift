#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SurveyModel

/// One entry of `inbox/paper/` or `inbox/portal/`, with why it cannot be read (if so).
public struct InboxEntry: Sendable, Hashable {
    /// Path relative to the survey folder, as shown in every account (`inbox/paper/a.csv`);
    /// bytes that are not valid UTF-8 are shown as `\xNN`.
    public var relative: String
    /// Path to open (the resolved real path); empty when the entry cannot be opened.
    public var absolute: String
    public var channel: Channel
    public var format: InboxFormat
    /// Set when the file cannot be read; it is then reported as a file-level reject.
    public var problem: String?
}

/// The formats the inbox folders take.
public enum InboxFormat: String, Sendable {
    /// A CSV table (`.csv`), in either inbox.
    case csv
    /// An Excel workbook (`.xlsx`), in either inbox.
    case workbook
    /// A `.xls` download: an HTML table or a workbook, told apart by its first bytes.
    case xls
    /// Portal JSON Lines (`.jsonl`) and JSON arrays (`.json`).
    case jsonLines, jsonArray
    case unsupported
}

/// Lists the inbox without trusting it: names that are not UTF-8 or carry control
/// characters, symbolic links that are broken or leave the survey folder, and anything that
/// is not a regular file (a FIFO, a device, a socket) become entries with a `problem`, so
/// that each is reported and none blocks or hangs the others. Hidden names (`.x`) and
/// sub-folders are skipped (sub-folders with a warning by the caller).
enum InboxListing {
    /// The folder of a channel's inbox whose files (at any depth) are read like the
    /// channel's own: where files are archived, their forms still counted.
    public static let archiveFolder = "archive"

    /// The largest inbox file read (bigger files are one reject naming the limit).
    static let maximumFileBytes = 4 << 30

    static func list(root: String, folders: [(name: String, channel: Channel)]) -> (entries: [InboxEntry], folders: [String]) {
        var entries: [InboxEntry] = []
        var subfolders: [String] = []
        let realRoot = realPath(root) ?? root
        // The channels' folders, and in each its `archive/` folder with every folder inside
        // it: files archived there keep counting (a file moved there is found by its bytes,
        // `Ingester`), other sub-folders are not read.
        var queue = folders.map { (name: $0.name, channel: $0.channel, archived: false, depth: 0) }
        while !queue.isEmpty {
            let (name, channel, archived, depth) = queue.removeFirst()
            let dirPath = root + "/inbox/" + name
            guard let dir = opendir(dirPath) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let bytes: [UInt8] = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: UInt8.self, capacity: 256) { Array(UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)))) }
                }
                if bytes.first == UInt8(ascii: ".") { continue }
                var shown = displayName(bytes)
                // A name with a control character (a tab or a line break too) is shown escaped
                // everywhere and not read: printed raw it could forge a log line.
                let control = shown.text.unicodeScalars.first { PlainText.needsEscape($0) }
                if control != nil { shown.text = PlainText.escaped(shown.text) }
                let relative = "inbox/\(name)/\(shown.text)"
                let format = Self.format(of: shown.text, channel: channel)
                var item = InboxEntry(relative: relative, absolute: "", channel: channel, format: format, problem: nil)
                if !shown.valid {
                    item.problem = "the file name is not valid UTF-8; rename the file (letters, digits, '-', '_')"
                    entries.append(item)
                    continue
                }
                if let scalar = control {
                    item.problem = "the file name contains \(PlainText.describe(scalar)); rename the file"
                    entries.append(item)
                    continue
                }
                let full = dirPath + "/" + shown.text
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    if (archived || shown.text == archiveFolder), shown.valid, control == nil, depth < 8 {
                        queue.append((name + "/" + shown.text, channel, true, depth + 1))
                    } else {
                        subfolders.append(relative)
                    }
                    continue
                }
                guard let resolved = realPath(full) else {
                    item.problem = "cannot be opened: \(String(cString: strerror(errno))) (a broken link?); restore the file or remove the entry"
                    entries.append(item)
                    continue
                }
                if !(resolved == realRoot || resolved.hasPrefix(realRoot + "/")) {
                    item.problem = "a link to \(resolved), outside the survey folder; copy the file into the inbox instead"
                    entries.append(item)
                    continue
                }
                if format == .unsupported {
                    let expected = channel == .paper ? "*.csv, *.xlsx or *.xls" : "*.jsonl, *.json, *.csv, *.xlsx or *.xls"
                    item.problem = "not a format the pipeline reads; expected \(expected) in inbox/\(name)/"
                    entries.append(item)
                    continue
                }
                item.absolute = resolved
                entries.append(item)
            }
        }
        entries.sort { $0.relative.utf8.lexicographicallyPrecedes($1.relative.utf8) }
        return (entries, subfolders.sorted())
    }

    static func format(of name: String, channel: Channel) -> InboxFormat {
        let ext = name.split(separator: ".").count > 1 ? name.split(separator: ".").last!.lowercased() : ""
        switch (channel, ext) {
        case (_, "csv"): return .csv
        case (_, "xlsx"), (_, "xlsm"): return .workbook
        case (_, "xls"): return .xls
        case (.online, "jsonl"): return .jsonLines
        case (.online, "json"): return .jsonArray
        default: return .unsupported
        }
    }

    /// The name as text, with bytes that are not UTF-8 shown as `\xNN`.
    static func displayName(_ bytes: [UInt8]) -> (text: String, valid: Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, true) }
        var out = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F { out.unicodeScalars.append(UnicodeScalar(b)) } else {
                let hex = Array("0123456789abcdef")
                out += "\\x\(hex[Int(b >> 4)])\(hex[Int(b & 15)])"
            }
        }
        return (out, false)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens an inbox file for reading without blocking (a FIFO must not hang the run) and
    /// checks, on the open descriptor, that it is a regular file of bounded size.
    /// - Returns: the descriptor, or the problem.
    /// - Returns: the descriptor and the file's identity (`FileIdentity`).
    static func openRegularFile(_ path: String, settledFor: Double = FileIdentity.settling) -> Result<(fd: Int32, identity: String), FileProblem> {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileProblem("cannot be opened: \(String(cString: strerror(errno)))")) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            return .failure(FileProblem("cannot be examined: \(String(cString: strerror(errno)))"))
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(fd)
            let kind = type == S_IFIFO ? "a named pipe (FIFO)" : type == S_IFCHR || type == S_IFBLK ? "a device" : type == S_IFSOCK ? "a socket" : "not a regular file"
            return .failure(FileProblem("is \(kind), not a file; remove it from the inbox"))
        }
        guard Int(info.st_size) <= maximumFileBytes else {
            close(fd)
            return .failure(FileProblem("is \(info.st_size) bytes; the limit is \(maximumFileBytes) bytes for one inbox file; split it"))
        }
        // Reads from here on may block as on any file.
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return .success((fd, FileIdentity.of(info, settledFor: settledFor)))
    }
}

/// Device, inode, size and the modification and status-change times (in nanoseconds) of a
/// file: any write to it changes the status-change time, which no program can set back, so
/// a file with the identity recorded when it was last read holds the bytes read then, and
/// a night with nothing new need not hash the inbox again. (`--force` hashes every file.)
///
/// File times advance in steps (a few milliseconds here, up to two seconds on FAT), so a
/// file changed just now could be changed again within the same step and keep its times:
/// like git's "racily clean" entries, a file whose status changed less than `settling`
/// seconds ago gets no identity (empty), and is hashed again next time.
public enum FileIdentity {
    public static let settling = 5.0

    /// The identity of the file at `path` (following links), or "" when it cannot be
    /// stat'ed or changed less than `settledFor` seconds ago (its times may still move).
    public static func of(path: String, settledFor: Double = settling) -> String {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return "" }
        return of(info, settledFor: settledFor)
    }

    static func of(_ info: stat, settledFor: Double) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age = Double(now.tv_sec - info.st_ctim.tv_sec) + Double(now.tv_nsec - info.st_ctim.tv_nsec) / 1e9
        guard age >= settledFor else { return "" }
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }
}

struct FileProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
