import CLibXML2
import Foundation

/// Reads the table of an HTML page as rows of text: the "Excel" downloads of provincial
/// one-stop systems are often an HTML `<table>` saved with an `.xls` name. Route such a file
/// here by its first bytes (`TableFileKind.sniff(path:)` gives `.html`), not by its name.
///
/// - Parsing: libxml2's HTML parser (`htmlReadMemory`) with `HTML_PARSE_NONET`, errors and
///   warnings silenced; nothing outside the file is loaded, scripts are not run. The file is
///   held in memory (at most `maximumFileSize`), unlike the streaming XLSX reader.
/// - Encoding: a byte-order mark wins; otherwise text that is valid UTF-8 is read as UTF-8,
///   and anything else as the page's `<meta charset>` says (windows-1258 works).
/// - Which tables: every `<table>` with rows, in document order (`nextTable()` moves from one
///   to the next; `next()` reads the current one), so that a page of several data tables loses
///   none; a layout table (a title, a search form) is read too, and found to hold no form by
///   the table logic. Rows of a table nested in a cell belong to the nested table. When the
///   page has more than one table with rows, each is named `table N` (`TableRow.sheet`), N
///   counting every `<table>` of the page from 1 in document order.
/// - Cells: each `<td>` or `<th>` of a `<tr>`, its text with whitespace (and `&nbsp;`)
///   collapsed to single spaces and trimmed; `<br>` and block elements (`<p>`, `<div>`, ...)
///   separate words; `<script>` and `<style>` are left out.
/// - Spans: read the way Excel reads merged cells: the text in the top-left position and ""
///   in the others. `colspan="3"` adds two "" after the text; `rowspan="2"` leaves "" at that
///   position in the next row (the text is not carried down), and the next row's own cells
///   move right past it.
/// - Rows: `line` is the 1-based number of the `<tr>` in the table; rows with no text are
///   skipped and trailing empty cells dropped, as in `XLSXReader`.
public struct HTMLTableReader: MultiTableReader {
    /// The largest file read: 64 MiB.
    public static let maximumFileSize = 64 << 20
    /// Spans are clamped as browsers clamp them (HTML: colspan 1-1000, rowspan 1-65534).
    static let maximumColspan = 1_000
    static let maximumRowspan = 65_534

    /// The file as given.
    public let file: String
    /// The tables with rows, in document order.
    private var tables: [(name: String?, rows: [TableRow])]
    private var table = 0
    private var started = false
    private var position = 0

    public init(path: String) throws {
        file = path
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > Self.maximumFileSize {
                throw TableReadError.noTable(
                    file: path, reason: "it is larger than \(Self.maximumFileSize >> 20) MiB, the most read as an HTML table")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as TableReadError {
            throw error
        } catch {
            throw TableReadError.unreadable(file: path, reason: "\(error.localizedDescription)")
        }
        switch TableFileKind.sniff(data.prefix(1024)) {
        case .html: break
        case .compoundDocument: throw TableReadError.oldBinaryExcel(file: path)
        case .zipWorkbook: throw TableReadError.noTable(file: path, reason: "it is an .xlsx workbook (a zip), not an HTML page")
        case .other: throw TableReadError.noTable(file: path, reason: data.isEmpty ? "the file is empty" : "it is not an HTML page (it does not start with \"<\")")
        }
        tables = try Self.parse(data, file: path)
    }

    /// The next row of the current table, or nil after its last.
    public mutating func next() throws -> TableRow? {
        guard table < tables.count, position < tables[table].rows.count else { return nil }
        defer { position += 1 }
        return tables[table].rows[position]
    }

    /// Moves to the next table (the first, on the first call); false after the last.
    public mutating func nextTable() throws -> Bool {
        if !started {
            started = true
            return !tables.isEmpty
        }
        guard table + 1 < tables.count else {
            table = tables.count
            return false
        }
        table += 1
        position = 0
        return true
    }

    public var tableName: String? { table < tables.count ? tables[table].name : nil }
    /// Tables of the page are not sheets: messages name them `table 2`.
    public var tablesAreSheets: Bool { false }

    // MARK: Parsing

    private static func parse(_ data: Data, file: String) throws -> [(name: String?, rows: [TableRow])] {
        xmlInitParser()
        var options = Int32(HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue)
        let hasBOM = data.starts(with: [0xEF, 0xBB, 0xBF]) || data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF])
        var encoding: String?
        if !hasBOM && String(data: data, encoding: .utf8) != nil {
            encoding = "UTF-8"
            options |= Int32(HTML_PARSE_IGNORE_ENC.rawValue)
        }
        // Encoding errors of the page would otherwise go to stderr from inside libxml2 (past
        // the logger); the table's own problems are reported as rows. Quiet for this parse only.
        xmlSetStructuredErrorFunc(nil, { _, _ in })
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let document: htmlDocPtr? = data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            if let encoding {
                return htmlReadMemory(base, Int32(raw.count), "table.html", encoding, options)
            }
            return htmlReadMemory(base, Int32(raw.count), "table.html", nil, options)
        }
        guard let document else {
            throw TableReadError.noTable(file: file, reason: "it cannot be parsed as HTML")
        }
        defer { xmlFreeDoc(document) }
        var tables: [[xmlNodePtr]] = []
        collectTables(UnsafeMutableRawPointer(document).assumingMemoryBound(to: xmlNode.self), into: &tables)
        guard !tables.isEmpty else { throw TableReadError.noTable(file: file, reason: "there is no <table> in it") }
        let withRows = tables.indices.filter { !tables[$0].isEmpty }
        guard !withRows.isEmpty else { throw TableReadError.noTable(file: file, reason: "its tables have no rows (<tr>)") }
        return withRows.map { index in
            let name = withRows.count > 1 ? "table \(index + 1)" : nil
            return (name, grid(tables[index], name: name))
        }
    }

    /// The rows (`<tr>`) of every table under `node`, each table's own rows only.
    private static func collectTables(_ node: xmlNodePtr, into tables: inout [[xmlNodePtr]]) {
        var child = node.pointee.children
        while let current = child {
            if isElement(current, "table") {
                var rows: [xmlNodePtr] = []
                collectRows(current, into: &rows)
                tables.append(rows)
            }
            collectTables(current, into: &tables)
            child = current.pointee.next
        }
    }

    private static func collectRows(_ node: xmlNodePtr, into rows: inout [xmlNodePtr]) {
        var child = node.pointee.children
        while let current = child {
            if isElement(current, "tr") {
                rows.append(current)
            } else if !isElement(current, "table") {
                collectRows(current, into: &rows)
            }
            child = current.pointee.next
        }
    }

    /// Lays the cells out on a grid, spans as Excel lays out merged cells.
    private static func grid(_ rows: [xmlNodePtr], name: String?) -> [TableRow] {
        var covered: [Int: Int] = [:]  // column → rows still covered by a rowspan from above
        var result: [TableRow] = []
        for (index, row) in rows.enumerated() {
            var cells: [String] = []
            var problem: String?
            func skipCovered() {
                while let left = covered[cells.count], left > 0 {
                    covered[cells.count] = left - 1
                    cells.append("")
                }
            }
            var child = row.pointee.children
            while let cell = child {
                child = cell.pointee.next
                guard isElement(cell, "td") || isElement(cell, "th") else { continue }
                skipCovered()
                let colspan = min(max(Int(attribute(cell, "colspan") ?? "") ?? 1, 1), maximumColspan)
                let rowspan = min(max(Int(attribute(cell, "rowspan") ?? "") ?? 1, 1), maximumRowspan)
                if cells.count + colspan > XLSXReader.maximumColumns {
                    problem = "row has more than \(XLSXReader.maximumColumns) columns; the cells past column XFD are left out"
                    break
                }
                let start = cells.count
                cells.append(text(of: cell))
                for _ in 1..<colspan { cells.append("") }
                if rowspan > 1 {
                    for column in start..<(start + colspan) { covered[column] = rowspan - 1 }
                }
            }
            // Columns past the row's last cell that a rowspan from above still covers.
            for (column, left) in covered where column >= cells.count && left > 0 {
                covered[column] = left - 1
            }
            covered = covered.filter { $0.value > 0 }
            while cells.last?.isEmpty == true { cells.removeLast() }
            if cells.isEmpty && problem == nil { continue }
            result.append(TableRow(line: index + 1, sheet: name, cells: cells, problem: problem))
        }
        return result
    }

    private static let blockElements: Set<String> = [
        "p", "div", "li", "ul", "ol", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section",
    ]

    /// A cell's text: text nodes joined, `<br>` and block elements as spaces, whitespace collapsed.
    private static func text(of cell: xmlNodePtr) -> String {
        var raw = ""
        func walk(_ node: xmlNodePtr) {
            var child = node.pointee.children
            while let current = child {
                switch current.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = current.pointee.content { raw += String(cString: content) }
                case XML_ELEMENT_NODE:
                    let name = elementName(current)
                    if name == "br" {
                        raw += " "
                    } else if name != "script" && name != "style" {
                        let block = blockElements.contains(name)
                        if block { raw += " " }
                        walk(current)
                        if block { raw += " " }
                    }
                default:
                    break
                }
                child = current.pointee.next
            }
        }
        walk(cell)
        return raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private static func elementName(_ node: xmlNodePtr) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: name).lowercased()
    }

    private static func isElement(_ node: xmlNodePtr, _ name: String) -> Bool {
        node.pointee.type == XML_ELEMENT_NODE && elementName(node) == name
    }

    /// An attribute's text, read from the node (no allocation to free).
    private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        var property = node.pointee.properties
        while let current = property {
            if let propertyName = current.pointee.name, String(cString: propertyName).lowercased() == name {
                var value = ""
                var child = current.pointee.children
                while let text = child {
                    if let content = text.pointee.content { value += String(cString: content) }
                    child = text.pointee.next
                }
                return value.trimmingCharacters(in: .whitespaces)
            }
            property = current.pointee.next
        }
        return nil
    }
}
