#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One row of a table-shaped input file (CSV, workbook sheet, HTML table), with where it was.
public struct TableRow: Sendable, Equatable {
    /// 1-based: the CSV physical line, the sheet's row number (as Excel shows it), or the HTML table row.
    public var line: Int
    /// The workbook sheet's name, `table N` for a table of an HTML page that has several,
    /// or nil (a CSV file, the one table of a page).
    public var sheet: String?
    /// The text of each cell, in column order (A, B, C, ...); empty cells are "" (columns are not skipped).
    public var cells: [String]
    /// Set when the row cannot be read as written.
    public var problem: String?
    public init(line: Int, sheet: String? = nil, cells: [String], problem: String? = nil) {
        self.line = line
        self.sheet = sheet
        self.cells = cells
        self.problem = problem
    }
}

/// Reads a table one row at a time, in order, holding no more than the current row (plus the shared strings of a workbook).
public protocol TableReader {
    mutating func next() throws -> TableRow?
    /// Told the header once it is found (column names, and which columns are free text), so
    /// that a reader can use them (the CSV reader's unclosed-quote check counts columns).
    mutating func headerFound(columns: [String], freeText: Set<Int>)
    /// Whether rows have exactly as many cells as the header (CSV) or may end early (sheets).
    var rowsHaveFixedWidth: Bool { get }
    /// Whether a bare number in a date column is an Excel serial date (workbooks).
    var numbersMayBeDates: Bool { get }
    /// Whether `TableRow.sheet` names a workbook sheet (`sheet 'Quý I'` in messages) rather
    /// than a table of a page (`table 2`).
    var tablesAreSheets: Bool { get }

    // The byte-level path (CSV): after the header, rows are read with `nextRowAccess()`; a
    // row it leaves as bytes is read with `cellCount` and `cellBytes(_:)`, and made text with
    // `rowText()` when the byte path cannot decide it, all before the next read. By default
    // every row is text (`next()`).

    /// The next row: as text, or left as bytes.
    mutating func nextRowAccess() throws -> RowAccess
    /// Cells of the row left as bytes.
    var cellCount: Int { get }
    /// The UTF-8 of a cell of the row left as bytes (valid until the next read).
    func cellBytes(_ column: Int) -> UnsafeBufferPointer<UInt8>
    /// The row left as bytes, as `next()` would have returned it.
    mutating func rowText() -> TableRow
    /// Whether text made from cell bytes must be put in NFC, as `rowText()` does.
    var cellTextNeedsComposition: Bool { get }
}

/// A file of several tables read one after another (the worksheets of a workbook, the
/// `<table>`s of an HTML page): `next()` returns the rows of the current table and nil at its
/// end; `nextTable()` moves on. Every table is read, each with its own header, so that no
/// sheet of a workbook (one per quarter, say) is left out unnoticed.
public protocol MultiTableReader: TableReader {
    /// Moves to the next table (the first, on the first call); false after the last.
    mutating func nextTable() throws -> Bool
    /// The current table's name (`TableRow.sheet` of its rows).
    var tableName: String? { get }
}

/// A row as `TableReader.nextRowAccess()` reads it.
public enum RowAccess: Sendable, Equatable {
    /// No more rows.
    case end
    /// A row as text.
    case text(TableRow)
    /// A row left in the reader as bytes (valid UTF-8, no problem), physical line `line`.
    case bytes(line: Int)
}

extension TableReader {
    public mutating func headerFound(columns: [String], freeText: Set<Int>) {}
    public var rowsHaveFixedWidth: Bool { false }
    public var numbersMayBeDates: Bool { false }
    public var tablesAreSheets: Bool { true }
    public mutating func nextRowAccess() throws -> RowAccess {
        guard let row = try next() else { return .end }
        return .text(row)
    }
    public var cellCount: Int { 0 }
    public func cellBytes(_ column: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }
    public mutating func rowText() -> TableRow { preconditionFailure("this reader leaves no row as bytes") }
    public var cellTextNeedsComposition: Bool { false }
}

/// Why a workbook or an HTML table cannot be read at all. Each case names the file and says
/// what is wrong and what was expected; problems confined to one row are `TableRow.problem`.
public enum TableReadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file is not an .xlsx workbook (not a zip, or a zip without a workbook in it).
    case notAWorkbook(file: String, reason: String)
    /// An OLE2 compound file given as .xlsx: a password-protected workbook or an old .xls.
    case encryptedOrBinaryWorkbook(file: String)
    /// A binary BIFF .xls (Excel 97-2003) given where an HTML table or CSV was expected.
    case oldBinaryExcel(file: String)
    /// A zip entry whose name could write outside a folder (`../x`, `/etc/x`, `C:\x`), or
    /// another entry the reader refuses (encrypted, duplicated, unknown compression).
    case unsafeEntry(file: String, entry: String, reason: String)
    /// A part that inflates past the per-part limit (a zip bomb, or a size that lies).
    case partTooLarge(file: String, part: String, limit: Int64)
    /// The parts read from one workbook inflate past the total limit.
    case workbookTooLarge(file: String, limit: Int64)
    /// An XML part with a DOCTYPE or an entity declaration (refused before any content is used).
    case forbiddenDoctype(file: String, part: String)
    /// An XML part (or the zip data under it) that is damaged.
    case malformedPart(file: String, part: String, line: Int?, problem: String)
    /// A part the workbook needs is not in the zip.
    case missingPart(file: String, part: String, expected: String)
    /// The sheet asked for is not in the workbook.
    case unknownSheet(file: String, sheet: String, available: [String])
    /// An HTML file without a table to read.
    case noTable(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .notAWorkbook(let file, let reason):
            return "\(file): not an .xlsx workbook: \(reason); expected a workbook saved by Excel or LibreOffice as .xlsx, or a CSV file"
        case .encryptedOrBinaryWorkbook(let file):
            return "\(file): not an .xlsx workbook: it is a password-protected (encrypted) workbook or an old binary Excel 97-2003 workbook; remove the password, or save it as .xlsx or CSV"
        case .oldBinaryExcel(let file):
            return "\(file): an old binary Excel 97-2003 workbook: save it as .xlsx or CSV"
        case .unsafeEntry(let file, let entry, let reason):
            return "\(file): refused: zip entry \"\(entry)\" \(reason); expected an .xlsx workbook as Excel writes it (re-save it in Excel or LibreOffice)"
        case .partTooLarge(let file, let part, let limit):
            return "\(file): refused: \(part) inflates to more than \(limit >> 20) MiB (a zip bomb, or a damaged file); expected a workbook part of at most \(limit >> 20) MiB: split the data into smaller workbooks or export it as CSV"
        case .workbookTooLarge(let file, let limit):
            return "\(file): refused: the workbook inflates to more than \(limit >> 20) MiB in all; expected at most \(limit >> 20) MiB: split the data into smaller workbooks or export it as CSV"
        case .forbiddenDoctype(let file, let part):
            return "\(file): refused: \(part) has a DOCTYPE or an entity declaration, which workbooks never need (and which can expand without bound or read other files); re-save the workbook in Excel or LibreOffice"
        case .malformedPart(let file, let part, let line, let problem):
            let place = line.map { "\(part) line \($0)" } ?? part
            return "\(file): damaged: \(place): \(problem); expected well-formed workbook XML: re-save the workbook in Excel or LibreOffice"
        case .missingPart(let file, let part, let expected):
            return "\(file): not an .xlsx workbook: \(part) is missing; expected \(expected)"
        case .unknownSheet(let file, let sheet, let available):
            let names = available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(file): no sheet named \"\(sheet)\"; the sheets are \(names)"
        case .noTable(let file, let reason):
            return "\(file): \(reason); expected an HTML page with a <table> (an \"Excel\" download saved as .xls), an .xlsx workbook or a CSV file"
        }
    }
}

/// What a table file is, judged by its first bytes rather than its name: provincial one-stop
/// systems send HTML tables named `.xls`, and users rename workbooks.
public enum TableFileKind: Sendable, Equatable {
    /// A zip archive (`PK\u{3}\u{4}`): an .xlsx workbook, for `XLSXReader`.
    case zipWorkbook
    /// Markup: `<` first, after an optional byte-order mark and whitespace (`<html`, `<table`,
    /// `<!DOCTYPE`, `<?xml`), for `HTMLTableReader`.
    case html
    /// An OLE2 compound file (`D0 CF 11 E0`): a binary Excel 97-2003 workbook or an encrypted
    /// .xlsx; neither can be read.
    case compoundDocument
    /// Anything else (CSV, text).
    case other

    /// The kind of the file at `path`, from its first 1024 bytes.
    public static func sniff(path: String) throws -> TableFileKind {
        guard let file = fopen(path, "rb") else {
            throw TableReadError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 1024)
        let count = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        return sniff(head[0..<count])
    }

    /// The kind of a file whose first bytes are `head`.
    public static func sniff<Bytes: Collection>(_ head: Bytes) -> TableFileKind where Bytes.Element == UInt8 {
        let bytes = Array(head.prefix(1024))
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zipWorkbook }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { return .compoundDocument }
        var index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
        } else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            // UTF-16: `<` is one of the next two bytes, the other is 0.
            index = 2
            while index + 1 < bytes.count {
                let pair = (bytes[index], bytes[index + 1])
                if pair == (0, 0x20) || pair == (0x20, 0) || pair == (0, 0x0A) || pair == (0x0A, 0)
                    || pair == (0, 0x0D) || pair == (0x0D, 0) || pair == (0, 0x09) || pair == (0x09, 0) {
                    index += 2
                    continue
                }
                return pair == (0, 0x3C) || pair == (0x3C, 0) ? .html : .other
            }
            return .other
        }
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index < bytes.count && bytes[index] == 0x3C ? .html : .other
    }
}
