/// Why a survey folder cannot be used. Every case names the file and, where there is one,
/// the line, and says what was expected.
public enum IngestError: Error, CustomStringConvertible, Equatable {
    /// The survey folder or one of its required files is missing.
    case missingInput(path: String, expected: String)
    /// A configuration file (survey.toml, units.csv, population.csv) is invalid.
    case invalidConfiguration(file: String, line: Int?, problem: String)
    /// Several problems in configuration files, all reported at once.
    case invalidConfigurations([IngestError])
    /// Reading a file failed at the operating-system level.
    case unreadable(path: String, reason: String)
    /// Writing a file or folder failed.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingInput(let path, let expected):
            return "\(path): not found; expected \(expected)"
        case .invalidConfiguration(let file, let line, let problem):
            if let line { return "\(file):\(line): \(problem)" }
            return "\(file): \(problem)"
        case .invalidConfigurations(let errors):
            return errors.map(\.description).joined(separator: "\n")
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
