import Foundation
import Ingest

/// Where a release may go. The pipeline only ever replaces a folder it can prove is one of
/// its own releases (it holds `manifest.json` of sipas-pipeline and nothing but release
/// files), never the survey folder, a folder that contains it, or one inside `inbox/` or
/// `work/`; anything else is refused and nothing is deleted.
enum OutputFolder {
    /// Names a release may hold.
    static var ownNames: Set<String> { Set(Pipeline.releaseFiles + ["manifest.json"]) }

    /// Where a release in `url` really goes: `url` itself, or when `url` is a symbolic link
    /// (a web server's folder, say), the folder it points to, followed link by link. The
    /// release is swapped in beside that folder and the link is left as it is.
    static func followingLinks(_ url: URL) -> URL {
        var current = url.standardizedFileURL
        for _ in 0..<16 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current.path) else { return current }
            current = destination.hasPrefix("/")
                ? URL(fileURLWithPath: destination).standardizedFileURL
                : current.deletingLastPathComponent().appendingPathComponent(destination).standardizedFileURL
        }
        return current
    }

    /// The path with symbolic links resolved as far as it exists.
    static func resolved(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        var path = existing.resolvingSymlinksInPath().path
        for part in rest { path = (path as NSString).appendingPathComponent(part) }
        return path
    }

    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }

    /// Refuses an output folder that is not safe to replace; returns nil when it is fine.
    /// - Parameters:
    ///   - digests: also check that every release file still has the digest its manifest
    ///     lists (before the folder is replaced; a stage that only writes its own files, or a
    ///     first look before the work, checks the rest).
    ///   - trusted: release file → "identity sha256" recorded when it was last found intact
    ///     (`meta` `release_identities`): a file with that identity is not hashed again.
    static func problem(out: URL, surveyRoot: URL, digests: Bool = false, trusted: [String: String] = [:]) -> String? {
        let target = resolved(out)
        let root = resolved(surveyRoot)
        if target == root { return "it is the survey folder itself; choose a folder of its own, such as \(root)/out" }
        if isInside(root, target) { return "it contains the survey folder; choose a folder of its own, such as \(root)/out" }
        for inner in ["inbox", "work"] where isInside(target, (root as NSString).appendingPathComponent(inner)) {
            return "it is inside the survey folder's \(inner)/; choose another folder, such as \(root)/out"
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return "it is a file, not a folder; nothing was changed" }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).sorted()
        if names.isEmpty { return nil }
        guard let listed = manifestFiles(target) else {
            return "it holds files the pipeline did not write (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", ..." : "")) and no release manifest; choose an empty or new folder"
        }
        let foreign = names.filter { !ownNames.contains($0) && !isOwnTemporary($0) }
        if !foreign.isEmpty {
            return "it holds files that are not part of a release (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", ..." : "")); move them elsewhere, the release replaces the whole folder"
        }
        // Every entry, at every depth, is a file the manifest lists with its digest: a folder,
        // a link or an edited file under a release's name is not the pipeline's to delete.
        for name in names where name != "manifest.json" && !isOwnTemporary(name) {
            let path = (target as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                return "\(name) in it is not a file the pipeline wrote (a folder or a link); move it elsewhere, the release replaces the whole folder"
            }
            guard let expected = listed[name] else {
                return "\(name) in it is not listed in its manifest.json; move it elsewhere, the release replaces the whole folder"
            }
            guard digests else { continue }
            let identity = FileIdentity.of(path: path)
            if !identity.isEmpty, trusted[name] == "\(identity) \(expected)" { continue }
            guard let (sha, _) = try? FileHash.sha256(path: path), sha == expected else {
                return "\(name) in it differs from the release that manifest.json describes (edited since?); move it elsewhere, the release replaces the whole folder"
            }
        }
        var info = stat()
        if stat(target, &info) == 0, info.st_mode & S_IWUSR == 0 {
            return "it is read-only; make it writable (chmod u+w) or choose another folder"
        }
        return nil
    }

    /// The files a manifest of this program in `path` lists, with their SHA-256; nil when
    /// there is no such manifest.
    static func manifestFiles(_ path: String) -> [String: String]? {
        let manifest = (path as NSString).appendingPathComponent("manifest.json")
        var info = stat()
        guard lstat(manifest, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
            let data = FileManager.default.contents(atPath: manifest),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["program"] as? String == "sipas-pipeline",
            let files = object["files"] as? [[String: Any]]
        else { return nil }
        var listed: [String: String] = [:]
        for entry in files {
            guard let name = entry["file"] as? String, let sha = entry["sha256"] as? String else { return nil }
            listed[name] = sha
        }
        return listed
    }

    /// A file half-written by `AtomicFile` (`.NAME.tmp-PID`) under a release's name.
    static func isOwnTemporary(_ name: String) -> Bool {
        guard name.hasPrefix("."), let range = name.range(of: ".tmp-") else { return false }
        return ownNames.contains(String(name[name.index(after: name.startIndex)..<range.lowerBound]))
    }

    /// Whether a leftover staging folder holds nothing but release files (so it may go).
    /// (Half-written files are `.NAME.tmp-PID`, as `AtomicFile` names them.)
    static func isOwnStaging(_ path: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.allSatisfy { name in
            var info = stat()
            let path = (path as NSString).appendingPathComponent(name)
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
            return ownNames.contains(name) || isOwnTemporary(name)
        }
    }
}
