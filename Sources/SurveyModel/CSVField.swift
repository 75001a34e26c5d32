#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Numbers as every release file writes them.
public enum NumberText {
    /// `sprintf("%.12g")`, as R writes the reference; `NA` for nil or a non-finite value.
    public static func g12(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "NA" }
        if value == 0 { return "0" }
        // vsnprintf straight into a stack buffer: Foundation's String(format:) costs several
        // thousand instructions a number.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let written = withVaList([value]) { vsnprintf(buffer.baseAddress!, 32, "%.12g", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(written)), as: UTF8.self)
        }
    }
}
