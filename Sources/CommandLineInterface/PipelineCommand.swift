import ArgumentParser
import Foundation
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

            The last line on standard output sums up what happened (for cron mail).

            EXIT STATUS
              0   success, every check passed
              1   published, but at least one sampling check failed (cells are flagged)
              2   the input needs attention: a file wholly rejected or unreadable, a
                  file missing from the inbox, conflicting versions of a form, too many
                  rejects, a unit or channel without forms in the latest quarter (the
                  summary line says which); published, except on a damaged night, whose
                  release waits in work/pending for `pipeline publish`
              64  usage error (bad command line)
              65  invalid survey configuration (survey.toml, units.csv, population.csv)
              66  missing or out-of-date input (no forms ingested; a stage to run first)
              70  internal error, or a report that fails its own XSD (nothing is published)
              73  an output could not be written (disk full, permissions); previous release kept
              74  work/pipeline.sqlite is damaged; nothing was published
              75  another run holds the survey folder's lock; nothing was done
              77  --out is not a folder the pipeline may replace (something in it is not
                  a file of the release its manifest lists); nothing was written
              130 stopped by SIGINT, 143 by SIGTERM; nothing half-done was kept
            """,
        version: programVersion,
        subcommands: [RunCommand.self, IngestCommand.self, CheckCommand.self, StatsCommand.self, ReportCommand.self, PublishCommand.self, ReplaceCommand.self, InitCommand.self, ExportCommand.self]
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

    @Option(name: .long, help: "Log format on standard error: text, or json (one object per event).")
    var logFormat: String = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)'; expected trace, debug, info, notice, warning, error or critical")
        }
        guard ["text", "json"].contains(logFormat) else {
            throw ValidationError("--log-format '\(logFormat)'; expected text or json")
        }
    }

    func makeLogger(_ label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = EscapingLogHandler(base: StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        return Logger(label: "pipeline.\(label)")
    }

    /// Pipeline options: progress lines only when standard error is a terminal (never under cron).
    func pipelineOptions(force: Bool = false) -> PipelineOptions {
        var options = PipelineOptions()
        options.force = force
        if isatty(2) == 1 && logFormat == "text" {
            options.progress = { line in
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            }
        }
        return options
    }

    /// Runs a stage body, mapping any error to its documented exit status; SIGINT and
    /// SIGTERM stop the stage cleanly.
    func perform<T>(_ stage: String, _ body: (Logger) throws -> T) throws -> T {
        let logger = makeLogger(stage)
        StopSignal.install()
        do {
            let result = try body(logger)
            if isatty(2) == 1 && logFormat == "text" { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            return result
        } catch let error as ExitCode {
            throw error
        } catch {
            let status = ExitStatus.for(error)
            logger.error("\(stage) failed: \(error)")
            print("\(stage) FAILED (exit \(status.rawValue)): \(String(describing: error).split(separator: "\n").first ?? "")")
            throw ExitCode(status.rawValue)
        }
    }
}

/// Ends a command with its verdict's exit status (0 returns normally).
func finish(_ verdict: Verdict) throws {
    let status = verdict.exitStatus
    if status != .success { throw ExitCode(status.rawValue) }
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
    PublishCommand.self, ReplaceCommand.self, InitCommand.self, ExportCommand.self,
]
