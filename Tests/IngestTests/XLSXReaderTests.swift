import Foundation
import Testing
import ZIPFoundation

@testable import Ingest

/// fixtures/workbooks, written by fixtures/workbooks/make_workbooks.py.
private let workbooks = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/workbooks")

private func fixture(_ name: String) -> String { workbooks.appendingPathComponent(name).path }

private func readAll(_ path: String, sheet: String? = nil, limits: WorkbookLimits = WorkbookLimits()) throws -> [TableRow] {
    var reader = try XLSXReader(path: path, sheet: sheet, limits: limits)
    var rows: [TableRow] = []
    while let row = try reader.next() { rows.append(row) }
    return rows
}

/// The error a throwing call threw, as a `TableReadError` (nil if it threw none or another).
private func readError(_ body: () throws -> Void) -> TableReadError? {
    do {
        try body()
        return nil
    } catch let error as TableReadError {
        return error
    } catch {
        return nil
    }
}

// MARK: - Writing test workbooks

/// Zip files for the tests, written with ZIPFoundation into a temporary folder.
enum TestZip {
    static func temporaryPath(_ suffix: String = ".xlsx") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-test-\(UUID().uuidString)\(suffix)").path
    }

    /// Writes `entries` (name, bytes) deflated, in order.
    static func write(_ entries: [(String, Data)], to path: String = temporaryPath()) throws -> String {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, data) in entries {
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        return path
    }

    /// Writes one entry of `size` bytes made by repeating `pattern` after `prefix` (a zip bomb
    /// compresses about 1000 to 1), plus the other `entries`.
    static func writeBomb(name: String, prefix: String, pattern: String, size: Int64,
                          entries: [(String, Data)], to path: String = temporaryPath()) throws -> String {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (entryName, data) in entries {
            try archive.addEntry(
                with: entryName, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        let head = Data(prefix.utf8)
        let block = Data(String(repeating: pattern, count: max(1, (1 << 20) / pattern.utf8.count)).utf8)
        try archive.addEntry(
            with: name, type: .file, uncompressedSize: size, compressionMethod: .deflate, bufferSize: 1 << 20,
            provider: { position, want in
                var chunk = Data()
                var at = Int(position)
                while chunk.count < want {
                    if at < head.count {
                        chunk.append(head.subdata(in: at..<min(head.count, at + want - chunk.count)))
                    } else {
                        let offset = (at - head.count) % block.count
                        chunk.append(block.subdata(in: offset..<min(block.count, offset + want - chunk.count)))
                    }
                    at = Int(position) + chunk.count
                }
                return chunk
            })
        return path
    }

    /// Rewrites fields of the entry `name` in both its local header and the central directory:
    /// the declared uncompressed size, the compression method, the flags.
    static func patch(_ path: String, entry name: String, uncompressedSize: UInt32? = nil,
                      method: UInt16? = nil, flags: UInt16? = nil) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let nameBytes = Array(name.utf8)
        func put16(_ value: UInt16, _ at: Int) { bytes[at] = UInt8(value & 0xFF); bytes[at + 1] = UInt8(value >> 8) }
        func put32(_ value: UInt32, _ at: Int) { put16(UInt16(value & 0xFFFF), at); put16(UInt16(value >> 16), at + 2) }
        var i = 0
        while i + 46 < bytes.count {
            if bytes[i...].starts(with: [0x50, 0x4B, 0x03, 0x04]), Array(bytes[(i + 30)..<min(bytes.count, i + 30 + nameBytes.count)]) == nameBytes {
                if let flags { put16(flags, i + 6) }
                if let method { put16(method, i + 8) }
                if let uncompressedSize { put32(uncompressedSize, i + 22) }
            }
            if bytes[i...].starts(with: [0x50, 0x4B, 0x01, 0x02]), Array(bytes[(i + 46)..<min(bytes.count, i + 46 + nameBytes.count)]) == nameBytes {
                if let flags { put16(flags, i + 8) }
                if let method { put16(method, i + 10) }
                if let uncompressedSize { put32(uncompressedSize, i + 24) }
            }
            i += 1
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// The smallest workbook Excel opens: one sheet, optional shared strings and styles.
enum TestWorkbook {
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    static func sheet(_ rows: String, head: String = "") -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\(head)<worksheet xmlns=\"\(main)\"><sheetData>\(rows)</sheetData></worksheet>"
    }

    static func parts(sheet: String, sharedStrings: String? = nil, styles: String? = nil, workbookPr: String = "") -> [(String, Data)] {
        var relationships = """
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
            """
        var parts: [(String, String)] = [
            ("_rels/.rels", """
                <?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                </Relationships>
                """),
            ("xl/workbook.xml", """
                <?xml version="1.0"?><workbook xmlns="\(main)" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                \(workbookPr)<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>
                """),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        if let sharedStrings {
            relationships += "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
            parts.append(("xl/sharedStrings.xml", sharedStrings))
        }
        if let styles {
            relationships += "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
            parts.append(("xl/styles.xml", styles))
        }
        parts.append(("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(relationships)</Relationships>
            """))
        return parts.map { ($0.0, Data($0.1.utf8)) }
    }

    static func write(sheet: String, sharedStrings: String? = nil, styles: String? = nil, workbookPr: String = "") throws -> String {
        try TestZip.write(parts(sheet: sheet, sharedStrings: sharedStrings, styles: styles, workbookPr: workbookPr))
    }

    /// A sheet of inline strings, one `<row>` per entry, numbered from 1.
    static func sheet(cells rows: [[String]]) -> String {
        sheet(rows.enumerated().map { index, cells in
            "<row r=\"\(index + 1)\">" + cells.enumerated().map { column, text in
                "<c r=\"\(CellText.columnName(column + 1))\(index + 1)\" t=\"inlineStr\"><is><t>\(text)</t></is></c>"
            }.joined() + "</row>"
        }.joined())
    }

    /// A workbook of several sheets (name, sheet XML, hidden), in this workbook order.
    static func parts(sheets: [(name: String, xml: String, hidden: Bool)]) -> [(String, Data)] {
        var relationships = ""
        var entries = ""
        var parts: [(String, String)] = [
            ("_rels/.rels", """
                <?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                </Relationships>
                """),
        ]
        for (index, sheet) in sheets.enumerated() {
            relationships += "<Relationship Id=\"rId\(index + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(index + 1).xml\"/>"
            entries += "<sheet name=\"\(sheet.name)\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"\(sheet.hidden ? " state=\"hidden\"" : "")/>"
            parts.append(("xl/worksheets/sheet\(index + 1).xml", sheet.xml))
        }
        parts.append(("xl/workbook.xml", """
            <?xml version="1.0"?><workbook xmlns="\(main)" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets>\(entries)</sheets></workbook>
            """))
        parts.append(("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(relationships)</Relationships>
            """))
        return parts.map { ($0.0, Data($0.1.utf8)) }
    }

    /// Writes a workbook of several sheets of inline strings (name, rows, hidden).
    static func write(sheets: [(name: String, rows: [[String]], hidden: Bool)], to path: String = TestZip.temporaryPath()) throws -> String {
        try TestZip.write(parts(sheets: sheets.map { ($0.name, sheet(cells: $0.rows), $0.hidden) }), to: path)
    }
}

// MARK: - Workbooks as users send them

@Suite("XLSX reader: workbooks as users send them")
struct XLSXReaderTests {
    @Test("an openpyxl sheet with a title row, a footer, merged cells and inline strings reads as the user sees it")
    func openpyxlSurvey() throws {
        var reader = try XLSXReader(path: fixture("openpyxl_survey.xlsx"))
        #expect(reader.sheetName == "Phiếu")
        #expect(reader.sheetNames == ["Phiếu", "Số liệu"])
        var rows: [TableRow] = []
        while let row = try reader.next() { rows.append(row) }
        #expect(rows.map(\.line) == [1, 3, 4, 5, 6, 8])
        #expect(rows.allSatisfy { $0.sheet == "Phiếu" && $0.problem == nil })
        #expect(rows.map(\.cells) == [
            ["Kết quả khảo sát SIPAS 2024 – Sở Tư pháp"],
            ["STT", "Họ và tên", "Ngày nộp", "Điểm", "Hài lòng", "Ghi chú"],
            ["1", "Nguyễn Văn An", "2024-03-05", "4", "TRUE"],
            ["2", "Trần Thị Bích", "2024-12-31", "0.5", "FALSE", "Đã gọi lại"],
            ["3", "Lê Hoàng Ánh", "2024-03-05T14:30:15", "-2.25", "", "x"],
            ["Tổng số", "", "", "2.25", "", "3"],
        ])
    }

    @Test("Vietnamese text keeps its NFC bytes (String == would also accept NFD)")
    func vietnameseStaysNFC() throws {
        let rows = try readAll(fixture("openpyxl_survey.xlsx"))
        let names = rows.compactMap { $0.cells.count > 1 ? $0.cells[1] : nil }
        #expect(names.contains("Nguyễn Văn An"))
        for name in names {
            #expect(Array(name.utf8) == Array(name.precomposedStringWithCanonicalMapping.utf8))
        }
        #expect(Array(rows[0].cells[0].utf8) == Array("Kết quả khảo sát SIPAS 2024 – Sở Tư pháp".precomposedStringWithCanonicalMapping.utf8))
    }

    @Test("a sheet is chosen by name, also when the name is spelled in NFD")
    func namedSheet() throws {
        let nfd = "Số liệu".decomposedStringWithCanonicalMapping
        var reader = try XLSXReader(path: fixture("openpyxl_survey.xlsx"), sheet: nfd)
        #expect(reader.sheetName == "Số liệu")
        #expect(try reader.next()?.cells == ["integer", "42"])
    }

    @Test("numbers read as their shortest text, times as HH:MM:SS, and a formula without a saved value is a row problem")
    func openpyxlNumbers() throws {
        let rows = try readAll(fixture("openpyxl_survey.xlsx"), sheet: "Số liệu")
        let values = Dictionary(uniqueKeysWithValues: rows.map { ($0.cells[0], $0.cells.count > 1 ? $0.cells[1] : "") })
        #expect(values["integer"] == "42")
        #expect(values["float that is whole"] == "3")
        // openpyxl writes "%.16g", so 0.1 + 0.2 is stored as 0.3 (Excel would store 17 digits).
        #expect(values["tenth plus fifth"] == "0.3")
        #expect(values["large"] == "1234567.891")
        #expect(values["tiny"] == "1e-7")
        #expect(values["huge"] == "1.5e+21")
        #expect(values["negative"] == "-17")
        #expect(values["percent"] == "0.25")
        #expect(values["time of day"] == "08:15:00")
        #expect(values["text that looks like a number"] == "007")
        let formula = try #require(rows.first { $0.cells[0] == "formula without saved value" })
        #expect(formula.line == 10)
        #expect(formula.problem?.contains("cell B10 has a formula (=B1*2) but no saved value") == true)
        #expect(rows.filter { $0.problem != nil }.count == 1)
    }

    @Test("dates in the 1904 system count from 1904-01-01")
    func dates1904() throws {
        let rows = try readAll(fixture("openpyxl_1904.xlsx"))
        #expect(rows.map(\.cells) == [
            ["date", "2024-03-05"], ["first day", "1904-01-01"], ["datetime", "2024-03-05T14:30:15"],
        ])
    }

    @Test("an Excel-style workbook: the first sheet is found through the relationships, shared strings with rich text, merged title and footer")
    func excelSummarySheet() throws {
        var reader = try XLSXReader(path: fixture("excel_shared_strings.xlsx"))
        #expect(reader.sheetNames == ["Tóm tắt", "Dữ liệu"])
        #expect(reader.sheetName == "Tóm tắt")
        var rows: [TableRow] = []
        while let row = try reader.next() { rows.append(row) }
        #expect(rows.map(\.line) == [1, 3, 4, 5, 6])
        #expect(rows.map(\.cells) == [
            ["Báo cáo quý I/2024"],
            ["STT", "Đơn vị", "Hài lòng (%)"],
            ["1", "Sở Tư pháp", "0.92"],
            ["2", "Sở Y tế", "0.875"],
            ["Tổng số", "", "1.795"],
        ])
    }

    @Test("every kind of cell Excel writes reads as its text", arguments: [
        (1, ["kind", "value"]),
        (2, ["number", "4"]),
        (3, ["formula", "8", "ab"]),
        (4, ["error", "#N/A", "#DIV/0!"]),
        (5, ["boolean", "TRUE", "FALSE"]),
        (6, ["no refs", "1.5", "2.5"]),
        (7, ["gap", "", "", "0.5"]),
        (10, ["1900 serials", "1900-02-28", "1900-02-29", "1900-03-01", "1900-01-01"]),
        (11, ["dates", "2024-03-05", "2024-03-05", "2024-03-05T14:30:15", "2024-03-05T12:00:00", "2024-03-05"]),
        (12, ["not dates", "2.5", "45356", "45356"]),
        (13, ["times", "36:00:00", "12:00:00"]),
        (16, ["  two leading spaces", "line one\r\nline two", "", "x"]),
        (17, ["STT", "0", "0", "0.001", "4.000000000000001", "123456789012"]),
    ])
    func excelCellKinds(line: Int, cells: [String]) throws {
        let rows = try readAll(fixture("excel_shared_strings.xlsx"), sheet: "Dữ liệu")
        let row = try #require(rows.first { $0.line == line })
        #expect(row.cells == cells)
        #expect(row.problem == nil)
        #expect(row.sheet == "Dữ liệu")
    }

    @Test("rows with no text (styled empty cells, empty row elements) are skipped; the others keep Excel's numbers")
    func excelRowNumbers() throws {
        let rows = try readAll(fixture("excel_shared_strings.xlsx"), sheet: "Dữ liệu")
        #expect(rows.map(\.line) == [1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 16, 17])
    }

    @Test("an unknown sheet name is an error that lists the sheets")
    func unknownSheet() {
        let error = readError { _ = try XLSXReader(path: fixture("excel_shared_strings.xlsx"), sheet: "Sheet1") }
        #expect(error == .unknownSheet(file: fixture("excel_shared_strings.xlsx"), sheet: "Sheet1", available: ["Tóm tắt", "Dữ liệu"]))
        #expect(error?.description.hasSuffix("no sheet named \"Sheet1\"; the sheets are \"Tóm tắt\", \"Dữ liệu\"") == true)
    }

    @Test("the generator script wrote the committed fixtures (same sheets as the script describes)")
    func fixturesExist() {
        for name in ["openpyxl_survey.xlsx", "openpyxl_1904.xlsx", "excel_shared_strings.xlsx"] {
            #expect(TableFileKind.sniffFile(fixture(name)) == .zipWorkbook, "\(name)")
        }
    }
}

extension TableFileKind {
    fileprivate static func sniffFile(_ path: String) -> TableFileKind? { try? sniff(path: path) }
}

// MARK: - Cells and rows that cannot be read as written

@Suite("XLSX reader: row problems")
struct XLSXRowProblemTests {
    @Test("a malformed cell reference is a row problem, and the next rows still read")
    func malformedReference() throws {
        let path = try TestWorkbook.write(sheet: TestWorkbook.sheet("""
            <row r="1"><c r="A1"><v>1</v></c><c r="1B"><v>2</v></c></row>\
            <row r="2"><c r="A2"><v>3</v></c></row>
            """))
        let rows = try readAll(path)
        #expect(rows.map(\.line) == [1, 2])
        #expect(rows[0].cells == ["1", "2"])
        #expect(rows[0].problem == "cell reference \"1B\" is malformed; expected a column A to XFD and the row number, e.g. B1")
        #expect(rows[1].cells == ["3"])
        #expect(rows[1].problem == nil)
    }

    @Test("a cell past column XFD is a row problem, not a crash; XFD itself is the 16,384th column")
    func tooManyColumns() throws {
        let path = try TestWorkbook.write(sheet: TestWorkbook.sheet("""
            <row r="1"><c r="A1"><v>1</v></c><c r="XFE1"><v>2</v></c></row>\
            <row r="2"><c r="XFD2"><v>9</v></c></row>\
            <row r="3"><c r="ZZZZ3"><v>9</v></c></row>
            """))
        let rows = try readAll(path)
        #expect(rows[0].cells == ["1"])
        #expect(rows[0].problem?.hasPrefix("cell XFE1 is past the last column XFD (a sheet has at most 16384 columns)") == true)
        #expect(rows[1].cells.count == 16_384)
        #expect(rows[1].cells.last == "9")
        #expect(rows[1].problem == nil)
        #expect(rows[2].problem?.contains("\"ZZZZ3\" is malformed") == true)
    }

    @Test("more than 16,384 cells without references make one row problem (the first few named, then a count)")
    func tooManyCellsWithoutReferences() throws {
        let cells = String(repeating: "<c><v>1</v></c>", count: 16_390)
        let path = try TestWorkbook.write(sheet: TestWorkbook.sheet("<row r=\"1\">\(cells)</row>"))
        let rows = try readAll(path)
        #expect(rows.count == 1)
        #expect(rows[0].cells.count == 16_384)
        #expect(rows[0].problem?.hasPrefix("cell XFE1 is past the last column XFD") == true)
        #expect(rows[0].problem?.hasSuffix("; and 3 more") == true)
    }

    @Test("a shared-string index past the table, a bad boolean and a row out of order are row problems")
    func badValues() throws {
        let path = try TestWorkbook.write(
            sheet: TestWorkbook.sheet("""
                <row r="2"><c r="A2" t="s"><v>5</v></c><c r="B2" t="b"><v>yes</v></c></row>\
                <row r="1"><c r="A1" t="s"><v>0</v></c></row>
                """),
            sharedStrings: "<sst xmlns=\"\(TestWorkbook.main)\"><si><t>only</t></si></sst>")
        let rows = try readAll(path)
        // A row numbered again is read as the next row, so no two rows share a line.
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows[0].problem == "cell A2 refers to shared string 5, but the workbook has 1; cell B2 is a boolean with the value \"yes\"; expected 1 or 0")
        #expect(rows[1].cells == ["only"])
        #expect(rows[1].problem?.hasPrefix("row 1 comes after row 2; expected rows in increasing order; read as row 3") == true)
    }

    @Test("a number that is not a number keeps its text and is a row problem")
    func notANumber() throws {
        let path = try TestWorkbook.write(sheet: TestWorkbook.sheet("<row r=\"1\"><c r=\"A1\"><v>12,5</v></c></row>"))
        let rows = try readAll(path)
        #expect(rows[0].cells == ["12,5"])
        #expect(rows[0].problem == "cell A1 holds \"12,5\" as a number; expected a number")
    }
}

// MARK: - Hostile and broken files

@Suite("XLSX reader: hostile and broken files")
struct XLSXHostileTests {
    @Test("an entry name that climbs out of its folder or is absolute refuses the workbook", arguments: [
        "../evil.xml", "xl/../../evil.xml", "/etc/evil.xml", "\\evil.xml", "C:\\evil.xml", "xl\\..\\..\\evil.xml",
    ])
    func pathTraversal(name: String) throws {
        let parts = TestWorkbook.parts(sheet: TestWorkbook.sheet("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"))
        let path = try TestZip.write(parts + [(name, Data("x".utf8))])
        guard case .unsafeEntry(_, let entry, _)? = readError({ _ = try XLSXReader(path: path) }) else {
            Issue.record("expected unsafeEntry for \(name)")
            return
        }
        #expect(entry == name)
    }

    @Test("a part whose declared size is past the limit is refused before anything is inflated")
    func declaredBomb() throws {
        let path = try TestWorkbook.write(sheet: TestWorkbook.sheet("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"))
        try TestZip.patch(path, entry: "xl/worksheets/sheet1.xml", uncompressedSize: 0xF000_0000)
        #expect(readError { _ = try readAll(path) } == .partTooLarge(file: path, part: "xl/worksheets/sheet1.xml", limit: XLSXReader.maximumPartSize))
    }

    @Test("a sheet that inflates past 256 MiB while its size says 1 KiB stops at the limit", .timeLimit(.minutes(2)))
    func lyingBomb() throws {
        let size = XLSXReader.maximumPartSize + (16 << 20)
        let others = TestWorkbook.parts(sheet: "").filter { $0.0 != "xl/worksheets/sheet1.xml" }
        let path = try TestZip.writeBomb(
            name: "xl/worksheets/sheet1.xml", prefix: "<worksheet xmlns=\"\(TestWorkbook.main)\"><sheetData>",
            pattern: "<x>" + String(repeating: "a", count: 1000) + "</x>", size: size, entries: others)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TestZip.patch(path, entry: "xl/worksheets/sheet1.xml", uncompressedSize: 1024)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.size] as? Int ?? 0) < 2 << 20)
        #expect(readError { _ = try readAll(path) } == .partTooLarge(file: path, part: "xl/worksheets/sheet1.xml", limit: XLSXReader.maximumPartSize))
    }

    @Test("the parts of one workbook together may not inflate past the workbook limit")
    func totalLimit() throws {
        let rows = String(repeating: "<row><c><v>1</v></c></row>", count: 2_000)
        let path = try TestWorkbook.write(
            sheet: TestWorkbook.sheet(rows),
            sharedStrings: "<sst>" + String(repeating: "<si><t>abc</t></si>", count: 2_000) + "</sst>")
        var limits = WorkbookLimits()
        limits.part = 60_000
        limits.total = 80_000
        #expect(readError { _ = try readAll(path, limits: limits) } == .workbookTooLarge(file: path, limit: 80_000))
        limits.total = 200_000
        #expect(try readAll(path, limits: limits).count == 2_000)
    }

    @Test("a shared-string table past its entry limit is refused")
    func sharedStringLimit() throws {
        let path = try TestWorkbook.write(
            sheet: TestWorkbook.sheet(""), sharedStrings: "<sst>" + String(repeating: "<si/>", count: 11) + "</sst>")
        var limits = WorkbookLimits()
        limits.sharedStrings = 10
        guard case .malformedPart(_, "xl/sharedStrings.xml", _, let problem)? = readError({ _ = try readAll(path, limits: limits) }) else {
            Issue.record("expected a refused shared-string table")
            return
        }
        #expect(problem.hasPrefix("it has more than 10 strings"))
    }

    @Test("a deflate stream that does not end where the zip says is an error, not an endless loop", .timeLimit(.minutes(1)))
    func endlessDeflate() throws {
        // A non-final stored block that claims 65535 bytes: ZIPFoundation's own extract loops for ever on it.
        var parts = TestWorkbook.parts(sheet: "")
        parts = parts.map { $0.0 == "xl/worksheets/sheet1.xml" ? ($0.0, Data([0x00, 0xFF, 0xFF, 0x00, 0x00]) + Data("<a/>".utf8)) : $0 }
        let path = TestZip.temporaryPath()
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, data) in parts {
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count),
                compressionMethod: name == "xl/worksheets/sheet1.xml" ? .none : .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        try TestZip.patch(path, entry: "xl/worksheets/sheet1.xml", method: 8)
        #expect(readError { _ = try readAll(path) }
            == .malformedPart(file: path, part: "xl/worksheets/sheet1.xml", line: nil, problem: "the compressed data does not end where the zip directory says"))
    }

    @Test("a DOCTYPE is refused before any content is used", arguments: [
        // An external entity that would read a local file.
        ("sheet", "<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>", "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&xxe;</t></is></c></row>"),
        // A DTD on the network.
        ("sheet", "<!DOCTYPE worksheet SYSTEM \"http://127.0.0.1:9/x.dtd\">", "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"),
        // Billion laughs in the shared strings.
        ("sharedStrings", "", ""),
    ])
    func doctype(part: String, head: String, rows: String) throws {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">\
            <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">\
            <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>\
            <sst><si><t>&h;</t></si></sst>
            """
        let path = try TestWorkbook.write(
            sheet: TestWorkbook.sheet(rows, head: head),
            sharedStrings: part == "sharedStrings" ? laughs : nil)
        let expected = part == "sharedStrings" ? "xl/sharedStrings.xml" : "xl/worksheets/sheet1.xml"
        #expect(readError { _ = try readAll(path) } == .forbiddenDoctype(file: path, part: expected))
    }

    @Test("files that are not workbooks say what they are", arguments: [
        ("text", Data("id,unit\n1,A\n".utf8), "not an .xlsx workbook: it is not a zip archive"),
        ("empty", Data(), "not an .xlsx workbook: the file is empty"),
        ("html", Data("<html><table><tr><td>1</td></tr></table></html>".utf8), "not an .xlsx workbook: it is an HTML page"),
        ("ole2", Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)),
         "not an .xlsx workbook: it is a password-protected (encrypted) workbook or an old binary Excel 97-2003 workbook"),
    ])
    func notWorkbooks(name: String, bytes: Data, message: String) throws {
        let path = TestZip.temporaryPath()
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = readError { _ = try XLSXReader(path: path) }
        #expect(error?.description.hasPrefix("\(path): \(message)") == true, "\(String(describing: error))")
    }

    @Test("a zip without a workbook in it, or cut short, is not a workbook")
    func otherZips() throws {
        let docx = try TestZip.write([("word/document.xml", Data("<document/>".utf8))])
        #expect(readError { _ = try XLSXReader(path: docx) } == .missingPart(
            file: docx, part: "xl/workbook.xml",
            expected: "a zip with the parts of an .xlsx workbook (this zip may be another kind of document)"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture("excel_shared_strings.xlsx")))
        let cut = TestZip.temporaryPath()
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        guard case .notAWorkbook(_, let reason)? = readError({ _ = try XLSXReader(path: cut) }) else {
            Issue.record("expected notAWorkbook for a truncated zip")
            return
        }
        #expect(reason.hasPrefix("the zip archive is damaged"))
    }

    @Test("an encrypted zip entry or an unknown compression method is refused")
    func encryptedEntry() throws {
        let sheet = TestWorkbook.sheet("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>")
        let encrypted = try TestWorkbook.write(sheet: sheet)
        try TestZip.patch(encrypted, entry: "xl/worksheets/sheet1.xml", flags: 0x0001)
        #expect(readError { _ = try readAll(encrypted) } == .unsafeEntry(
            file: encrypted, entry: "xl/worksheets/sheet1.xml", reason: "is encrypted (a password-protected zip)"))
        let bzip2 = try TestWorkbook.write(sheet: sheet)
        try TestZip.patch(bzip2, entry: "xl/worksheets/sheet1.xml", method: 12)
        guard case .unsafeEntry(_, _, let reason)? = readError({ _ = try readAll(bzip2) }) else {
            Issue.record("expected unsafeEntry for compression method 12")
            return
        }
        #expect(reason.hasPrefix("uses compression method 12"))
    }

    @Test("XML that breaks off inside the sheet is an error with the part and line, after the rows before it")
    func brokenXML() throws {
        // libxml2 parses a little ahead, so the error comes a few rows before its line.
        let good = (1...3_000).map { "<row r=\"\($0)\"><c r=\"A\($0)\"><v>\($0)</v></c></row>\n" }.joined()
        let path = try TestWorkbook.write(sheet: """
            <?xml version="1.0"?>
            <worksheet xmlns="\(TestWorkbook.main)"><sheetData>
            \(good)<row r="3001"><c r="A3001"><v>2</v></c></rowx>
            </sheetData></worksheet>
            """)
        var reader = try XLSXReader(path: path)
        var read = 0
        let error = readError { while try reader.next() != nil { read += 1 } }
        #expect(read > 2_000)
        guard case .malformedPart(_, "xl/worksheets/sheet1.xml", let line, let problem)? = error else {
            Issue.record("expected malformedPart, got \(String(describing: error))")
            return
        }
        #expect(line == 3_003)
        #expect(problem.contains("rowx"))
        // The same error again, not a half-read row.
        #expect(readError { _ = try reader.next() } != nil)
    }

    @Test("a reader dropped before the end stops its inflating thread (many in a row do not hang)", .timeLimit(.minutes(1)))
    func droppedEarly() throws {
        let rows = String(repeating: "<row><c><v>1</v></c><c><v>2</v></c></row>", count: 50_000)
        let path = try TestWorkbook.write(sheet: TestWorkbook.sheet(rows))
        for _ in 0..<50 {
            var reader = try XLSXReader(path: path)
            #expect(try reader.next()?.cells == ["1", "2"])
        }
    }
}

// MARK: - Cell text rules

@Suite("XLSX reader: cell text rules")
struct CellTextTests {
    @Test("numbers are written in their shortest round-trip form", arguments: [
        ("4", "4"), ("4.0", "4"), ("0.5", "0.5"), ("-0", "0"), ("1E-3", "0.001"), ("1e-7", "1e-7"),
        ("0.000001", "0.000001"), ("123456789012345678", "123456789012345680"), ("1e21", "1e+21"),
        ("0.1", "0.1"), ("2.5E+2", "250"), ("-1.25", "-1.25"), ("0.30000000000000004", "0.30000000000000004"),
        ("007", "7"), ("1.7976931348623157E+308", "1.7976931348623157e+308"),
    ])
    func shortestNumbers(stored: String, text: String) {
        #expect(CellText.number(stored) == text)
    }

    @Test("text that is not a finite number is not a number", arguments: ["", "abc", "1,5", "inf", "nan", "1e999"])
    func notNumbers(stored: String) {
        #expect(CellText.number(stored) == nil)
    }

    @Test("format codes with d, y or a month are dates; with only h, m, s times; quoted and bracketed text does not count", arguments: [
        ("dd/mm/yyyy", CellText.Display.date(showsTime: false)),
        ("[$-42A]d mmmm yyyy;@", .date(showsTime: false)),
        ("yyyy-mm-dd h:mm:ss", .date(showsTime: true)),
        ("mmm", .date(showsTime: false)),
        ("hh:mm", .time(elapsed: false)),
        ("mm:ss", .time(elapsed: false)),
        ("[h]:mm:ss", .time(elapsed: true)),
        ("0.0\" ngày\"", .number),
        ("[Red]0.00", .number),
        ("General", .number),
        ("0%", .number),
        ("\\d0", .number),
        ("@", .number),
    ])
    func formatCodes(code: String, display: CellText.Display) {
        #expect(CellText.display(formatCode: code) == display)
    }

    @Test("built-in number formats 14-17 and 22 are dates, 18-21 and 45-47 times, others numbers")
    func builtInFormats() {
        for id in 14...17 { #expect(CellText.display(builtIn: id) == .date(showsTime: false)) }
        #expect(CellText.display(builtIn: 22) == .date(showsTime: true))
        for id in [18, 19, 20, 21, 45, 47] { #expect(CellText.display(builtIn: id) == .time(elapsed: false)) }
        #expect(CellText.display(builtIn: 46) == .time(elapsed: true))
        for id in [0, 1, 2, 9, 10, 11, 12, 13, 23, 44, 48, 49] { #expect(CellText.display(builtIn: id) == .number) }
    }

    @Test("serial dates: the 1900 system with its 29 February 1900, the 1904 system, and values outside Excel's range", arguments: [
        (1.0, false, "1900-01-01"), (59.0, false, "1900-02-28"), (60.0, false, "1900-02-29"), (61.0, false, "1900-03-01"),
        (0.0, false, "1900-01-00"), (45356.0, false, "2024-03-05"), (2_958_465.0, false, "9999-12-31"),
        (0.0, true, "1904-01-01"), (43894.0, true, "2024-03-05"), (45356.999999, false, "2024-03-06"),
        (45356.25, false, "2024-03-05T06:00:00"),
    ])
    func serialDates(serial: Double, date1904: Bool, text: String) {
        #expect(CellText.date(serial: serial, date1904: date1904, showsTime: false) == text)
    }

    @Test("serials outside Excel's date range are not dates")
    func serialsOutOfRange() {
        #expect(CellText.date(serial: -1, date1904: false, showsTime: false) == nil)
        #expect(CellText.date(serial: 2_958_466, date1904: false, showsTime: false) == nil)
        #expect(CellText.date(serial: 45356, date1904: false, showsTime: true) == "2024-03-05T00:00:00")
    }

    @Test("cell references: columns A to XFD and beyond, malformed ones rejected")
    func references() {
        #expect(CellText.reference("A1")! == (1, 1))
        #expect(CellText.reference("XFD1048576")! == (16_384, 1_048_576))
        #expect(CellText.reference("XFE1")! == (16_385, 1))
        for bad in ["", "A", "1", "1A", "A0", "A01", "AAAA1", "A1B", "A-1", "Ä1"] {
            #expect(CellText.reference(bad) == nil, "\(bad)")
        }
        #expect(CellText.columnName(1) == "A")
        #expect(CellText.columnName(28) == "AB")
        #expect(CellText.columnName(16_384) == "XFD")
    }

    @Test("Excel's _xHHHH_ escapes are decoded, and text without them is unchanged")
    func escapes() {
        #expect(CellText.unescaped("a_x000D_b") == "a\rb")
        #expect(CellText.unescaped("_x005F_x000D_") == "_x000D_")
        #expect(CellText.unescaped("_xD83D__xDE00_") == "😀")
        #expect(CellText.unescaped("my_xfile_") == "my_xfile_")
        #expect(CellText.unescaped("plain text") == "plain text")
    }
}

@Suite("XLSX reader: prolog gate")
struct PrologGateTests {
    private func passes(_ text: String, chunk: Int = 3) -> Bool {
        var gate = PrologGate()
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            let ok = bytes[start..<end].withUnsafeBufferPointer { gate.scan($0.baseAddress!, count: $0.count) }
            if !ok { return false }
            start = end
        }
        return true
    }

    @Test("a DOCTYPE or ENTITY before the root is caught in the bytes, before libxml2 parses them, also across chunks and in UTF-16")
    func gate() {
        #expect(passes("<?xml version=\"1.0\"?>\r\n<!-- a -- comment --><?pi x?><worksheet><!DOCTYPE later>"))
        #expect(!passes("<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a \"b\">]><worksheet/>"))
        #expect(!passes("\u{FEFF}<!ENTITY a \"b\"><worksheet/>"))
        #expect(!passes("<!-- x --><!DOCTYPE x><x/>", chunk: 1))
        var gate = PrologGate()
        let utf16: [UInt8] = [0xFF, 0xFE] + Array("<!DOCTYPE x>".utf8).flatMap { [$0, 0] }
        #expect(!utf16.withUnsafeBufferPointer { gate.scan($0.baseAddress!, count: $0.count) })
    }
}

@Suite("XLSX reader: every sheet")
struct XLSXEverySheetTests {
    /// Every row of every sheet the reader moves through, with its sheet.
    static func readSheets(_ reader: inout XLSXReader) throws -> [(sheet: String?, rows: [TableRow])] {
        var out: [(sheet: String?, rows: [TableRow])] = []
        while try reader.nextTable() {
            var rows: [TableRow] = []
            while let row = try reader.next() { rows.append(row) }
            out.append((reader.tableName, rows))
        }
        return out
    }

    static let quarters: [(name: String, rows: [[String]], hidden: Bool)] = [
        ("Quý I", [["a"], ["1"]], false),
        ("Quý II", [["b"], ["2"], ["3"]], true),
        ("Trống", [], false),
        ("Quý III", [["c"]], false),
    ]

    @Test("without a selection every worksheet is read in workbook order, hidden and empty ones too, each row naming its sheet")
    func everySheet() throws {
        let path = try TestWorkbook.write(sheets: Self.quarters)
        var reader = try XLSXReader(path: path, sheets: nil)
        let sheets = try Self.readSheets(&reader)
        #expect(sheets.map(\.sheet) == ["Quý I", "Quý II", "Trống", "Quý III"])
        #expect(sheets.map { $0.rows.map(\.cells) } == [[["a"], ["1"]], [["b"], ["2"], ["3"]], [], [["c"]]])
        #expect(sheets.allSatisfy { sheet in sheet.rows.allSatisfy { $0.sheet == sheet.sheet } })
        // Past the last sheet, no more rows and no more sheets.
        #expect(try reader.next() == nil)
        #expect(try reader.nextTable() == false)
    }

    @Test("a list of sheets reads exactly those, in the listed order; an unknown name lists the sheets there are")
    func listedSheets() throws {
        let path = try TestWorkbook.write(sheets: Self.quarters)
        var reader = try XLSXReader(path: path, sheets: ["Quý II", "Quý I"])
        let sheets = try Self.readSheets(&reader)
        #expect(sheets.map(\.sheet) == ["Quý II", "Quý I"])
        #expect(sheets.map { $0.rows.count } == [3, 2])
        #expect(throws: TableReadError.unknownSheet(file: path, sheet: "Quý IV", available: ["Quý I", "Quý II", "Trống", "Quý III"])) {
            try XLSXReader(path: path, sheets: ["Quý I", "Quý IV"])
        }
    }

    @Test("one sheet by name, or the first visible one, as before: nextTable() gives that one sheet")
    func oneSheet() throws {
        let path = try TestWorkbook.write(sheets: [("Ẩn", [["x"]], true), ("Hiện", [["y"]], false)])
        var reader = try XLSXReader(path: path)
        #expect(try Self.readSheets(&reader).map(\.sheet) == ["Hiện"])
    }
}
