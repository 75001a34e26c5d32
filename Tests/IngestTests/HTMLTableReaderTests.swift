import Foundation
import Testing

@testable import Ingest

private let workbooks = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/workbooks")

/// Every table of the page with its name and rows, in document order.
private func htmlTables(_ path: String) throws -> [(name: String?, rows: [TableRow])] {
    var reader = try HTMLTableReader(path: path)
    var tables: [(name: String?, rows: [TableRow])] = []
    while try reader.nextTable() {
        var rows: [TableRow] = []
        while let row = try reader.next() { rows.append(row) }
        tables.append((reader.tableName, rows))
    }
    return tables
}

/// The rows of the page's last table (the data table of the one-stop exports).
private func htmlRows(_ path: String) throws -> [TableRow] { try htmlTables(path).last?.rows ?? [] }

private func htmlFile(_ bytes: Data) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("html-test-\(UUID().uuidString).xls").path
    try bytes.write(to: URL(fileURLWithPath: path))
    return path
}

private func htmlFile(_ text: String) throws -> String { try htmlFile(Data(text.utf8)) }

@Suite("HTML table reader")
struct HTMLTableReaderTests {
    /// The data table of both one-stop fixtures (make_workbooks.py), as the reader lays it out.
    static let oneStopRows: [(Int, [String])] = [
        (1, ["STT", "Đơn vị", "Hồ sơ", "", "Kết quả"]),
        (2, ["", "", "Mã hồ sơ", "Ngày nhận"]),
        (3, ["1", "Sở Tư pháp", "HS-000123", "05/03/2024", "Đúng hạn"]),
        (4, ["2", "Sở Y tế", "HS-000124", "06/03/2024", "Trễ hạn (2 ngày)"]),
        (5, ["3", "Sở Xây dựng", "HS-000125", "07/03/2024"]),
        (6, ["Tổng số", "", "3"]),
    ]

    @Test("a one-stop export saved as .xls: the title table, then the data table, spans laid out as merged cells, &nbsp; and <br> as spaces")
    func oneStopExport() throws {
        let path = workbooks.appendingPathComponent("one_stop_export.xls").path
        #expect(try TableFileKind.sniff(path: path) == .html)
        let tables = try htmlTables(path)
        #expect(tables.map(\.name) == ["table 1", "table 2"])
        let rows = try htmlRows(path)
        #expect(rows.map(\.line) == Self.oneStopRows.map(\.0))
        #expect(rows.map(\.cells) == Self.oneStopRows.map(\.1))
        #expect(rows.allSatisfy { $0.sheet == "table 2" && $0.problem == nil })
        #expect(Array(rows[2].cells[1].utf8) == Array("Sở Tư pháp".precomposedStringWithCanonicalMapping.utf8))
    }

    @Test("a windows-1258 page is decoded as its <meta charset> says")
    func windows1258() throws {
        let rows = try htmlRows(workbooks.appendingPathComponent("one_stop_cp1258.xls").path)
        // windows-1258 spells tones as combining marks, so compare as Unicode text (==), not bytes.
        #expect(rows.map(\.cells) == Self.oneStopRows.map(\.1))
    }

    @Test("UTF-8 bytes are read as UTF-8 even when the page's <meta charset> says otherwise (a template left unchanged)")
    func utf8OverMeta() throws {
        let path = try htmlFile("<html><head><meta charset=\"iso-8859-1\"></head><body><table><tr><td>Hài lòng</td></tr></table></body></html>")
        #expect(try htmlRows(path).map(\.cells) == [["Hài lòng"]])
    }

    @Test("a rowspan leaves \"\" below it and pushes the next row's cells right; colspan adds \"\" after the text")
    func spans() throws {
        let path = try htmlFile("""
            <table>
            <tr><td rowspan="3">A</td><td>B</td><td rowspan="2">C</td><td>D</td></tr>
            <tr><td>E</td><td>F</td></tr>
            <tr><td colspan="3">G</td><td>H</td></tr>
            <tr><td>I</td><td colspan="0">J</td><td colspan="x">K</td></tr>
            </table>
            """)
        let rows = try htmlRows(path)
        #expect(rows.map(\.cells) == [
            ["A", "B", "C", "D"],
            ["", "E", "", "F"],
            ["", "G", "", "", "H"],
            ["I", "J", "K"],
        ])
    }

    @Test("every table is read, in document order, named table N by its place among the page's tables; a nested table keeps its own rows")
    func everyTable() throws {
        let path = try htmlFile("""
            <html><body><table><tr><td>title</td></tr></table>
            <table></table>
            <table><tr><td>a</td><td><table><tr><td>x</td></tr><tr><td>y</td></tr></table></td></tr>
            <tr><td>b</td></tr></table>
            <table><tr><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr></table>
            </body></html>
            """)
        let tables = try htmlTables(path)
        #expect(tables.map(\.name) == ["table 1", "table 3", "table 4", "table 5"])
        #expect(tables.map { $0.rows.map(\.cells) } == [[["title"]], [["a", "x y"], ["b"]], [["x"], ["y"]], [["1"], ["2"], ["3"]]])
        #expect(tables.allSatisfy { table in table.rows.allSatisfy { $0.sheet == table.name } })
        // One table: no name, as before.
        let one = try htmlFile("<table><tr><td>a</td></tr></table>")
        #expect(try htmlTables(one).map(\.name) == [nil])
    }

    @Test("cell text: whitespace collapsed, <br> and blocks separate words, scripts and styles left out, empty rows skipped")
    func cellText() throws {
        let path = try htmlFile("""
            <table><tr><td>  Nguyễn\n\t Văn&nbsp;An </td><td>line<br>break</td><td><p>one</p><p>two</p></td>\
            <td>x<script>alert(1)</script><style>p{}</style>y</td></tr>
            <tr><td>&nbsp;</td><td> </td></tr>
            <tr><td></td><td>last</td></tr></table>
            """)
        let rows = try htmlRows(path)
        #expect(rows.map(\.line) == [1, 3])
        #expect(rows.map(\.cells) == [["Nguyễn Văn An", "line break", "one two", "xy"], ["", "last"]])
    }

    @Test("a page with no table, a binary .xls, a workbook and a CSV are errors that say what the file is")
    func notTables() throws {
        let noTable = try htmlFile("<html><body><p>Không có dữ liệu</p></body></html>")
        #expect(throws: TableReadError.noTable(file: noTable, reason: "there is no <table> in it")) { try HTMLTableReader(path: noTable) }
        let biff = try htmlFile(Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)))
        #expect(throws: TableReadError.oldBinaryExcel(file: biff)) { try HTMLTableReader(path: biff) }
        #expect(TableReadError.oldBinaryExcel(file: "a.xls").description == "a.xls: an old binary Excel 97-2003 workbook: save it as .xlsx or CSV")
        let zip = try htmlFile(Data([0x50, 0x4B, 0x03, 0x04, 0, 0]))
        #expect(throws: TableReadError.noTable(file: zip, reason: "it is an .xlsx workbook (a zip), not an HTML page")) { try HTMLTableReader(path: zip) }
        let csv = try htmlFile("id,unit\n1,A\n")
        #expect(throws: TableReadError.noTable(file: csv, reason: "it is not an HTML page (it does not start with \"<\")")) { try HTMLTableReader(path: csv) }
    }

    @Test("nothing outside the file is read: a DOCTYPE naming a local file or the network changes nothing")
    func nothingExternal() throws {
        let path = try htmlFile("""
            <!DOCTYPE html SYSTEM "file:///etc/passwd"><html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>
            <body><table><tr><td>&xxe;</td><td><img src="file:///etc/passwd">ok</td></tr></table></body></html>
            """)
        let rows = try htmlRows(path)
        #expect(rows.count == 1)
        #expect(rows[0].cells == ["&xxe;", "ok"])
    }

    @Test("a row wider than 16,384 columns is a row problem")
    func tooWide() throws {
        let path = try htmlFile("<table><tr><td>a</td><td colspan=\"1000\">b</td>" + String(repeating: "<td colspan=\"1000\">c</td>", count: 17) + "</tr></table>")
        let rows = try htmlRows(path)
        #expect(rows.count == 1)
        #expect(rows[0].problem == "row has more than 16384 columns; the cells past column XFD are left out")
        #expect(rows[0].cells.count <= 16_384)
    }
}

@Suite("Table file kind")
struct TableFileKindTests {
    static let heads: [([UInt8], TableFileKind)] = [
        (Array("<html><body>".utf8), .html),
        (Array("<table><tr>".utf8), .html),
        (Array("<".utf8), .html),
        (Array("  \r\n\t<!DOCTYPE html>".utf8), .html),
        ([0xEF, 0xBB, 0xBF] + Array("<table>".utf8), .html),
        ([0xFF, 0xFE, 0x3C, 0x00, 0x74, 0x00], .html),
        ([0xFE, 0xFF, 0x00, 0x20, 0x00, 0x3C], .html),
        ([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], .zipWorkbook),
        ([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], .compoundDocument),
        (Array("id,unit\n".utf8), .other),
        ([0xEF, 0xBB, 0xBF] + Array("id,unit".utf8), .other),
        ([], .other),
    ]

    @Test("a file is judged by its first bytes", arguments: heads)
    func sniff(head: [UInt8], kind: TableFileKind) {
        #expect(TableFileKind.sniff(head) == kind)
    }
}
