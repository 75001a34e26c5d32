import CXlsxWriter
import Foundation
import Stats
import SurveyModel

// MARK: - Writing the file with libxlsxwriter

/// Writes sheets to an .xlsx file in a private temporary folder and returns its bytes.
enum WorkbookFile {
    struct Properties {
        var title: String
        var company: String
        var comments: String
        /// Seconds since 1970 (UTC): docProps/core.xml's creation date.
        var created: Int
    }

    /// `yyyy-mm-dd` at 00:00 UTC in seconds since 1970; 1980-01-01 if the text is no date.
    static func midnightUTC(_ iso: String) -> Int {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return 315_532_800 }
        // Days from civil (Howard Hinnant's algorithm), proleptic Gregorian.
        let (m, d) = (parts[1], parts[2])
        let y = parts[0] - (m <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86_400
    }

    static func write(_ sheets: [Sheet], properties: Properties) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-xlsx-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false) } catch {
            throw ReportError.workbook("cannot make the temporary folder \(folder.path) (TMPDIR): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("summary.xlsx").path
        let workbook = try Workbook(path: path, tmpdir: folder.path, properties: properties)
        for sheet in sheets { try workbook.add(sheet) }
        try workbook.close()
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ReportError.workbook("cannot read back \(path): \(error.localizedDescription)")
        }
    }
}

/// A libxlsxwriter workbook being written; `close` writes the file.
private final class Workbook {
    private var handle: UnsafeMutablePointer<lxw_workbook>?
    /// C strings libxlsxwriter may keep pointers to until the file is closed.
    private var cStrings: [UnsafeMutablePointer<CChar>] = []
    private var formats: [FormatKey: UnsafeMutablePointer<lxw_format>] = [:]

    private struct FormatKey: Hashable {
        var number: NumberFormat?
        var bold = false
        var header = false
        var wrap = false
    }

    init(path: String, tmpdir: String, properties: WorkbookFile.Properties) throws {
        var options = lxw_workbook_options()
        options.constant_memory = 0
        options.tmpdir = keep(tmpdir)
        guard let handle = workbook_new_opt(path, &options) else {
            throw ReportError.workbook("libxlsxwriter cannot create \(path)")
        }
        self.handle = handle
        var props = lxw_doc_properties()
        props.title = keep(properties.title)
        if !properties.company.isEmpty { props.company = keep(properties.company) }
        props.comments = keep(properties.comments)
        props.created = time_t(properties.created)
        try check(workbook_set_properties(handle, &props), "document properties")
    }

    deinit {
        if let handle { _ = workbook_close(handle) }
        cStrings.forEach { free($0) }
    }

    private func keep(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        cStrings.append(copy)
        return copy
    }

    private func check(_ error: lxw_error, _ what: String) throws {
        guard error != LXW_NO_ERROR else { return }
        throw ReportError.workbook("\(what): \(String(cString: lxw_strerror(error)))")
    }

    private func format(_ key: FormatKey) -> UnsafeMutablePointer<lxw_format>? {
        if key == FormatKey() { return nil }
        if let made = formats[key] { return made }
        guard let handle, let format = workbook_add_format(handle) else { return nil }
        if let number = key.number { format_set_num_format(format, number.code) }
        if key.bold || key.header { format_set_bold(format) }
        if key.header {
            format_set_bg_color(format, 0xF2F4F7)
            format_set_bottom(format, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_align(format, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
        }
        if key.wrap || key.header { format_set_text_wrap(format) }
        formats[key] = format
        return format
    }

    func add(_ sheet: Sheet) throws {
        guard let handle, let worksheet = workbook_add_worksheet(handle, sheet.name) else {
            throw ReportError.workbook("libxlsxwriter refuses the sheet name \(sheet.name)")
        }
        let widths = Self.columnWidths(sheet)
        for (column, width) in widths.enumerated() {
            try check(worksheet_set_column(worksheet, UInt16(column), UInt16(column), width, format(FormatKey(wrap: sheet.isText))),
                      "\(sheet.name): width")
        }
        var row: UInt32 = 0
        if let title = sheet.title {
            try check(worksheet_write_string(worksheet, row, 0, title, format(FormatKey(bold: true))), "\(sheet.name): title")
            row += 1
        }
        if !sheet.header.isEmpty {
            for (column, text) in sheet.header.enumerated() {
                try check(worksheet_write_string(worksheet, row, UInt16(column), text, format(FormatKey(header: true))),
                          "\(sheet.name): header")
            }
            // libxlsxwriter does not size rows: as many lines as the longest wrapped header needs.
            let lines = zip(sheet.header, widths).map { Self.lines($0.count, width: $1) }.max() ?? 1
            try check(worksheet_set_row(worksheet, row, 15 * Double(lines), nil), "\(sheet.name): header height")
            row += 1
            worksheet_freeze_panes(worksheet, row, 0)
            try check(worksheet_repeat_rows(worksheet, 0, row - 1), "\(sheet.name): print titles")
        }
        for (index, cells) in sheet.rows.enumerated() {
            let bold = sheet.totalRows.contains(index)
            for (column, cell) in cells.enumerated() {
                try write(cell, in: worksheet, row: row, column: UInt16(column), bold: bold, wrap: sheet.isText, sheet: sheet.name)
            }
            if sheet.isText, let first = cells.first {
                try check(worksheet_set_row(worksheet, row, 15 * Double(Self.lines(first.displayWidth, width: widths[0])), nil),
                          "\(sheet.name): row height")
            }
            row += 1
        }
        try writeNotes(sheet, in: worksheet, from: sheet.notes.isEmpty ? row : row + 1, widths: widths)
        // Printed: A4 landscape, one page wide.
        worksheet_set_paper(worksheet, 9)
        worksheet_set_landscape(worksheet)
        worksheet_fit_to_pages(worksheet, 1, 0)
    }

    /// Notes under the table, each across the table's width, wrapped.
    private func writeNotes(_ sheet: Sheet, in worksheet: UnsafeMutablePointer<lxw_worksheet>, from first: UInt32, widths: [Double])
        throws
    {
        let total = widths.reduce(0, +)
        for (offset, note) in sheet.notes.enumerated() {
            let row = first + UInt32(offset)
            if widths.count > 1 {
                try check(worksheet_merge_range(worksheet, row, 0, row, UInt16(widths.count - 1), note, format(FormatKey(wrap: true))),
                          "\(sheet.name): note")
            } else {
                try check(worksheet_write_string(worksheet, row, 0, note, format(FormatKey(wrap: true))), "\(sheet.name): note")
            }
            try check(worksheet_set_row(worksheet, row, 15 * Double(Self.lines(note.count, width: total)), nil), "\(sheet.name): note height")
        }
    }

    /// Lines a text of `characters` takes in a column `width` characters wide, wrapped.
    private static func lines(_ characters: Int, width: Double) -> Int {
        max(1, Int((Double(characters) / max(width - 1, 1)).rounded(.up)))
    }

    private func write(_ cell: SheetCell, in worksheet: UnsafeMutablePointer<lxw_worksheet>, row: UInt32, column: UInt16,
                       bold: Bool, wrap: Bool, sheet: String) throws {
        let error: lxw_error
        switch cell {
        case .text(let text):
            guard !text.isEmpty else { return }
            // Always a string cell: text starting with = + - @ is never a formula.
            error = worksheet_write_string(worksheet, row, column, text, format(FormatKey(bold: bold, wrap: wrap)))
        case .number(let value, let number):
            error = worksheet_write_number(worksheet, row, column, value, format(FormatKey(number: number, bold: bold)))
        case .suppressed:
            error = worksheet_write_string(worksheet, row, column, "Q", format(FormatKey(bold: bold)))
        case .empty:
            return
        }
        try check(error, "\(sheet): row \(row + 1), column \(column + 1)")
    }

    /// Columns as wide as their content (headers wrap above 24 characters), 6 to 60 characters
    /// plus a margin; a text sheet has one wide column.
    private static func columnWidths(_ sheet: Sheet) -> [Double] {
        if sheet.isText { return [120] }
        let columns = max(sheet.header.count, sheet.rows.map(\.count).max() ?? 0)
        return (0..<columns).map { column in
            var width = column < sheet.header.count ? min(sheet.header[column].count, 24) : 0
            for cells in sheet.rows where column < cells.count { width = max(width, cells[column].displayWidth) }
            return Double(min(max(width, 6), 60)) + 2
        }
    }

    func close() throws {
        guard let handle else { return }
        self.handle = nil
        try check(workbook_close(handle), "writing the workbook")
    }
}
