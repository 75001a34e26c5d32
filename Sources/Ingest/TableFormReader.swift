import Foundation
import SurveyModel

/// Column names as people type them: NFC, trimmed, case-folded, runs of spaces and
/// underscores alike (`Form Id`, `FORM_ID` and ` form  id ` are all `form_id`).
enum HeaderName {
    static func key(_ text: String) -> String {
        var out = ""
        var separator = false
        for scalar in text.precomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            if scalar == "_" || scalar.properties.isWhitespace || scalar == "\u{A0}" {
                separator = !out.isEmpty
            } else {
                if separator { out += "_" }
                separator = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Which columns a table input has: the form's fields by their configured names and
/// aliases, and one column per answered item (by its id).
struct TableLayout {
    var formID: [String]
    var unit: [String]
    var date: [String]
    var dossier: [String]
    var comment: [String]
    var dateIsTimestamp: Bool
    var channel: Channel

    static func paper(_ c: PaperColumns) -> TableLayout {
        TableLayout(
            formID: c.names("form_id", c.formID), unit: c.names("unit", c.unit), date: c.names("date", c.date), dossier: [],
            comment: c.names("comment", c.comment), dateIsTimestamp: false, channel: .paper)
    }

    static func portal(_ f: PortalFields) -> TableLayout {
        TableLayout(
            formID: f.names("id", f.id), unit: f.names("unit", f.unit), date: f.names("submitted_at", f.submittedAt),
            dossier: f.names("dossier_code", f.dossierCode), comment: f.names("comment", f.comment), dateIsTimestamp: true,
            channel: .online)
    }
}

/// Turns the rows of any table (CSV, workbook sheet, HTML table) into forms or rejects: one
/// header logic and one row logic for every format, so a new format is one `TableReader`.
///
/// - The header is the first of the first `headerSearchRows` rows where every required
///   column (form id, unit, date, each answered item) is found, by name or alias after
///   `HeaderName` normalisation, in that row or the row above it (a header merged over two
///   rows). Title rows above it are skipped and counted, never rejected as forms.
/// - After the header, blank rows and footer rows (no form id, and a first cell such as
///   "Tổng số", "Cộng", "Người lập biểu") are skipped and counted; every other row ends as one
///   accept or reject, with its line (and sheet).
/// - One call reads one table: a CSV file, or one sheet or table of a `MultiTableReader`,
///   which the caller moves through. A sheet or table without a header is data (every row
///   rejected, `Outcome.unreadRows`) when a row could be a form; else its rows are skipped
///   (`Outcome.rowsWithoutForms`). A CSV file without a header has every row rejected.
struct TableFormReader {
    let validator: FormValidator
    let layout: TableLayout
    var limits = InputLimits()
    var headerSearchRows = 30
    /// Whether rows a reader leaves as bytes are validated from them (tests turn it off to
    /// compare with the text path).
    var useBytePath = true

    static let footerWords = ["tổng", "tong_so", "tong_cong", "cộng", "total", "người_lập", "nguoi_lap", "ký", "xác_nhận", "thủ_trưởng"]

    struct Outcome {
        var records = 0
        var skipped = 0
        /// Of the records, those read straight from their bytes.
        var fromBytes = 0
        /// A sheet or table without a header but with data: its rows, all rejected (a
        /// file-level problem the caller reports).
        var unreadRows: Int?
        /// A sheet or table without a header where no row could be a form: its rows, all
        /// skipped (the caller logs it).
        var rowsWithoutForms: Int?
        /// Whether the header was found.
        var headerFound = false
    }

    /// Where each required field is.
    struct Columns {
        var formID: Int
        var unit: Int
        var date: Int
        var dossier: Int?
        var comment: Int?
        /// Per answered item, its column; -1 for an item the file's channel does not ask.
        var answers: [Int]
        var width: Int
        var names: [String]
    }

    func read<R: TableReader>(_ reader: inout R, displayPath: String, into sink: some FormSink) throws -> Outcome {
        var outcome = Outcome()
        let sheets = reader.tablesAreSheets
        func where_(_ row: TableRow) -> String {
            row.sheet.map { sheets ? "sheet '\($0)' row \(row.line)" : "\($0) row \(row.line)" } ?? "line \(row.line)"
        }
        func reject(_ row: TableRow, _ id: String?, _ reason: String) throws {
            outcome.records += 1
            let place = row.sheet.map { sheets ? "sheet '\($0)': " : "\($0): " } ?? ""
            try sink.reject(line: row.line, position: 0, responseID: id, reason: place + reason)
        }
        let required = [layout.formID[0], layout.unit[0], layout.date[0]] + askedItems.map(\.id)
        // Find the header within the first rows.
        var seen: [TableRow] = []
        var found: (index: Int, columns: Columns)?
        var problem: String?
        while found == nil, seen.count < headerSearchRows, let row = try reader.next() {
            seen.append(row)
            if row.cells.count > limits.columns {
                // Not a form file: one reject for the file, saying how much it holds.
                var rest = 0
                while try reader.next() != nil { rest += 1 }
                outcome.skipped += seen.count - 1
                try reject(row, nil, "header has \(row.cells.count) columns; the limit is \(limits.columns) columns, so the file is not read "
                    + "(\(rest) records after the header left out); expected the header \(required.joined(separator: ","))")
                return outcome
            }
            // Until a header is found, the first row stands for it (the CSV reader's check of
            // unclosed quotes counts its columns), as when the header is the first line.
            if seen.count == 1 { reader.headerFound(columns: row.cells, freeText: []) }
            let above = seen.count >= 2 ? seen[seen.count - 2] : nil
            switch match(row, above: above) {
            case .success(let columns): found = (seen.count - 1, columns)
            case .failure(let why): if why.repeated != nil { problem = why.repeated }
            }
            if problem != nil { break }
        }
        guard let (headerIndex, columns) = found else {
            // No header. The row that matched most of the required names stands for it (a
            // title in row 1 would say nothing about the header the office typed in row 4), and
            // it and every row after it are rejected with it, so that nothing in the file passes
            // unnoticed. Ties go to the first such row: with no name matched anywhere, the first
            // row (of a sheet: the first that is not blank).
            let fixedWidth = reader.rowsHaveFixedWidth
            let eligible = seen.indices.filter { fixedWidth || !seen[$0].cells.allSatisfy { $0.trimmedOfSpaces.isEmpty } }
            guard !eligible.isEmpty else {
                outcome.skipped += seen.count
                while try reader.next() != nil { outcome.skipped += 1 }
                return outcome
            }
            func mismatch(_ i: Int) -> Mismatch {
                if case .failure(let why) = match(seen[i], above: i > 0 ? seen[i - 1] : nil) { return why }
                return Mismatch(missing: [])
            }
            var bestIndex = eligible[0]
            var best = mismatch(bestIndex)
            for i in eligible.dropFirst() {
                let why = mismatch(i)
                if why.matched.count > best.matched.count { (bestIndex, best) = (i, why) }
            }
            let first = seen[bestIndex]
            let missing = best.missing
            let matched: String = best.matched.isEmpty ? "none" : Self.listed(best.matched, items: required.dropFirst(3))
            // The names of a row that matched nothing at all are values or a title, not misspellings.
            let shown = best.unmatched.prefix(12).map { "\"\($0)\"" } + (best.unmatched.count > 12 ? ["and \(best.unmatched.count - 12) more"] : [])
            let nothing: String = best.matched.isEmpty || best.unmatched.isEmpty ? "" : "; names that match nothing: " + shown.joined(separator: ", ")
            let table = layout.channel == .paper ? "paper" : "portal"
            let expected = "expected \(required.joined(separator: ",")) (names match in any case, with spaces or underscores, or by the aliases of [columns.\(table)] and of [[items]])"
            let lacking = "header lacks column(s) \(missing.joined(separator: ", ")); matched \(matched)\(nothing); \(expected)"
            let reason = problem.map { "header \($0)" } ?? lacking
            // A sheet or table (not a CSV file) without a header is data only if some row could
            // be a form, or names at least half of the required columns (a header with a wrong
            // name); otherwise (instructions, a unit list, a title table) its rows are skipped
            // and counted, and the caller says so. A row could be a form with its form id, unit
            // and date filled and at least half of the answered items (at least 4 cells in all):
            // not every item, since real forms leave answers blank, and a sheet of such forms
            // must not pass for instructions.
            var later: [Int] = []
            if !fixedWidth {
                let enough = max(4, 3 + (askedItems.count + 1) / 2)
                func couldBeForm(_ row: TableRow) -> Bool {
                    row.problem != nil || row.cells.lazy.filter { !$0.trimmedOfSpaces.isEmpty }.count >= enough
                }
                func namesHalf(_ row: TableRow) -> Bool {
                    if case .failure(let why) = match(row, above: nil) { return why.repeated != nil || 2 * why.missing.count <= required.count }
                    return true
                }
                var data = problem != nil || seen.contains(where: { couldBeForm($0) || namesHalf($0) })
                while !data, let row = try reader.next() {
                    later.append(row.line)
                    data = couldBeForm(row)
                }
                guard data else {
                    outcome.skipped += seen.count + later.count
                    outcome.rowsWithoutForms = seen.count + later.count
                    return outcome
                }
            }
            let notRead = "not read: the \(fixedWidth ? "file" : sheets ? "sheet" : "table")'s header (\(where_(first))) \(problem != nil ? "cannot be used" : "lacks column(s) \(missing.joined(separator: ", "))")"
            let before = outcome.records
            for row in seen where row.line >= first.line {
                if row.line == first.line {
                    outcome.records += 1
                    try sink.reject(line: row.line, position: 0, responseID: nil, reason: "\(where_(row)): \(reason)")
                } else {
                    try reject(row, nil, notRead)
                }
            }
            outcome.skipped += seen.filter { $0.line < first.line }.count
            for line in later { try reject(TableRow(line: line, sheet: first.sheet, cells: []), nil, notRead) }
            while let row = try reader.next() {
                try reject(row, nil, notRead)
            }
            if !fixedWidth { outcome.unreadRows = outcome.records - before }
            return outcome
        }
        outcome.skipped += headerIndex
        outcome.headerFound = true
        reader.headerFound(columns: columns.names, freeText: Set([columns.comment].compactMap { $0 }))
        let fixedWidth = reader.rowsHaveFixedWidth
        let serialDates = reader.numbersMayBeDates
        let bytePath = fixedWidth && !serialDates
        let composes = reader.cellTextNeedsComposition
        let answerColumns = columns.answers
        let rules = validator.answerRules
        // The storage of the last record's answers, reused when the sink kept no copy.
        var answers = [Int?](repeating: nil, count: answerColumns.count)
        var dates = DateStrings()
        while true {
            let row: TableRow
            let access: RowAccess
            if useBytePath {
                access = try reader.nextRowAccess()
            } else {
                access = try reader.next().map { .text($0) } ?? .end
            }
            switch access {
            case .end:
                return outcome
            case .text(let text):
                row = text
            case .bytes(let line):
                // The usual row, valid: straight from its bytes (else read as text below).
                if bytePath, reader.cellCount == columns.width, let record = Self.record(
                    reader, line: line, columns: columns, answerColumns: answerColumns, rules: rules, answers: &answers,
                    dates: &dates, validator: validator, isTimestamp: layout.dateIsTimestamp, composes: composes, path: displayPath,
                    channel: layout.channel)
                {
                    outcome.records += 1
                    outcome.fromBytes += 1
                    try sink.accept(record)
                    continue
                }
                row = reader.rowText()
            }
            if let problem = row.problem {
                try reject(row, nil, problem)
                continue
            }
            let cells = row.cells
            // Sheets and HTML tables carry layout: blank rows and footer rows are not forms.
            // (A CSV row is a record as written: an empty one is a blank form, rejected.)
            if !fixedWidth, cells.allSatisfy({ $0.trimmedOfSpaces.isEmpty }) {
                outcome.skipped += 1
                continue
            }
            // A footer row: its first text (in the id column or where it starts) is a word
            // such as "Tổng số", "Cộng" or "Người lập biểu", which no form id is.
            if !fixedWidth, let first = cells.first(where: { !$0.trimmedOfSpaces.isEmpty }) {
                let key = HeaderName.key(first)
                if Self.footerWords.contains(where: { key.hasPrefix($0) }) {
                    outcome.skipped += 1
                    continue
                }
            }
            if fixedWidth, cells.count != columns.width {
                try reject(row, nil, "expected \(columns.width) fields as in the header, found \(cells.count)")
                continue
            }
            if cells.count > columns.width, cells[columns.width...].contains(where: { !$0.trimmedOfSpaces.isEmpty }) {
                try reject(row, nil, "has values beyond the header's \(columns.width) columns; expected one value per column")
                continue
            }
            func cell(_ i: Int?) -> String? { i.map { $0 < cells.count ? cells[$0] : "" } }
            outcome.records += 1
            var raw = RawForm(
                responseID: cell(columns.formID), unit: cell(columns.unit), date: cell(columns.date),
                isTimestamp: layout.dateIsTimestamp, dossierCode: cell(columns.dossier), comment: cell(columns.comment),
                answers: columns.answers.map { $0 < 0 ? nil : .text($0 < cells.count ? cells[$0] : "") })
            raw.dateField = columns.names[columns.date]
            raw.dateMayBeSerial = serialDates
            let place = row.sheet.map { sheets ? "sheet '\($0)': " : "\($0): " } ?? ""
            switch validator.validate(raw, path: displayPath, line: row.line, channel: layout.channel) {
            case .success(let response): try sink.accept(response)
            case .failure(let rejection):
                if let date = rejection.datedAfterToday { sink.noteDatedAfterToday(date) }
                try sink.reject(line: row.line, position: 0, responseID: rejection.responseID, reason: place + rejection.reason)
            }
        }
    }

    /// The record of the row the reader left as bytes, when `FormValidator.record` can
    /// decide it from the bytes (every cell in the usual shape, and valid); else nil.
    @inline(__always)
    private static func record<R: TableReader>(
        _ reader: R, line: Int, columns: Columns, answerColumns: [Int], rules: [AnswerRule], answers: inout [Int?],
        dates: inout DateStrings, validator: FormValidator, isTimestamp: Bool, composes: Bool, path: String, channel: Channel
    ) -> ResponseRecord? {
        var anyAnswer = false
        var undecided = false
        // (Copied first if the sink still holds the last record's.)
        answers.withUnsafeMutableBufferPointer { buffer in
            for k in 0..<buffer.count {
                // An item of the other channel has no column here: no answer.
                if answerColumns[k] < 0 {
                    buffer[k] = nil
                    continue
                }
                var v = rules[k].answer(reader.cellBytes(answerColumns[k]))
                if v == AnswerRule.undecided { v = validator.answer(reader.cellBytes(answerColumns[k]), item: k) }
                if v >= 0 {
                    buffer[k] = v
                    anyAnswer = true
                } else {
                    buffer[k] = nil
                    if v == AnswerRule.undecided { undecided = true }
                }
            }
        }
        guard !undecided else { return nil }
        let form = ByteForm(
            id: reader.cellBytes(columns.formID), unit: reader.cellBytes(columns.unit), date: reader.cellBytes(columns.date),
            isTimestamp: isTimestamp, dossierCode: columns.dossier.map { reader.cellBytes($0) },
            comment: columns.comment.map { reader.cellBytes($0) }, answers: answers, anyAnswer: anyAnswer,
            composeText: composes)
        return validator.record(form, path: path, line: line, channel: channel, dates: &dates)
    }

    struct Mismatch: Error {
        var missing: [String]
        var repeated: String?
        /// The required columns found (each by its first name), in the order required.
        var matched: [String] = []
        /// The row's names that match no column and no item: the likely misspellings.
        var unmatched: [String] = []
    }

    /// The items a file of this layout's channel must have a column for.
    var askedItems: [Item] { validator.items.filter { $0.isAsked(on: layout.channel) } }

    /// `form_id, unit, q01..q06`: the names in order, runs of three or more items that follow
    /// one another in `items` written first..last.
    static func listed(_ names: [String], items: ArraySlice<String>) -> String {
        let position = Dictionary(items.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var parts: [String] = []
        var i = 0
        while i < names.count {
            var j = i
            while j + 1 < names.count, let p = position[names[j]], position[names[j + 1]] == p + 1 { j += 1 }
            if j - i >= 2 {
                parts.append("\(names[i])..\(names[j])")
                i = j + 1
            } else {
                parts.append(names[i])
                i += 1
            }
        }
        return parts.joined(separator: ", ")
    }

    /// The columns of the layout in `row` (or, for a header merged over two rows, in the row
    /// above where `row` is empty, or where `row` ends before it). Items are found by their
    /// ids and aliases; an item of the other channel needs no column (its position is -1).
    func match(_ row: TableRow, above: TableRow?) -> Result<Columns, Mismatch> {
        let keys = row.cells.map(HeaderName.key)
        let aboveKeys = above?.cells.map(HeaderName.key) ?? []
        // The upper row of a merged header may reach further right than the lower one.
        let span = max(keys.count, aboveKeys.count)
        func lower(_ c: Int) -> String { c < keys.count ? keys[c] : "" }
        func upper(_ c: Int) -> String { c < aboveKeys.count ? aboveKeys[c] : "" }
        func find(_ names: [String]) -> (index: Int?, twice: Bool) {
            let wanted = Set(names.map(HeaderName.key))
            var hits: [Int] = []
            for c in 0..<span where wanted.contains(lower(c)) || (lower(c).isEmpty && wanted.contains(upper(c))) {
                hits.append(c)
            }
            if hits.isEmpty {
                // Merged two-row header: a group title above, the column's own name below.
                for c in 0..<span where wanted.contains(upper(c)) { hits.append(c) }
            }
            return (hits.first, hits.count > 1)
        }
        var missing: [String] = []
        var repeated: [String] = []
        var matched: [String] = []
        var found: [Int] = []
        func need(_ names: [String]) -> Int {
            let (index, twice) = find(names)
            if twice { repeated.append(names[0]) }
            if let index {
                matched.append(names[0])
                found.append(index)
            } else {
                missing.append(names[0])
            }
            return index ?? -1
        }
        let formID = need(layout.formID), unit = need(layout.unit), date = need(layout.date)
        let answers = validator.items.map { $0.isAsked(on: layout.channel) ? need([$0.id] + $0.aliases) : -1 }
        let dossier = layout.dossier.isEmpty ? nil : find(layout.dossier).index
        let comment = layout.comment.isEmpty ? nil : find(layout.comment).index
        found += [dossier, comment].compactMap { $0 }
        // Each column's name: its own, or the one of the row above where it has none.
        let width = max(row.cells.count, (found.max() ?? -1) + 1)
        let names = (0..<width).map { c in
            let own = c < row.cells.count ? row.cells[c].trimmedOfSpaces : ""
            return own.isEmpty && c < (above?.cells.count ?? 0) ? above!.cells[c].trimmedOfSpaces : own
        }
        if !missing.isEmpty {
            let known = Set((layout.formID + layout.unit + layout.date + layout.dossier + layout.comment
                + validator.items.flatMap { [$0.id] + $0.aliases }).map(HeaderName.key))
            let unmatched = names.filter { !$0.isEmpty && !known.contains(HeaderName.key($0)) }
            return .failure(Mismatch(missing: missing, matched: matched, unmatched: unmatched))
        }
        if !repeated.isEmpty {
            return .failure(Mismatch(
                missing: [], repeated: "repeats column(s) \(repeated.joined(separator: ", ")); expected each column once", matched: matched))
        }
        return .success(Columns(
            formID: formID, unit: unit, date: date, dossier: dossier, comment: comment, answers: answers,
            width: width, names: names))
    }
}
