import Foundation
import Storage
import SurveyModel

/// Where a reader sends each record it reads: accepted as a form, or rejected with a reason
/// that says what, where and what was expected. `SurveyDatabase.FileWriter` is the real one;
/// tests record the calls.
protocol FormSink {
    func accept(_ record: ResponseRecord) throws
    func reject(line: Int, position: Int, responseID: String?, reason: String) throws
}

extension SurveyDatabase.FileWriter: FormSink {}

/// Reads one paper CSV file (`form_id,unit,date,q01,...,comment`) into the database.
///
/// Every record after the header ends as exactly one `accept` or `reject` (a header that
/// makes the file unreadable is rejected with the file's records, except a header over
/// `limits.columns` columns, which is the one reject of the file).
struct PaperReader {
    let validator: FormValidator
    let columns: PaperColumns
    var limits = InputLimits()

    /// - Returns: the number of records read, each of them accepted or rejected once.
    @discardableResult
    func read(path: String, displayPath: String, into writer: some FormSink) throws -> Int {
        var reader = try CSVReader(path: path)
        reader.maximumRecordBytes = limits.recordBytes
        defer { reader.close() }
        var records = 0
        func reject(_ line: Int, _ reason: String) throws {
            records += 1
            try writer.reject(line: line, position: 0, responseID: nil, reason: reason)
        }
        guard let header = reader.next() else { return 0 }
        let required = [columns.formID, columns.unit, columns.date] + validator.items.map(\.id)
        if let problem = header.problem, header.problemKind != .invalidUTF8 {
            // No column can be found: record the header, then every record after it.
            try reject(header.line, "header: \(problem); expected the header \(required.joined(separator: ","))")
            while let record = reader.next() {
                try reject(record.line, "not read: the file's header on line \(header.line) cannot be read")
            }
            return records
        }
        if header.fields.count > limits.columns {
            // Not a form file: one reject for the file, saying how much it holds.
            var rest = 0
            while reader.next() != nil { rest += 1 }
            try reject(
                header.line,
                "header has \(header.fields.count) columns; the limit is \(limits.columns) columns, so the file is not read "
                    + "(\(rest) records after the header left out); expected the header \(required.joined(separator: ","))")
            return records
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        reader.expectedFieldCount = names.count
        reader.columnNames = names
        var index: [String: Int] = [:]
        var repeated: [String] = []
        for (i, name) in names.enumerated() {
            if index[name] == nil { index[name] = i } else { repeated.append(name) }
        }
        let missing = required.filter { index[$0] == nil }
        if !repeated.isEmpty {
            // Which of two columns holds the answer is unknowable: read none of the rows.
            try reject(header.line, "header repeats column(s) \(repeated.joined(separator: ", ")); expected each column once")
            while let record = reader.next() {
                try reject(record.line, "not read: the file's header repeats column(s) \(repeated.joined(separator: ", "))")
            }
            return records
        }
        if !missing.isEmpty {
            // Without these columns no row can be read: record the header, then every row,
            // so that nothing in the file passes unnoticed.
            try reject(header.line, "header lacks column(s) \(missing.joined(separator: ", ")); expected \(required.joined(separator: ","))")
            while let record = reader.next() {
                try reject(record.line, "not read: the file's header lacks column(s) \(missing.joined(separator: ", "))")
            }
            return records
        }
        let answerColumns = validator.items.map { index[$0.id]! }
        while let record = reader.next() {
            if let problem = record.problem {
                try reject(record.line, problem)
                continue
            }
            guard record.fields.count == names.count else {
                try reject(record.line, "expected \(names.count) fields as in the header, found \(record.fields.count)")
                continue
            }
            records += 1
            let f = record.fields
            let answers: [RawAnswer?] = answerColumns.map { .text(f[$0]) }
            let raw = RawForm(
                responseID: f[index[columns.formID]!], unit: f[index[columns.unit]!], date: f[index[columns.date]!],
                isTimestamp: false, dossierCode: nil, comment: index[columns.comment].map { f[$0] },
                answers: answers)
            switch validator.validate(raw, path: displayPath, line: record.line, channel: .paper) {
            case .success(let response): try writer.accept(response)
            case .failure(let rejection):
                try writer.reject(line: record.line, position: 0, responseID: rejection.responseID, reason: rejection.reason)
            }
        }
        return records
    }
}
