import Foundation
import SurveyModel

/// Reads answers and dates as people type them.
public enum AnswerParser {
    /// The Vietnamese Likert labels and their values; `Không ý kiến` (no opinion) is missing.
    /// Swift compares strings by canonical equivalence, so NFC and NFD spellings both match.
    static let likertLabels: [String: Int?] = [
        "rất không hài lòng": 1,
        "không hài lòng": 2,
        "bình thường": 3,
        "hài lòng": 4,
        "rất hài lòng": 5,
        "không ý kiến": nil,
        "very dissatisfied": 1,
        "dissatisfied": 2,
        "neutral": 3,
        "satisfied": 4,
        "very satisfied": 5,
        "no opinion": nil,
    ]

    static let yesNoLabels: [String: Int] = [
        "1": 1, "0": 0, "có": 1, "không": 0, "yes": 1, "no": 0, "c": 1, "k": 0,
    ]

    public enum Parsed: Equatable {
        case answer(Int)
        case missing
        case invalid(expected: String)
    }

    /// Parses one answer of `item` from text: a rating on its scale, a quality answer or text.
    public static func parse(_ raw: String, item: Item) -> Parsed {
        guard item.kind == .likert || item.kind == .category, let scale = item.scale else { return parse(raw, kind: item.kind) }
        return parse(raw, scale: scale)
    }

    /// Parses an answer of `item` that arrived as a JSON number.
    public static func parse(number: Double, item: Item) -> Parsed {
        parse(number: number, kind: item.kind, scale: item.scale)
    }

    /// `parse(_:item:)` for an item of `kind` and `scale`.
    static func parse(_ raw: String, kind: ItemKind, scale: AnswerScale?) -> Parsed {
        guard kind == .likert || kind == .category, let scale else { return parse(raw, kind: kind) }
        return parse(raw, scale: scale)
    }

    /// `parse(number:item:)` for an item of `kind` and `scale`.
    static func parse(number: Double, kind: ItemKind, scale: AnswerScale?) -> Parsed {
        guard number == number.rounded(), abs(number) < 1000 else { return parse(String(number), kind: kind, scale: scale) }
        return parse(String(Int(number)), kind: kind, scale: scale)
    }

    /// A rating on a named scale: one of its codes (`4` or `4.0`), one of its labels in
    /// either language (any case, NFC or NFD), or blank / "Không ý kiến" for no answer.
    static func parse(_ raw: String, scale: AnswerScale) -> Parsed {
        let text = raw.trimmedOfSpaces
        if text.isEmpty { return .missing }
        if let v = wholeNumber(text) {
            return scale.values.contains(v) ? .answer(v) : .invalid(expected: expectation(scale))
        }
        let folded = text.lowercased()
        for labels in [scale.labelsVi, scale.labelsEn] {
            if let i = labels.firstIndex(where: { $0.lowercased() == folded }) { return .answer(scale.values[i]) }
        }
        if folded == "không ý kiến" || folded == "no opinion" { return .missing }
        return .invalid(expected: expectation(scale))
    }

    static func expectation(_ scale: AnswerScale) -> String {
        let labels = scale.labelsVi.isEmpty ? "" : " or a label (\(scale.labelsVi.joined(separator: ", ")))"
        return "\(scale.valuesText) on scale \(scale.name)\(labels), or blank"
    }

    /// A count followed by its unit word, as people write it: `2 lần`, `3 times`, `1lan`.
    static func countWithUnit(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let v = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        return ["lần", "lan", "lượt", "luot", "times", "time", "x"].contains(unit) ? v : nil
    }

    /// `4`, or `4.0` as spreadsheets write whole numbers; nil for anything else.
    static func wholeNumber(_ text: String) -> Int? {
        if let v = Int(text) { return v }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].allSatisfy({ $0 == "0" }), !parts[1].isEmpty else { return nil }
        return Int(parts[0])
    }

    /// Parses one answer of an item of `kind` from text (`likert5` on the built-in scale).
    public static func parse(_ raw: String, kind: ItemKind) -> Parsed {
        // Fast path: a single digit, as almost every typed answer is.
        let utf8 = raw.utf8
        if utf8.count == 1, let byte = utf8.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), kind != .text {
            let v = Int(byte - UInt8(ascii: "0"))
            switch kind {
            case .likert5 where (1...5).contains(v), .count: return .answer(v)
            case .yesno where v <= 1: return .answer(v)
            default: break
            }
        }
        let text = raw.trimmedOfSpaces
        if text.isEmpty { return .missing }
        switch kind {
        case .likert, .category:
            return .invalid(expected: "an answer on the item's scale")
        case .likert5:
            if let v = wholeNumber(text), (1...5).contains(v) { return .answer(v) }
            if let label = likertLabels[text.lowercased()] {
                return label.map(Parsed.answer) ?? .missing
            }
            return .invalid(expected: "1-5, a Vietnamese answer label (Rất không hài lòng ... Rất hài lòng, Không ý kiến) or blank")
        case .yesno:
            if let v = yesNoLabels[text.lowercased()] { return .answer(v) }
            return .invalid(expected: "1/0, có/không, yes/no or blank")
        case .count:
            if let v = wholeNumber(text) ?? countWithUnit(text), (0...250).contains(v) { return .answer(v) }
            return .invalid(expected: "a whole number from 0 to 250 or blank")
        case .text:
            return .missing
        }
    }

    /// Parses an integer answer that arrived as a JSON number.
    public static func parse(number: Double, kind: ItemKind) -> Parsed {
        guard number == number.rounded(), abs(number) < 1000 else {
            return parse(String(number), kind: kind)
        }
        return parse(String(Int(number)), kind: kind)
    }

    /// A calendar date as people type it, with or without a time after a space or `T`:
    /// day first `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`, or year first
    /// `yyyy-mm-dd`, `yyyy/mm/dd`, `yyyy.mm.dd`; nil unless the day exists (1900-2999).
    /// Two-digit years are refused (`dateProblem` says why).
    public static func date(_ raw: String) -> (year: Int, month: Int, day: Int)? {
        guard case .date(let d) = dateReading(raw) else { return nil }
        return d
    }

    enum DateReading {
        case date((year: Int, month: Int, day: Int))
        case twoDigitYear(String)
        case invalid
    }

    static func dateReading(_ raw: String) -> DateReading {
        var text = Substring(raw.trimmedOfSpaces)
        // A time after the date (`03/07/2024 10:22`, `2024-07-03T10:22:11`) is allowed and unused.
        if let cut = text.firstIndex(where: { $0 == " " || $0 == "T" }) {
            let time = text[text.index(after: cut)...].trimmingCharacters(in: .whitespaces)
            guard isClock(Substring(time)) else { return .invalid }
            text = text[..<cut]
        }
        guard let separator = text.first(where: { $0 == "/" || $0 == "-" || $0 == "." }) else { return .invalid }
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            return .invalid
        }
        let y: Int, m: Int, d: Int
        if parts[0].count == 4 {
            guard (1...2).contains(parts[1].count), (1...2).contains(parts[2].count) else { return .invalid }
            (y, m, d) = (Int(parts[0])!, Int(parts[1])!, Int(parts[2])!)
        } else {
            guard (1...2).contains(parts[0].count), (1...2).contains(parts[1].count) else { return .invalid }
            if parts[2].count == 2 { return .twoDigitYear(String(parts[2])) }
            guard parts[2].count == 4 else { return .invalid }
            (y, m, d) = (Int(parts[2])!, Int(parts[1])!, Int(parts[0])!)
        }
        guard (1900...2999).contains(y), (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else { return .invalid }
        return .date((y, m, d))
    }

    /// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, optionally with `AM`/`PM`.
    static func isClock(_ text: Substring) -> Bool {
        var t = text
        for suffix in [" AM", " PM", "AM", "PM", " SA", " CH"] where t.uppercased().hasSuffix(suffix) {
            t = t.dropLast(suffix.count)
            break
        }
        let pieces = t.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(pieces.count), let h = Int(pieces[0]), let m = Int(pieces[1]), (0...23).contains(h), (0...59).contains(m)
        else { return false }
        if pieces.count == 3 {
            guard let s = Double(pieces[2]), s >= 0, s < 61 else { return false }
        }
        return true
    }

    /// Why a date cannot be read, when there is more to say than "not a date".
    static func dateProblem(_ raw: String) -> String? {
        if case .twoDigitYear(let yy) = dateReading(raw) {
            return "the two-digit year '\(yy)' is ambiguous; write the year in full, such as 03/07/20\(yy)"
        }
        return nil
    }

    /// A date from an Excel serial number in the 1900 system (days since 1899-12-30), as a
    /// workbook cell without a date format holds it; only for plausible survey dates
    /// (1954-2119).
    static func dateOfSerial(_ raw: String) -> (year: Int, month: Int, day: Int)? {
        guard let serial = Double(raw.trimmedOfSpaces), serial >= 20_000, serial < 80_000 else { return nil }
        return civilDate(daysSince1970: Int(serial.rounded(.down)) - 25_569)
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
    static func civilDate(daysSince1970 z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days from 1970-01-01 to a date (inverse of `civilDate`).
    static func daysSince1970(_ d: (year: Int, month: Int, day: Int)) -> Int {
        let y = d.month <= 2 ? d.year - 1 : d.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = d.month > 2 ? d.month - 3 : d.month + 9
        let doy = (153 * mp + 2) / 5 + d.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar date of an ISO 8601 timestamp such as `2024-07-03T10:22:11+07:00`, or of a
    /// plain `yyyy-mm-dd`. With `zoneOffset` (seconds east of UTC of the survey's time zone at
    /// a UTC instant in seconds), a timestamp with an offset or `Z` is converted to that zone
    /// first: `...T23:30:00Z` is the next day in Vietnam. Without an offset the time is local.
    public static func dateOfTimestamp(_ raw: String, zoneOffset: ((Int) -> Int)? = nil) -> (year: Int, month: Int, day: Int)? {
        let text = raw.trimmedOfSpaces
        let datePart = String(text.prefix(10))
        guard datePart.count == 10, datePart.contains("-"), let date = date(datePart) else { return nil }
        let rest = text.dropFirst(10)
        if rest.isEmpty { return date }
        guard let sep = rest.first, sep == "T" || sep == " " else { return nil }
        let time = rest.dropFirst()
        // HH:MM[:SS[.fff]][Z|±HH:MM]
        let clock = time.prefix { $0.isNumber || $0 == ":" || $0 == "." }
        let pieces = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count >= 2, let hh = Int(pieces[0]), let mm = Int(pieces[1]), (0...23).contains(hh),
            (0...59).contains(mm)
        else { return nil }
        let zone = String(time.dropFirst(clock.count)).trimmingCharacters(in: .whitespaces)
        if zone.isEmpty { return date }
        guard let offset = TimeZones.fixedOffset(zone) else { return nil }
        guard let zoneOffset else { return date }
        // Minutes since the epoch in UTC, then in the survey's zone.
        let utc = daysSince1970(date) * 1440 + hh * 60 + mm - offset / 60
        let local = utc + zoneOffset(utc * 60) / 60
        return civilDate(daysSince1970: Int((Double(local) / 1440).rounded(.down)))
    }

    public static func isoDate(_ d: (year: Int, month: Int, day: Int)) -> String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks (cheaper than Foundation's
    /// `trimmingCharacters`, which the ingest hot path cannot afford).
    var trimmedOfSpaces: String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{A0}" }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
