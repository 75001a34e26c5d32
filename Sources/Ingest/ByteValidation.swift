#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SurveyModel

// The byte-level path of validation: a form whose fields are in the shape almost every form
// has (an ASCII id, a known unit code, a date as digits, answers as digits) is validated
// straight from the bytes of its fields, making no String but those the record keeps.
// Anything else (a label, a padded cell, a bad value, a reject of any kind) goes through
// `FormValidator.validate`, the one place that explains problems: the byte path accepts only
// what `validate` would accept, with the same record, and otherwise says "don't know" (nil).

/// A set of byte strings, each with a value (open addressing, FNV-1a): unit codes, item ids.
/// Immutable once made; its bytes are in one block, read without retains or copies.
final class ByteKeyTable: @unchecked Sendable {
    private let bytes: UnsafeMutablePointer<UInt8>
    /// Per key: where its bytes start, their count, its value.
    private let starts: UnsafeMutablePointer<Int>
    private let lengths: UnsafeMutablePointer<Int>
    private let values: UnsafeMutablePointer<Int>
    /// Per key of up to 6 bytes: the key in double quotes as a little-endian word, and the
    /// mask of its bytes (0 for longer keys).
    private let quotedWords: UnsafeMutablePointer<UInt64>
    private let quotedMasks: UnsafeMutablePointer<UInt64>
    /// Slot → 1 + key number, or 0 when empty.
    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int
    /// Keys kept (the first of equal ones).
    let count: Int

    init(_ entries: [(key: [UInt8], value: Int)]) {
        var size = 8
        while size < entries.count * 2 { size <<= 1 }
        let mask = size - 1
        let slots = UnsafeMutablePointer<Int32>.allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        let total = entries.reduce(0) { $0 + $1.key.count }
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(total, 1))
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: max(entries.count, 1))
        let lengths = UnsafeMutablePointer<Int>.allocate(capacity: max(entries.count, 1))
        let values = UnsafeMutablePointer<Int>.allocate(capacity: max(entries.count, 1))
        let quotedWords = UnsafeMutablePointer<UInt64>.allocate(capacity: max(entries.count, 1))
        let quotedMasks = UnsafeMutablePointer<UInt64>.allocate(capacity: max(entries.count, 1))
        var kept = 0, used = 0
        for entry in entries {
            entry.key.withUnsafeBufferPointer { key in
                guard Self.lookup(key, bytes: bytes, starts: starts, lengths: lengths, slots: slots, mask: mask) == nil else { return }
                if let base = key.baseAddress, key.count > 0 { (bytes + used).initialize(from: base, count: key.count) }
                (starts + kept).initialize(to: used)
                (lengths + kept).initialize(to: key.count)
                (values + kept).initialize(to: entry.value)
                var word: UInt64 = 0, wordMask: UInt64 = 0
                if key.count <= 6 {
                    let quoted = [0x22] + Array(key) + [0x22]
                    for (j, b) in quoted.enumerated() {
                        word |= UInt64(b) << UInt64(8 * j)
                        wordMask |= UInt64(0xFF) << UInt64(8 * j)
                    }
                }
                (quotedWords + kept).initialize(to: word)
                (quotedMasks + kept).initialize(to: wordMask)
                used += key.count
                var slot = Self.hash(key) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(kept + 1)
                kept += 1
            }
        }
        self.mask = mask
        self.slots = slots
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.values = values
        self.quotedWords = quotedWords
        self.quotedMasks = quotedMasks
        count = kept
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        lengths.deallocate()
        values.deallocate()
        quotedWords.deallocate()
        quotedMasks.deallocate()
        slots.deallocate()
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always)
    private static func lookup(
        _ key: UnsafeBufferPointer<UInt8>, bytes: UnsafeMutablePointer<UInt8>, starts: UnsafeMutablePointer<Int>,
        lengths: UnsafeMutablePointer<Int>, slots: UnsafeMutablePointer<Int32>, mask: Int
    ) -> Int? {
        var slot = hash(key) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if ByteText.equal(UnsafeBufferPointer(start: bytes + starts[entry - 1], count: lengths[entry - 1]), key) {
                return entry - 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// The value of `key`, or nil.
    @inline(__always)
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        Self.lookup(key, bytes: bytes, starts: starts, lengths: lengths, slots: slots, mask: mask).map { values[$0] }
    }

    /// The length of key number `k` when `p` (with `available` bytes) starts with it in double
    /// quotes, else nil.
    @inline(__always)
    func quotedKeyNumber(_ k: Int, at p: UnsafePointer<UInt8>, available: Int) -> Int? {
        let mask = quotedMasks[k]
        if mask != 0 && available >= 8 {
            // One load: the key of up to 6 bytes and its quotes.
            let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
            return word & mask == quotedWords[k] ? lengths[k] : nil
        }
        let length = lengths[k]
        guard available >= length + 2, p[0] == 0x22, p[length + 1] == 0x22 else { return nil }
        let key = bytes + starts[k]
        for j in 0..<length where key[j] != p[1 + j] { return nil }
        return length
    }

    /// Whether key number `k` (in the order given, counting only those kept) is `key`.
    @inline(__always)
    func keyNumber(_ k: Int, is key: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteText.equal(UnsafeBufferPointer(start: bytes + starts[k], count: lengths[k]), key)
    }
}

/// Small helpers on UTF-8 bytes.
enum ByteText {
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        guard n > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
        // Keys are short: compare them here rather than call memcmp.
        if n <= 16 {
            for k in 0..<n where x[k] != y[k] { return false }
            return true
        }
        return memcmp(x, y, n) == 0
    }

    /// `bytes` without the leading and trailing characters `String.trimmedOfSpaces` drops
    /// (space, tab, LF, CR, U+00A0), for valid UTF-8.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = bytes.baseAddress else { return bytes }
        var start = 0, end = bytes.count
        while start < end {
            let b = base[start]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                start += 1
            } else if b == 0xC2, start + 1 < end, base[start + 1] == 0xA0 {
                start += 2
            } else {
                break
            }
        }
        while end > start {
            let b = base[end - 1]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                end -= 1
            } else if b == 0xA0, end - 2 >= start, base[end - 2] == 0xC2 {
                end -= 2
            } else {
                break
            }
        }
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    /// Whether every byte is printable ASCII (0x20-0x7E).
    @inline(__always)
    static func isPrintableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b < 0x20 || b > 0x7E { return false }
        return true
    }

    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b >= 0x80 { return false }
        return true
    }

    /// The value of 1...`maxDigits` ASCII digits, or nil.
    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        var v = 0
        for k in 0..<count {
            let d = p[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// What the byte path needs of one answered item: which answers written as digits it takes.
struct AnswerRule: Sendable {
    enum Kind: UInt8, Sendable {
        case likert5, scale, yesno, count, text
    }

    var kind: Kind
    /// `scale`: the codes of the item's scale, 0...127 (bit v of `low` for v < 64, of `high` for the rest).
    var low: UInt64 = 0
    var high: UInt64 = 0
    /// Bit d: a single digit d is an answer (the rule for one-byte cells, by table).
    var digits: UInt16 = 0

    init(_ item: Item) {
        switch item.kind {
        case .likert5: kind = .likert5
        case .yesno: kind = .yesno
        case .count: kind = .count
        case .text: kind = .text
        case .likert, .category:
            if let scale = item.scale {
                kind = .scale
                for v in scale.values where v >= 0 && v < 128 {
                    if v < 64 { low |= 1 << UInt64(v) } else { high |= 1 << UInt64(v - 64) }
                }
            } else {
                // `AnswerParser.parse` reads such an item by its kind: never an answer.
                kind = .scale
            }
        }
        for d in 0...9 where kind != .text && accepts(d) { digits |= 1 << UInt16(d) }
    }

    /// Missing (for an empty cell).
    static let missing = -1
    /// Not decided here: `FormValidator.validate` must read the answer.
    static let undecided = -2

    /// The answer `AnswerParser.parse(_:item:)` reads from `bytes` (a text cell or a JSON
    /// string), when it is blank or 1-3 digits that the item takes: the value, `missing`, or
    /// `undecided`.
    @inline(__always)
    func answer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let n = bytes.count
        if kind == .text || n == 0 { return Self.missing }
        if n == 1 {
            let d = Int(bytes[0] &- 0x30)
            return d < 10 && digits >> UInt16(d) & 1 == 1 ? d : Self.undecided
        }
        guard n <= 3, let base = bytes.baseAddress, let v = ByteText.digits(base, n) else { return Self.undecided }
        // `yesno` knows the labels "1" and "0" only (not "01").
        if kind == .yesno && n != 1 { return Self.undecided }
        return accepts(v) ? v : Self.undecided
    }

    /// `answer(number:)` of a digit 0...9.
    @inline(__always)
    func answer(digit d: Int) -> Int {
        if kind == .text { return Self.missing }
        return digits >> UInt16(d) & 1 == 1 ? d : Self.undecided
    }

    /// The answer `AnswerParser.parse(number:item:)` reads from a JSON integer 0...999.
    @inline(__always)
    func answer(number v: Int) -> Int {
        if kind == .text { return Self.missing }
        return accepts(v) ? v : Self.undecided
    }

    @inline(__always)
    private func accepts(_ v: Int) -> Bool {
        switch kind {
        case .likert5: return v >= 1 && v <= 5
        case .count: return v <= 250
        case .yesno: return v <= 1
        case .scale: return v < 64 ? low >> UInt64(v) & 1 == 1 : v < 128 && high >> UInt64(v - 64) & 1 == 1
        case .text: return false
        }
    }
}

/// The fields of one form as bytes (each valid UTF-8), for `FormValidator.record(_:)`.
struct ByteForm {
    var id: UnsafeBufferPointer<UInt8>
    var unit: UnsafeBufferPointer<UInt8>
    var date: UnsafeBufferPointer<UInt8>
    var isTimestamp: Bool
    /// nil when the form has no such field (or it is JSON null).
    var dossierCode: UnsafeBufferPointer<UInt8>?
    var comment: UnsafeBufferPointer<UInt8>?
    /// One per answered item, already read through `AnswerRule` (none `undecided`).
    var answers: [Int?]
    /// Whether any answer is not nil.
    var anyAnswer: Bool
    /// Whether text must be put in NFC (code pages transcoded by iconv, as `CSVReader` does).
    var composeText = false
}

extension FormValidator {
    /// The record `validate` makes of the form, when the form is in the usual shape and valid;
    /// nil when `validate` must decide (every reject, and anything unusual).
    func record(_ form: ByteForm, path: String, line: Int, channel: Channel) -> ResponseRecord? {
        var dates = DateStrings()
        return record(form, path: path, line: line, channel: channel, dates: &dates)
    }

    /// `record(_:path:line:channel:)`, with the ISO dates of earlier forms of the file.
    func record(_ form: ByteForm, path: String, line: Int, channel: Channel, dates: inout DateStrings) -> ResponseRecord? {
        var answers = form.answers
        var anyAnswer = form.anyAnswer
        // Items the channel does not ask (rarely any) have no answer.
        let unasked = unaskedPositions[channel == .paper ? 0 : 1]
        if !unasked.isEmpty, unasked.contains(where: { answers[$0] != nil }) {
            for k in unasked { answers[k] = nil }
            anyAnswer = answers.contains { $0 != nil }
        }
        // Answers about the respondent alone (category items) leave the form blank.
        if anyAnswer, !categoryPositions.isEmpty {
            anyAnswer = answers.indices.contains { answers[$0] != nil && !categoryPositions.contains($0) }
        }
        guard anyAnswer else { return nil }
        // The form id: printable ASCII (no control character, no tab or line break).
        let id = ByteText.trimmed(form.id)
        guard id.count > 0, ByteText.isPrintableASCII(id) else { return nil }
        // The unit: one of the codes, byte for byte; on a miss, as typed otherwise (`UnitName`).
        let unit = ByteText.trimmed(form.unit)
        let unitCode: String
        if let unitIndex = unitTable.find(unit) {
            unitCode = unitStrings[unitIndex]
        } else {
            guard unit.count > 0, let code = unitByName[UnitName.key(ByteText.string(unit))] else { return nil }
            unitCode = code
        }
        // The date.
        let rawDate = ByteText.trimmed(form.date)
        guard rawDate.count > 0, ByteText.isASCII(rawDate) else { return nil }
        let date: (year: Int, month: Int, day: Int)
        if form.isTimestamp {
            // `dateOfTimestamp`, and for a date without a time, `date` (which agrees with it).
            guard let d = AnswerParser.byteTimestamp(rawDate, zoneOffset: zoneOffset) ?? AnswerParser.byteDate(rawDate) else {
                return nil
            }
            date = d
        } else {
            guard let d = AnswerParser.byteDate(rawDate) else { return nil }
            date = d
        }
        if let today, (date.year, date.month, date.day) > (today.year, today.month, today.day) { return nil }
        func text(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? {
            guard let bytes else { return nil }
            let t = ByteText.trimmed(bytes)
            guard t.count > 0 else { return nil }
            let s = ByteText.string(t)
            return form.composeText ? composedIfNeeded(s) : s
        }
        // A dossier code is compared as a form id is (`FormID`); an ASCII one is as written.
        var dossier = text(form.dossierCode)
        if let code = dossier, let bytes = form.dossierCode, !ByteText.isASCII(bytes) {
            let normalised = FormID.normalised(code)
            dossier = normalised.isEmpty ? nil : normalised
        }
        // A unit outside its life on this date: `validate` places the form (or rejects it).
        if let lineage, !lineage.exists(UnitCode(unitCode), in: Period(year: date.year, month: date.month)) { return nil }
        return ResponseRecord(
            path: path, line: line, responseID: ByteText.string(id), channel: channel, unit: UnitCode(unitCode),
            submittedOn: dates.iso(date), period: Period(year: date.year, month: date.month),
            dossierCode: dossier, comment: text(form.comment), answers: answers)
    }
}

/// The ISO text of dates seen lately (a file's forms share a few hundred days), so that
/// most forms reuse one rather than make it. One per reader, never shared between threads.
struct DateStrings {
    private var days = [Int32](repeating: -1, count: 256)
    private var texts = [String](repeating: "", count: 256)

    init() {}

    @inline(__always)
    mutating func iso(_ d: (year: Int, month: Int, day: Int)) -> String {
        let key = Int32(truncatingIfNeeded: d.year * 512 + d.month * 32 + d.day)
        let slot = Int(UInt32(bitPattern: key &* -1_640_531_535) >> 24)
        if days[slot] == key { return texts[slot] }
        let text = AnswerParser.isoDateString(d)
        days[slot] = key
        texts[slot] = text
        return text
    }
}

extension AnswerParser {
    /// `date(_:)` of ASCII bytes without spaces, for the forms it reads without a time:
    /// `d/m/yyyy` and `yyyy/m/d` with `/`, `-` or `.` (the same twice); nil for anything
    /// else, including dates that do not exist (then `date(_:)` decides).
    static func byteDate(_ b: UnsafeBufferPointer<UInt8>) -> (year: Int, month: Int, day: Int)? {
        guard let p = b.baseAddress else { return nil }
        let n = b.count
        guard n >= 8, n <= 10 else { return nil }
        // dd/mm/yyyy (or - .), as almost every paper date is written.
        if n == 10, p[2] == p[5], p[2] == 0x2F || p[2] == 0x2D || p[2] == 0x2E {
            let d0 = p[0] &- 0x30, d1 = p[1] &- 0x30, m0 = p[3] &- 0x30, m1 = p[4] &- 0x30
            let y0 = p[6] &- 0x30, y1 = p[7] &- 0x30, y2 = p[8] &- 0x30, y3 = p[9] &- 0x30
            if d0 < 10, d1 < 10, m0 < 10, m1 < 10, y0 < 10, y1 < 10, y2 < 10, y3 < 10 {
                let day = Int(d0) * 10 + Int(d1), month = Int(m0) * 10 + Int(m1)
                let year = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
                guard year >= 1900, year <= 2999, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year)
                else { return nil }
                return (year, month, day)
            }
        }
        // The separator: the first of / - . (as `dateReading` takes it).
        var first = -1
        for k in 0..<n where p[k] == 0x2F || p[k] == 0x2D || p[k] == 0x2E {
            first = k
            break
        }
        guard first > 0 else { return nil }
        let separator = p[first]
        var second = -1
        for k in (first + 1)..<n where p[k] == separator {
            second = k
            break
        }
        guard second > first + 1, second < n - 1 else { return nil }
        let a = first, bLength = second - first - 1, c = n - second - 1
        guard let x = ByteText.digits(p, a), let y = ByteText.digits(p + first + 1, bLength),
            let z = ByteText.digits(p + second + 1, c)
        else { return nil }
        let year: Int, month: Int, day: Int
        if a == 4 {
            guard bLength <= 2, c <= 2 else { return nil }
            (year, month, day) = (x, y, z)
        } else {
            guard a <= 2, bLength <= 2, c == 4 else { return nil }
            (year, month, day) = (z, y, x)
        }
        guard year >= 1900, year <= 2999, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year) else {
            return nil
        }
        return (year, month, day)
    }

    /// `dateOfTimestamp(_:zoneOffset:)` of ASCII bytes without surrounding spaces, for
    /// `yyyy-mm-ddTHH:MM[:SS[.fff]][Z|UTC|±HH[:]MM]` (or a space for `T`); nil for anything
    /// else (then `dateOfTimestamp` decides).
    static func byteTimestamp(_ b: UnsafeBufferPointer<UInt8>, zoneOffset: (Int) -> Int) -> (year: Int, month: Int, day: Int)? {
        guard let p = b.baseAddress else { return nil }
        let n = b.count
        guard n > 10, p[4] == 0x2D, p[7] == 0x2D, let year = ByteText.digits(p, 4), let month = ByteText.digits(p + 5, 2),
            let day = ByteText.digits(p + 8, 2)
        else { return nil }
        guard year >= 1900, year <= 2999, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year) else {
            return nil
        }
        guard p[10] == UInt8(ascii: "T") || p[10] == 0x20 else { return nil }
        // The clock: digits, ':' and '.'; its first two ':'-pieces are the hour and minute.
        var k = 11
        while k < n, (p[k] >= 0x30 && p[k] <= 0x39) || p[k] == 0x3A || p[k] == 0x2E { k += 1 }
        let clockEnd = k
        var c1 = 11
        while c1 < clockEnd && p[c1] != 0x3A { c1 += 1 }
        guard c1 < clockEnd else { return nil }
        var c2 = c1 + 1
        while c2 < clockEnd && p[c2] != 0x3A { c2 += 1 }
        let hourLength = c1 - 11, minuteLength = c2 - c1 - 1
        guard hourLength >= 1, hourLength <= 2, minuteLength >= 1, minuteLength <= 2,
            let hh = ByteText.digits(p + 11, hourLength), let mm = ByteText.digits(p + c1 + 1, minuteLength), hh <= 23, mm <= 59
        else { return nil }
        let date = (year: year, month: month, day: day)
        // The zone (`TimeZones.fixedOffset`), with nothing around it.
        let zoneLength = n - clockEnd
        if zoneLength == 0 { return date }
        let z = p + clockEnd
        let offset: Int
        if zoneLength == 1 && z[0] == UInt8(ascii: "Z") {
            offset = 0
        } else if zoneLength == 3 && z[0] == UInt8(ascii: "U") && z[1] == UInt8(ascii: "T") && z[2] == UInt8(ascii: "C") {
            offset = 0
        } else {
            guard z[0] == UInt8(ascii: "+") || z[0] == UInt8(ascii: "-") else { return nil }
            var digits = 0, value = 0
            var values: (Int, Int, Int, Int) = (0, 0, 0, 0)
            for j in 1..<zoneLength where z[j] != 0x3A {
                let d = z[j] &- 0x30
                guard d < 10, digits < 4 else { return nil }
                switch digits {
                case 0: values.0 = Int(d)
                case 1: values.1 = Int(d)
                case 2: values.2 = Int(d)
                default: values.3 = Int(d)
                }
                value = value * 10 + Int(d)
                digits += 1
            }
            guard digits > 0 else { return nil }
            let hours: Int, minutes: Int
            switch digits {
            case 1, 2: (hours, minutes) = (value, 0)
            case 3: (hours, minutes) = (values.0, values.1 * 10 + values.2)
            default: (hours, minutes) = (values.0 * 10 + values.1, values.2 * 10 + values.3)
            }
            guard hours <= 14, minutes < 60 else { return nil }
            offset = (z[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        let utc = daysSince1970(date) * 1440 + hh * 60 + mm - offset / 60
        let local = utc + zoneOffset(utc * 60) / 60
        return civilDate(daysSince1970: Int((Double(local) / 1440).rounded(.down)))
    }

    /// `isoDate(_:)` for years 0...9999, without intermediate strings.
    static func isoDateString(_ d: (year: Int, month: Int, day: Int)) -> String {
        guard d.year >= 0, d.year <= 9999, d.month >= 0, d.month <= 99, d.day >= 0, d.day <= 99 else { return isoDate(d) }
        return String(unsafeUninitializedCapacity: 10) { out in
            out[0] = UInt8(0x30 + d.year / 1000)
            out[1] = UInt8(0x30 + d.year / 100 % 10)
            out[2] = UInt8(0x30 + d.year / 10 % 10)
            out[3] = UInt8(0x30 + d.year % 10)
            out[4] = 0x2D
            out[5] = UInt8(0x30 + d.month / 10)
            out[6] = UInt8(0x30 + d.month % 10)
            out[7] = 0x2D
            out[8] = UInt8(0x30 + d.day / 10)
            out[9] = UInt8(0x30 + d.day % 10)
            return 10
        }
    }
}
