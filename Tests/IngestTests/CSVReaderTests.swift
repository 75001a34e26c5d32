import Foundation
import Testing

@testable import Ingest

@Suite("CSV reader")
struct CSVReaderTests {
    func records(_ bytes: [UInt8]) throws -> [CSVRecord] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        var out: [CSVRecord] = []
        while let r = reader.next() { out.append(r) }
        return out
    }

    @Test("quoted fields keep commas, doubled quotes and line breaks, and lines count physical lines")
    func quoting() throws {
        let text = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",z\n3,,\n"
        let r = try records(Array(text.utf8))
        #expect(r.map(\.fields) == [["a", "b", "c"], ["1", "x, y", "say \"hi\""], ["2", "two\nlines", "z"], ["3", "", ""]])
        #expect(r.map(\.line) == [1, 2, 3, 5])
    }

    @Test("a byte-order mark is dropped and blank lines are skipped")
    func bomAndBlankLines() throws {
        let r = try records([0xEF, 0xBB, 0xBF] + Array("form_id,unit\n\nP1,A".utf8))
        #expect(r.map(\.fields) == [["form_id", "unit"], ["P1", "A"]])
        #expect(r.last?.line == 3)
    }

    @Test("invalid UTF-8 and an unclosed quote are reported on their record, not fatal")
    func problems() throws {
        let r = try records(Array("a,b\n".utf8) + [0x31, 0x2C, 0xFF, 0x0A] + Array("2,\"open\n".utf8))
        #expect(r.count == 3)
        #expect(r[1].problem?.contains("UTF-8") == true)
        #expect(r[2].problem?.contains("quoted field") == true)
    }

    @Test("a lone CR ends a line (old Mac Excel), CRLF is one line end, and a CR inside quotes is data")
    func crOnlyLineEnds() throws {
        let r = try records(Array("a,b\r1,2\r\r3,\"x\ry\"\r\n4,5\r".utf8))
        #expect(r.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "x\ry"], ["4", "5"]])
        // Line 3 is empty; the quoted CR starts line 5, so the last record is on line 6.
        #expect(r.map(\.line) == [1, 2, 4, 6])
        #expect(r.map(\.lastLine) == [1, 2, 5, 6])
    }

    @Test("a line holding only \"\" is a record of one empty field, not a blank line to skip")
    func emptyQuotedLine() throws {
        let r = try records(Array("a,b\n\"\"\n\n1,2\n".utf8))
        #expect(r.map(\.fields) == [["a", "b"], [""], ["1", "2"]])
        #expect(r.map(\.line) == [1, 2, 4])
    }

    @Test("a quote not closed before the end of the file is reported on its line, and the lines after it are read again")
    func unclosedQuoteAtEndOfFile() throws {
        let r = try records(Array("a,b\n1,\"open\n2,x\n3,y\n".utf8))
        try #require(r.map(\.line) == [1, 2, 3, 4])
        #expect(r[1].fields == ["1", "open"])
        #expect(r[1].problem == "a quoted field opened on line 2 is not closed; the file ends inside it, so the lines after line 2 are read as separate records; expected a closing \"")
        #expect(r[2].fields == ["2", "x"] && r[2].problem == nil)
        #expect(r[3].fields == ["3", "y"] && r[3].problem == nil)
        // On the last line there is nothing after it to read again.
        let last = try records(Array("a,b\n1,\"open".utf8))
        #expect(last.count == 2 && last[1].problem?.contains("opened on line 2 is not closed before the end of the file") == true)
    }

    func records(_ bytes: [UInt8], expectedFieldCount: Int?, maximumRecordBytes: Int = 1 << 20) throws -> [CSVRecord] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        reader.expectedFieldCount = expectedFieldCount
        reader.maximumRecordBytes = maximumRecordBytes
        var out: [CSVRecord] = []
        while let r = reader.next() {
            out.append(r)
            if out.count > bytes.count + 1 { Issue.record("runaway"); break }
        }
        return out
    }

    @Test("a quoted field that runs over a line with a record's worth of commas is taken as unclosed; prose over lines is not")
    func runawayQuote() throws {
        let text = "id,u,c\n1,A,\"no close\n2,B,ok\n3,C,\"two\nlines, of prose\"\n4,D,\"x\r\n5,E,\"y\"\n"
        let r = try records(Array(text.utf8), expectedFieldCount: 3)
        try #require(r.map(\.line) == [1, 2, 3, 4, 6, 7])
        #expect(r[1].problem == "a quoted field opened on line 2 is not closed; the following lines look like separate forms; expected a closing \"")
        #expect(r[1].problemKind == .unclosedQuote && r[1].fields == ["1", "A", "no close"] && r[1].lastLine == 2)
        #expect(r[2].fields == ["2", "B", "ok"] && r[2].problem == nil)
        #expect(r[3].fields == ["3", "C", "two\nlines, of prose"] && r[3].problem == nil && r[3].lastLine == 5)
        // Line 6 opens a quote that line 7's own quoted field closes after its two commas.
        #expect(r[4].problemKind == .unclosedQuote && r[4].fields == ["4", "D", "x"])
        #expect(r[5].fields == ["5", "E", "y"] && r[5].problem == nil)
        // Without a known field count, only the end of the file shows the quote is open.
        let unknown = try records(Array(text.utf8), expectedFieldCount: nil)
        #expect(unknown.count < r.count)
    }

    @Test("a record over the byte limit is reported with its length and skipped; the next line is read")
    func recordLimit() throws {
        let limit = 64
        let exact = String(repeating: "x", count: limit - 2)
        let text = "a,\(exact)\r\nb,\(exact)y\nc,\"\(exact)\nstill\"\nd,\"open\n" + String(repeating: "z", count: 100) + "\ne,1"
        let r = try records(Array(text.utf8), expectedFieldCount: nil, maximumRecordBytes: limit)
        try #require(r.map(\.line) == [1, 2, 3, 4, 5, 6, 7])
        #expect(r[0].problem == nil && r[0].fields == ["a", exact])
        #expect(r[1].problem == "line 2 is 65 bytes long; the limit is 64 bytes for one form" && r[1].fields.isEmpty)
        // A quote opened on the line: the record still ends with the line.
        #expect(r[2].problem == "line 3 is 65 bytes long; the limit is 64 bytes for one form")
        #expect(r[3].fields == ["still\""] && r[3].problem == nil)
        // A quoted field over several lines past the limit: unclosed, read again from the next line.
        #expect(r[4].problemKind == .unclosedQuote && r[4].problem?.contains("runs on for more than 64 bytes") == true)
        #expect(r[5].problem == "line 6 is 100 bytes long; the limit is 64 bytes for one form")
        #expect(r[6].fields == ["e", "1"] && r[6].problem == nil)
    }
}

@Suite("Answers and dates")
struct AnswerParserTests {
    @Test("Vietnamese labels are read in NFC and NFD, and no opinion is missing",
          arguments: [("Rất hài lòng", 5), ("Hài lòng", 4), ("Bình thường", 3), ("Không hài lòng", 2),
                      ("Rất không hài lòng", 1), ("  rất hài lòng ", 5)])
    func labels(label: String, value: Int) {
        #expect(AnswerParser.parse(label, kind: .likert5) == .answer(value))
        let nfd = label.decomposedStringWithCanonicalMapping
        #expect(Array(nfd.unicodeScalars) != Array(label.unicodeScalars) || label.unicodeScalars.allSatisfy(\.isASCII))
        #expect(AnswerParser.parse(nfd, kind: .likert5) == .answer(value))
    }

    @Test("blank and Không ý kiến are missing; 0, 6, 7 and words are invalid")
    func missingAndInvalid() {
        #expect(AnswerParser.parse("", kind: .likert5) == .missing)
        #expect(AnswerParser.parse("Không ý kiến".decomposedStringWithCanonicalMapping, kind: .likert5) == .missing)
        for bad in ["0", "6", "7", "4.5", "tốt"] {
            guard case .invalid = AnswerParser.parse(bad, kind: .likert5) else {
                Issue.record("\(bad) should be invalid")
                continue
            }
        }
    }

    @Test("dates in both formats, real calendar days only")
    func dates() {
        #expect(AnswerParser.date("03/07/2024")! == (2024, 7, 3))
        #expect(AnswerParser.date("2024-07-03")! == (2024, 7, 3))
        #expect(AnswerParser.date("29/02/2024") != nil)
        #expect(AnswerParser.date("29/02/2023") == nil)
        #expect(AnswerParser.date("31/02/2024") == nil)
        #expect(AnswerParser.date("hôm qua") == nil)
        #expect(AnswerParser.date("2024-13-01") == nil)
        #expect(AnswerParser.dateOfTimestamp("2024-07-03T10:22:11+07:00")! == (2024, 7, 3))
        #expect(AnswerParser.dateOfTimestamp("2024-06-30T23:59:59Z")! == (2024, 6, 30))
        #expect(AnswerParser.dateOfTimestamp("2024-07-03Tnoon") == nil)
    }
}

@Suite("Paper files: every line accounted for")
struct PaperFileTests {
    static let header = "form_id,unit,date,q01,q02,q03,comment\n"

    func row(_ n: Int, comment: String = "") -> String { "P\(n),A,03/07/2024,5,4,3,\(comment)\n" }

    @Test("an unbalanced quote in one comment rejects that form only; the forms after it are read")
    func unbalancedQuote() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        var text = Self.header
        for n in 1...10 { text += row(n, comment: n == 4 ? "\"rất tốt, nhanh" : "ok") }
        try s.write("inbox/paper/p.csv", text)
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 9 && summary.rejected == 1)
        #expect(outcomes.map(\.line) == [5])
        #expect(outcomes.first?.reason == "a quoted field opened on line 5 is not closed; the following lines look like separate forms; expected a closing \"")
    }

    @Test("comments over several lines of prose, with commas and doubled quotes, are still one form each")
    func multiLineComments() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/paper/p.csv", Self.header
            + row(1, comment: "\"Thủ tục nhanh,\ncán bộ nhiệt tình.\nCảm ơn \"\"anh Nam\"\", chị Lan!\"")
            + row(2)
            + row(3, comment: "\"one\r\ntwo, three\r\nfour\"")
            + row(4))
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 4 && summary.rejected == 0, "\(outcomes)")
        #expect(try s.acceptedForms(db).count == 4)
    }

    @Test("a file saved with CR-only line ends (old Mac Excel) is read as its forms, not as one reject")
    func crOnlyFile() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        var text = Self.header
        for n in 1...20 { text += row(n, comment: n == 7 ? "\"hai\rdòng\"" : "") }
        try s.write("inbox/paper/p.csv", text.replacingOccurrences(of: "\n", with: "\r"))
        try s.write("inbox/paper/q.csv", "form_id,unit,date,q01,q02,q03,comment\rQ1,A,03/07/2024,5,4,3,\rQ2,ZZ,03/07/2024,5,4,3,\r")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 21 && summary.rejected == 1)
        // Line numbers count CR line ends: Q2 is on line 3.
        #expect(outcomes.map { "\($0.path):\($0.line)" } == ["inbox/paper/q.csv:3"])
    }

    @Test("a row over 1 MiB is rejected with its length, without stopping the file")
    func longRow() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        let long = String(repeating: "x", count: 2 << 20)
        try s.write("inbox/paper/p.csv", Self.header + row(1) + row(2, comment: long) + row(3))
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 2 && summary.rejected == 1)
        #expect(outcomes.first?.line == 3)
        #expect(outcomes.first?.reason == "line 3 is \(row(2, comment: long).utf8.count - 1) bytes long; the limit is 1048576 bytes for one form")
    }

    @Test("a header of more than 1000 columns is one reject of the file, naming the limit")
    func tooManyColumns() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        let extra = (1...1000).map { ",x\($0)" }.joined()
        let header = "form_id,unit,date,q01,q02,q03,comment" + extra + "\n"
        let rows = (1...3).map { "P\($0),A,03/07/2024,5,4,3,ok" + String(repeating: ",", count: 1000) + "\n" }.joined()
        try s.write("inbox/paper/p.csv", header + rows)
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 0 && summary.rejected == 1)
        #expect(outcomes.first?.line == 1)
        #expect(outcomes.first?.reason.hasPrefix("header has 1007 columns; the limit is 1000 columns, so the file is not read (3 records after the header left out)") == true)
    }

    @Test("a Latin-1 byte in a comment loses the comment, not the form; outside a comment the file is refused with its line")
    func invalidUTF8InComment() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.writeBytes("inbox/paper/p.csv", Array((Self.header + "P1,A,03/07/2024,5,4,3,caf").utf8) + [0xE9, 0x0A] + Array(row(2).utf8))
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 2 && summary.rejected == 0, "\(outcomes)")
        try s.writeBytes("inbox/paper/p.csv", Array((Self.header + "P1,A,03/07/2024,5,4,3,ok\nP3,").utf8) + [0xC9] + Array(",03/07/2024,5,4,3,\n".utf8))
        let (refused, _, reasons) = try s.ingest()
        #expect(refused.accepted == 0 && refused.rejected == 1)
        #expect(reasons.first?.line == 0)
        #expect(reasons.first?.reason.contains("line 3: byte 0xC9 is not valid UTF-8") == true)
        #expect(reasons.first?.reason.contains("encoding = \"windows-1258\"") == true)
    }
}
