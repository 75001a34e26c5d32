import Foundation

/// Unit codes, names and aliases as offices type them in the unit column: NFC, case-folded,
/// trimmed, and runs of inner whitespace as one space, so that `stp `, `SỞ TƯ PHÁP` and
/// `Sở  Tư pháp` (NFD or NFC) all find the unit STP. units.csv refuses two units one key
/// would find, so a key never has to choose.
enum UnitName {
    static func key(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? asciiKey(text) : unicodeKey(text)
    }

    /// The key of ASCII text (codes, English names), which is its own NFC: the same as
    /// `unicodeKey`, without Foundation's normalisation (most of loading units.csv and
    /// population.csv on every nightly run).
    static func asciiKey(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var space = false
        for byte in text.utf8 {
            // Unicode's white space among ASCII: tab to carriage return, and the space.
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                space = !out.isEmpty
            } else {
                if space { out.append(0x20) }
                space = false
                out.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unicodeKey(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for scalar in text.precomposedStringWithCanonicalMapping.lowercased().unicodeScalars {
            if scalar.properties.isWhitespace || scalar == "\u{A0}" {
                space = !out.isEmpty
            } else {
                if space { out.append(" ") }
                space = false
                out.append(scalar)
            }
        }
        return String(out)
    }
}

/// Form ids and dossier codes as they are compared: text copied from a web page or a word
/// processor carries characters no one sees (a zero-width space, a byte-order mark, a word
/// joiner, a soft hyphen: Unicode's format characters, category Cf) and look-alike hyphens
/// (U+2010 HYPHEN, U+2011 NON-BREAKING HYPHEN, U+2012 FIGURE DASH, U+2013 EN DASH, U+2212
/// MINUS SIGN). Without this, `P-001` typed twice would be two forms, counted twice, and a
/// corrected copy would not be seen as a conflict. So format characters are removed, those
/// dashes become `-`, and the id is put in NFC (and trimmed again). Bidirectional controls,
/// also format characters, are refused before this (`PlainText`), never removed silently.
enum FormID {
    /// The look-alike hyphens read as `-`.
    static let dashes: Set<UInt32> = [0x2010, 0x2011, 0x2012, 0x2013, 0x2212]

    /// The id as compared and stored; ASCII ids (almost all) are returned as they are.
    static func normalised(_ id: String) -> String {
        guard id.utf8.contains(where: { $0 >= 0x80 }) else { return id }
        var out = String.UnicodeScalarView()
        for scalar in id.unicodeScalars {
            if dashes.contains(scalar.value) {
                out.append("-")
            } else if scalar.properties.generalCategory != .format {
                out.append(scalar)
            }
        }
        return String(out).precomposedStringWithCanonicalMapping.trimmedOfSpaces
    }
}
