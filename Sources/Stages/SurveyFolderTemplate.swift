import Foundation
import Ingest

/// `pipeline init FOLDER`: a survey folder to start from (issue 17), instead of copying the
/// example: survey.toml of the common provincial instrument, commented and marked as a
/// template to check against the province's form; units.csv with the group and lineage
/// columns (example rows, a 2025 merger among them); population.csv's header; the inbox
/// folders with their archive folders. Nothing that exists is overwritten.
public enum SurveyFolderTemplate {
    /// The files written, relative to the folder, in order.
    public static let files = ["survey.toml", "units.csv", "population.csv"]
    public static let folders = ["inbox/paper/archive", "inbox/portal/archive"]

    /// Writes the template into `path` (made if missing); returns what it wrote.
    @discardableResult
    public static func write(to path: String) throws -> [String] {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        let taken = (files + ["inbox", "work", "out"]).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        guard taken.isEmpty else {
            throw StageError.cannotWrite(
                path: root.path, reason: "it already holds \(taken.joined(separator: ", ")); `pipeline init` writes only into a new or empty survey folder")
        }
        var written: [String] = []
        do {
            for folder in folders {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
                written.append(folder + "/")
            }
            for name in files {
                guard let source = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources/init") else {
                    throw StageError.cannotWrite(path: name, reason: "the template is missing from the program's resources")
                }
                try FileManager.default.copyItem(at: source, to: root.appendingPathComponent(name))
                written.append(name)
            }
        } catch let error as StageError {
            throw error
        } catch {
            throw StageError.cannotWrite(path: root.path, reason: "\(error)")
        }
        return written
    }
}
