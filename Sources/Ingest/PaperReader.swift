import Foundation
import Storage
import SurveyModel

/// Reads one paper CSV file (`form_id,unit,date,q01,...,comment`) into the database.
struct PaperReader {
    let validator: FormValidator
    let columns: PaperColumns

    func read(path: String, displayPath: String, into writer: SurveyDatabase.FileWriter) throws {
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        guard let header = reader.next() else { return }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        var repeated: [String] = []
        for (i, name) in names.enumerated() {
            if index[name] == nil { index[name] = i } else { repeated.append(name) }
        }
        let required = [columns.formID, columns.unit, columns.date] + validator.items.map(\.id)
        let missing = required.filter { index[$0] == nil }
        if !repeated.isEmpty {
            // Which of two columns holds the answer is unknowable: read none of the rows.
            let reason = "header repeats column(s) \(repeated.joined(separator: ", ")); expected each column once"
            try writer.reject(line: header.line, responseID: nil, reason: reason)
            while let record = reader.next() {
                try writer.reject(line: record.line, responseID: nil, reason: "not read: the file's header repeats column(s) \(repeated.joined(separator: ", "))")
            }
            return
        }
        if !missing.isEmpty {
            // Without these columns no row can be read: record the header, then every row,
            // so that nothing in the file passes unnoticed.
            let reason = "header lacks column(s) \(missing.joined(separator: ", ")); expected \(required.joined(separator: ","))"
            try writer.reject(line: header.line, responseID: nil, reason: reason)
            while let record = reader.next() {
                try writer.reject(line: record.line, responseID: nil, reason: "not read: the file's header lacks column(s) \(missing.joined(separator: ", "))")
            }
            return
        }
        let answerColumns = validator.items.map { index[$0.id]! }
        while let record = reader.next() {
            if let problem = record.problem {
                try writer.reject(line: record.line, responseID: nil, reason: problem)
                continue
            }
            guard record.fields.count == names.count else {
                try writer.reject(
                    line: record.line, responseID: nil,
                    reason: "expected \(names.count) fields as in the header, found \(record.fields.count)")
                continue
            }
            let f = record.fields
            let answers: [RawAnswer?] = answerColumns.map { .text(f[$0]) }
            let raw = RawForm(
                responseID: f[index[columns.formID]!], unit: f[index[columns.unit]!], date: f[index[columns.date]!],
                isTimestamp: false, dossierCode: nil, comment: index[columns.comment].map { f[$0] },
                answers: answers)
            switch validator.validate(raw, path: displayPath, line: record.line, channel: .paper) {
            case .success(let response): try writer.accept(response)
            case .failure(let rejection):
                try writer.reject(line: record.line, responseID: rejection.responseID, reason: rejection.reason)
            }
        }
    }
}
