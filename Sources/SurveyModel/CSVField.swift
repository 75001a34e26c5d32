/// CSV field quoting (RFC 4180) for the files the pipeline writes.
public enum CSVField {
    /// A text cell for a CSV file a spreadsheet may open: quoted, and prefixed with `'` when
    /// it would start a formula (`=`, `+`, `-`, `@`, tab or CR first), so that
    /// `=HYPERLINK(...)` in a name is shown as text, never run.
    public static func text(_ s: String) -> String { quote(formulaSafe(s)) }

    /// The text with a leading `'` when a spreadsheet would read it as a formula.
    public static func formulaSafe(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return s }
        return "'" + s
    }

    public static func quote(_ s: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        if s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            var out = "\""
            for scalar in s.unicodeScalars {
                if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
            }
            return out + "\""
        }
        return s
    }
}

