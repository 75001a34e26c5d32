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
