import Foundation
import Stats

/// The bytes libxml2's `xmlTextWriter` writes (indented by two spaces, into memory, as
/// `XMLWriter` sets it up), written directly: report.xml has hundreds of thousands of
/// attributes, and libxml2's writer spends over a thousand instructions on each (a list node,
/// a copy and a buffer call per piece), more than the rest of the report together. What it
/// writes is checked against `XMLWriter` on random documents (XMLByteWriterTests).
///
/// Only what report.xml needs: elements, a default namespace on the root, attributes and text.
final class XMLByteWriter {
    /// malloc's memory, handed to the document's `Data` as it is: report.xml is tens of MB
    /// at 200 units, and a copy out of an array held both at once.
    private let bytes = MallocBytes()
    /// The open elements: name, whether its start tag is still open (`<name attr`), its
    /// default namespace declaration, not yet written.
    private var open: [(name: String, startOpen: Bool, namespace: String?)] = []
    /// Whether the next end tag goes on a line of its own (libxml2's `doindent`).
    private var indentNextEnd = true

    init() {
        bytes.appendUTF8("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    }

    func start(_ name: String, namespace: String? = nil) {
        if let last = open.indices.last, open[last].startOpen {
            closeStartTag(last)
            bytes.append(UInt8(ascii: "\n"))
        }
        open.append((name, true, namespace))
        indent(open.count - 1)
        bytes.append(UInt8(ascii: "<"))
        bytes.appendUTF8(name)
    }

    func attribute(_ name: String, _ value: String?) {
        guard let value else { return }
        bytes.append(UInt8(ascii: " "))
        bytes.appendUTF8(name)
        bytes.append(UInt8(ascii: "="))
        bytes.append(UInt8(ascii: "\""))
        Self.appendAttribute(value, to: bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A number attribute as `NumberStyle.xml` writes it (`%.12g`; none when nil or not
    /// finite), written straight into the document: its characters need no escaping.
    func attribute(_ name: StaticString, number value: Double?) {
        guard let value, value.isFinite else { return }
        openAttribute(name)
        bytes.write(upTo: 32) { NumberText.g12(value, into: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A whole number attribute (`String(value)`).
    func attribute(_ name: StaticString, int value: Int) {
        openAttribute(name)
        bytes.write(upTo: 20) { NumberText.digits(Int64(value), into: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Whole numbers separated by a space (`values.map(String.init).joined(separator: " ")`).
    func attribute(_ name: StaticString, ints values: [Int]) {
        openAttribute(name)
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: " ")) }
            bytes.write(upTo: 20) { NumberText.digits(Int64(value), into: $0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// ` name="`.
    private func openAttribute(_ name: StaticString) {
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "="))
        bytes.append(UInt8(ascii: "\""))
    }

    func text(_ value: String) {
        if let last = open.indices.last, open[last].startOpen { closeStartTag(last) }
        Self.appendText(value, to: bytes)
        indentNextEnd = false
    }

    func end() {
        guard let last = open.popLast() else { return }
        if last.startOpen {
            if let namespace = last.namespace { attribute("xmlns", namespace) }
            bytes.append(UInt8(ascii: "/"))
            bytes.append(UInt8(ascii: ">"))
        } else {
            if indentNextEnd {
                // The element's own depth: it is no longer among the open ones.
                indent(open.count)
            }
            bytes.append(UInt8(ascii: "<"))
            bytes.append(UInt8(ascii: "/"))
            bytes.appendUTF8(last.name)
            bytes.append(UInt8(ascii: ">"))
        }
        indentNextEnd = true
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `<name attr...>text</name>`.
    func element(_ name: String, _ attributes: [(String, String?)] = [], text value: String? = nil) {
        start(name)
        for (k, v) in attributes { attribute(k, v) }
        if let value { text(value) }
        end()
    }

    /// Closes what is open and hands over the document.
    func finish() -> Data {
        while !open.isEmpty { end() }
        return bytes.take()
    }

    private func closeStartTag(_ index: Int) {
        // libxml2 declares the namespace as one more attribute, when the start tag closes.
        if let namespace = open[index].namespace { attribute("xmlns", namespace) }
        bytes.append(UInt8(ascii: ">"))
        open[index].startOpen = false
        open[index].namespace = nil
    }

    /// Two spaces per level.
    private func indent(_ levels: Int) {
        for _ in 0..<levels { bytes.append(UInt8(ascii: " ")); bytes.append(UInt8(ascii: " ")) }
    }

    /// Element text as libxml2's `xmlEncodeSpecialChars`: `<`, `>`, `&`, `"` and CR escaped.
    static func appendText(_ text: String, to bytes: MallocBytes) {
        append(text, to: bytes) { byte -> StaticString? in
            switch byte {
            case UInt8(ascii: "<"): "&lt;"
            case UInt8(ascii: ">"): "&gt;"
            case UInt8(ascii: "&"): "&amp;"
            case UInt8(ascii: "\""): "&quot;"
            case 0x0D: "&#13;"
            default: nil
            }
        }
    }

    /// An attribute value as libxml2's `xmlBufAttrSerializeTxtContent` for a UTF-8 document:
    /// markup, quotes, tab, CR and LF escaped; the rest, non-ASCII too, as it is.
    static func appendAttribute(_ text: String, to bytes: MallocBytes) {
        append(text, to: bytes) { byte -> StaticString? in
            switch byte {
            case 0x0A: "&#10;"
            case 0x0D: "&#13;"
            case 0x09: "&#9;"
            case UInt8(ascii: "\""): "&quot;"
            case UInt8(ascii: "<"): "&lt;"
            case UInt8(ascii: ">"): "&gt;"
            case UInt8(ascii: "&"): "&amp;"
            default: nil
            }
        }
    }

    /// `text`'s bytes with those `escape` names replaced, up to a NUL (libxml2 is handed C
    /// strings: it writes nothing after one).
    private static func append(_ text: String, to bytes: MallocBytes, escape: (UInt8) -> StaticString?) {
        var text = text
        text.withUTF8 { utf8 in
            var plain = utf8.startIndex
            for i in utf8.indices {
                if utf8[i] == 0 {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[plain..<i])))
                    return
                }
                guard let escaped = escape(utf8[i]) else { continue }
                bytes.append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[plain..<i])))
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: escaped.utf8Start, count: escaped.utf8CodeUnitCount))
                plain = i + 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[plain...])))
        }
    }
}

/// A growing run of bytes in malloc's memory, taken as `Data` without a copy.
final class MallocBytes {
    private var base: UnsafeMutableRawPointer
    private var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        base = malloc(capacity)!
    }

    deinit { free(base) }

    private func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        capacity = max(capacity * 2, count + more)
        base = realloc(base, capacity)!
    }

    func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    /// Lets `body` write at most `most` bytes at the end; it returns how many it wrote.
    func write(upTo most: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(most)
        count += body((base + count).assumingMemoryBound(to: UInt8.self))
    }

    /// The bytes as `Data`, which frees them; this buffer starts again empty.
    func take() -> Data {
        let data = Data(bytesNoCopy: base, count: count, deallocator: .free)
        capacity = 1 << 16
        base = malloc(capacity)!
        count = 0
        return data
    }
}
