import Export
import Ingest
import Report
import Storage

/// Exit statuses of `pipeline` (also in `--help` and the README, with what an operator does).
public enum ExitStatus: Int32, Sendable {
    /// Everything ran and every check passed.
    case success = 0
    /// Published, but at least one sampling check failed; the cells carry their flags.
    case checksFailed = 1
    /// Published, but the input needs attention: a file wholly rejected or unreadable, a file
    /// missing from the inbox, conflicting versions of a form, rejects above the configured
    /// share, or a unit or channel without forms in the latest period.
    case needsAttention = 2
    /// The command line was wrong.
    case usage = 64
    /// The survey folder's configuration is invalid (survey.toml, units.csv, population.csv).
    case dataError = 65
    /// The survey folder, a required file or a stage's input is missing or out of date.
    case missingInput = 66
    /// A bug: an internal error, or a report that fails its own schema.
    case internalError = 70
    /// An output could not be written (disk full, no permission); the previous release stays.
    case cannotWrite = 73
    /// The working database is damaged; nothing was published.
    case corruptDatabase = 74
    /// Another run holds the survey folder's lock; nothing was done.
    case busy = 75
    /// The output folder is not one the pipeline may replace; nothing was written or deleted.
    case refusedOutput = 77
    /// Stopped by SIGINT (Ctrl-C); nothing half-done was kept.
    case interrupted = 130
    /// Stopped by SIGTERM; nothing half-done was kept.
    case terminated = 143
}

/// Errors of the stages, each mapped to an exit status.
public enum StageError: Error, CustomStringConvertible {
    case busy(lockPath: String)
    case cannotWrite(path: String, reason: String)
    case missingStageInput(String)
    /// A stage output was computed from other inputs than the current ones.
    case staleInput(String)
    case refusedOutput(path: String, reason: String)
    /// `pipeline export` asked to write into the release folder.
    case refusedExport(path: String, reason: String)
    case interrupted(signal: Int32)

    public var description: String {
        switch self {
        case .busy(let path): "another pipeline run holds \(path); try again when it has finished"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .missingStageInput(let what): what
        case .staleInput(let what): what
        case .refusedOutput(let path, let reason):
            "refusing to write the release to \(path): \(reason)"
        case .refusedExport(let path, let reason):
            "refusing to write \(path): \(reason)"
        case .interrupted(let signal):
            "stopped by \(signal == 15 ? "SIGTERM" : "SIGINT"); the database and out/ keep their previous state"
        }
    }
}

extension ExitStatus {
    /// The status for an error thrown by any layer.
    public static func `for`(_ error: Error) -> ExitStatus {
        switch error {
        case let e as StageError:
            switch e {
            case .busy: return .busy
            case .cannotWrite: return .cannotWrite
            case .missingStageInput, .staleInput: return .missingInput
            case .refusedOutput, .refusedExport: return .refusedOutput
            case .interrupted(let signal): return signal == 15 ? .terminated : .interrupted
            }
        case let e as IngestError:
            switch e {
            case .missingInput: return .missingInput
            case .invalidConfiguration, .invalidConfigurations: return .dataError
            case .unreadable: return .missingInput
            case .unwritable: return .cannotWrite
            }
        case let e as ReportError:
            if case .noEstimates = e { return .missingInput }
            // libxlsxwriter fails on its temporary files or the zip it writes: disk full, permissions.
            if case .workbook = e { return .cannotWrite }
            return .internalError
        case let e as ExportError:
            if case .write = e { return .cannotWrite }
            return .internalError
        case let e as StorageError:
            switch e {
            case .corrupt: return .corruptDatabase
            case .interrupted: return StopSignal.received == 15 ? .terminated : .interrupted
            default: return .cannotWrite
            }
        default: return .internalError
        }
    }
}
