import Foundation
import Storage
import Testing

@testable import Ingest
import SurveyModel

@Suite("JSON parser: strict RFC 8259, keys once")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    func failure(_ text: String) -> JSONParseError? {
        failure(Array(text.utf8))
    }

    func failure(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("values of every kind, members in the order written, booleans apart from numbers")
    func values() throws {
        #expect(try parse(#" {"b": [1, -2.5e1, 0, true, false, null, "x"], "a": {}} "#) == .object([
            JSONMember(key: "b", value: .array([.number(1), .number(-25), .number(0), .bool(true), .bool(false), .null, .string("x")])),
            JSONMember(key: "a", value: .object([])),
        ]))
        #expect(try parse("true") != .number(1))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("123456789012345678901234567890") == .number(1.2345678901234568e29))
        #expect(try parse("1e400") == .number(.infinity))
        #expect(try parse("-0") == .number(-0.0))
        #expect(try parse(#"{"id": "W1"}"#)["id"] == .string("W1"))
        #expect(try parse(#"{"id": "W1"}"#)["other"] == nil)
    }

    @Test("every escape, surrogate pairs joined, UTF-8 kept")
    func strings() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u1EA3\uD83D\uDE00""#) == .string("Aéả😀"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse("\"Rất hài lòng 😀\"") == .string("Rất hài lòng 😀"))
        #expect(try parse(#""\u0069d""#) == .string("id"))
    }

    @Test("malformed text is refused with what and where", arguments: [
        ("{\"a\": 1,}", "expected a key"),
        ("[1, 2,]", "expected a value"),
        ("{\"a\" 1}", "expected ':'"),
        ("01", "leading zero"),
        ("1.", "truncated"),
        ("-", "truncated"),
        ("1.e5", "after a decimal point"),
        ("+1", "expected a value"),
        ("tru", "truncated"),
        ("nul1", "expected null"),
        ("{} {}", "after the end of the value"),
        ("[1] x", "after the end of the value"),
        ("\"a\u{1}b\"", "control character"),
        ("\"a\nb\"", "control character"),
        ("\"\\x\"", "unknown escape"),
        ("\"\\u12G4\"", "4 hex digits"),
        ("\"\\uD83D\"", "lone high surrogate"),
        ("\"\\uD83Dx\"", "lone high surrogate"),
        ("\"\\uD83D\\u0041\"", "followed by"),
        ("\"\\uDE00\"", "lone low surrogate"),
        ("{\"a\": [1, 2}", "expected ',' or ']'"),
        ("{'a': 1}", "expected a key"),
        ("", "truncated"),
        ("   ", "truncated"),
        ("{\"a\": {\"b\": [1, ", "truncated"),
        ("\"abc", "truncated"),
    ])
    func malformed(text: String, phrase: String) {
        let error = failure(text)
        #expect(error != nil, "\(text) parsed")
        #expect(error?.message.contains(phrase) == true, "\(text): \(error?.message ?? "")")
    }

    @Test("invalid UTF-8 is refused at its byte: stray continuation, overlong, surrogate, over U+10FFFF, cut short")
    func invalidUTF8() {
        for bad: [UInt8] in [[0x80], [0xC0, 0xAF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3], [0xFF]] {
            let error = failure([0x22, 0x61] + bad + [0x22])
            #expect(error?.message.contains("not valid UTF-8") == true, "\(bad)")
            #expect(error?.offset == 2, "\(bad)")
            // Also after an escape, on the slow path.
            #expect(failure([0x22, 0x5C, 0x6E] + bad + [0x22])?.message.contains("not valid UTF-8") == true, "\(bad)")
        }
        // Outside a string, any non-ASCII byte is simply not JSON.
        #expect(failure([0x5B, 0xC3, 0xA9, 0x5D]) != nil)
    }

    @Test("nesting is refused past 64 levels")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(failure(deep)?.kind == .tooDeep)
        let objects = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(failure(objects)?.kind == .tooDeep)
    }

    @Test("a key written twice is refused and named by its path, also in escaped or NFD spelling and in big objects")
    func duplicateKeys() {
        #expect(failure(#"{"id": "W1", "id": "W2"}"#)?.kind == .duplicateKey(path: ["id"]))
        #expect(failure(#"{"id": "W1", "answers": {"q01": 5, "q02": 3, "q01": 4}}"#)?.kind == .duplicateKey(path: ["answers", "q01"]))
        #expect(failure(#"{"id": "W1", "\u0069d": "W2"}"#)?.kind == .duplicateKey(path: ["id"]))
        #expect(failure("{\"câu\": 1, \"c\u{61}\u{302}u\": 2}")?.kind == .duplicateKey(path: ["câu"]))
        #expect(failure(#"[{"a": 1}, {"b": {"c": [{"d": 1, "d": 2}]}}]"#)?.kind == .duplicateKey(path: ["b", "c", "d"]))
        // The same key in sibling or nested objects is fine.
        #expect(failure(#"{"a": {"a": 1}, "b": {"a": 2}}"#) == nil)
        // Over the set threshold: 200 distinct keys parse, a repeat among them does not.
        let keys = (0..<200).map { "\"k\($0)\": \($0)" }
        #expect(failure("{" + keys.joined(separator: ", ") + "}") == nil)
        #expect(failure("{" + (keys + ["\"k7\": 0"]).joined(separator: ", ") + "}")?.kind == .duplicateKey(path: ["k7"]))
        #expect(failure("{" + (keys + ["\"k250\": 0", "\"k250\": 1"]).joined(separator: ", ") + "}")?.kind == .duplicateKey(path: ["k250"]))
    }
}

@Suite("Portal files: every submission accounted for")
struct PortalFileTests {
    func form(_ id: String, _ q01: Int = 4) -> String {
        #"{"id": "\#(id)", "unit": "A", "submitted_at": "2024-07-03T10:22:11+07:00", "answers": {"q01": \#(q01), "q02": 5}}"#
    }

    @Test("a stray ] inside a JSON array is reported on its line, and the elements after it are read")
    func strayClosingBracket() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/a.json", "[\n\(form("J1")),\n\(form("J2"))] ,\n\(form("J3")),\n\(form("J4"))\n]\n")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 4 && summary.rejected == 1)
        #expect(outcomes.map(\.line) == [3])
        #expect(outcomes.first?.reason == "the ']' on line 3 closes the array, but more elements follow on line 3; they are read too; expected one ']' after the last element")
    }

    @Test("two arrays one after the other: both arrays' elements are read, the join is reported")
    func concatenatedArrays() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/a.json", "[\(form("J1")), \(form("J2"))]\n[\(form("J3")), 5, \(form("J4"))]")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 4 && summary.rejected == 2)
        try #require(outcomes.map(\.line) == [1, 2])
        #expect(outcomes[0].reason.contains("followed by another array on line 2"))
        #expect(outcomes[1].reason == "array element 4: expected a JSON object, found a number")
    }

    @Test("elements are numbered over the whole file: positions 1, 2, ... also across a second array and on one line")
    func positions() throws {
        let fixture = try ReaderFixture()
        let text = "[\(form("J1")), \(form("J2"))][\(form("J3")), \(form("J4", 9))] \(form("J5"))"
        let sink = try readAccounted(Array(text.utf8), as: .jsonArray, fixture: fixture, label: "positions")
        try #require(sink.outcomes.map(\.position) == [1, 2, 3, 4, 5, 6, 7])
        #expect(sink.outcomes.map(\.accepted) == [true, true, false, true, false, false, true])
        #expect(sink.outcomes[4].reason?.hasPrefix("array element 4: q01: '9' is not an answer") == true)
        #expect(sink.outcomes[5].reason?.contains("but '{' follows on line 1") == true)
    }

    @Test("a truncated last element is one reject on its line, saying the file looks truncated")
    func truncatedElement() throws {
        let fixture = try ReaderFixture()
        let text = "[\n\(form("J1")),\n  {\"id\": \"J2\", \"unit\": \"A\",\n   \"answers\": {\"q01\": 5"
        let sink = try readAccounted(Array(text.utf8), as: .jsonArray, fixture: fixture, label: "truncated")
        #expect(sink.outcomes.map(\.accepted) == [true, false])
        #expect(sink.outcomes.last?.line == 3)
        #expect(sink.outcomes.last?.reason == #"array element 2: this element is not valid JSON: the file ends inside it (the file looks truncated); expected one complete object {"id": ..., "answers": {...}}"#)
    }

    @Test("a key written twice makes the form ambiguous: rejected, naming the key")
    func duplicateKeys() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/o.jsonl", """
            {"id": "W1", "id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5}}
            {"id": "W3", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5, "q02": 4, "q01": 1}}
            {"id": "W4", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5}}
            """)
        try s.write("inbox/portal/a.json", #"[{"id": "J1", "unit": "A", "unit": "B", "submitted_at": "2024-07-03", "answers": {"q01": 5}}]"#)
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 1 && summary.rejected == 3)
        #expect(outcomes.map(\.reason) == [
            #"array element 1: the key "unit" appears twice in this element, so the form is ambiguous (which value holds is unknown); expected each key once"#,
            #"the key "id" appears twice in this line, so the form is ambiguous (which value holds is unknown); expected each key once"#,
            #"the key "answers.q01" appears twice in this line, so the form is ambiguous (which value holds is unknown); expected each key once"#,
        ])
    }

    @Test("a JSON Lines line over 1 MiB is rejected with its length and skipped; the lines after it are read")
    func longLine() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        let comment = String(repeating: "x", count: 3 << 20)
        let long = #"{"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 5}, "comment": "\#(comment)"}"#
        try s.write("inbox/portal/o.jsonl", form("W1") + "\n" + long + "\r\n" + form("W3") + "\n")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 2 && summary.rejected == 1)
        #expect(outcomes.map(\.line) == [2])
        #expect(outcomes.first?.reason == "line 2 is \(long.utf8.count) bytes long; the limit is 1048576 bytes for one form; expected one submission per line")
    }

    @Test("a JSON array element over 1 MiB is rejected with its length; the others are read")
    func longElement() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        let long = "{\"id\": \"J2\", \"comment\": \"\(String(repeating: "x", count: 2 << 20))\"}"
        try s.write("inbox/portal/a.json", "[\(form("J1")),\n\(long),\n\(form("J3"))]")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 2 && summary.rejected == 1)
        #expect(outcomes.first?.line == 2)
        #expect(outcomes.first?.reason == "array element 2 on line 2 is \(long.utf8.count) bytes long; the limit is 1048576 bytes for one form")
    }

    @Test("JSON Lines with CR-only line ends are read line by line")
    func crOnlyLines() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/o.jsonl", (1...20).map { form("W\($0)", $0 == 9 ? 7 : 4) }.joined(separator: "\r") + "\r")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 19 && summary.rejected == 1)
        #expect(outcomes.map(\.line) == [9])
    }

    @Test("JSON Lines at the edges of the limit and of the read buffer")
    func lineLimitEdges() throws {
        let fixture = try ReaderFixture()
        let limits = InputLimits(recordBytes: 200)
        func padded(_ id: String, to length: Int) -> String {
            let base = #"{"id": "\#(id)", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 4}, "comment": ""}"#
            return base.replacingOccurrences(of: #""comment": """#, with: #""comment": ""# + String(repeating: "y", count: length - base.utf8.count) + "\"")
        }
        let text = [padded("A", to: 200), padded("B", to: 201), padded("C", to: 5000), "", "  ", padded("D", to: 100)]
            .joined(separator: "\r\n") + "\r\n" + padded("E", to: 300)
        let sink = try readAccounted(Array(text.utf8), as: .jsonLines, fixture: fixture, limits: limits, label: "edges")
        try #require(sink.outcomes.map(\.line) == [1, 2, 3, 6, 7])
        #expect(sink.outcomes.map(\.accepted) == [true, false, false, true, false])
        #expect(sink.outcomes[1].reason?.hasPrefix("line 2 is 201 bytes long; the limit is 200 bytes") == true)
        #expect(sink.outcomes[2].reason?.hasPrefix("line 3 is 5000 bytes long") == true)
        #expect(sink.outcomes[4].reason?.hasPrefix("line 7 is 300 bytes long") == true)
        // With the real limit: a line far longer than the 1 MiB read buffer, ended by a CR
        // that is the last byte of a read; then a line just under the limit whose CRLF is
        // split across two reads. One line each.
        let chunk = 1 << 20
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 3 * chunk - 1) + [0x0D]
        let bytes = long + Array((padded("F", to: chunk - 1) + "\r\n" + padded("G", to: 100)).utf8)
        let sink2 = try readAccounted(bytes, as: .jsonLines, fixture: fixture, label: "buffer edges")
        try #require(sink2.outcomes.map(\.line) == [1, 2, 3])
        #expect(sink2.outcomes.map(\.accepted) == [false, true, true])
        #expect(sink2.outcomes[0].reason?.hasPrefix("line 1 is \(3 * chunk - 1) bytes long") == true)
    }

    @Test("a .json array over 512 MiB is one reject saying so, and the file is not read")
    func arrayFileLimit() throws {
        let fixture = try ReaderFixture()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("[".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Sparse: no disk is written and nothing is read.
        #expect(truncate(path, off_t(InputLimits.maximumArrayFileBytes + 1)) == 0)
        let sink = RecordingSink()
        let reader = PortalReader(validator: fixture.validator, fields: fixture.folder.survey.portalFields)
        #expect(try reader.readArray(path: path, displayPath: "a.json", into: sink) == 1)
        #expect(sink.outcomes.map(\.line) == [1])
        #expect(sink.outcomes.first?.reason?.hasPrefix("the file is 536870913 bytes; the limit for a .json array is 536870912 bytes") == true)
    }
}
