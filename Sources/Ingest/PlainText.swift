/// The check on text that will reach the XML and HTML reports, made where the text enters
/// (survey.toml strings, units.csv names, form ids).
public enum PlainText {
    /// The first character of `text` that is not plain text, or nil:
    ///
    /// - characters XML 1.0 cannot carry: C0 controls other than tab, line feed and carriage
    ///   return, and U+FFFE, U+FFFF;
    /// - DEL (U+007F) and the C1 controls (U+0080–U+009F), which XML allows but HTML calls
    ///   an error and no text needs;
    /// - noncharacters: U+FDD0–U+FDEF and the last two code points of every plane;
    /// - bidirectional controls (U+061C, U+202A–U+202E, U+2066–U+2069), which reorder what a
    ///   reader sees ("Trojan source").
    static func firstForbiddenCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isForbidden)
    }

    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0xFDD0...0xFDEF: true
        case let v where v & 0xFFFE == 0xFFFE: true
        case 0x061C, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `U+202E RIGHT-TO-LEFT OVERRIDE`, `U+0007 (a control character)`.
    /// `text` with every control character (tab and line breaks included), bidirectional
    /// control and noncharacter written as `\u{a}`: one line that shows what is there and
    /// cannot break or reorder a log line or a cron mail.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || isForbidden(scalar) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if let name = scalar.properties.name, !name.isEmpty { return "\(code) \(name)" }
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return "\(code) (a control character)"
        default: return "\(code) (a noncharacter)"
        }
    }

    /// The first character of a name or title (survey.toml strings, units.csv names and
    /// aliases) that is not plain text: those of `firstForbiddenCharacter`, and also the
    /// format characters (Unicode category Cf: U+200B ZERO WIDTH SPACE, U+200E/U+200F
    /// direction marks, U+FEFF, U+00AD SOFT HYPHEN, the tag characters U+E0000–U+E007F) and
    /// U+2028/U+2029, the line and paragraph separators. A name holding one looks like
    /// another name and is not equal to it (a unit name that finds no form, a label no
    /// answer matches), or breaks a line where no one wrote one.
    static func firstForbiddenInName(_ text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            isForbidden(scalar) || scalar.value == 0x2028 || scalar.value == 0x2029
                || scalar.properties.generalCategory == .format
        }
    }

    /// "unit name contains U+202E RIGHT-TO-LEFT OVERRIDE; expected plain text", or nil if
    /// `text` is plain (by `firstForbiddenInName`).
    static func problem(in text: String, what: String) -> String? {
        guard let scalar = firstForbiddenInName(text) else { return nil }
        return "\(what) contains \(describe(scalar)); expected plain text"
    }
}
