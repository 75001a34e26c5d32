import Foundation
import Storage
import Testing

@testable import Ingest

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
