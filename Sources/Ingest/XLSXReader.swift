import CLibXML2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the sheets of an .xlsx workbook (one, or several one after another with `nextTable()`)
/// as rows of text, streaming: each sheet part is inflated (ZIPFoundation) into libxml2's
/// `xmlTextReader` a chunk at a time, so memory holds the current row, the shared strings and
/// the number formats (read once for all sheets), whatever the size of the sheets.
///
/// Each cell becomes the text a person would type into it:
/// - strings: shared strings (rich-text runs joined, phonetic runs left out), inline strings
///   (openpyxl writes these), formula strings; Excel's `_xHHHH_` escapes decoded;
/// - numbers: the shortest text that reads back as the same double (`4`, `0.5`, `1e-7`),
///   whatever the number format shows (no rounding to displayed decimals, no percent sign);
/// - dates: a number whose style has a date format (built-in 14–17 and 22, or a custom code
///   with d, y or month m outside quotes and brackets) as `yyyy-mm-dd`, with `THH:MM:SS` when
///   the format shows a time or the value has one; the 1900 system (with Excel's 1900-02-29)
///   or the 1904 system as workbook.xml says;
/// - times: a number whose format shows only hours, minutes, seconds (built-in 18–21, 45–47, or
///   custom) as `HH:MM:SS` (`[h]` elapsed formats may pass 24 hours);
/// - booleans `TRUE`/`FALSE`; errors as Excel shows them (`#N/A`); formulas by their saved value.
///
/// Rows keep Excel's numbers (`TableRow.line`); missing rows are not made up, rows with no text
/// at all (Excel writes them for formatting) are skipped, and trailing empty cells are dropped.
/// Merged cells read as Excel stores them: the text in the top-left cell, "" in the others.
/// A row that cannot be read as written (a malformed cell reference, a cell past column XFD,
/// a formula without a saved value, ...) comes back with `problem` set.
///
/// The package is checked first: a file that is not a zip, an encrypted workbook, an entry named
/// `../x` or `/x`, a part that inflates past `maximumPartSize` (or the workbook past
/// `maximumWorkbookSize`), an XML part with a DOCTYPE: each is a `TableReadError`.
public struct XLSXReader: MultiTableReader {
    /// Bytes one part (a sheet, the shared strings) may inflate to: 256 MiB.
    public static let maximumPartSize: Int64 = 256 << 20
    /// Bytes all the parts read from one workbook may inflate to: 1 GiB.
    public static let maximumWorkbookSize: Int64 = 1 << 30
    /// Columns in a sheet (A to XFD), as in Excel.
    public static let maximumColumns = 16_384
    /// Rows in a sheet, as in Excel.
    public static let maximumRows = 1_048_576
    /// Entries in the shared-string table (each is kept in memory): 10 million.
    public static let maximumSharedStrings = 10_000_000

    /// The file as given.
    public let file: String
    /// The sheet being read.
    public private(set) var sheetName: String
    /// The worksheets of the workbook, in workbook order.
    public let sheetNames: [String]
    private let workbook: OpenWorkbook
    private let selected: [WorkbookPackage.Sheet]
    private var index = 0
    private var started = false
    private var cursor: SheetCursor?
    /// Why the first selected sheet could not be opened, given by the first `nextTable()`
    /// (when several sheets are read, one damaged sheet does not refuse the others).
    private var firstFailure: TableReadError?

    /// Opens the sheet named `sheet` (compared as Unicode text, so NFC and NFD spellings match),
    /// or the first visible worksheet in workbook order.
    public init(path: String, sheet: String? = nil) throws {
        try self.init(path: path, sheet: sheet, limits: WorkbookLimits())
    }

    /// Opens the workbook to read the sheets named `sheets`, in that order, or (nil) every
    /// worksheet in workbook order, hidden ones too: a hidden sheet still holds forms.
    public init(path: String, sheets: [String]?) throws {
        try self.init(path: path, selection: sheets.map { .named($0) } ?? .every, limits: WorkbookLimits())
    }

    init(path: String, sheet: String?, limits: WorkbookLimits) throws {
        try self.init(path: path, selection: sheet.map { .named([$0]) } ?? .firstVisible, limits: limits)
    }

    enum Selection { case firstVisible, every, named([String]) }

    init(path: String, selection: Selection, limits: WorkbookLimits) throws {
        xmlInitParser()
        file = path
        let package = try WorkbookPackage(path: path, limits: limits)
        let workbookPart = try package.workbookPart()
        let (sheets, date1904) = try package.workbook(workbookPart)
        let relationships = try package.relationships(ofPart: workbookPart)
        var targets: [String: String] = [:]
        for relationship in relationships where relationship.type == "worksheet" {
            targets[relationship.id] = relationship.target
        }
        let worksheets = sheets.filter { targets[$0.relationship] != nil }
        sheetNames = worksheets.map(\.name)
        func noWorksheet() -> TableReadError {
            TableReadError.missingPart(
                file: path, part: "a worksheet", expected: "a workbook with at least one worksheet (its sheets are all charts or missing)")
        }
        switch selection {
        case .named(let names):
            selected = try names.map { sheet in
                guard let named = worksheets.first(where: { $0.name == sheet }) else {
                    throw TableReadError.unknownSheet(file: path, sheet: sheet, available: worksheets.map(\.name))
                }
                return named
            }
        case .firstVisible:
            guard let first = worksheets.first(where: { !$0.hidden }) ?? worksheets.first else { throw noWorksheet() }
            selected = [first]
        case .every:
            guard !worksheets.isEmpty else { throw noWorksheet() }
            selected = worksheets
        }
        let shared = try package.sharedStrings(relationships.first { $0.type == "sharedStrings" }?.target)
        let displays = try package.styles(relationships.first { $0.type == "styles" }?.target)
        workbook = OpenWorkbook(package: package, targets: targets, shared: shared, displays: displays, date1904: date1904)
        sheetName = selected[0].name
        if case .firstVisible = selection {
            cursor = try workbook.cursor(selected[0], file: path)
        } else {
            do { cursor = try workbook.cursor(selected[0], file: path) } catch let error as TableReadError { firstFailure = error }
        }
    }

    /// The next row with text in it, or nil after the last of the current sheet. After an
    /// error, the same error again.
    public mutating func next() throws -> TableRow? {
        try cursor?.next()
    }

    /// Moves to the next selected sheet (the first, on the first call); false after the last.
    /// A sheet that cannot be opened throws, with `tableName` naming it; the next call moves
    /// past it.
    public mutating func nextTable() throws -> Bool {
        if !started {
            started = true
            if let firstFailure { throw firstFailure }
            return cursor != nil
        }
        cursor = nil
        guard index + 1 < selected.count else { return false }
        index += 1
        sheetName = selected[index].name
        cursor = try workbook.cursor(selected[index], file: file)
        return true
    }

    public var tableName: String? { sheetName }
}

/// What every sheet of an open workbook shares: the package, the shared strings, the number
/// formats (read once, however many sheets are read).
private final class OpenWorkbook {
    let package: WorkbookPackage
    let targets: [String: String]
    let shared: [String]
    let displays: [CellText.Display]
    let date1904: Bool

    init(package: WorkbookPackage, targets: [String: String], shared: [String], displays: [CellText.Display], date1904: Bool) {
        self.package = package
        self.targets = targets
        self.shared = shared
        self.displays = displays
        self.date1904 = date1904
    }

    func cursor(_ sheet: WorkbookPackage.Sheet, file: String) throws -> SheetCursor {
        let sheetPart = targets[sheet.relationship]!
        guard let xml = try package.open(sheetPart) else {
            throw TableReadError.missingPart(
                file: file, part: sheetPart, expected: "the part of sheet \"\(sheet.name)\" that xl/_rels/workbook.xml.rels names")
        }
        return SheetCursor(xml: xml, sheet: sheet.name, shared: shared, displays: displays, date1904: date1904)
    }
}

/// The position in one sheet's XML, and what its cells need: shared strings, number formats.
private final class SheetCursor {
    let xml: XMLPartStream
    let sheet: String
    let shared: [String]
    let displays: [CellText.Display]
    let date1904: Bool
    private var lastRow = 0
    private var done = false
    private var failure: TableReadError?
    private var cells: [String] = []

    init(xml: XMLPartStream, sheet: String, shared: [String], displays: [CellText.Display], date1904: Bool) {
        self.xml = xml
        self.sheet = sheet
        self.shared = shared
        self.displays = displays
        self.date1904 = date1904
    }

    func next() throws -> TableRow? {
        if let failure { throw failure }
        if done { return nil }
        do {
            while try xml.read() {
                if xml.isElement {
                    if xml.named("row") {
                        if let row = try readRow() { return row }
                    } else if xml.depth == 1 && !xml.named("sheetData") {
                        try xml.skipElement()
                    }
                } else if xml.isEndElement && xml.named("sheetData") {
                    break
                }
            }
            done = true
            return nil
        } catch let error as TableReadError {
            failure = error
            throw error
        }
    }

    private enum Kind { case number, shared, inline, formulaString, boolean, error, isoDate, unknown }

    private func readRow() throws -> TableRow? {
        var problems = Problems()
        var number = lastRow + 1
        if let text = xml.attribute("r") {
            if let value = Int(text), value >= 1, value <= XLSXReader.maximumRows {
                if value <= lastRow {
                    // Numbered again: read as the next row, so that no two rows share a line
                    // (each row is accounted for once, and the reject names both numbers).
                    problems.add("row \(value) comes after row \(lastRow); expected rows in increasing order; read as row \(number)")
                } else {
                    number = value
                }
            } else {
                problems.add("row number \"\(text)\" is not a number from 1 to \(XLSXReader.maximumRows); read as row \(number)")
            }
        }
        lastRow = number
        cells.removeAll(keepingCapacity: true)
        if !xml.isEmptyElement {
            let depth = xml.depth
            var column = 0
            while try xml.read() {
                if xml.isElement {
                    if xml.named("c") {
                        try readCell(row: number, column: &column, problems: &problems)
                    } else {
                        try xml.skipElement()
                    }
                } else if xml.isEndElement && xml.depth == depth {
                    break
                }
            }
        }
        while cells.last?.isEmpty == true { cells.removeLast() }
        if cells.isEmpty && problems.isEmpty { return nil }
        return TableRow(line: number, sheet: sheet, cells: cells, problem: problems.text)
    }

    private func readCell(row: Int, column: inout Int, problems: inout Problems) throws {
        var reference: String?
        var style = 0
        var kind = Kind.number
        var typeName = ""
        xml.forEachAttribute { name, _ in
            if strcmp(name, "r") == 0 {
                reference = xml.value
            } else if strcmp(name, "s") == 0 {
                style = Int(xml.value) ?? 0
            } else if strcmp(name, "t") == 0 {
                typeName = xml.value
                switch typeName {
                case "n": kind = .number
                case "s": kind = .shared
                case "inlineStr": kind = .inline
                case "str": kind = .formulaString
                case "b": kind = .boolean
                case "e": kind = .error
                case "d": kind = .isoDate
                default: kind = .unknown
                }
            }
        }
        var target = column + 1
        if let reference {
            if let (referenceColumn, referenceRow) = CellText.reference(reference) {
                target = referenceColumn
                if referenceRow != row {
                    problems.add("cell \(reference) is inside row \(row); expected a reference in row \(row)")
                }
            } else {
                problems.add("cell reference \"\(reference)\" is malformed; expected a column A to XFD and the row number, e.g. B\(row)")
            }
        }
        let name = reference ?? "\(CellText.columnName(target))\(row)"
        column = target
        if target > XLSXReader.maximumColumns {
            problems.add("cell \(name) is past the last column XFD (a sheet has at most \(XLSXReader.maximumColumns) columns); its value is left out")
            try xml.skipElement()
            return
        }
        var stored: String?
        var inline: String?
        var formula: String?
        if !xml.isEmptyElement {
            let depth = xml.depth
            while try xml.read() {
                if xml.isElement {
                    if xml.named("v") {
                        stored = try xml.elementText()
                    } else if xml.named("f") {
                        formula = try xml.elementText()
                    } else if xml.named("is") {
                        inline = try xml.richText()
                    } else {
                        try xml.skipElement()
                    }
                } else if xml.isEndElement && xml.depth == depth {
                    break
                }
            }
        }
        var text = ""
        switch kind {
        case .inline:
            text = CellText.unescaped(inline ?? stored ?? "")
        case .shared:
            if let stored {
                if let index = Int(stored), index >= 0, index < shared.count {
                    text = shared[index]
                } else {
                    problems.add("cell \(name) refers to shared string \(stored), but the workbook has \(shared.count)")
                }
            }
        case .formulaString:
            text = CellText.unescaped(stored ?? "")
        case .boolean:
            switch stored {
            case nil: break
            case "1"?, "true"?: text = "TRUE"
            case "0"?, "false"?: text = "FALSE"
            case let other?:
                text = other
                problems.add("cell \(name) is a boolean with the value \"\(other)\"; expected 1 or 0")
            }
        case .error, .isoDate:
            text = stored ?? ""
        case .unknown:
            text = stored ?? ""
            problems.add("cell \(name) has the unknown type t=\"\(typeName)\"; its stored text is used")
        case .number:
            if let stored, !stored.isEmpty {
                text = numberText(stored, style: style) ?? stored
                if CellText.number(stored) == nil {
                    problems.add("cell \(name) holds \"\(stored)\" as a number; expected a number")
                }
            }
        }
        if formula != nil && (stored ?? "").isEmpty && inline == nil {
            let shown = formula.map { $0.isEmpty ? "" : " (=\($0))" } ?? ""
            problems.add("cell \(name) has a formula\(shown) but no saved value; open the workbook in Excel or LibreOffice and save it, so the values are stored")
        }
        let index = target - 1
        if index < cells.count {
            problems.add("cell \(name) comes after a cell to its right; expected cells in column order")
            cells[index] = text
        } else {
            while cells.count < index { cells.append("") }
            cells.append(text)
        }
    }

    private func numberText(_ stored: String, style: Int) -> String? {
        let display = style < displays.count ? displays[style] : .number
        switch display {
        case .number:
            return CellText.number(stored)
        case .date(let showsTime):
            guard let serial = Double(stored) else { return nil }
            return CellText.date(serial: serial, date1904: date1904, showsTime: showsTime) ?? CellText.number(stored)
        case .time(let elapsed):
            guard let serial = Double(stored) else { return nil }
            return CellText.time(serial: serial, elapsed: elapsed) ?? CellText.number(stored)
        }
    }
}

/// The problems of one row: the first few in full, then how many more.
private struct Problems {
    private var messages: [String] = []
    private var more = 0
    var isEmpty: Bool { messages.isEmpty }

    mutating func add(_ message: String) {
        if messages.count < 3 { messages.append(message) } else { more += 1 }
    }

    var text: String? {
        if messages.isEmpty { return nil }
        return messages.joined(separator: "; ") + (more > 0 ? "; and \(more) more" : "")
    }
}

extension XLSXReader {
    /// A bare number in a date column of a workbook is an Excel serial date.
    public var numbersMayBeDates: Bool { true }
}
