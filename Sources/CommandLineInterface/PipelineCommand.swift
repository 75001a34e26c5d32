import ArgumentParser
import Logging
import Stages
import SurveyModel


public struct PipelineCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Citizen-satisfaction (SIPAS) survey statistics: from forms to a validated report.",
        discussion: """
            A survey folder holds survey.toml, units.csv, population.csv (optional) and the inbox
            (inbox/paper/*.csv, inbox/portal/*.jsonl and *.json). `run` does every stage; each stage
            can also be run alone. Logs go to standard error; summaries to standard output.

            EXIT STATUS
              0   success, every check passed
              1   success, outputs written, but at least one check failed (cells are flagged)
              64  usage error (bad command line)
              65  invalid survey configuration (survey.toml, units.csv, population.csv)
              66  missing input (no survey folder, no forms ingested, no estimates yet)
              70  internal error, or a report that fails its own XSD (nothing is published)
              73  an output could not be written
              75  another run holds the survey folder's lock; nothing was done
            """,
        version: programVersion,
        subcommands: [RunCommand.self, IngestCommand.self, CheckCommand.self, StatsCommand.self, ReportCommand.self]
    )
}

/// Options every stage takes.
struct CommonOptions: ParsableArguments {
    @Argument(help: "The survey folder (with survey.toml).")
    var folder: String

    @Option(name: .long, help: "Output folder for the release (default: FOLDER/out).")
    var out: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)'; expected trace, debug, info, notice, warning, error or critical")
        }
    }

    func makeLogger(_ label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "pipeline.\(label)")
    }

    /// Runs a stage body, mapping any error to its documented exit status.
    func perform<T>(_ stage: String, _ body: (Logger) throws -> T) throws -> T {
        let logger = makeLogger(stage)
        do {
            return try body(logger)
        } catch let error as ExitCode {
            throw error
        } catch {
            let status = ExitStatus.for(error)
            logger.error("\(stage) failed: \(error)")
            throw ExitCode(status.rawValue)
        }
    }
}

extension Language: ExpressibleByArgument {}

/// Options of the commands that write reports (`run`, `report`).
struct ReportOptions: ParsableArguments {
    @Option(help: "Report language: vi or en (default: survey.toml's language).")
    var lang: Language?

    @Option(help: "Release date for the report, yyyy-mm-dd (default: the latest form date).")
    var releaseDate: String?

    func validate() throws {
        if let releaseDate, !ReleaseDate.isValid(releaseDate) {
            throw ValidationError("--release-date '\(releaseDate)' is not a date; expected yyyy-mm-dd, such as 2024-12-31")
        }
    }
}

/// Checks `--release-date`: a real calendar date written yyyy-mm-dd.
enum ReleaseDate {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1
        else { return false }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }
}

/// The commands whose help text is kept as golden files.
public let allCommands: [any ParsableCommand.Type] = [
    PipelineCommand.self, RunCommand.self, IngestCommand.self, CheckCommand.self, StatsCommand.self, ReportCommand.self,
]
