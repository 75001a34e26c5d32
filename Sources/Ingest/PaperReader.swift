import Foundation
import Storage
import SurveyModel

/// Where a reader sends each record it reads: accepted as a form, or rejected with a reason
/// that says what, where and what was expected. `SurveyDatabase.FileWriter` is the real one;
/// tests record the calls.
protocol FormSink {
    func accept(_ record: ResponseRecord) throws
    func reject(line: Int, position: Int, responseID: String?, reason: String) throws
    /// Rows that are not forms (title, blank and footer rows of a table): counted, not rejected.
    func noteSkipped(_ count: Int)
    /// A portal answer key that names no item (reported once per file, with its count).
    func noteUnknownAnswerKey(_ key: String)
    /// A form rejected as dated `isoDate`, after the day of the ingest (the file is read
    /// again once that day has come).
    func noteDatedAfterToday(_ isoDate: String)
}

extension FormSink {
    func noteSkipped(_ count: Int) {}
    func noteUnknownAnswerKey(_ key: String) {}
    func noteDatedAfterToday(_ isoDate: String) {}
}

extension SurveyDatabase.FileWriter: FormSink {}

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
