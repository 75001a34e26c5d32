import GRDB

/// Errors of the storage layer.
public enum StorageError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case sqlite(path: String, reason: String)
    /// The file is not a sound SQLite database (damaged, truncated, or not a database).
    case corrupt(path: String, detail: String)
    /// The disk is full or the file cannot be written.
    case full(path: String, reason: String)
    /// A stop was requested (SIGINT or SIGTERM); nothing of the unfinished transaction was kept.
    case interrupted
    /// A stored value that no release writes (a damaged or hand-edited database): decoding
    /// fails naming the table and column instead of guessing a default.
    case undecodable(table: String, column: String, value: String, row: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the database: \(reason)"
        case .sqlite(let path, let reason): "\(path): database error: \(reason)"
        case .corrupt(let path, let detail):
            "\(path) is damaged (\(detail)); nothing was published from it. Keep it for inspection "
                + "(mv \(path) \(path).damaged) and run `pipeline run` again to rebuild it from the inbox; "
                + "forms of files no longer in the inbox cannot be rebuilt"
        case .full(let path, let reason): "\(path): cannot write: \(reason); free some space and run again"
        case .interrupted: "stopped by a signal; the database keeps its previous state"
        case .undecodable(let table, let column, let value, let row):
            "\(table).\(column) of \(row) holds '\(value)', which no release writes; the database was edited or is damaged: "
                + "move it aside and run `pipeline run` again to rebuild it from the inbox"
        }
    }

    /// Maps SQLite's result codes to what an operator must do.
    static func classify(_ error: Error, path: String, action: String) -> StorageError {
        if let e = error as? StorageError { return e }
        guard let db = error as? DatabaseError else {
            return action == "open" ? .cannotOpen(path: path, reason: "\(error)") : .sqlite(path: path, reason: "\(error)")
        }
        switch db.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt(path: path, detail: db.message ?? "\(db.resultCode)")
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return .full(path: path, reason: db.message ?? "\(db.resultCode)")
        default:
            return action == "open" ? .cannotOpen(path: path, reason: db.description) : .sqlite(path: path, reason: db.description)
        }
    }
}
