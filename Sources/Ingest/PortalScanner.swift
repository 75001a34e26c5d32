#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SurveyModel

/// Reads a portal submission in the usual shape straight from its bytes, making no
/// `JSONValue` and no String but those the record keeps:
///
///     {"id": "W1", "unit": "STP", "submitted_at": "2024-07-03T10:22:11+07:00",
///      "dossier_code": "HS-1", "comment": "...", "answers": {"q01": 4, "q02": "5", "q03": null}}
///
/// The known keys in any order, each at most once; their values strings (or null for the
/// dossier code and comment); answers keyed by item ids exactly, each at most once, valued
/// with small integers, digit strings or null; other keys with strings, numbers, `true`,
/// `false` or null. Strings have no escapes; all of it is checked as strictly as `JSONParser`
/// checks it. Anything else (an escape, a nested value under an unknown key, an alias of an
/// item id, a duplicate key, an answer that is not in the usual shape, a reject of any kind)
/// returns nil: `PortalReader` then parses the record with `JSONParser` and validates it
/// with `FormValidator.validate`, which explain what is wrong.
struct PortalScanner {
    let validator: FormValidator
    /// The names of id, unit, submitted_at, dossier_code, comment and answers (values 0...5).
    private let names: ByteKeyTable
    /// Item ids, by their position among the answered items.
    private let itemTable: ByteKeyTable
    /// False when a configured name or an item id is not plain ASCII, or two names are the
    /// same: then every record goes to the parser.
    let isUsable: Bool
    /// The answers of the last record, whose storage the next one reuses when the sink kept
    /// no copy of it.
    private let buffer = AnswerBuffer()
    private let stringBytes = StringByteClasses()

    init(validator: FormValidator, fields: PortalFields) {
        self.validator = validator
        let names = [fields.id, fields.unit, fields.submittedAt, fields.dossierCode, fields.comment, fields.answers].map { Array($0.utf8) }
        let itemIDs = validator.items.map { Array($0.id.utf8) }
        self.names = ByteKeyTable(names.enumerated().map { ($1, $0) })
        itemTable = ByteKeyTable(itemIDs.enumerated().map { ($1, $0) })
        func plain(_ bytes: [UInt8]) -> Bool {
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
        }
        isUsable = names.allSatisfy(plain) && self.names.count == names.count && itemIDs.allSatisfy(plain)
            && itemTable.count == itemIDs.count
    }

    private static let quote = UInt8(ascii: "\"")

    /// The record of one line or array element, or nil when the parser and validator must decide.
    func record(_ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int, position: Int) -> ResponseRecord? {
        guard isUsable, let base = bytes.baseAddress else { return nil }
        var c = Cursor(p: base, n: bytes.count, special: stringBytes.table)
        c.skipSpace()
        guard c.at(UInt8(ascii: "{")) else { return nil }
        c.i += 1
        c.skipSpace()
        var id: UnsafeBufferPointer<UInt8>?, unit: UnsafeBufferPointer<UInt8>?, date: UnsafeBufferPointer<UInt8>?
        var dossier: UnsafeBufferPointer<UInt8>?, comment: UnsafeBufferPointer<UInt8>?
        var seen: UInt8 = 0
        var answers: [Int?] = []
        var anyAnswer = false
        var answered = false
        // Unknown keys, to find one written twice.
        var otherStarts = SIMD8<Int>(), otherLengths = SIMD8<Int>()
        var otherCount = 0
        if c.at(UInt8(ascii: "}")) { return nil }
        // Keys usually come in the configured order: each is looked for first as the next
        // name, in quotes, before it is read as a string.
        var expected = 0
        while true {
            guard c.at(Self.quote) else { return nil }
            let keyStart = c.i
            var known: Int?
            if expected < 6, let length = names.quotedKeyNumber(expected, at: c.p + c.i, available: c.n - c.i) {
                known = expected
                c.i += length + 2
            }
            let key: UnsafeBufferPointer<UInt8>
            if known != nil {
                key = UnsafeBufferPointer(start: c.p + keyStart + 1, count: c.i - keyStart - 2)
            } else {
                guard let k = c.string(asciiOnly: true) else { return nil }
                key = k
                known = names.find(key)
            }
            c.skipSpace()
            guard c.at(UInt8(ascii: ":")) else { return nil }
            c.i += 1
            c.skipSpace()
            if let field = known {
                expected = field + 1
                let bit: UInt8 = 1 << UInt8(field)
                guard seen & bit == 0 else { return nil }
                seen |= bit
                if field == 5 {
                    guard c.at(UInt8(ascii: "{")) else { return nil }
                    answers = buffer.take(count: validator.answerRules.count)
                    answered = true
                    guard scanAnswers(&c, into: &answers, anyAnswer: &anyAnswer) else { return nil }
                } else if c.at(Self.quote) {
                    guard let value = c.string(asciiOnly: false) else { return nil }
                    switch field {
                    case 0: id = value
                    case 1: unit = value
                    case 2: date = value
                    case 3: dossier = value
                    default: comment = value
                    }
                } else if field >= 3, c.literal("null") {
                    // No dossier code, no comment.
                } else {
                    return nil
                }
            } else {
                // Another key: its value is read past, checked, and not used.
                let start = key.baseAddress! - base
                guard otherCount < 8 else { return nil }
                for k in 0..<otherCount
                where ByteText.equal(UnsafeBufferPointer(start: base + otherStarts[k], count: otherLengths[k]), key) {
                    return nil
                }
                otherStarts[otherCount] = start
                otherLengths[otherCount] = key.count
                otherCount += 1
                guard c.i < c.n else { return nil }
                switch c.p[c.i] {
                case Self.quote: guard c.string(asciiOnly: false) != nil else { return nil }
                case UInt8(ascii: "t"): guard c.literal("true") else { return nil }
                case UInt8(ascii: "f"): guard c.literal("false") else { return nil }
                case UInt8(ascii: "n"): guard c.literal("null") else { return nil }
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): guard c.number() else { return nil }
                default: return nil
                }
            }
            c.skipSpace()
            guard c.i < c.n else { return nil }
            if c.p[c.i] == UInt8(ascii: ",") {
                c.i += 1
                c.skipSpace()
                continue
            }
            guard c.p[c.i] == UInt8(ascii: "}") else { return nil }
            c.i += 1
            break
        }
        c.skipSpace()
        guard c.i == c.n, let id, let unit, let date, answered else { return nil }
        let form = ByteForm(
            id: id, unit: unit, date: date, isTimestamp: true, dossierCode: dossier, comment: comment, answers: answers,
            anyAnswer: anyAnswer)
        guard var record = validator.record(form, path: path, line: line, channel: .online, dates: &buffer.dates) else { return nil }
        record.position = position
        buffer.keep(answers)
        return record
    }

    /// The answers object at the cursor (on its `{`), into `answers` (one per item).
    private func scanAnswers(_ c: inout Cursor, into answers: inout [Int?], anyAnswer: inout Bool) -> Bool {
        let rules = validator.answerRules
        let count = rules.count
        guard answers.count == count else { return false }
        // Items answered so far (a key twice, or two spellings of one item, go to the parser).
        guard count <= 128 else { return false }
        var seenLow: UInt64 = 0, seenHigh: UInt64 = 0
        c.i += 1
        c.skipSpace()
        if c.at(UInt8(ascii: "}")) {
            c.i += 1
            return true
        }
        var expected = 0
        return answers.withUnsafeMutableBufferPointer { out in
            while true {
                guard c.at(Self.quote) else { return false }
                // Answers usually come in the instrument's order, a few items left out: the key
                // is looked for as one of the next items', in quotes, before it is read as a string.
                var k = -1
                var candidate = expected
                while candidate < count && candidate < expected + 3 {
                    if let length = itemTable.quotedKeyNumber(candidate, at: c.p + c.i, available: c.n - c.i) {
                        k = candidate
                        c.i += length + 2
                        break
                    }
                    candidate += 1
                }
                if k < 0 {
                    guard let key = c.string(asciiOnly: true), let found = itemTable.find(key) else { return false }
                    k = found
                }
                expected = k + 1
                if k < 64 {
                    let bit: UInt64 = 1 << UInt64(k)
                    guard seenLow & bit == 0 else { return false }
                    seenLow |= bit
                } else {
                    let bit: UInt64 = 1 << UInt64(k - 64)
                    guard seenHigh & bit == 0 else { return false }
                    seenHigh |= bit
                }
                var v = AnswerRule.missing
                // The usual value, `: 4` or `:4`: one digit, then a separator.
                var read = false
                if c.n - c.i >= 4, c.p[c.i] == UInt8(ascii: ":") {
                    var j = c.i + 1
                    if c.p[j] == 0x20 { j += 1 }
                    let d = c.p[j] &- 0x30
                    let after = c.p[j + 1]
                    if d < 10 && (after == UInt8(ascii: ",") || after == UInt8(ascii: "}") || after == 0x20) {
                        v = rules[k].answer(digit: Int(d))
                        c.i = j + 1
                        read = true
                    }
                }
                if !read {
                    c.skipSpace()
                    guard c.at(UInt8(ascii: ":")) else { return false }
                    c.i += 1
                    c.skipSpace()
                    guard c.i < c.n else { return false }
                    let b = c.p[c.i]
                    if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                        // A small integer as JSON writes it: no leading zero, no fraction or exponent.
                        let start = c.i
                        while c.i < c.n, c.p[c.i] >= UInt8(ascii: "0"), c.p[c.i] <= UInt8(ascii: "9") { c.i += 1 }
                        let digits = c.i - start
                        guard digits <= 3, !(digits > 1 && b == UInt8(ascii: "0")) else { return false }
                        if c.i < c.n, c.p[c.i] == UInt8(ascii: ".") || c.p[c.i] == UInt8(ascii: "e") || c.p[c.i] == UInt8(ascii: "E") {
                            return false
                        }
                        v = rules[k].answer(number: ByteText.digits(c.p + start, digits)!)
                    } else if b == Self.quote {
                        guard let text = c.string(asciiOnly: false) else { return false }
                        v = validator.answer(text, item: k)
                    } else if b == UInt8(ascii: "n") {
                        guard c.literal("null") else { return false }
                    } else {
                        return false
                    }
                }
                if v == AnswerRule.undecided { return false }
                if v >= 0 {
                    out[k] = v
                    anyAnswer = true
                }
                c.skipSpace()
                guard c.i < c.n else { return false }
                if c.p[c.i] == UInt8(ascii: ",") {
                    c.i += 1
                    c.skipSpace()
                    continue
                }
                guard c.p[c.i] == UInt8(ascii: "}") else { return false }
                c.i += 1
                return true
            }
        }
    }
}

/// The storage of a record's answers, handed from one record to the next: once the sink is
/// done with a record, its array is referenced only here, and the next record's answers are
/// written into it rather than into a new one (the sink never sees a change: if it kept the
/// record, the array is copied on write).
final class AnswerBuffer {
    private var answers: [Int?] = []
    /// The ISO dates of the file's earlier forms.
    var dates = DateStrings()

    /// An array of `count` nils, in the storage of the last one if that is free.
    @inline(__always)
    func take(count: Int) -> [Int?] {
        var taken: [Int?] = []
        swap(&taken, &answers)
        if taken.count == count {
            // (Copied first if the sink still holds it.)
            taken.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
            return taken
        }
        return [Int?](repeating: nil, count: count)
    }

    /// Keeps `answers` to be taken by the next record.
    @inline(__always)
    func keep(_ answers: [Int?]) { self.answers = answers }
}

/// The bytes that end an ordinary run inside a JSON string: the quote, the backslash, control
/// characters and bytes over 0x7F.
final class StringByteClasses {
    let table: UnsafeMutablePointer<UInt8>

    init() {
        table = .allocate(capacity: 256)
        for b in 0..<256 { table[b] = b < 0x20 || b == 0x22 || b == 0x5C || b >= 0x80 ? 1 : 0 }
    }

    deinit { table.deallocate() }
}

/// A position in the bytes of one record, with the pieces of JSON `PortalScanner` reads.
private struct Cursor {
    let p: UnsafePointer<UInt8>
    let n: Int
    /// Nonzero for the bytes that end an ordinary run inside a string (see `StringByteClasses`).
    let special: UnsafePointer<UInt8>
    var i = 0

    @inline(__always)
    mutating func skipSpace() {
        while i < n, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0A || p[i] == 0x0D { i += 1 }
    }

    @inline(__always)
    func at(_ byte: UInt8) -> Bool { i < n && p[i] == byte }

    /// The body of the string at the cursor (on its opening quote), the cursor after it; nil
    /// for an escape, a control character, a string not closed, bytes that are not UTF-8 (or
    /// with `asciiOnly`, any byte over 0x7F).
    @inline(__always)
    mutating func string(asciiOnly: Bool) -> UnsafeBufferPointer<UInt8>? {
        i += 1
        let start = i
        var nonASCII = false
        while true {
            while i < n && special[Int(p[i])] == 0 { i += 1 }
            guard i < n else { return nil }
            let b = p[i]
            if b == 0x22 {
                let body = UnsafeBufferPointer(start: p + start, count: i - start)
                i += 1
                if nonASCII {
                    if asciiOnly || UTF8Text.firstInvalid(body) != nil { return nil }
                }
                return body
            }
            guard b >= 0x80 else { return nil }
            nonASCII = true
            i += 1
        }
    }

    /// Reads `word` (`true`, `false`, `null`) at the cursor.
    @inline(__always)
    mutating func literal(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard n - i >= length, memcmp(p + i, word.utf8Start, length) == 0 else { return false }
        i += length
        return true
    }

    /// Reads a number at the cursor: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() -> Bool {
        func digits() -> Int {
            let from = i
            while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
            return i - from
        }
        if at(UInt8(ascii: "-")) { i += 1 }
        let intStart = i
        let count = digits()
        guard count > 0, !(count > 1 && p[intStart] == 0x30) else { return false }
        if at(UInt8(ascii: ".")) {
            i += 1
            guard digits() > 0 else { return false }
        }
        if at(UInt8(ascii: "e")) || at(UInt8(ascii: "E")) {
            i += 1
            if at(UInt8(ascii: "+")) || at(UInt8(ascii: "-")) { i += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }
}
