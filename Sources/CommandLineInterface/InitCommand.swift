import ArgumentParser
import Stages

/// `pipeline init FOLDER`: a survey folder to start from.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a survey folder: survey.toml of the common provincial instrument (a template to check against your form), units.csv with group and lineage columns, population.csv's header, the inbox folders. Never overwrites.")

    @Argument(help: "The survey folder to make (new, or empty).")
    var folder: String

    func run() throws {
        do {
            let written = try SurveyFolderTemplate.write(to: folder)
            for name in written { print("  \(folder)/\(name)") }
            print("init OK (exit 0); wrote a survey folder in \(folder): check survey.toml against your form, list your units in units.csv, then put forms in inbox/ and run `pipeline run \(folder)`")
        } catch {
            print("init FAILED: \(error)")
            throw ExitCode(ExitStatus.for(error).rawValue)
        }
    }
}
