/// Turning a cell's stored value into the text a person would type: numbers, dates, times,
/// cell references, and Excel's `_xHHHH_` escapes. Pure functions, no I/O.
enum CellText {
    // MARK: Numbers

    /// The shortest text that reads back as the same double, written the way JavaScript's
    /// `Number.prototype.toString` writes it: `4` (not `4.0`), `0.5`, `1234567.891`,
    /// `0.30000000000000004`, exponents only below 1e-6 or from 1e21 up (`1e-7`, `1.5e+21`).
    /// Nil for text that is not a finite number.
    static func number(_ stored: String) -> String? {
        if isCanonicalDecimal(stored.utf8) { return stored }
        guard let value = Double(stored), value.isFinite else { return nil }
        return number(value)
    }

    static func number(_ value: Double) -> String {
        if value == 0 { return "0" }
        // Swift's description has the shortest round-trip digits; re-lay them out.
        let text = value.magnitude.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits = ""
        var pointAt = mantissa.count
        if let dot = mantissa.firstIndex(of: ".") {
            pointAt = mantissa.distance(from: mantissa.startIndex, to: dot)
            digits = String(mantissa[..<dot]) + mantissa[mantissa.index(after: dot)...]
        } else {
            digits = String(mantissa)
        }
        pointAt += exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointAt -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count, n = pointAt
        var out = value < 0 ? "-" : ""
        if k <= n && n <= 21 {
            out += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            out += digits[..<split] + "." + digits[split...]
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            out += String(digits.first!)
            if k > 1 { out += "." + digits.dropFirst() }
            out += "e" + (e >= 0 ? "+" : "-") + String(e.magnitude)
        }
        return out
    }

    /// Whether the text already is its own shortest form: `-?(0|[1-9]\d*)(\.\d*[1-9])?` with at
    /// most 15 significant digits (any such decimal survives a round trip through a double and no
    /// shorter text does), and not below 1e-6.
    private static func isCanonicalDecimal(_ utf8: String.UTF8View) -> Bool {
        var index = utf8.startIndex
        if index == utf8.endIndex { return false }
        if utf8[index] == UInt8(ascii: "-") { index = utf8.index(after: index) }
        guard index != utf8.endIndex else { return false }
        var significant = 0
        var leadingFractionZeros = 0
        let integerStart = index
        if utf8[index] == UInt8(ascii: "0") {
            index = utf8.index(after: index)
        } else {
            while index != utf8.endIndex, utf8[index] >= 0x30, utf8[index] <= 0x39 {
                significant += 1
                index = utf8.index(after: index)
            }
            if index == integerStart { return false }
        }
        let integerIsZero = significant == 0
        if index == utf8.endIndex {
            // "-0" is not canonical (it is "0"); "0" is.
            return significant <= 15 && !(integerIsZero && utf8.first == UInt8(ascii: "-"))
        }
        guard utf8[index] == UInt8(ascii: ".") else { return false }
        index = utf8.index(after: index)
        var last: UInt8 = 0
        var fractionDigits = 0
        while index != utf8.endIndex {
            let byte = utf8[index]
            guard byte >= 0x30, byte <= 0x39 else { return false }
            if integerIsZero && significant == 0 && byte == 0x30 {
                leadingFractionZeros += 1
            } else {
                significant += 1
            }
            last = byte
            fractionDigits += 1
            index = utf8.index(after: index)
        }
        return fractionDigits > 0 && last != 0x30 && significant <= 15 && significant > 0
            && (!integerIsZero || leadingFractionZeros < 6)
    }

    // MARK: Dates and times

    /// How a number format shows a number.
    enum Display: Equatable, Sendable {
        case number
        /// A calendar date, with the time of day when the format shows one.
        case date(showsTime: Bool)
        /// A time of day, or elapsed time (`[h]:mm:ss`) when `elapsed`.
        case time(elapsed: Bool)
    }

    /// The display of a built-in number format id (ECMA-376 Part 1, 18.8.30).
    static func display(builtIn id: Int) -> Display {
        switch id {
        case 14...17: return .date(showsTime: false)
        case 22: return .date(showsTime: true)
        case 18...21, 45, 47: return .time(elapsed: false)
        case 46: return .time(elapsed: true)
        default: return .number
        }
    }

    /// The display of a custom format code such as `dd/mm/yyyy` or `[$-42A]h:mm;@`: a date if
    /// its first section has d, y, or an m that is not minutes (no h or s with it), outside
    /// quotes, brackets and escapes; a time if it has only h, m, s.
    static func display(formatCode code: String) -> Display {
        var letters = Set<Character>()
        var elapsed = false
        var iterator = code.makeIterator()
        scan: while let char = iterator.next() {
            switch char {
            case ";": break scan
            case "\"": while let next = iterator.next(), next != "\"" {}
            case "\\", "_", "*": _ = iterator.next()
            case "[":
                var inside = ""
                while let next = iterator.next(), next != "]" { inside.append(next) }
                let lower = inside.lowercased()
                if !lower.isEmpty, lower.allSatisfy({ "hms".contains($0) }) {
                    elapsed = true
                    letters.insert(lower.first!)
                }
            default:
                letters.insert(Character(char.lowercased()))
            }
        }
        let hasTime = letters.contains("h") || letters.contains("s")
        if letters.contains("d") || letters.contains("y") || (letters.contains("m") && !hasTime) {
            return .date(showsTime: hasTime)
        }
        return hasTime ? .time(elapsed: elapsed) : .number
    }

    /// The ISO text of a serial date: `yyyy-mm-dd`, or `yyyy-mm-ddTHH:MM:SS` when the format
    /// shows a time or the value has one (rounded to the second). Nil outside Excel's range
    /// (Excel shows `#####` there).
    ///
    /// 1900 system: serial 1 is 1900-01-01 and serial 60 is 1900-02-29, a day that did not
    /// exist (Lotus 1-2-3's leap-year bug, kept by Excel), so serials below 61 are one day off a
    /// plain count from 1899-12-31, and 61 on count from 1899-12-30; serial 0 shows as
    /// 1900-01-00. 1904 system: serial 0 is 1904-01-01.
    static func date(serial: Double, date1904: Bool, showsTime: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < (date1904 ? 2_957_004 : 2_958_466) else { return nil }
        let seconds = Int64((serial * 86_400).rounded())
        let days = Int(seconds / 86_400), time = Int(seconds % 86_400)
        var text: String
        if date1904 {
            text = civil(daysSince1970: days + daysFrom1970(1904, 1, 1))
        } else if days == 0 {
            text = "1900-01-00"
        } else if days == 60 {
            text = "1900-02-29"
        } else {
            text = civil(daysSince1970: days + daysFrom1970(1899, 12, days < 60 ? 31 : 30))
        }
        if showsTime || time != 0 { text += "T" + clock(time) }
        return text
    }

    /// `HH:MM:SS` for a time of day (the fraction of the serial) or, when `elapsed`, for the
    /// whole serial in hours (`36:00:00` for 1.5). Nil for negative or huge values.
    static func time(serial: Double, elapsed: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 1e9 else { return nil }
        let seconds = Int64((serial * 86_400).rounded())
        if elapsed {
            let hours = seconds / 3600
            return (hours < 10 ? "0" : "") + String(hours) + clock(Int(seconds % 3600)).dropFirst(2)
        }
        return clock(Int(seconds % 86_400))
    }

    private static func clock(_ seconds: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (one calendar for the whole ingest:
    /// ``AnswerParser/daysSince1970(_:)``).
    static func daysFrom1970(_ year: Int, _ month: Int, _ day: Int) -> Int {
        AnswerParser.daysSince1970((year, month, day))
    }

    /// `yyyy-mm-dd` of a day count from 1970-01-01.
    static func civil(daysSince1970 days: Int) -> String {
        AnswerParser.isoDate(AnswerParser.civilDate(daysSince1970: days))
    }

    // MARK: Cell references

    /// The 1-based column and row of a reference such as `B12`, or nil when it is not a column
    /// of 1 to 3 letters followed by a row number without leading zeros. The column may exceed
    /// 16,384 (the caller reports that); the row may be anything from 1.
    static func reference(_ text: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0, digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard digits == 0, letters < 3 else { return nil }
                column = column * 26 + Int((byte | 0x20) - UInt8(ascii: "a")) + 1
                letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard letters > 0, digits < 8, !(digits == 0 && byte == UInt8(ascii: "0")) else { return nil }
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            default:
                return nil
            }
        }
        return letters > 0 && digits > 0 ? (column, row) : nil
    }

    /// `A`, `B`, ..., `XFD` for a 1-based column.
    static func columnName(_ column: Int) -> String {
        var n = column, name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    // MARK: Escapes

    /// Decodes Excel's `_xHHHH_` escapes (ECMA-376 ST_Xstring): `_x000D_` is a carriage return,
    /// `_x005F_` an underscore; a UTF-16 surrogate pair is two escapes.
    static func unescaped(_ text: String) -> String {
        guard text.utf8.count >= 7, text.contains("_x") else { return text }
        var units: [UInt16] = []
        let source = Array(text.utf16)
        var i = 0
        while i < source.count {
            if source[i] == 0x5F, i + 6 < source.count, source[i + 1] == 0x78, source[i + 6] == 0x5F,
               source[(i + 2)..<(i + 6)].allSatisfy(isHexDigit) {
                units.append(source[(i + 2)..<(i + 6)].reduce(0) { $0 << 4 | hexValue($1) })
                i += 7
            } else {
                units.append(source[i])
                i += 1
            }
        }
        return String(decoding: units, as: UTF16.self)
    }

    private static func isHexDigit(_ unit: UInt16) -> Bool {
        (0x30...0x39).contains(unit) || (0x41...0x46).contains(unit) || (0x61...0x66).contains(unit)
    }

    private static func hexValue(_ unit: UInt16) -> UInt16 {
        unit <= 0x39 ? unit - 0x30 : (unit | 0x20) - 0x61 + 10
    }
}
