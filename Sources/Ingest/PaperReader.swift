import Foundation
import SurveyModel


/// Reads one paper CSV file (`form_id,unit,date,q01,...,comment`) into the database.
///
/// Every record after the header ends as exactly one `accept` or `reject` (a header that
/// makes the file unreadable is rejected with the file's records, except a header over
/// `limits.columns` columns, which is the one reject of the file).
/// Reads one paper CSV file (`form_id,unit,date,q01,...,comment`, or any header the
/// configured names and aliases match) through the table logic every format shares.
struct PaperReader {
    let validator: FormValidator
    let columns: PaperColumns
    var limits = InputLimits()

    /// - Returns: the number of records read, each of them accepted or rejected once.
    @discardableResult
    func read(path: String, displayPath: String, into writer: some FormSink) throws -> Int {
        var csv = try CSVReader(path: path, encoding: columns.encoding)
        csv.maximumRecordBytes = limits.recordBytes
        csv.displayPath = displayPath
        defer { csv.close() }
        let outcome = try TableFormReader(validator: validator, layout: .paper(columns), limits: limits)
            .read(&csv, displayPath: displayPath, into: writer)
        writer.noteSkipped(outcome.skipped)
        return outcome.records
    }
}
