import Ingest
import Report
import Storage

/// Exit statuses of `pipeline` (also in `--help` and the README).
public enum ExitStatus: Int32, Sendable {
    /// Everything ran and every check passed.
    case success = 0
    /// Everything ran and the outputs were written, but at least one check failed;
    /// the affected cells are published with their flags.
    case checksFailed = 1
    /// The command line was wrong.
    case usage = 64
    /// The survey folder's configuration is invalid (survey.toml, units.csv, population.csv).
    case dataError = 65
    /// The survey folder, a required file or a stage's input is missing.
    case missingInput = 66
    /// A bug: an internal error, or a report that fails its own schema.
    case internalError = 70
    /// An output could not be written.
    case cannotWrite = 73
    /// Another run holds the survey folder's lock; nothing was done.
    case busy = 75
}

/// Errors of the stages, each mapped to an exit status.
public enum StageError: Error, CustomStringConvertible {
    case busy(lockPath: String)
    case cannotWrite(path: String, reason: String)
    case missingStageInput(String)

    public var description: String {
        switch self {
        case .busy(let path): "another pipeline run holds \(path); try again when it has finished"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .missingStageInput(let what): what
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
            case .missingStageInput: return .missingInput
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
            return .internalError
        case is StorageError: return .cannotWrite
        default: return .internalError
        }
    }
}
