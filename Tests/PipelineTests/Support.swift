import Foundation
import Logging
import Stages

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A fresh copy of a fixture survey folder in a temporary directory.
func copyFixture(_ name: String) throws -> URL {
    let target = FileManager.default.temporaryDirectory
        .appendingPathComponent("sipas-test-\(UUID().uuidString)")
        .appendingPathComponent(name)
    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
    try copyFolder(repositoryRoot.appendingPathComponent("fixtures/\(name)"), to: target)
    return target
}

/// A survey folder copied without what a pipeline run left in it (`out/`, `work/`, from
/// `make run` in the working tree): those are never part of a fixture, and on the fault
/// tests' small tmpfs they would not even fit.
func copyFolder(_ source: URL, to target: URL) throws {
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "out" && name != "work" {
        try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
    }
}

/// A tidy estimates file as key → value text.
func readEstimates(_ path: String) throws -> [String: String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var values: [String: String] = [:]
    for line in text.split(separator: "\n").dropFirst() {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 7 else { continue }
        values[fields[0..<6].joined(separator: ",")] = String(fields[6])
    }
    return values
}

func statisticKey(_ key: String) -> String {
    key.split(separator: ",", omittingEmptySubsequences: false)[4...5].joined(separator: ",")
}

/// Every file of a release folder, by name.
func releaseContents(_ dir: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
        files[name] = try Data(contentsOf: dir.appendingPathComponent(name))
    }
    return files
}
