import CLibXML2
import Foundation

/// Errors of the report layer.
public enum ReportError: Error, CustomStringConvertible {
    case xmlWriter(String)
    case schemaMissing(String)
    case schemaInvalid(String)
    /// The report does not validate against its own schema: a bug, never published.
    case validationFailed([String])
    case template(String)
    case noEstimates
    /// summary.xlsx could not be written (libxlsxwriter's message).
    case workbook(String)
    /// A file whose renderer is missing or failed here (the annex's PDF without LibreOffice):
    /// the release is published without it and says why.
    case rendererUnavailable(String)

    public var description: String {
        switch self {
        case .xmlWriter(let m): "cannot write XML: \(m)"
        case .schemaMissing(let p): "report schema not found at \(p)"
        case .schemaInvalid(let m): "report schema does not load: \(m)"
        case .validationFailed(let errors):
            // The first few say what is wrong; thousands would bury the summary line.
            "report.xml does not validate against report.xsd; not published:\n" + errors.prefix(5).joined(separator: "\n")
                + (errors.count > 5 ? "\n... and \(errors.count - 5) more" : "")
        case .template(let m): "report template: \(m)"
        case .noEstimates: "no estimates in the database: run `pipeline stats` first"
        case .workbook(let m): "cannot write summary.xlsx: \(m)"
        case .rendererUnavailable(let m): m
        }
    }
}

/// A thin streaming writer over libxml2's `xmlTextWriter`, into memory.
final class XMLWriter {
    private let buffer: xmlBufferPtr
    private let writer: xmlTextWriterPtr

    init() throws {
        guard let buffer = xmlBufferCreate() else { throw ReportError.xmlWriter("no buffer") }
        guard let writer = xmlNewTextWriterMemory(buffer, 0) else {
            xmlBufferFree(buffer)
            throw ReportError.xmlWriter("no writer")
        }
        self.buffer = buffer
        self.writer = writer
        xmlTextWriterSetIndent(writer, 1)
        xmlTextWriterSetIndentString(writer, "  ")
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil), "start document")
    }

    deinit {
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    /// What failed is worded only on failure: the writer is called for every element and
    /// attribute of documents of tens of MB.
    private func check(_ rc: Int32, _ what: @autoclosure () -> String) throws {
        if rc < 0 { throw ReportError.xmlWriter(what()) }
    }

    /// The text as libxml2's `xmlChar` string, borrowed from the String's own storage (the
    /// implicit conversion of a String argument copies it into a new array every call).
    @inline(__always)
    private func xml<R>(_ text: String, _ body: (UnsafePointer<xmlChar>) -> R) -> R {
        text.withCString { body(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
    }

    func start(_ name: String, namespace: String? = nil) throws {
        if let namespace {
            try check(xmlTextWriterStartElementNS(writer, nil, name, namespace), "start \(name)")
        } else {
            try check(xml(name) { xmlTextWriterStartElement(writer, $0) }, "start \(name)")
        }
    }

    /// A prefixed element, declaring the namespace when given.
    func start(_ name: String, prefix: String, namespace: String? = nil) throws {
        try check(xmlTextWriterStartElementNS(writer, prefix, name, namespace), "start \(prefix):\(name)")
    }

    /// A prefixed attribute; a namespace declaration when `prefix` is "xmlns".
    func attribute(_ name: String, prefix: String, _ value: String) throws {
        try check(xmlTextWriterWriteAttributeNS(writer, prefix, name, nil, value), "attribute \(prefix):\(name)")
    }

    func attribute(_ name: String, _ value: String?) throws {
        guard let value else { return }
        try check(xml(name) { name in xml(value) { xmlTextWriterWriteAttribute(writer, name, $0) } }, "attribute \(name)")
    }

    func text(_ value: String) throws {
        try check(xml(value) { xmlTextWriterWriteString(writer, $0) }, "text")
    }

    func end() throws {
        try check(xmlTextWriterEndElement(writer), "end element")
    }

    /// `<name attr...>text</name>`.
    func element(_ name: String, _ attributes: [(String, String?)] = [], text value: String? = nil) throws {
        try start(name)
        for (k, v) in attributes { try attribute(k, v) }
        if let value { try text(value) }
        try end()
    }

    func finish() throws -> Data {
        try check(xmlTextWriterEndDocument(writer), "end document")
        xmlTextWriterFlush(writer)
        // The buffer's bytes become the Data's (no copy of a document of tens of MB).
        let count = Int(xmlBufferLength(buffer))
        guard count > 0, let content = xmlBufferDetach(buffer) else { return Data() }
        return Data(bytesNoCopy: content, count: count, deallocator: .free)
    }
}

/// Validates XML against an XSD with libxml2; collects every error with its line.
public enum SchemaValidator {
    final class Errors {
        var messages: [String] = []
    }

    /// libxml2's parser and its built-in schema types, set up once before any thread parses a
    /// schema: libxml2 2.9 builds the built-in types lazily and not thread-safely, and two
    /// validations starting together (parallel tests, seen as "attribute use 'interval'"
    /// errors loading SDMX's schemas) could leave them half built for the whole process.
    static let libraryReady: Void = {
        xmlInitParser()
        xmlSchemaInitTypes()
    }()

    /// - Returns: the validation errors; empty when the document is valid.
    public static func validate(_ document: Data, schemaPath: String) throws -> [String] {
        _ = libraryReady
        guard FileManager.default.fileExists(atPath: schemaPath) else { throw ReportError.schemaMissing(schemaPath) }
        let errors = Errors()
        let context = Unmanaged.passUnretained(errors).toOpaque()
        guard let parserContext = xmlSchemaNewParserCtxt(schemaPath) else { throw ReportError.schemaInvalid(schemaPath) }
        defer { xmlSchemaFreeParserCtxt(parserContext) }
        xmlSchemaSetParserStructuredErrors(parserContext, collect, context)
        guard let schema = xmlSchemaParse(parserContext) else {
            throw ReportError.schemaInvalid(errors.messages.joined(separator: "; "))
        }
        defer { xmlSchemaFree(schema) }
        guard let validation = xmlSchemaNewValidCtxt(schema) else { throw ReportError.schemaInvalid("no validation context") }
        defer { xmlSchemaFreeValidCtxt(validation) }
        xmlSchemaSetValidStructuredErrors(validation, collect, context)
        // Validated as it is parsed (SAX, no tree): memory stays flat however large the
        // document. No SAX handler of our own, so no tree is built and no entity expanded;
        // the parser reads `document` in chunks through a callback (no copy of it).
        let rc = document.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -1 }
            let source = ChunkSource(base: base, count: raw.count)
            return withExtendedLifetime(source) {
                guard let input = xmlParserInputBufferCreateIO(
                    ChunkSource.read, nil, Unmanaged.passUnretained(source).toOpaque(), XML_CHAR_ENCODING_NONE)
                else { return -1 }
                return xmlSchemaValidateStream(validation, input, XML_CHAR_ENCODING_NONE, nil, nil)
            }
        }
        if rc != 0 && errors.messages.isEmpty {
            errors.messages.append(isWellFormed(document) ? "validation failed (code \(rc))" : "report.xml is not well-formed XML")
        }
        return errors.messages
    }

    /// Whether a document is well-formed XML (no DTD loading, no network, no entity expansion).
    public static func isWellFormed(_ document: Data) -> Bool {
        let doc = document.withUnsafeBytes { raw -> xmlDocPtr? in
            xmlReadMemory(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count), "document.xml", nil,
                          Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue))
        }
        guard let doc else { return false }
        xmlFreeDoc(doc)
        return true
    }

    /// Bytes handed to libxml2's parser a chunk at a time.
    final class ChunkSource {
        let base: UnsafeRawPointer
        let count: Int
        var offset = 0
        init(base: UnsafeRawPointer, count: Int) {
            self.base = base
            self.count = count
        }

        static let read: xmlInputReadCallback = { context, buffer, length in
            guard let context, let buffer else { return -1 }
            let source = Unmanaged<ChunkSource>.fromOpaque(context).takeUnretainedValue()
            let n = min(Int(length), source.count - source.offset)
            if n > 0 {
                memcpy(buffer, source.base + source.offset, n)
                source.offset += n
            }
            return Int32(n)
        }
    }

    private static let collect: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error else { return }
        let errors = Unmanaged<Errors>.fromOpaque(userData).takeUnretainedValue()
        let message = error.pointee.message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "error"
        errors.messages.append("line \(error.pointee.line): \(message)")
    }
}
