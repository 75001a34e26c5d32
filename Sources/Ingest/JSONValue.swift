/// A JSON value (RFC 8259) as `JSONParser` reads it: plain Swift values, no Foundation
/// objects, members kept in the order they were written.
///
/// Booleans are their own case, so JSON `true` can never be taken for the number 1.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value of the member named `key`, or nil. Keys are unique: the parser rejects an
    /// object that repeats one.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// "a string", "a number", ... for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

struct JSONMember: Equatable, Sendable {
    var key: String
    var value: JSONValue
}

/// Why a text is not one JSON value.
struct JSONParseError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// The text ends inside a value: truncated.
        case truncated
        /// Not JSON at `offset`: a wrong character, invalid UTF-8, a lone surrogate, ...
        case malformed
        /// An object names a key twice; `path` is the key, after the keys of the objects
        /// around it (["answers", "q01"]).
        case duplicateKey(path: [String])
        /// Arrays and objects nested deeper than `JSONParser.maximumDepth`.
        case tooDeep
    }

    var kind: Kind
    /// 0-based byte offset in the parsed text where the problem was seen.
    var offset: Int
    var message: String

    var description: String { "\(message) (at byte \(offset + 1))" }
}

/// A strict, byte-level JSON parser (RFC 8259): objects, arrays, strings with every escape
/// (surrogate pairs joined, lone surrogates refused), numbers, true, false and null.
///
/// Refuses what a lenient parser would guess at: invalid UTF-8, control characters inside
/// strings, leading zeros, trailing commas, anything after the value, nesting deeper than
/// `maximumDepth`, and an object that names a key twice (which value holds would be a
/// guess; Foundation's `JSONSerialization` silently keeps the last). Keys are compared as
/// Swift compares strings (canonical equivalence), as the readers look them up.
///
/// Written by hand, like `CSVReader`, because it is on the ingest hot path: it makes no
/// Foundation objects and allocates only the values it returns.
struct JSONParser {
    /// Arrays and objects inside each other: more than any portal export uses, and few
    /// enough that the recursion cannot exhaust the stack.
    static let maximumDepth = 64

    /// Parses `bytes` as exactly one JSON value, surrounded by nothing but whitespace.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw parser.error(.malformed, "unexpected \(parser.shownByte()) after the end of the value; expected one value and nothing after it")
        }
        return value
    }

    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in try parse(buffer) }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Hashes of the keys of the objects being parsed, innermost last (see `parseObject`).
    private var keyHashes: [UInt64] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private func error(_ kind: JSONParseError.Kind, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset ?? index, message: message)
    }

    private func truncated(_ inside: String) -> JSONParseError {
        error(.truncated, "the text ends inside \(inside) (truncated)")
    }

    /// The byte at `index` for a message: 'x', or its hex value when not printable ASCII.
    private func shownByte() -> String {
        guard index < bytes.count else { return "the end of the text" }
        let b = bytes[index]
        if b >= 0x21 && b < 0x7F { return "'\(Character(UnicodeScalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw truncated(depth == 0 ? "the text: no value" : "a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case Self.quote: return .string(try parseString().value)
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            throw error(.malformed, "unexpected \(shownByte()); expected a value (an object, array, string, number, true, false or null)")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for k in 0..<count {
            guard index < bytes.count else { throw truncated("the word \(word)") }
            guard bytes[index] == expected[k] else {
                throw error(.malformed, "unexpected \(shownByte()); expected \(word)")
            }
            index += 1
        }
    }

    private mutating func enter(_ depth: Int) throws(JSONParseError) {
        if depth > Self.maximumDepth {
            throw error(.tooDeep, "arrays and objects nested deeper than \(Self.maximumDepth) levels; expected a flat form")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth)
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw truncated("an array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw error(.malformed, "unexpected \(shownByte()) in an array; expected ',' or ']'")
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth)
        index += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        // Duplicate keys: each key's hash goes on `keyHashes` (shared by the nested objects,
        // each using the part above `base`), so that a new key is compared as a string only
        // with keys of equal hash. Past `setThreshold` keys, a Set takes over, so that a
        // hostile object of 100 000 keys costs linear time.
        let base = keyHashes.count
        defer { keyHashes.removeSubrange(base...) }
        let setThreshold = 32
        var keySet: Set<String>?
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw truncated("an object") }
            guard bytes[index] == Self.quote else {
                throw error(.malformed, "unexpected \(shownByte()) in an object; expected a key in double quotes")
            }
            let keyStart = index
            let (key, hash) = try parseString()
            if keySet != nil {
                if !keySet!.insert(key).inserted {
                    throw error(.duplicateKey(path: [key]), "the key \"\(key)\" appears twice", at: keyStart)
                }
            } else {
                for (k, h) in keyHashes[base...].enumerated() where h == hash && members[k].key == key {
                    throw error(.duplicateKey(path: [key]), "the key \"\(key)\" appears twice", at: keyStart)
                }
                keyHashes.append(hash)
                if members.count + 1 >= setThreshold { keySet = Set(members.map(\.key) + [key]) }
            }
            skipWhitespace()
            guard index < bytes.count else { throw truncated("an object") }
            guard bytes[index] == UInt8(ascii: ":") else {
                throw error(.malformed, "unexpected \(shownByte()) after the key \"\(key)\"; expected ':'")
            }
            index += 1
            skipWhitespace()
            let value: JSONValue
            do { value = try parseValue(depth: depth) } catch {
                // Name the duplicate key by its path from the outermost object.
                if case .duplicateKey(let path) = error.kind {
                    throw JSONParseError(kind: .duplicateKey(path: [key] + path), offset: error.offset, message: error.message)
                }
                throw error
            }
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw truncated("an object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw error(.malformed, "unexpected \(shownByte()) in an object; expected ',' or '}'")
            }
        }
    }

    /// A string at `index` (on its opening quote), and a hash of its UTF-8 bytes for the
    /// duplicate-key check. Non-ASCII keys all hash alike, since canonically equivalent
    /// spellings (NFC, NFD) have different bytes but are the same key.
    private mutating func parseString() throws(JSONParseError) -> (value: String, hash: UInt64) {
        index += 1
        let start = index
        // Fast path: no escape. Scan to the closing quote, then validate the UTF-8 at once.
        var ascii = true
        while index < bytes.count {
            let b = bytes[index]
            if b == Self.quote {
                let body = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if !ascii, let bad = UTF8Text.firstInvalid(body) {
                    throw error(.malformed, "a string is not valid UTF-8; expected UTF-8 text", at: start + bad)
                }
                index += 1
                return (String(decoding: body, as: UTF8.self), ascii ? Self.hash(body) : 0)
            }
            if b == Self.backslash { break }
            if b < 0x20 { throw controlCharacter(b) }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        guard index < bytes.count else { throw truncated("a string") }
        // Slow path: decode escapes into a buffer.
        var decoded = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw truncated("a string") }
            let b = bytes[index]
            switch b {
            case Self.quote:
                guard let text = UTF8Text.string(decoded) else {
                    throw error(.malformed, "a string is not valid UTF-8; expected UTF-8 text", at: start)
                }
                index += 1
                return (text, ascii ? decoded.withUnsafeBufferPointer(Self.hash) : 0)
            case Self.backslash:
                let escapeStart = index
                index += 1
                guard index < bytes.count else { throw truncated("a string") }
                let e = bytes[index]
                index += 1
                switch e {
                case Self.quote: decoded.append(Self.quote)
                case Self.backslash: decoded.append(Self.backslash)
                case UInt8(ascii: "/"): decoded.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xDC00...0xDFFF).contains(scalar) {
                        throw error(.malformed, "a lone low surrogate \\u\(Self.hex(scalar)) in a string; expected a high surrogate before it", at: escapeStart)
                    }
                    if (0xD800...0xDBFF).contains(scalar) {
                        let lone = error(.malformed, "a lone high surrogate \\u\(Self.hex(scalar)) in a string; expected \\uDC00-\\uDFFF after it", at: escapeStart)
                        guard index < bytes.count else { throw truncated("a string") }
                        guard bytes[index] == Self.backslash else { throw lone }
                        guard index + 1 < bytes.count else { throw truncated("a string") }
                        guard bytes[index + 1] == UInt8(ascii: "u") else { throw lone }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error(.malformed, "a high surrogate \\u\(Self.hex(scalar)) followed by \\u\(Self.hex(low)); expected \\uDC00-\\uDFFF", at: escapeStart)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    if scalar >= 0x80 { ascii = false }
                    Self.appendUTF8(scalar, to: &decoded)
                default:
                    index -= 1
                    throw error(.malformed, "unknown escape \\\(shownByte().trimmingQuotes) in a string; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: escapeStart)
                }
            default:
                if b < 0x20 { throw controlCharacter(b) }
                if b >= 0x80 { ascii = false }
                decoded.append(b)
                index += 1
            }
        }
    }

    private func controlCharacter(_ b: UInt8) -> JSONParseError {
        error(.malformed, "a control character (0x\(String(b, radix: 16, uppercase: true))) inside a string; expected it escaped, e.g. \\n or \\u00\(b < 0x10 ? "0" : "")\(String(b, radix: 16, uppercase: true))")
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw truncated("a string") }
            let b = bytes[index]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error(.malformed, "unexpected \(shownByte()) in a \\u escape; expected 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as the nearest
    /// Double (beyond its range: ±infinity or 0, which no answer scale accepts).
    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count else { throw truncated("a number") }
        let intStart = index
        let intDigits = digits()
        if intDigits == 0 { throw error(.malformed, "unexpected \(shownByte()) in a number; expected a digit") }
        if intDigits > 1 && bytes[intStart] == UInt8(ascii: "0") {
            throw error(.malformed, "a number with a leading zero; expected no leading zeros", at: intStart)
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            if index >= bytes.count { throw truncated("a number") }
            if digits() == 0 { throw error(.malformed, "unexpected \(shownByte()) after a decimal point; expected a digit") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            if index >= bytes.count { throw truncated("a number") }
            if digits() == 0 { throw error(.malformed, "unexpected \(shownByte()) in an exponent; expected a digit") }
        }
        // Fast path: a short integer is exact as a Double.
        if isInteger && intDigits <= 15 {
            var value = 0
            for k in intStart..<index { value = value * 10 + Int(bytes[k] - UInt8(ascii: "0")) }
            return negative ? -Double(value) : Double(value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if let value = Double(text) { return value }
        // The grammar is checked, so only the range can fail.
        return negative ? -.infinity : .infinity
    }

    // MARK: helpers

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // FNV-1a; never 0 (0 marks non-ASCII keys).
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h | 1
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

/// UTF-8 checks for the JSON parser and the CSV reader, without the generic overhead of `String(validating:as:)`
/// (a metadata lookup on every call, a third of the JSON parser's time).
enum UTF8Text {
    /// Offset of the first byte that does not begin a well-formed UTF-8 sequence (overlong
    /// forms, surrogates and code points over U+10FFFF are not well-formed), or nil.
    static func firstInvalid(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = p.count
        guard let base = p.baseAddress else { return nil }
        var i = 0
        while i < n {
            // Eight ASCII bytes at a time.
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < n else { return nil }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            func continuation(_ k: Int) -> Bool { i + k < n && p[i + k] & 0xC0 == 0x80 }
            switch b0 {
            case 0xC2...0xDF:
                guard continuation(1) else { return i }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return i }
                let b1 = p[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return i }  // overlong
                if b0 == 0xED && b1 >= 0xA0 { return i }  // a surrogate
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return i }
                let b1 = p[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return i }  // overlong
                if b0 == 0xF4 && b1 >= 0x90 { return i }  // over U+10FFFF
                i += 4
            default:
                return i
            }
        }
        return nil
    }

    /// The text, or nil if the bytes are not UTF-8.
    static func string(_ p: UnsafeBufferPointer<UInt8>) -> String? {
        firstInvalid(p) == nil ? String(decoding: p, as: UTF8.self) : nil
    }

    static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }
}

private extension String {
    var trimmingQuotes: String { count >= 2 && first == "'" && last == "'" ? String(dropFirst().dropLast()) : self }
}
