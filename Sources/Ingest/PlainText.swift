/// The check on text that will reach the XML and HTML reports, made where the text enters
/// (survey.toml strings, units.csv names, form ids).
enum PlainText {
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
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if let name = scalar.properties.name, !name.isEmpty { return "\(code) \(name)" }
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return "\(code) (a control character)"
        default: return "\(code) (a noncharacter)"
        }
    }

    /// "unit name contains U+202E RIGHT-TO-LEFT OVERRIDE; expected plain text", or nil if
    /// `text` is plain.
    static func problem(in text: String, what: String) -> String? {
        guard let scalar = firstForbiddenCharacter(in: text) else { return nil }
        return "\(what) contains \(describe(scalar)); expected plain text"
    }
}
