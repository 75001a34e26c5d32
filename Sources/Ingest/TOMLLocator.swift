/// A step from a TOML table to one of its values: a key, or an index into an array.
enum TOMLPathComponent: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// Where a value sits in a TOML document: `[.key("items"), .index(2), .key("id")]` is the
/// `id` of the third `[[items]]` entry.
typealias TOMLPath = [TOMLPathComponent]

/// The line on which each table, array entry and key of a TOML text is written.
///
/// TOMLKit keeps no source positions, so this reads the text a second time, after TOMLKit
/// has accepted it: it follows `[table]` and `[[array]]` headers (counting the entries of each
/// array of tables), `key = value` lines with bare, quoted and dotted keys, and values that
/// span lines (multi-line strings, arrays, inline tables), so that nothing inside a value is
/// taken for a key. Implicit tables (`columns` in `[columns.paper]`) get the first line that
/// names them.
struct TOMLLocator: Sendable {
    private var lines: [TOMLPath: Int] = [:]
    private var arrayCounts: [TOMLPath: Int] = [:]
    private var explicit: Set<TOMLPath> = []

    init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanDocument(&scanner)
    }

    /// The line where `path` is written, or nil if the text does not write it.
    func line(of path: TOMLPath) -> Int? { lines[path] }

    /// The line of `path`, or else of its nearest written ancestor: for a key that is absent,
    /// the header of its table. Nil for the document itself.
    func nearestLine(of path: TOMLPath) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    // MARK: - Recording

    private mutating func record(_ path: TOMLPath, line: Int, isExplicit: Bool) {
        for length in 1..<max(1, path.count) where lines[Array(path.prefix(length))] == nil {
            lines[Array(path.prefix(length))] = line
        }
        if lines[path] == nil || (isExplicit && !explicit.contains(path)) {
            lines[path] = line
        }
        if isExplicit { explicit.insert(path) }
    }

    /// The path a header's keys name: a key that is an array of tables stands for its latest entry.
    private func resolve(_ keys: [String], from base: TOMLPath = []) -> TOMLPath {
        var path = base
        for key in keys {
            path.append(.key(key))
            if let count = arrayCounts[path] { path.append(.index(count - 1)) }
        }
        return path
    }

    // MARK: - Scanning

    private mutating func scanDocument(_ s: inout Scanner) {
        var table: TOMLPath = []
        while !s.atEnd {
            s.skipBlanks()
            guard let c = s.peek() else { break }
            if c == UInt8(ascii: "\n") {
                s.advance()
                continue
            }
            if c == UInt8(ascii: "#") {
                s.skipToLineEnd()
                continue
            }
            let line = s.line
            if c == UInt8(ascii: "[") {
                let isArray = s.peek(1) == UInt8(ascii: "[")
                s.advance(isArray ? 2 : 1)
                let keys = s.key()
                if isArray, let last = keys.last {
                    let arrayPath = resolve(Array(keys.dropLast())) + [.key(last)]
                    let index = arrayCounts[arrayPath, default: 0]
                    arrayCounts[arrayPath] = index + 1
                    table = arrayPath + [.index(index)]
                    record(arrayPath, line: line, isExplicit: false)
                    record(table, line: line, isExplicit: true)
                } else if !keys.isEmpty {
                    table = resolve(keys)
                    record(table, line: line, isExplicit: true)
                }
                s.skipToLineEnd()
                continue
            }
            let keys = s.key()
            s.skipBlanks()
            guard !keys.isEmpty, s.peek() == UInt8(ascii: "=") else {
                s.skipToLineEnd()  // not TOML this reader knows; TOMLKit accepted it, so skip it
                continue
            }
            s.advance()
            let path = table + keys.map { .key($0) }
            record(path, line: line, isExplicit: true)
            scanValue(&s, path: path)
            s.skipToLineEnd()
        }
    }

    private mutating func scanValue(_ s: inout Scanner, path: TOMLPath) {
        s.skipBlanks()
        guard let c = s.peek() else { return }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            s.skipString()
        case UInt8(ascii: "["):
            s.advance()
            var index = 0
            while !s.atEnd {
                s.skipBlanksLinesAndComments()
                guard let next = s.peek() else { return }
                if next == UInt8(ascii: "]") { s.advance(); return }
                if next == UInt8(ascii: ",") { s.advance(); continue }
                record(path + [.index(index)], line: s.line, isExplicit: true)
                let before = s.position
                scanValue(&s, path: path + [.index(index)])
                if s.position == before { s.advance() }  // never loop on a byte we cannot read
                index += 1
            }
        case UInt8(ascii: "{"):
            s.advance()
            while !s.atEnd {
                s.skipBlanksLinesAndComments()
                guard let next = s.peek() else { return }
                if next == UInt8(ascii: "}") { s.advance(); return }
                if next == UInt8(ascii: ",") { s.advance(); continue }
                let line = s.line
                let keys = s.key()
                s.skipBlanks()
                guard !keys.isEmpty, s.peek() == UInt8(ascii: "=") else { s.advance(); continue }
                s.advance()
                let keyPath = path + keys.map { .key($0) }
                record(keyPath, line: line, isExplicit: true)
                scanValue(&s, path: keyPath)
            }
        default:
            s.skipScalar()
        }
    }

    /// A cursor over UTF-8 bytes that counts lines.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0
        var line = 1

        var atEnd: Bool { position >= bytes.count }

        func peek(_ offset: Int = 0) -> UInt8? {
            position + offset < bytes.count ? bytes[position + offset] : nil
        }

        mutating func advance(_ count: Int = 1) {
            for _ in 0..<count where position < bytes.count {
                if bytes[position] == UInt8(ascii: "\n") { line += 1 }
                position += 1
            }
        }

        mutating func skipBlanks() {
            while let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { advance() }
        }

        /// Up to the line end, which is left for the caller (a comment or what follows a value).
        mutating func skipToLineEnd() {
            while let c = peek(), c != UInt8(ascii: "\n") { advance() }
        }

        mutating func skipBlanksLinesAndComments() {
            while let c = peek() {
                if c == UInt8(ascii: "#") { skipToLineEnd() }
                else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") { advance() }
                else { return }
            }
        }

        /// A bare, quoted or dotted key; its parts, or [] if there is none here.
        mutating func key() -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                guard let c = peek() else { return parts }
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    parts.append(quotedKey(quote: c))
                } else {
                    let start = position
                    while let b = peek(), Self.isBareKeyByte(b) { advance() }
                    guard position > start else { return parts }
                    parts.append(String(decoding: bytes[start..<position], as: UTF8.self))
                }
                skipBlanks()
                guard peek() == UInt8(ascii: ".") else { return parts }
                advance()
            }
        }

        static func isBareKeyByte(_ b: UInt8) -> Bool {
            (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }

        /// A one-line quoted key, unescaped (`\"`, `\\`, `\n`, `\t`, `\uXXXX`, `\UXXXXXXXX`).
        mutating func quotedKey(quote: UInt8) -> String {
            advance()
            var out: [UInt8] = []
            while let c = peek(), c != quote, c != UInt8(ascii: "\n") {
                advance()
                guard quote == UInt8(ascii: "\""), c == UInt8(ascii: "\\"), let e = peek() else {
                    out.append(c)
                    continue
                }
                advance()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let digits = e == UInt8(ascii: "u") ? 4 : 8
                    let end = min(position + digits, bytes.count)
                    let hex = String(decoding: bytes[position..<end], as: UTF8.self)
                    advance(digits)
                    if let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) { out += Array(String(scalar).utf8) }
                default: out.append(e)
                }
            }
            if peek() == quote { advance() }
            return String(decoding: out, as: UTF8.self)
        }

        /// A basic, literal or multi-line string value, with the lines it spans.
        mutating func skipString() {
            guard let quote = peek() else { return }
            let escapes = quote == UInt8(ascii: "\"")
            if peek(1) == quote && peek(2) == quote {
                advance(3)
                while let c = peek() {
                    if escapes && c == UInt8(ascii: "\\") { advance(2); continue }
                    if c == quote && peek(1) == quote && peek(2) == quote {
                        advance(3)
                        // """a"""" ends with up to two quotes belonging to the content.
                        var extra = 0
                        while extra < 2, peek() == quote { advance(); extra += 1 }
                        return
                    }
                    advance()
                }
                return
            }
            advance()
            while let c = peek(), c != UInt8(ascii: "\n") {
                advance()
                if escapes && c == UInt8(ascii: "\\") { advance(); continue }
                if c == quote { return }
            }
        }

        /// A number, boolean or date-time; a date-time may have a space before its time.
        mutating func skipScalar() {
            let start = position
            while let c = peek() {
                if c == UInt8(ascii: " "), position - start == 10, let d = peek(1), d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") {
                    advance()  // 1979-05-27 07:32:00
                    continue
                }
                if [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ","),
                    UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#")].contains(c) { return }
                advance()
            }
        }
    }
}
