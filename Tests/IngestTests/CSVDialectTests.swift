import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import Ingest

/// The CSV dialects and encodings Excel and office software write: `;` and tab delimiters,
/// UTF-16 "Unicode text", Windows-1258 "CSV", and files that are not valid in their encoding.
@Suite("CSV dialects and encodings")
struct CSVDialectTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/dialects")

    /// A temporary file holding `bytes`, removed by the caller.
    func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-dialect-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every record of `path` through `nextRecord()` (the whole-file encoding rule applies).
    func records(
        path: String, encoding: String? = nil, freeText: Set<Int> = [], chunkBytes: Int = 1 << 20,
        expectedFieldCount: Int? = nil, maximumRecordBytes: Int = 1 << 20
    ) throws -> (records: [CSVRecord], delimiter: UInt8) {
        var reader = try CSVReader(path: path, encoding: encoding, chunkBytes: chunkBytes)
        defer { reader.close() }
        reader.freeTextColumns = freeText
        reader.expectedFieldCount = expectedFieldCount
        reader.maximumRecordBytes = maximumRecordBytes
        reader.displayPath = "inbox/paper/x.csv"
        var out: [CSVRecord] = []
        while let r = try reader.nextRecord() { out.append(r) }
        return (out, reader.delimiter)
    }

    func records(
        _ bytes: [UInt8], encoding: String? = nil, freeText: Set<Int> = [], chunkBytes: Int = 1 << 20,
        expectedFieldCount: Int? = nil, maximumRecordBytes: Int = 1 << 20
    ) throws -> (records: [CSVRecord], delimiter: UInt8) {
        let path = try file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try records(
            path: path, encoding: encoding, freeText: freeText, chunkBytes: chunkBytes,
            expectedFieldCount: expectedFieldCount, maximumRecordBytes: maximumRecordBytes)
    }

    /// UTF-16 with a byte-order mark.
    func utf16(_ text: String, bigEndian: Bool = false) -> [UInt8] {
        ([0xFEFF] + Array(text.utf16)).flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    /// `text` in Windows-1258, converted by glibc's iconv (which writes tone marks as combining
    /// marks, as Excel does).
    func windows1258(_ text: String) throws -> [UInt8] {
        let cd = iconv_open("WINDOWS-1258", "UTF-8")
        try #require(cd != iconv_t(bitPattern: -1))
        defer { iconv_close(cd) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 2 + 16)
        let written = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count
                _ = iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft)
                _ = iconv(cd, nil, nil, &outPointer, &outLeft)
                return inLeft == 0 ? outBuffer.count - outLeft : -1
            }
        }
        try #require(written >= 0)
        return output.prefix(written).map { UInt8(bitPattern: $0) }
    }

    /// The error `body` throws, or nil.
    func thrownError(_ body: () throws -> Void) -> CSVReadError? {
        do { try body() } catch let error as CSVReadError { return error } catch { Issue.record("\(error)") }
        return nil
    }

    // MARK: Delimiters

    @Test("the delimiter is the one that splits the header into the most fields, quotes respected; ties go to the comma",
          arguments: [
            ("a,b,c\n1,2,3\n", ",", [["a", "b", "c"], ["1", "2", "3"]]),
            ("a;b;c\n1;2;3\n", ";", [["a", "b", "c"], ["1", "2", "3"]]),
            ("a\tb\tc\n1\t2\t3\n", "\t", [["a", "b", "c"], ["1", "2", "3"]]),
            // Two fields either way: the comma.
            ("a;b,c\n1;2,3\n", ",", [["a;b", "c"], ["1;2", "3"]]),
            // One field: the comma.
            ("name\nx;y\n", ",", [["name"], ["x;y"]]),
            // Quoted commas and tabs do not count; a closing quote followed by text means
            // the wrong delimiter.
            ("\"a,b,c\";d\n1;2\n", ";", [["a,b,c", "d"], ["1", "2"]]),
            ("\"x\ty\",\"p;q\"\n1,2\n", ",", [["x\ty", "p;q"], ["1", "2"]]),
            ("\"\tZa\"\t\",x\"\n1\t2\n", "\t", [["\tZa", ",x"], ["1", "2"]]),
            // Blank lines before the header are skipped.
            ("\r\n\na;b\n1;2\n", ";", [["a", "b"], ["1", "2"]]),
          ])
    func delimiterDetection(text: String, delimiter: String, expected: [[String]]) throws {
        let (r, found) = try records(Array(text.utf8))
        #expect(found == delimiter.utf8.first!)
        #expect(r.map(\.fields) == expected)
    }

    @Test("a ;-separated file (Excel, Vietnamese regional settings) keeps decimal commas in quoted fields")
    func semicolonsWithDecimalCommas() throws {
        let text = "form_id;unit;score;note\r\nP1;A;\"4,5\";\"a; b\"\r\nP2;B;\"3,25\";\r\nP3;C;4;\"x\"\"y\"\r\n"
        let (r, delimiter) = try records(Array(text.utf8))
        #expect(delimiter == UInt8(ascii: ";"))
        #expect(r.map(\.fields) == [
            ["form_id", "unit", "score", "note"], ["P1", "A", "4,5", "a; b"], ["P2", "B", "3,25", ""], ["P3", "C", "4", "x\"y"],
        ])
        #expect(r.allSatisfy { $0.problem == nil })
    }

    @Test("the unclosed-quote check counts the file's own delimiter")
    func unclosedQuoteWithSemicolons() throws {
        let text = "id;u;c\n1;A;\"no close\n2;B;ok\n3;C;\"two\nlines; of prose\"\n"
        let (r, _) = try records(Array(text.utf8), expectedFieldCount: 3)
        #expect(r.map(\.line) == [1, 2, 3, 4])
        #expect(r[1].problemKind == .unclosedQuote && r[1].fields == ["1", "A", "no close"])
        #expect(r[2].fields == ["2", "B", "ok"])
        #expect(r[3].fields == ["3", "C", "two\nlines; of prose"] && r[3].problem == nil)
    }

    // MARK: UTF-16

    static let vietnamese = "form_id\tunit\tcomment\r\nP1\tA\tThủ tục nhanh, cán bộ nhiệt tình 😀\r\nP2\tB\t\"hai\r\ndòng\"\r\nP3\tĐ\t\r\n"
    static let vietnameseFields = [
        ["form_id", "unit", "comment"], ["P1", "A", "Thủ tục nhanh, cán bộ nhiệt tình 😀"], ["P2", "B", "hai\r\ndòng"], ["P3", "Đ", ""],
    ]

    @Test("tab-separated UTF-16 LE with a BOM (Excel's \"Unicode text\") and UTF-16 BE read as UTF-8 text", arguments: [false, true])
    func utf16WithBOM(bigEndian: Bool) throws {
        let path = try file(utf16(Self.vietnamese, bigEndian: bigEndian))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        #expect(reader.encodingName == (bigEndian ? "UTF-16BE" : "UTF-16LE"))
        #expect(reader.delimiter == UInt8(ascii: "\t"))
        var r: [CSVRecord] = []
        while let record = try reader.nextRecord() { r.append(record) }
        #expect(r.map(\.fields) == Self.vietnameseFields)
        #expect(r.map(\.line) == [1, 2, 3, 5])
        #expect(r.allSatisfy { $0.problem == nil })
    }

    @Test("a surrogate pair split by the 1 MiB read edge, and a code unit split by an odd edge, read as if whole")
    func utf16SplitAtTheBufferEdge() throws {
        let edge = 1 << 20
        // BOM (2 bytes) + 'x' units + "😀" whose high surrogate ends the first read and whose
        // low surrogate starts the next.
        let prefix = String(repeating: "x", count: (edge - 2) / 2 - 1)
        let text = prefix + "😀,ệ\n2,ả\n"
        let bytes = utf16(text)
        #expect(Array(bytes[(edge - 2)..<(edge + 2)]) == [0x3D, 0xD8, 0x00, 0xDE])
        let (whole, _) = try records(bytes)
        #expect(whole.map(\.fields) == [[prefix + "😀", "ệ"], ["2", "ả"]])
        #expect(whole.allSatisfy { $0.problem == nil })
        // With reads of 1 MiB + 1 bytes the edge falls inside a code unit (BOM and units take
        // an even number of bytes): here "ệ" (C7 1E) is cut after its first byte.
        let odd = edge + 1
        let cut = String(repeating: "x", count: (odd - 3) / 2) + "ệ,a\n"
        #expect(utf16(cut)[odd - 1] == 0xC7)
        let (split, _) = try records(utf16(cut), chunkBytes: odd)
        #expect(split.map(\.fields) == [[String(repeating: "x", count: (odd - 3) / 2) + "ệ", "a"]])
        #expect(split.allSatisfy { $0.problem == nil })
    }

    @Test("an unclosed quote in UTF-16 is re-read from the right place, also when that place is chunks back")
    func utf16UnclosedQuoteRecovery() throws {
        let text = "id,u,c\n1,A,\"no close\n2,B,ok\n3,C,\"two\nlines, of prose\"\n4,D,\"x\r\n5,E,\"y\"\n"
        let (plain, _) = try records(Array(text.utf8), expectedFieldCount: 3)
        for chunk in [64, 65, 1 << 20] {
            let (r, _) = try records(utf16(text), chunkBytes: chunk, expectedFieldCount: 3)
            #expect(r == plain, "chunk \(chunk)")
        }
        #expect(plain.map(\.line) == [1, 2, 3, 4, 6, 7])
        // A record over the limit inside an unclosed quote goes back many chunks.
        let long = "id,c\n1,\"open\n" + String(repeating: "z", count: 300) + "\n2,ok\n"
        let (a, _) = try records(Array(long.utf8), maximumRecordBytes: 200)
        let (b, _) = try records(utf16(long), chunkBytes: 64, maximumRecordBytes: 200)
        #expect(a == b)
        #expect(b.map(\.line) == [1, 2, 3, 4] && b[1].problemKind == .unclosedQuote && b[3].fields == ["2", "ok"])
    }

    @Test("a lone surrogate in a UTF-16 file rejects the file, naming the code unit and its line")
    func utf16LoneSurrogate() throws {
        var bytes = utf16("a\tb\n1\t2\n3\t")
        bytes += [0x00, 0xD8, 0x0A, 0x00]
        let error = thrownError { _ = try records(bytes) }
        #expect(error?.description == "inbox/paper/x.csv: line 3: code unit 0xD800 is not valid UTF-16LE; the file starts with a UTF-16 byte-order mark, so it should be UTF-16 throughout: save it again (CSV UTF-8 or Unicode text)")
        // Through `next()` it is the record's problem, as for UTF-8.
        let path = try file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        var r: [CSVRecord] = []
        while let record = reader.next() { r.append(record) }
        #expect(r.map(\.problemKind) == [nil, nil, .invalidUTF8])
        #expect(r.last?.problem == "field 2 is not valid UTF-16LE; expected UTF-16 text, as the file's byte-order mark says")
    }

    // MARK: Code pages

    static let windows1258Fields = [
        ["form_id", "unit", "date", "q01", "q02", "q03", "comment"],
        ["P1", "A", "03/07/2024", "5", "4", "3", "Thủ tục nhanh, cán bộ nhiệt tình"],
        ["P2", "B", "04/07/2024", "4", "4", "4", "Cảm ơn; rất tốt"],
        ["P3", "Phường Bến Nghé", "05/07/2024", "3", "2", "1", ""],
        ["P4", "A", "06/07/2024", "2", "3", "5", "Chờ lâu quá"],
    ]

    @Test("a Windows-1258 file (Excel's \"CSV\" in Vietnamese) read with its encoding gives NFC Vietnamese text",
          arguments: ["windows-1258", "CP1258", "WINDOWS-1258"])
    func windows1258(encoding: String) throws {
        let (r, delimiter) = try records(
            path: Self.fixtures.appendingPathComponent("windows-1258.csv").path, encoding: encoding, freeText: [6])
        #expect(delimiter == UInt8(ascii: ";"))
        // Compared scalar by scalar: String's == would take NFD for NFC.
        #expect(r.map { $0.fields.map { Array($0.unicodeScalars) } } == Self.windows1258Fields.map { $0.map { Array($0.nfc.unicodeScalars) } })
        #expect(r.allSatisfy { $0.problem == nil && $0.droppedFields.isEmpty })
    }

    @Test("a tone mark cut from its letter by the 1 MiB edge is composed all the same (NFC)")
    func windows1258ToneMarkAtTheEdge() throws {
        // "ò" in Windows-1258 is "o" + 0xCC (combining grave); "o" ends the first read.
        let edge = 1 << 20
        let bytes = Array("a,".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: edge - 3) + [UInt8(ascii: "o"), 0xCC]
            + Array(",b\n".utf8)
        #expect(bytes[edge - 1] == UInt8(ascii: "o") && bytes[edge] == 0xCC)
        let (r, _) = try records(bytes, encoding: "windows-1258", maximumRecordBytes: 2 * edge)
        let field = try #require(r.first?.fields.dropFirst().first)
        #expect(Array(field.unicodeScalars.suffix(2)) == ["x", "\u{F2}"])
    }

    @Test("the same Windows-1258 file read as UTF-8 is rejected as a whole, naming the first bad byte's line and the setting")
    func windows1258ReadAsUTF8() throws {
        let path = Self.fixtures.appendingPathComponent("windows-1258.csv").path
        // The comments are free text: the first bad byte that counts is in the unit on line 4.
        let error = thrownError { _ = try records(path: path, freeText: [6]) }
        #expect(error?.description == "inbox/paper/x.csv: line 4: byte 0xFD is not valid UTF-8; the file looks like a legacy code page: set [columns.paper] encoding = \"windows-1258\" in survey.toml (any iconv name)")
        // With no free-text column, the comment on line 2 ("Thu" + 0xD2, a combining hook).
        let first = thrownError { _ = try records(path: path) }
        #expect(first?.description.hasPrefix("inbox/paper/x.csv: line 2: byte 0xD2 is not valid UTF-8; the file looks like a legacy code page") == true)
        // The header is read before the check; no row after it is.
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        reader.freeTextColumns = [6]
        #expect(try reader.nextRecord()?.fields.first == "form_id")
        #expect(thrownError { _ = try reader.nextRecord() } != nil)
    }

    @Test("a Windows-1258 file with Vietnamese only in its comments is rejected too: bad bytes in most free text")
    func windows1258OnlyInComments() throws {
        let path = Self.fixtures.appendingPathComponent("windows-1258-comments.csv").path
        let error = thrownError { _ = try records(path: path, freeText: [6]) }
        #expect(error?.description == "inbox/paper/x.csv: line 2: byte 0xD2 is not valid UTF-8; so are the free-text fields of 3 of the 3 records whose free text is not plain ASCII; the file looks like a legacy code page: set [columns.paper] encoding = \"windows-1258\" in survey.toml (any iconv name)")
        let (r, _) = try records(path: path, encoding: "windows-1258", freeText: [6])
        #expect(r.map { $0.fields[6] } == ["comment", "Thủ tục nhanh", "ok", "Cán bộ nhiệt tình", "Chờ lâu quá"])
    }

    @Test("an encoding iconv does not know is an error naming it")
    func unknownEncoding() throws {
        let path = try file(Array("a,b\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = thrownError { _ = try CSVReader(path: path, encoding: "windows-9999") }
        #expect(error == .unknownEncoding(file: path, name: "windows-9999"))
        #expect(error?.description.contains("unknown encoding \"windows-9999\"") == true)
    }

    @Test("an unclosed quote in a Windows-1258 file is re-read exactly, whatever chunk edge the re-read starts at")
    func windows1258UnclosedQuoteRecovery() throws {
        let text = "id,u,c\n1,Bến,\"chưa đóng\n2,Nghé,được\n3,Hà,\"hai\ndòng, của văn xuôi\"\n4,Tĩnh,\"mở\r\n5,Đức,\"ý\"\n"
        let (plain, _) = try records(Array(text.utf8), expectedFieldCount: 3)
        #expect(plain.map(\.line) == [1, 2, 3, 4, 6, 7])
        let bytes = try windows1258(text)
        for chunk in 64...96 {
            let (r, _) = try records(bytes, encoding: "windows-1258", chunkBytes: chunk, expectedFieldCount: 3)
            #expect(r.map { $0.fields.map { Array($0.unicodeScalars) } } == plain.map { $0.fields.map { Array($0.unicodeScalars) } }, "chunk \(chunk)")
            #expect(r.map(\.line) == plain.map(\.line) && r.map(\.problemKind) == plain.map(\.problemKind), "chunk \(chunk)")
        }
    }

    @Test("a byte the named code page does not define is reported as that code page's")
    func undefinedInCodePage() throws {
        // 0x81 is not a character in Windows-1258.
        let error = thrownError { _ = try records(Array("a;b\n1;x".utf8) + [0x81] + Array("\n".utf8), encoding: "windows-1258") }
        #expect(error?.description == "inbox/paper/x.csv: line 2: byte 0x81 is not valid windows-1258; check [columns.paper] encoding = \"windows-1258\" in survey.toml: the file is in another encoding (any iconv name)")
    }

    // MARK: Free text

    @Test("a Latin-1 byte in a comment of a UTF-8 file loses the comment, not the form, nor the file")
    func latin1InAComment() throws {
        let text = Array("form_id,unit,comment\nP1,A,cảm ơn\nP2,B,caf".utf8) + [0xE9] + Array(" au lait\nP3,A,ok\n".utf8)
        let (r, _) = try records(text, freeText: [2])
        #expect(r.map(\.fields) == [["form_id", "unit", "comment"], ["P1", "A", "cảm ơn"], ["P2", "B", ""], ["P3", "A", "ok"]])
        #expect(r.map(\.droppedFields) == [[], [], [2], []])
        #expect(r.allSatisfy { $0.problem == nil })
        // The same byte outside the free-text column rejects the file.
        let error = thrownError { _ = try records(text, freeText: [1]) }
        #expect(error?.description.hasPrefix("inbox/paper/x.csv: line 3: byte 0xE9 is not valid UTF-8") == true)
        // Without the whole-file rule (`next()`), a record problem as before.
        let path = try file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        var plain: [CSVRecord] = []
        while let record = reader.next() { plain.append(record) }
        #expect(plain.map(\.problemKind) == [nil, nil, .invalidUTF8, nil])
    }

    @Test("a bad byte in the header is never free text")
    func badHeader() throws {
        let error = thrownError { _ = try records(Array("form_id,g".utf8) + [0xF3] + Array("p\nP1,x\n".utf8), freeText: [1]) }
        #expect(error?.description.hasPrefix("inbox/paper/x.csv: line 1: byte 0xF3 is not valid UTF-8") == true)
    }

    // MARK: The table pipeline

    @Test("CSVReader is a TableReader: rows with their lines and cells")
    func tableReader() throws {
        func rows(_ reader: inout some TableReader) throws -> [TableRow] {
            var out: [TableRow] = []
            while let row = try reader.next() { out.append(row) }
            return out
        }
        let path = try file(Array("a;b\n1;\"x\ny\"\n\n2;".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        #expect(try rows(&reader) == [
            TableRow(line: 1, cells: ["a", "b"]), TableRow(line: 2, cells: ["1", "x\ny"]), TableRow(line: 5, cells: ["2", ""]),
        ])
    }
}

private extension String {
    var nfc: String { precomposedStringWithCanonicalMapping }
}
