import Foundation
import SurveyModel

/// Reads portal exports: JSON Lines (`.jsonl`, one object per line) or a JSON array (`.json`).
///
/// Every record ends as exactly one `accept` or `reject`: a line (or array element) that is
/// not JSON, not an object, too long, or names a key twice is rejected with its line, and
/// reading goes on with the next one.
struct PortalReader {
    let validator: FormValidator
    let fields: PortalFields
    var limits = InputLimits()
    /// Reads records in the usual shape straight from their bytes (tests turn it off to
    /// compare with the parser's path).
    var useBytePath = true
    private let scanner: PortalScanner

    init(validator: FormValidator, fields: PortalFields, limits: InputLimits = InputLimits()) {
        self.validator = validator
        self.fields = fields
        self.limits = limits
        scanner = PortalScanner(validator: validator, fields: fields)
    }

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// JSON Lines, streamed: reads 1 MiB at a time and holds at most one line (up to
    /// `limits.recordBytes`; a longer line is counted, not kept, and rejected).
    ///
    /// A line ends at LF, CRLF or a lone CR (JSON has no raw CR inside a string, so a lone CR
    /// can only end a line, as in files saved by old Mac tools). Lines of only spaces and
    /// tabs are not records. A UTF-8 byte-order mark at the start is dropped.
    ///
    /// - Returns: the number of records read, each of them accepted or rejected once.
    @discardableResult
    func readLines(path: String, displayPath: String, into writer: some FormSink) throws -> Int {
        guard let file = fopen(path, "rb") else {
            throw IngestError.unreadable(path: displayPath, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        let limit = limits.recordBytes
        let chunk = 1 << 20
        // Room for one line at the limit, its terminator, and a chunk after it.
        let capacity = limit + chunk + 2
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        // [start, end) is unread data; [start, scan) holds no line end.
        var start = 0, scan = 0, end = 0
        var atEnd = false
        var lineNumber = 1
        var firstLine = true
        var records = 0
        // While skipping a line over the limit: its bytes so far.
        var skipped: Int?

        func handle(_ from: Int, _ to: Int) throws {
            defer { firstLine = false }
            let length = to - from
            if length > limit { return try tooLong(length) }
            var from = from
            if firstLine, length >= 3, buffer[from] == 0xEF, buffer[from + 1] == 0xBB, buffer[from + 2] == 0xBF { from += 3 }
            var k = from
            while k < to && (buffer[k] == 0x20 || buffer[k] == 0x09) { k += 1 }
            if k == to { return }
            records += 1
            try handleElement(
                UnsafeBufferPointer(start: buffer + from, count: to - from), line: lineNumber, position: 0,
                elementNumber: nil, writer: writer, path: displayPath)
        }
        func tooLong(_ length: Int) throws {
            firstLine = false
            records += 1
            try writer.reject(
                line: lineNumber, position: 0, responseID: nil,
                reason: "line \(lineNumber) is \(length) bytes long; the limit is \(limit) bytes for one form; expected one submission per line")
        }

        while true {
            var terminator: Int?
            if scan < end {
                let lf = memchr(buffer + scan, Int32(Self.lf), end - scan).map { $0.assumingMemoryBound(to: UInt8.self) - buffer }
                let cr = memchr(buffer + scan, Int32(Self.cr), (lf ?? end) - scan).map { $0.assumingMemoryBound(to: UInt8.self) - buffer }
                terminator = cr ?? lf
            }
            var keep = end
            if let t = terminator {
                if buffer[t] == Self.cr && t + 1 == end && !atEnd {
                    // A CR as the last byte read: whether LF follows is not known yet.
                    keep = t
                } else {
                    let width = buffer[t] == Self.cr && t + 1 < end && buffer[t + 1] == Self.lf ? 2 : 1
                    if let s = skipped {
                        try tooLong(s + t - start)
                        skipped = nil
                    } else {
                        try handle(start, t)
                    }
                    lineNumber += 1
                    start = t + width
                    scan = start
                    continue
                }
            }
            scan = keep
            // No whole line in [start, end).
            if skipped != nil {
                skipped! += keep - start
                start = keep
            } else if keep - start > limit {
                skipped = keep - start
                start = keep
            }
            if atEnd {
                if let s = skipped { try tooLong(s + end - start) } else if start < end { try handle(start, end) }
                return records
            }
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start
                scan -= start
                start = 0
            }
            let n = fread(buffer + end, 1, min(chunk, capacity - end), file)
            if n == 0 {
                if ferror(file) != 0 { throw IngestError.unreadable(path: displayPath, reason: String(cString: strerror(errno))) }
                atEnd = true
            }
            end += n
        }
    }

    /// A JSON array of objects, read whole (up to `limits.arrayFileBytes`; a larger file is
    /// one reject). `JSONArrayScanner` splits it into elements and everything else that is
    /// not an element (a stray bracket, a second array); each is parsed or rejected on its
    /// own, so one broken element loses no other. Lines are where each element starts;
    /// positions number the elements and rejected strays 1, 2, ... over the whole file.
    ///
    /// - Returns: the number of records (elements and strays) read, each accepted or rejected once.
    @discardableResult
    func readArray(path: String, displayPath: String, into writer: some FormSink) throws -> Int {
        guard let file = fopen(path, "rb") else {
            throw IngestError.unreadable(path: displayPath, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        let maximum = limits.arrayFileBytes
        func tooLarge(_ size: Int) throws -> Int {
            try writer.reject(
                line: 1, position: 0, responseID: nil,
                reason: "the file is \(size) bytes; the limit for a .json array is \(maximum) bytes (an array is read whole), "
                    + "so none of its forms were read; expected a smaller file, or the submissions as JSON Lines (.jsonl, one object per line), which has no size limit")
            return 1
        }
        var status = stat()
        if fstat(fileno(file), &status) == 0, Int(status.st_size) > maximum { return try tooLarge(Int(status.st_size)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, Int(status.st_size)))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 {
                if ferror(file) != 0 { throw IngestError.unreadable(path: displayPath, reason: String(cString: strerror(errno))) }
                break
            }
            bytes.append(contentsOf: chunk[0..<n])
            // The file grew since fstat.
            if bytes.count > maximum { return try tooLarge(bytes.count) }
        }
        let items = JSONArrayScanner.scan(bytes)
        var elementNumber = 0
        try bytes.withUnsafeBufferPointer { buffer in
            for (index, item) in items.enumerated() {
                let position = index + 1
                switch item.kind {
                case .problem(let reason):
                    try writer.reject(line: item.line, position: position, responseID: nil, reason: reason)
                case .element(let range, let truncated):
                    elementNumber += 1
                    if range.count > limits.recordBytes {
                        try writer.reject(
                            line: item.line, position: position, responseID: nil,
                            reason: "array element \(elementNumber) on line \(item.line) is \(range.count) bytes long; the limit is \(limits.recordBytes) bytes for one form")
                    } else if truncated {
                        try writer.reject(
                            line: item.line, position: position, responseID: nil,
                            reason: "array element \(elementNumber): this element is not valid JSON: the file ends inside it (the file looks truncated); expected one complete object \(example)")
                    } else {
                        try handleElement(
                            UnsafeBufferPointer(rebasing: buffer[range]), line: item.line, position: position,
                            elementNumber: elementNumber, writer: writer, path: displayPath)
                    }
                }
            }
        }
        return items.count
    }

    private var example: String { "{\"\(fields.id)\": ..., \"\(fields.answers)\": {...}}" }

    /// One line or array element: parsed with the strict `JSONParser`, then validated.
    private func handleElement(
        _ bytes: UnsafeBufferPointer<UInt8>, line: Int, position: Int, elementNumber: Int?, writer: some FormSink,
        path: String
    ) throws {
        if useBytePath, let record = scanner.record(bytes, path: path, line: line, position: position) {
            try writer.accept(record)
            return
        }
        let prefix = elementNumber.map { "array element \($0): " } ?? ""
        let what = elementNumber == nil ? "line" : "element"
        func reject(_ id: String?, _ reason: String) throws {
            try writer.reject(line: line, position: position, responseID: id, reason: prefix + reason)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            if case .duplicateKey(let keyPath) = error.kind {
                try reject(nil, "the key \"\(keyPath.joined(separator: "."))\" appears twice in this \(what), so the form is ambiguous (which value holds is unknown); expected each key once")
            } else {
                try reject(nil, "this \(what) is not valid JSON (\(error.message), at byte \(error.offset + 1) of the \(what)); expected one complete object \(example)")
            }
            return
        }
        guard case .object(let members) = value else {
            try reject(nil, "expected a JSON object, found \(value.typeName)")
            return
        }
        // One pass over the members; the parser has made sure each key occurs once.
        var id: JSONValue?, unit: JSONValue?, submittedAt: JSONValue?, dossier: JSONValue?, comment: JSONValue?
        var answerValues: JSONValue?
        for member in members {
            switch member.key {
            case fields.id: id = member.value
            case fields.unit: unit = member.value
            case fields.submittedAt: submittedAt = member.value
            case fields.dossierCode: dossier = member.value
            case fields.comment: comment = member.value
            case fields.answers: answerValues = member.value
            default: break
            }
        }
        let responseID = Self.text(id)
        var answers = [RawAnswer?](repeating: nil, count: validator.items.count)
        switch answerValues {
        case .object(let map)?:
            // The key each item was answered under: two keys that name one item (`q01` and
            // `Q01`, `q01 ` with a space, an id and its alias) make the form ambiguous.
            var keys = [String?](repeating: nil, count: answers.count)
            for member in map {
                if let index = validator.itemIndex[member.key] ?? validator.itemIndexByKey[HeaderName.key(member.key)] {
                    if let other = keys[index] {
                        try reject(responseID, "\(fields.answers): the keys \"\(other)\" and \"\(member.key)\" both name item \(validator.items[index].id), so the form is ambiguous (which answer holds is unknown); expected each item once")
                        return
                    }
                    keys[index] = member.key
                    answers[index] = Self.answer(member.value)
                } else {
                    writer.noteUnknownAnswerKey(member.key)
                }
            }
        case nil, .null?:
            break
        case let other?:
            try reject(responseID, "\(fields.answers): expected an object of item: answer, found \(other.typeName)")
            return
        }
        let raw = RawForm(
            responseID: responseID, unit: Self.text(unit), date: Self.text(submittedAt), isTimestamp: true,
            dateField: fields.submittedAt, dossierCode: Self.text(dossier), comment: Self.text(comment), answers: answers)
        switch validator.validate(raw, path: path, line: line, channel: .online) {
        case .success(var response):
            response.position = position
            try writer.accept(response)
        case .failure(let rejection):
            if let date = rejection.datedAfterToday { writer.noteDatedAfterToday(date) }
            try reject(rejection.responseID, rejection.reason)
        }
    }

    /// A text field: a string as written, a number as shown (`123`, `1.5`); anything else
    /// (a boolean, null, an array, an object) is no text.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: s
        case .number(let d)?: FormValidator.shown(.number(d))
        default: nil
        }
    }

    /// An answer: JSON `true` and `false` are not numbers, so they are never read as 1 or 0.
    static func answer(_ value: JSONValue) -> RawAnswer {
        switch value {
        case .null: .null
        case .string(let s): .text(s)
        case .number(let d): .number(d)
        case .bool(let b): .other(b ? "true" : "false")
        case .array, .object: .other(value.typeName)
        }
    }
}

/// Splits a `.json` file into the top-level elements of its array without parsing them,
/// tracking strings and nesting, so that each element can be parsed (and rejected) on its own.
///
/// Nothing after the array is ignored: if its `]` comes early (`[{..}, {..}] , {..}]`) or a
/// second array follows (`[..][..]`), that is a problem item at the bracket's line and what
/// follows is read as further elements. A stray `}` is a problem item; an element the file
/// ends inside is marked truncated. Commas are only separators: a missing or doubled one
/// loses nothing, so it is not reported.
enum JSONArrayScanner {
    struct Item: Equatable {
        enum Kind: Equatable {
            /// An element: its bytes (without the blanks around it), and whether the file ends inside it.
            case element(Range<Int>, truncated: Bool)
            /// Something that is not an element, with the reason to report.
            case problem(String)
        }

        var kind: Kind
        /// 1-based line where the element or problem starts (lines end at LF, CRLF or a lone CR).
        var line: Int

        var range: Range<Int>? {
            if case .element(let range, _) = kind { return range }
            return nil
        }
    }

    static func scan(_ bytes: [UInt8]) -> [Item] {
        bytes.withUnsafeBufferPointer { scan($0) }
    }

    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> [Item] {
        let n = b.count
        var i = 0
        var line = 1
        if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        var items: [Item] = []
        func countLine(_ k: Int) {
            if b[k] == 0x0A || (b[k] == 0x0D && (k + 1 == n || b[k + 1] != 0x0A)) { line += 1 }
        }
        func skipSpace() {
            while i < n {
                switch b[i] {
                case 0x20, 0x09: i += 1
                case 0x0A, 0x0D: countLine(i); i += 1
                default: return
                }
            }
        }
        func shown(_ k: Int) -> String {
            let c = b[k]
            return c >= 0x21 && c < 0x7F ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x" + String(c, radix: 16, uppercase: true)
        }
        func problem(_ line: Int, _ reason: String) { items.append(Item(kind: .problem(reason), line: line)) }

        skipSpace()
        let startsAsArray = i < n && b[i] == UInt8(ascii: "[")
        if startsAsArray {
            i += 1
        } else if i < n {
            problem(line, "expected a JSON array [ {...}, {...} ] of portal submissions, found \(shown(i)); what follows is read as array elements")
        } else {
            problem(line, "expected a JSON array [ {...}, {...} ] of portal submissions, found an empty file")
            return items
        }
        // Inside the array, or after its `]` (closed on `closedLine`).
        var open = true
        var closedLine = 0
        var everClosed = false
        var lastTruncated = false
        while true {
            skipSpace()
            guard i < n else { break }
            let c = b[i]
            if !open {
                // Anything after the array's `]` means that `]` came early, or a second
                // array follows: report that bracket once, then read on as inside the array.
                open = true
                if c == UInt8(ascii: "[") {
                    problem(closedLine, "the array closed on line \(closedLine) is followed by another array on line \(line); its elements are read as further elements; expected one array")
                    i += 1
                    continue
                } else if c == UInt8(ascii: ",") {
                    problem(closedLine, "the ']' on line \(closedLine) closes the array, but more elements follow on line \(line); they are read too; expected one ']' after the last element")
                    i += 1
                    continue
                }
                problem(closedLine, "the ']' on line \(closedLine) closes the array, but \(shown(i)) follows on line \(line); what follows is read as further elements; expected nothing after the array")
            }
            if c == UInt8(ascii: "]") {
                open = false
                everClosed = true
                closedLine = line
                i += 1
                continue
            }
            if c == UInt8(ascii: "}") {
                problem(line, "unexpected '}' on line \(line) where an array element should start; expected an element, ',' or ']'")
                i += 1
                continue
            }
            if c == UInt8(ascii: ",") {
                i += 1
                continue
            }
            // An element: a container up to its matching bracket, a string up to its closing
            // quote, or a scalar (number, word, garbage) up to the next delimiter.
            let start = i
            let startLine = line
            var truncated = false
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") || c == UInt8(ascii: "\"") {
                var depth = 0
                var inString = false
                var closed = false
                while i < n {
                    let x = b[i]
                    if inString {
                        if x == UInt8(ascii: "\\") {
                            i += 1
                            if i < n { countLine(i); i += 1 }
                            continue
                        }
                        if x == UInt8(ascii: "\"") {
                            inString = false
                            if depth == 0 { i += 1; closed = true; break }
                        } else {
                            countLine(i)
                        }
                    } else if x == UInt8(ascii: "\"") {
                        inString = true
                    } else if x == UInt8(ascii: "{") || x == UInt8(ascii: "[") {
                        depth += 1
                    } else if x == UInt8(ascii: "}") || x == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { i += 1; closed = true; break }
                    } else {
                        countLine(i)
                    }
                    i += 1
                }
                truncated = !closed
            } else {
                while i < n {
                    switch b[i] {
                    case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"),
                         UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "\""):
                        break
                    default:
                        i += 1
                        continue
                    }
                    break
                }
                if i == start { i += 1 }
            }
            items.append(Item(kind: .element(start..<i, truncated: truncated), line: startLine))
            lastTruncated = truncated
        }
        if startsAsArray && !everClosed && !lastTruncated {
            problem(line, "the array is not closed with ]; the file looks truncated")
        }
        return items
    }
}
