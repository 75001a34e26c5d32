import Foundation
@testable import Ingest
import Storage
import SurveyModel

/// Records every accept and reject, in order, for the accounting check.
final class RecordingFormSink: FormSink {
    struct Outcome {
        var line: Int
        var position: Int
        var accepted: Bool
        var reason: String?
    }

    private(set) var outcomes: [Outcome] = []

    func accept(_ record: ResponseRecord) throws {
        outcomes.append(Outcome(line: record.line, position: record.position, accepted: true))
    }

    func reject(line: Int, position: Int, responseID: String?, reason: String) throws {
        outcomes.append(Outcome(line: line, position: position, accepted: false, reason: reason))
    }
}

/// What one input did: an outcome (a short signature, so that distinct behaviours can be
/// counted) or a broken invariant.
enum CheckResult {
    case outcome(String)
    case failure(String)
}

/// Runs one reader on one input and checks what every reader promises, whatever the bytes:
/// it ends within a row budget, its rows' lines rise, it throws only its documented errors,
/// and every record it reads ends as exactly one accept or reject.
struct InvariantChecker {
    let reader: FuzzedReader
    let folder: SurveyFolder
    let validator: FormValidator

    init(reader: FuzzedReader, surveyFolder: String) throws {
        self.reader = reader
        folder = try SurveyFolder.load(surveyFolder)
        validator = FormValidator(survey: folder.survey, units: folder.units)
    }

    /// Checks the input written at `path` (`bytes` are its contents); `portalLayout` chooses
    /// the column names a table is read with (paper or portal).
    func check(path: String, bytes: [UInt8], portalLayout: Bool) -> CheckResult {
        do {
            switch reader {
            case .json: return try checkPortal(path: path, bytes: bytes)
            case .csv:
                return try checkTable(bytes: bytes, portalLayout: false, rowBudget: bytes.count + 2) {
                    try CSVReader(path: path)
                }
            case .xlsx:
                return try checkTables(bytes: bytes, portalLayout: portalLayout, rowBudget: XLSXReader.maximumRows + 1) {
                    try XLSXReader(path: path, sheets: nil)
                }
            case .html:
                return try checkTables(bytes: bytes, portalLayout: portalLayout, rowBudget: bytes.count + 2) {
                    try HTMLTableReader(path: path)
                }
            }
        } catch let error as TableReadError {
            return .outcome("throws " + Self.caseName(error))
        } catch let error as CSVReadError {
            return .outcome("throws " + Self.caseName(error))
        } catch let error as IngestError {
            return .outcome("throws " + Self.caseName(error))
        } catch {
            return .failure("undocumented error \(type(of: error)): \(error)")
        }
    }

    static func caseName(_ error: some Error) -> String {
        // The enum case, without its payload (which names the temporary file).
        Mirror(reflecting: error).children.first?.label ?? String(describing: error)
    }

    /// A reason with its numbers and quoted values taken out, so that outcomes group by kind.
    static func shape(_ reason: String) -> String {
        var out = ""
        var inQuote = false
        for c in reason.prefix(48) {
            if c == "\"" || c == "'" { inQuote.toggle(); continue }
            if inQuote || c.isNumber { continue }
            out.append(c)
        }
        return out
    }

    private func signature(_ prefix: String, _ sink: RecordingFormSink) -> String {
        let kinds = Set(sink.outcomes.map { $0.accepted ? "accept" : Self.shape($0.reason ?? "") })
        return prefix + " " + kinds.sorted().joined(separator: " | ")
    }

    private func checkTable<R: TableReader>(
        bytes: [UInt8], portalLayout: Bool, rowBudget: Int, open: () throws -> R
    ) throws -> CheckResult {
        // Pass 1: the rows as the reader yields them.
        var rows = 0
        var lines = Set<Int>()
        var last = 0
        do {
            var reader = try open()
            defer { (reader as? CSVReader)?.close() }
            while let row = try reader.next() {
                rows += 1
                if rows > rowBudget { return .failure("runaway: more than \(rowBudget) rows from \(bytes.count) bytes") }
                if row.line < 1 { return .failure("row \(rows) has line \(row.line)") }
                if row.line <= last { return .failure("row \(rows) has line \(row.line) after line \(last): lines must rise") }
                last = row.line
                lines.insert(row.line)
            }
        }
        // Pass 2: the same rows through the table logic every format shares.
        let layout: TableLayout = portalLayout ? .portal(folder.survey.portalFields) : .paper(folder.survey.paperColumns)
        let table = TableFormReader(validator: validator, layout: layout)
        let sink = RecordingFormSink()
        var reader = try open()
        defer { (reader as? CSVReader)?.close() }
        let outcome = try table.read(&reader, displayPath: "f", into: sink)
        let outcomes = sink.outcomes
        if outcome.records != outcomes.count {
            return .failure("the table logic counted \(outcome.records) records and made \(outcomes.count) accepts or rejects")
        }
        for (a, b) in zip(outcomes, outcomes.dropFirst()) where b.line <= a.line {
            return .failure("two outcomes out of order or on one row: line \(a.line) then line \(b.line)")
        }
        if outcomes.contains(where: { $0.position != 0 || $0.line < 1 }) {
            return .failure("an outcome at line < 1 or position != 0: \(outcomes.map { ($0.line, $0.position) })")
        }
        // A CSV reader told the header splits records differently from pass 1; sheets and
        // HTML tables do not, so there every outcome is on a row and every row is counted.
        if reader is CSVReader {
            let lastLine = Self.lineCount(bytes)
            if let bad = outcomes.first(where: { $0.line > lastLine }) {
                return .failure("outcome on line \(bad.line) of a file of \(lastLine) lines")
            }
        } else {
            if let bad = outcomes.first(where: { !lines.contains($0.line) }) {
                return .failure("outcome on line \(bad.line), which is no row the reader yielded")
            }
            let overColumnLimit = outcomes.count == 1 && outcomes[0].reason?.contains("columns; the limit is") == true
            let unaccounted = rows - outcome.records - outcome.skipped
            if !overColumnLimit && unaccounted != 0 && unaccounted != 1 {
                return .failure("\(rows) rows, \(outcome.records) records and \(outcome.skipped) skipped: \(unaccounted) rows unaccounted")
            }
        }
        return .outcome(signature("rows", sink))
    }

    /// Every sheet of a workbook, every table of a page, as the ingest reads them: each table's
    /// rows rise and carry its name, and each table through the table logic accounts for them.
    private func checkTables<R: MultiTableReader>(
        bytes: [UInt8], portalLayout: Bool, rowBudget: Int, open: () throws -> R
    ) throws -> CheckResult {
        // Pass 1: the rows of every table as the reader yields them.
        var rows = 0
        var lines: [Set<Int>] = []
        do {
            var reader = try open()
            while try reader.nextTable() {
                if lines.count > rowBudget { return .failure("runaway: more than \(rowBudget) tables from \(bytes.count) bytes") }
                var last = 0
                var here = Set<Int>()
                while let row = try reader.next() {
                    rows += 1
                    if rows > rowBudget { return .failure("runaway: more than \(rowBudget) rows from \(bytes.count) bytes") }
                    if row.line < 1 { return .failure("table \(lines.count + 1) row \(rows) has line \(row.line)") }
                    if row.line <= last { return .failure("table \(lines.count + 1): line \(row.line) after line \(last): lines must rise") }
                    if row.sheet != reader.tableName {
                        return .failure("a row of table \(lines.count + 1) names \(row.sheet ?? "no table"), the reader \(reader.tableName ?? "none")")
                    }
                    last = row.line
                    here.insert(row.line)
                }
                lines.append(here)
            }
            if try reader.nextTable() { return .failure("a table after the last") }
        }
        // Pass 2: each table through the table logic every format shares.
        let layout: TableLayout = portalLayout ? .portal(folder.survey.portalFields) : .paper(folder.survey.paperColumns)
        let table = TableFormReader(validator: validator, layout: layout)
        var reader = try open()
        var index = 0
        var kinds = Set<String>()
        while try reader.nextTable() {
            guard index < lines.count else { return .failure("more tables the second time than the first (\(lines.count))") }
            let sink = RecordingFormSink()
            let outcome = try table.read(&reader, displayPath: "f", into: sink)
            let outcomes = sink.outcomes
            if outcome.records != outcomes.count {
                return .failure("table \(index + 1): the table logic counted \(outcome.records) records and made \(outcomes.count) accepts or rejects")
            }
            for (a, b) in zip(outcomes, outcomes.dropFirst()) where b.line <= a.line {
                return .failure("table \(index + 1): two outcomes out of order or on one row: line \(a.line) then line \(b.line)")
            }
            if let bad = outcomes.first(where: { !lines[index].contains($0.line) || $0.position != 0 }) {
                return .failure("table \(index + 1): outcome on line \(bad.line), position \(bad.position), which is no row the reader yielded")
            }
            let overColumnLimit = outcomes.count == 1 && outcomes[0].reason?.contains("columns; the limit is") == true
            let unaccounted = lines[index].count - outcome.records - outcome.skipped
            if !overColumnLimit && unaccounted != 0 && unaccounted != 1 {
                return .failure("table \(index + 1): \(lines[index].count) rows, \(outcome.records) records and \(outcome.skipped) skipped: \(unaccounted) rows unaccounted")
            }
            if outcome.rowsWithoutForms != nil && (outcome.records != 0 || outcome.headerFound) {
                return .failure("table \(index + 1): skipped as holding no form, yet \(outcome.records) records")
            }
            kinds.formUnion(outcomes.map { $0.accepted ? "accept" : Self.shape($0.reason ?? "") })
            index += 1
        }
        if index != lines.count { return .failure("\(index) tables the second time, \(lines.count) the first") }
        return .outcome("tables \(min(index, 3))+ " + kinds.sorted().joined(separator: " | "))
    }

    private func checkPortal(path: String, bytes: [UInt8]) throws -> CheckResult {
        let portal = PortalReader(validator: validator, fields: folder.survey.portalFields)
        let lastLine = Self.lineCount(bytes)
        var signatures: [String] = []
        for array in [false, true] {
            let sink = RecordingFormSink()
            let seen: Int
            do {
                seen = try array
                    ? portal.readArray(path: path, displayPath: "a.json", into: sink)
                    : portal.readLines(path: path, displayPath: "o.jsonl", into: sink)
            } catch let error as IngestError {
                signatures.append((array ? "array" : "lines") + " throws " + Self.caseName(error))
                continue
            }
            let outcomes = sink.outcomes
            let mode = array ? "array" : "lines"
            if seen != outcomes.count {
                return .failure("\(mode): the reader saw \(seen) records and made \(outcomes.count) accepts or rejects")
            }
            var keys = Set<[Int]>()
            for o in outcomes where !keys.insert([o.line, o.position]).inserted {
                return .failure("\(mode): two outcomes at line \(o.line), position \(o.position)")
            }
            if let bad = outcomes.first(where: { $0.line < 1 || $0.line > lastLine }) {
                return .failure("\(mode): outcome on line \(bad.line) of \(lastLine)")
            }
            for (a, b) in zip(outcomes, outcomes.dropFirst()) where array ? b.line < a.line : b.line <= a.line {
                return .failure("\(mode): lines go back or repeat: \(a.line) then \(b.line)")
            }
            if array, !(outcomes.count == 1 && outcomes[0].position == 0),
               outcomes.map(\.position) != outcomes.indices.map({ $0 + 1 }) {
                return .failure("array: positions \(outcomes.map(\.position).prefix(20)) do not run 1, 2, ...")
            }
            signatures.append(signature(mode, sink))
        }
        return .outcome(signatures.joined(separator: " / "))
    }

    /// The physical lines of `bytes` (LF, CRLF or a lone CR end one), as the readers count them.
    static func lineCount(_ bytes: [UInt8]) -> Int {
        var line = 1
        for j in bytes.indices where bytes[j] == 0x0A || (bytes[j] == 0x0D && (j + 1 == bytes.count || bytes[j + 1] != 0x0A)) {
            line += 1
        }
        return line
    }
}
