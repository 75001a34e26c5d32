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
        guard item.kind == .likert, let scale = item.scale else { return parse(raw, kind: item.kind) }
        return parse(raw, scale: scale)
    }

    /// Parses an answer of `item` that arrived as a JSON number.
    public static func parse(number: Double, item: Item) -> Parsed {
        guard number == number.rounded(), abs(number) < 1000 else { return parse(String(number), item: item) }
        return parse(String(Int(number)), item: item)
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
        case .likert:
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
            if let v = wholeNumber(text), (0...250).contains(v) { return .answer(v) }
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

    /// A calendar date from `dd/mm/yyyy`, `d/m/yyyy` or `yyyy-mm-dd`; nil unless it exists.
    public static func date(_ raw: String) -> (year: Int, month: Int, day: Int)? {
        let text = raw.trimmedOfSpaces
        var parts: [Substring]
        let y: Int, m: Int, d: Int
        if text.contains("/") {
            parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2].count == 4, (1...2).contains(parts[0].count),
                (1...2).contains(parts[1].count),
                let dd = Int(parts[0]), let mm = Int(parts[1]), let yy = Int(parts[2])
            else { return nil }
            (y, m, d) = (yy, mm, dd)
        } else {
            parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                let yy = Int(parts[0]), let mm = Int(parts[1]), let dd = Int(parts[2])
            else { return nil }
            (y, m, d) = (yy, mm, dd)
        }
        guard (1900...2999).contains(y), (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else {
            return nil
        }
        return (y, m, d)
    }

    /// The local calendar date of an ISO 8601 timestamp such as `2024-07-03T10:22:11+07:00`
    /// (the date as written, in the agency's own time zone), or of a plain `yyyy-mm-dd`.
    public static func dateOfTimestamp(_ raw: String) -> (year: Int, month: Int, day: Int)? {
        let text = raw.trimmedOfSpaces
        let datePart = String(text.prefix(10))
        guard let date = date(datePart), datePart.count == 10, datePart.contains("-") else { return nil }
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
        let zone = time.dropFirst(clock.count)
        guard zone.isEmpty || zone == "Z" || ((zone.first == "+" || zone.first == "-") && zone.count <= 6) else {
            return nil
        }
        return date
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
