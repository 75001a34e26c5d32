import CLibXML2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libxml2's streaming reader (`xmlTextReader`) over one inflating zip entry, refusing any
/// DOCTYPE or entity node before its content is used.
///
/// Options: `XML_PARSE_NONET` (no network), no `NOENT`, `DTDLOAD` or `HUGE`; errors go to a
/// handler here, not to stderr. Nothing is kept but the current node.
final class XMLPartStream {
    let file: String
    let part: String
    private let pipe: InflatingPipe
    private let reader: xmlTextReaderPtr
    private var replay = false
    /// The first error libxml2 reported, with its line.
    fileprivate var firstError: (message: String, line: Int)?

    // Node types (libxml2's xmlReaderTypes), as plain constants: this is the inner loop.
    private static let element: Int32 = 1, text: Int32 = 3, cdata: Int32 = 4, entityReference: Int32 = 5
    private static let entity: Int32 = 6, documentType: Int32 = 10, notation: Int32 = 12
    private static let whitespace: Int32 = 13, significantWhitespace: Int32 = 14, endElement: Int32 = 15
    private static let endEntity: Int32 = 16

    private static func isForbidden(_ type: Int32) -> Bool {
        type == documentType || type == entity || type == entityReference || type == endEntity || type == notation
    }

    init(pipe: InflatingPipe, file: String) throws {
        self.pipe = pipe
        self.file = file
        self.part = pipe.part
        let read: xmlInputReadCallback = { context, buffer, length in
            guard let context, let buffer, length > 0 else { return 0 }
            let pipe = Unmanaged<InflatingPipe>.fromOpaque(context).takeUnretainedValue()
            return Int32(pipe.read(into: buffer, count: Int(length)))
        }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let reader = xmlReaderForIO(
            read, nil, Unmanaged.passUnretained(pipe).toOpaque(), "zip:" + pipe.part, nil, options)
        else {
            pipe.cancel()
            throw TableReadError.malformedPart(file: file, part: pipe.part, line: nil, problem: "libxml2 could not start reading it")
        }
        self.reader = reader
        let handler: xmlStructuredErrorFunc = { context, error in
            guard let context, let error else { return }
            let stream = Unmanaged<XMLPartStream>.fromOpaque(context).takeUnretainedValue()
            guard stream.firstError == nil else { return }
            let message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
            stream.firstError = (message.trimmingTrailingNewlines(), Int(error.pointee.line))
        }
        xmlTextReaderSetStructuredErrorHandler(reader, handler, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
        pipe.cancel()
    }

    /// Advances to the next node; false at the end of the part.
    func read() throws -> Bool {
        if replay {
            replay = false
            return true
        }
        let status = xmlTextReaderRead(reader)
        if status == 1 {
            if Self.isForbidden(xmlTextReaderNodeType(reader)) {
                pipe.cancel()
                throw TableReadError.forbiddenDoctype(file: file, part: part)
            }
            return true
        }
        if status == 0 { return false }
        throw failure()
    }

    /// Skips the current element and everything in it; the next `read()` gives the node after it.
    func skipElement() throws {
        if isEmptyElement { return }
        let status = xmlTextReaderNext(reader)
        if status == 1 {
            if Self.isForbidden(xmlTextReaderNodeType(reader)) {
                throw TableReadError.forbiddenDoctype(file: file, part: part)
            }
            replay = true
        } else if status < 0 {
            throw failure()
        }
    }

    private func failure() -> TableReadError {
        defer { pipe.cancel() }
        if pipe.refusedDoctype { return .forbiddenDoctype(file: file, part: part) }
        if let error = pipe.error(drainingUpTo: 16) { return error }
        if let firstError {
            let message = firstError.message.lowercased()
            if message.contains("entity") || message.contains("doctype") {
                return .forbiddenDoctype(file: file, part: part)
            }
            return .malformedPart(file: file, part: part, line: firstError.line > 0 ? firstError.line : nil, problem: firstError.message)
        }
        return .malformedPart(file: file, part: part, line: nil, problem: "the XML cannot be parsed")
    }

    var nodeType: Int32 { xmlTextReaderNodeType(reader) }
    var depth: Int32 { xmlTextReaderDepth(reader) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    var isElement: Bool { nodeType == Self.element }
    var isEndElement: Bool { nodeType == Self.endElement }
    var isText: Bool {
        let type = nodeType
        return type == Self.text || type == Self.cdata || type == Self.whitespace || type == Self.significantWhitespace
    }

    /// Whether the current node's local name (no prefix) is `name`.
    func named(_ name: UnsafePointer<CChar>) -> Bool {
        guard let local = xmlTextReaderConstLocalName(reader) else { return false }
        return strcmp(UnsafeRawPointer(local).assumingMemoryBound(to: CChar.self), name) == 0
    }

    /// The current node's text (for text nodes) or attribute value.
    var value: String {
        guard let value = xmlTextReaderConstValue(reader) else { return "" }
        return String(cString: UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))
    }

    /// Calls `body` with each attribute's local name and value, then returns to the element.
    func forEachAttribute(_ body: (_ name: UnsafePointer<CChar>, _ hasNamespace: Bool) -> Void) {
        guard xmlTextReaderHasAttributes(reader) == 1 else { return }
        var more = xmlTextReaderMoveToFirstAttribute(reader)
        while more == 1 {
            if let local = xmlTextReaderConstLocalName(reader) {
                body(UnsafeRawPointer(local).assumingMemoryBound(to: CChar.self), xmlTextReaderConstNamespaceUri(reader) != nil)
            }
            more = xmlTextReaderMoveToNextAttribute(reader)
        }
        xmlTextReaderMoveToElement(reader)
    }

    /// The value of the current element's attribute `name` (no namespace).
    func attribute(_ name: String) -> String? {
        var found: String?
        name.withCString { wanted in
            forEachAttribute { local, hasNamespace in
                if found == nil && !hasNamespace && strcmp(local, wanted) == 0 { found = value }
            }
        }
        return found
    }

    /// The text inside the current element (text and CDATA, at any depth), leaving the
    /// reader on its end tag.
    func elementText() throws -> String {
        if isEmptyElement { return "" }
        let start = depth
        var text = ""
        while try read() {
            if isText {
                if text.isEmpty { text = value } else { text += value }
            } else if isEndElement && depth == start {
                break
            }
        }
        return text
    }

    /// The text of a rich-text container (`<si>` or `<is>`): the `<t>` elements, directly or in
    /// runs (`<r>`), but not phonetic runs (`<rPh>`) or run properties.
    func richText() throws -> String {
        if isEmptyElement { return "" }
        let start = depth
        var text = ""
        while try read() {
            if isElement {
                if named("t") {
                    text += try elementText()
                } else if !named("r") {
                    try skipElement()
                }
            } else if isEndElement && depth == start {
                break
            }
        }
        return text
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
