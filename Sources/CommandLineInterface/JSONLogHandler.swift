import Foundation
import Stages
import Logging

/// `--log-format json`: one JSON object per event on standard error, for log collectors:
/// `{"time": "...", "level": "info", "logger": "pipeline.run", "message": "...", ...metadata}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", ISO8601DateFormatter().string(from: Date())), ("level", event.level.rawValue), ("logger", label),
            ("message", "\(event.message)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() where !["time", "level", "logger", "message"].contains(key) {
            fields.append((key, "\(merged[key]!)"))
        }
        let line = "{" + fields.map { "\(Self.quote($0.0)): \(Self.quote($0.1))" }.joined(separator: ", ") + "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ s: String) -> String { JSONText.quoted(s) }
}
