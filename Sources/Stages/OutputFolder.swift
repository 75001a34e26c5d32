import Foundation

/// Where a release may go. The pipeline only ever replaces a folder it can prove is one of
/// its own releases (it holds `manifest.json` of sipas-pipeline and nothing but release
/// files), never the survey folder, a folder that contains it, or one inside `inbox/` or
/// `work/`; anything else is refused and nothing is deleted.
enum OutputFolder {
    /// Names a release may hold.
    static var ownNames: Set<String> { Set(Pipeline.releaseFiles + ["manifest.json"]) }

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
    static func problem(out: URL, surveyRoot: URL) -> String? {
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
        guard isOwnRelease(target) else {
            return "it holds files the pipeline did not write (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", ..." : "")) and no release manifest; choose an empty or new folder"
        }
        let foreign = names.filter { !ownNames.contains($0) }
        if !foreign.isEmpty {
            return "it holds files that are not part of a release (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", ..." : "")); move them elsewhere, the release replaces the whole folder"
        }
        var info = stat()
        if stat(target, &info) == 0, info.st_mode & S_IWUSR == 0 {
            return "it is read-only; make it writable (chmod u+w) or choose another folder"
        }
        return nil
    }

    /// Whether a folder holds a manifest written by this program.
    static func isOwnRelease(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: (path as NSString).appendingPathComponent("manifest.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return false }
        return object["program"] as? String == "sipas-pipeline"
    }

    /// Whether a leftover staging folder holds nothing but release files (so it may go).
    /// (Half-written files are `.NAME.tmp-PID`, as `AtomicFile` names them.)
    static func isOwnStaging(_ path: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.allSatisfy { name in
            if ownNames.contains(name) { return true }
            guard name.hasPrefix("."), let range = name.range(of: ".tmp-") else { return false }
            return ownNames.contains(String(name[name.index(after: name.startIndex)..<range.lowerBound]))
        }
    }
}
