import Foundation
import Storage
import SurveyModel

/// Reads portal exports: JSON Lines (`.jsonl`, one object per line) or a JSON array (`.json`).
struct PortalReader {
    let validator: FormValidator
    let fields: PortalFields

    /// JSON Lines, streamed line by line.
    func readLines(path: String, displayPath: String, into writer: SurveyDatabase.FileWriter) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestError.unreadable(path: displayPath, reason: "cannot open")
        }
        defer { try? handle.close() }
        var pending = Data()
        var lineNumber = 0
        var first = true
        func handleLine(_ bytes: Data) throws {
            lineNumber += 1
            var body = bytes
            if first {
                first = false
                if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            }
            if body.last == UInt8(ascii: "\r") { body = body.dropLast() }
            if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            try handleElement(Data(body), line: lineNumber, writer: writer, path: displayPath, isLine: true)
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw IngestError.unreadable(path: displayPath, reason: "\(error)")
            }
            if chunk.isEmpty { break }
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try handleLine(pending[start..<newline])
                start = pending.index(after: newline)
            }
            pending = Data(pending[start...])
        }
        if !pending.isEmpty { try handleLine(pending) }
    }

    /// A JSON array of objects. Each element is parsed on its own, so one broken element
    /// does not lose the others; lines are those where each element starts.
    func readArray(path: String, displayPath: String, into writer: SurveyDatabase.FileWriter) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.unreadable(path: displayPath, reason: "cannot open")
        }
        let bytes = [UInt8](data)
        let scan = JSONArrayScanner.elements(of: bytes)
        for (index, element) in scan.elements.enumerated() {
            try handleElement(
                Data(bytes[element.range]), line: element.line, position: index + 1, writer: writer, path: displayPath,
                isLine: false)
        }
        if let problem = scan.problem {
            try writer.reject(
                line: problem.line, position: scan.elements.count + 1, responseID: nil,
                reason: "array element \(scan.elements.count + 1): \(problem.reason)")
        }
    }

    private func handleElement(
        _ data: Data, line: Int, position: Int = 0, writer: SurveyDatabase.FileWriter, path: String, isLine: Bool
    ) throws {
        let element = isLine ? "" : "array element \(position): "
        func reject(_ id: String?, _ reason: String) throws {
            try writer.reject(line: line, position: position, responseID: id, reason: element + reason)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let what = isLine ? "line" : "element"
            try reject(nil, "this \(what) is not valid JSON (truncated or malformed); expected one complete object {\"\(fields.id)\": ..., \"\(fields.answers)\": {...}}")
            return
        }
        guard let dict = object as? [String: Any] else {
            try reject(nil, "expected a JSON object, found \(Self.typeName(object))")
            return
        }
        let id = Self.text(dict[fields.id])
        var answers = [RawAnswer?](repeating: nil, count: validator.items.count)
        switch dict[fields.answers] {
        case let map as [String: Any]:
            for (key, value) in map {
                if let position = validator.itemIndex[key] { answers[position] = Self.answer(value) }
            }
        case nil, is NSNull:
            break
        case let other?:
            try reject(id, "\(fields.answers): expected an object of item: answer, found \(Self.typeName(other))")
            return
        }
        let raw = RawForm(
            responseID: id, unit: Self.text(dict[fields.unit]), date: Self.text(dict[fields.submittedAt]),
            isTimestamp: true, dossierCode: Self.text(dict[fields.dossierCode]), comment: Self.text(dict[fields.comment]),
            answers: answers)
        switch validator.validate(raw, path: path, line: line, channel: .online) {
        case .success(var response):
            response.position = position
            try writer.accept(response)
        case .failure(let rejection): try reject(rejection.responseID, rejection.reason)
        }
    }

    static func isBoolean(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber where isBoolean(n): return nil
        case let n as NSNumber: return FormValidator.shown(.number(n.doubleValue))
        default: return nil
        }
    }

    static func answer(_ value: Any) -> RawAnswer {
        switch value {
        case is NSNull: return .null
        case let s as String: return .text(s)
        // JSON true/false arrive as NSNumber booleans (objCType "c"); numbers are "i", "q"
        // or "d". Both cast to Bool and to Int on Linux, so the type code decides.
        case let n as NSNumber where isBoolean(n): return .other(n.boolValue ? "true" : "false")
        case let n as NSNumber: return .number(n.doubleValue)
        default: return .other(typeName(value))
        }
    }

    static func typeName(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case let n as NSNumber where isBoolean(n): "a boolean"
        case is NSNumber: "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        default: "an unknown value"
        }
    }
}

/// Finds the top-level elements of a JSON array without parsing them, tracking strings and
/// nesting, so that each element can be parsed (and rejected) on its own.
enum JSONArrayScanner {
    struct Element {
        var range: Range<Int>
        var line: Int
    }

    static func elements(of bytes: [UInt8]) -> (elements: [Element], problem: (line: Int, reason: String)?) {
        var i = 0
        var line = 1
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) {
                if bytes[i] == 0x0A { line += 1 }
                i += 1
            }
        }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else {
            return ([], (line, "expected a JSON array [ {...}, {...} ] of portal submissions"))
        }
        i += 1
        var elements: [Element] = []
        while true {
            skipSpace()
            guard i < bytes.count else { return (elements, (line, "the array is not closed with ]; the file looks truncated")) }
            if bytes[i] == UInt8(ascii: "]") { return (elements, nil) }
            let start = i
            let startLine = line
            var depth = 0
            var inString = false
            while i < bytes.count {
                let b = bytes[i]
                if inString {
                    if b == UInt8(ascii: "\\") {
                        if i + 1 < bytes.count && bytes[i + 1] == 0x0A { line += 1 }
                        i += 2
                        continue
                    }
                    if b == UInt8(ascii: "\"") { inString = false }
                    if b == 0x0A { line += 1 }
                    i += 1
                    continue
                }
                if b == UInt8(ascii: "\"") { inString = true }
                else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
                else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    if depth == 0 { break }
                    depth -= 1
                } else if b == UInt8(ascii: ","), depth == 0 { break }
                else if b == 0x0A { line += 1 }
                i += 1
            }
            if i == start {
                // A closing bracket where an element should start: the array is malformed here.
                return (elements, (line, "unexpected '\(UnicodeScalar(bytes[i]))' where an array element should start"))
            }
            elements.append(Element(range: start..<min(i, bytes.count), line: startLine))
            guard i < bytes.count else {
                return (elements, (line, "the array is not closed with ]; the file looks truncated"))
            }
            if bytes[i] == UInt8(ascii: ",") { i += 1 }
        }
    }
}
