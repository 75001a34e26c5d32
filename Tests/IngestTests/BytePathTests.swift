import Foundation
import Storage
import SurveyModel
import Testing

@testable import Ingest

// The byte path of the readers (`FormValidator.record(_:)`, `PortalScanner`, the CSV reader's
// rows left as bytes) must change nothing: every file read with it and without it makes the
// same calls to the sink, byte for byte (strings compared as UTF-8, not as Swift compares them).
// The inputs are the usual forms and, mostly, everything near them: padded, relabelled,
// reordered, escaped, mistyped, cut, in other dialects and encodings.

/// SplitMix64, seeded: every case reproduces.
private struct Seeded: RandomNumberGenerator {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Every call a reader makes, as text in which each string is its UTF-8 bytes.
private final class TranscriptSink: FormSink {
    private(set) var calls: [String] = []

    static func bytes(_ s: String?) -> String { s.map { "\(Array($0.utf8))" } ?? "nil" }

    func accept(_ r: ResponseRecord) throws {
        calls.append(
            "accept \(Self.bytes(r.path)) \(r.line) \(r.position) id=\(Self.bytes(r.responseID)) \(r.channel) unit=\(Self.bytes(r.unit.code)) "
                + "on=\(Self.bytes(r.submittedOn)) \(r.period) dossier=\(Self.bytes(r.dossierCode)) comment=\(Self.bytes(r.comment)) "
                + "answers=\(r.answers.map { $0.map(String.init) ?? "-" })")
    }

    func reject(line: Int, position: Int, responseID: String?, reason: String) throws {
        calls.append("reject \(line) \(position) id=\(Self.bytes(responseID)) \(Self.bytes(reason))")
    }

    func noteSkipped(_ count: Int) { calls.append("skipped \(count)") }
    func noteUnknownAnswerKey(_ key: String) { calls.append("unknown key \(Self.bytes(key))") }
}

/// A survey with an item of every kind, units A, B and SXD.
private struct Instrument {
    let folder: SurveyFolder

    static func toml(timeZone: String?) -> String {
        """
        [survey]
        plan_minimum = 2
        \(timeZone.map { "time_zone = \"\($0)\"" } ?? "")

        [scales.tt01]
        values = [0, 1, 2]
        satisfied = [2]
        labels_vi = ["Không đạt", "Đạt", "Tốt"]
        labels_en = ["Fail", "Pass", "Good"]

        [[factors]]
        id = "F"
        name_vi = "F"
        name_en = "F"

        [[items]]
        id = "q01"
        factor = "F"
        kind = "likert5"

        [[items]]
        id = "q02"
        factor = "F"
        kind = "likert5"

        [[items]]
        id = "s1"
        factor = "F"
        kind = "likert"
        scale = "tt01"

        [[items]]
        id = "note"
        kind = "text"

        [[items]]
        id = "y1"
        kind = "yesno"

        [[items]]
        id = "c1"
        kind = "count"
        """
    }

    init(timeZone: String? = nil, encoding: String? = nil) throws {
        var toml = Self.toml(timeZone: timeZone)
        if let encoding { toml += "\n\n[columns.paper]\nencoding = \"\(encoding)\"\n" }
        let survey = try TemporarySurvey(survey: toml, units: "code,name_vi,name_en\nA,A,A\nB,B,B\nSXD,X,X\n")
        defer { try? FileManager.default.removeItem(at: survey.root) }
        folder = try SurveyFolder.load(survey.root.path)
    }

    func validator(today: (year: Int, month: Int, day: Int)?) -> FormValidator {
        FormValidator(survey: folder.survey, units: folder.units, today: today)
    }
}

private func temporaryFile(_ bytes: [UInt8], ext: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-bytepath-\(UUID().uuidString).\(ext)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The calls of the table reader on a CSV file, with the byte path or without it.
private func readTable(
    _ path: String, layout: TableLayout, validator: FormValidator, encoding: String?, chunk: Int?, bytePath: Bool,
    fromBytes: UnsafeMutablePointer<Int>? = nil
) -> [String] {
    let sink = TranscriptSink()
    do {
        var csv = try chunk.map { try CSVReader(path: path, encoding: encoding, chunkBytes: $0) } ?? CSVReader(path: path, encoding: encoding)
        defer { csv.close() }
        var table = TableFormReader(validator: validator, layout: layout)
        table.useBytePath = bytePath
        let outcome = try table.read(&csv, displayPath: "inbox/paper/x.csv", into: sink)
        sink.noteSkipped(outcome.skipped)
        fromBytes?.pointee += outcome.fromBytes
        return sink.calls + ["records \(outcome.records)"]
    } catch {
        return sink.calls + ["error \(TranscriptSink.bytes("\(error)"))"]
    }
}

private func readPortal(_ path: String, array: Bool, validator: FormValidator, fields: PortalFields, bytePath: Bool) -> [String] {
    let sink = TranscriptSink()
    var reader = PortalReader(validator: validator, fields: fields)
    reader.useBytePath = bytePath
    do {
        let n = array
            ? try reader.readArray(path: path, displayPath: "inbox/portal/x.json", into: sink)
            : try reader.readLines(path: path, displayPath: "inbox/portal/x.jsonl", into: sink)
        return sink.calls + ["records \(n)"]
    } catch {
        return sink.calls + ["error \(TranscriptSink.bytes("\(error)"))"]
    }
}

private func firstDifference(_ a: [String], _ b: [String]) -> String {
    for (k, (x, y)) in zip(a, b).enumerated() where x != y { return "call \(k):\n  byte path: \(x)\n  text path: \(y)" }
    return "\(a.count) calls with the byte path, \(b.count) without"
}

/// Code page text as iconv writes it, or nil if it cannot be written so.
private func encoded(_ text: String, as encoding: String) -> [UInt8]? {
    let cd = iconv_open(encoding, "UTF-8")
    guard cd != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(cd) }
    var input = Array(text.utf8).map { CChar(bitPattern: $0) }
    var output = [CChar](repeating: 0, count: input.count * 4 + 16)
    let inCount = input.count
    let outCount = output.count
    let written: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            var inPointer = inBuffer.baseAddress
            var outPointer = outBuffer.baseAddress
            var inLeft = inCount
            var outLeft = outCount
            guard iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft) != -1 else { return nil }
            return outCount - outLeft
        }
    }
    return written.map { output[0..<$0].map { UInt8(bitPattern: $0) } }
}

// MARK: - Values near the usual ones

private let ids = ["P1", "P-2024-000123", " P2", "P3 ", "", "  ", "P\t4", "Pé5", "P\u{7}6", "P\u{A0}7", "\u{A0}P8", "p 9", "P\u{7F}", "W\u{202E}1", "P\n1", "P\u{301}"]
private let units = ["A", "B", "SXD", " A", "B ", "a", "C", "", "A\u{A0}", "\u{A0}B", "Ａ", "SX", "SXDD", "A\u{301}", "\u{212A}"]
private let paperDates = [
    "03/07/2024", "3/7/2024", "2024-07-03", "2024/7/3", "03.07.2024", "03-07-2024", "31/02/2024", "29/02/2024", "29/02/2023",
    "03/07/24", "03/07/2024 10:22", "2024-07-03T10:22:11", "", " ", "13/13/2024", "1/1/1899", "01/01/3000", "00/01/2024",
    "2024-13-01", " 03/07/2024", "03/07/2024 ", "3/07-2024", "03//2024", "31/12/2025", "01/01/2099", "45000", "2024.7.3",
    "2024-07-03T10:22:11+07:00", "03/07/2024\u{A0}", "٠٣/07/2024", "03/07/2024/1", "003/07/2024", "3/007/2024",
]
private let timestamps = [
    "2024-07-03T10:22:11+07:00", "2024-07-03T23:30:00Z", "2024-07-03T23:30:00 UTC", "2024-07-03T10:22:11UTC", "2024-07-03T10:22+0700",
    "2024-07-03T10:22:11-05:00", "2024-07-03T10:22:11+7", "2024-07-03T10:22:11+15:00", "2024-07-03T10:22:11+07:60",
    "2024-07-03T10:22:11+14:59", "2024-07-03", "2024-07-03T10:22:11", "2024-07-03 10:22:11+07:00", "2024-07-03T24:00:00+07:00",
    "2024-07-03T10:60:00+07:00", "2024-07-03T1:2:3+07:00", "2024-07-03T10:22:11.123+07:00", "2024-07-03T10:22:11:99+07:00",
    "2024-07-03T10.5:22+07:00", "2024-12-31T20:00:00-05:00", "2023-12-31T23:30:00Z", "2024-02-29T12:00:00Z",
    "2023-02-29T12:00:00Z", "2024-7-3T10:00:00Z", "03/07/2024", "3/7/2024", "03/07/2024 10:22", "2024-07-03T10:22:11+07:00 ",
    " 2024-07-03T10:22:11+07:00", "2024-07-03T10:22:11+07:000", "2024-07-03T10:22:11+", "2024-07-03T10:22:11Zx",
    "2024-07-03T", "2024-07-03T10", "2024-07-03T10:22:11+0:7", "2024-07-03T010:22+07:00", "2025-12-31T23:59:59+07:00",
    "2025-12-31T17:30:00Z", "2099-01-01T00:00:00Z", "1899-12-31T12:00:00Z", "2024-07-03t10:22:11+07:00", "2024-07-03T10:22:11z",
    "2024-07-03T10:22:11-00:00", "2024-07-03T10:22:11+00", "2024-07-03T10:22:11 +07:00", "2024-03-10T02:30:00",
    "2024-11-03T05:30:00Z", "2024-03-10T07:30:00Z",
]
private let answers = [
    "", "1", "2", "3", "4", "5", "0", "6", "9", "10", "04", "004", "0004", "4.0", " 4", "4 ", "+4", "-1", "Hài lòng", "hài lòng",
    "RẤT HÀI LÒNG", "Không ý kiến", "có", "không", "yes", "K", "2 lần", "3 times", "250", "251", "999", "1000", "1e1", "x",
    "\u{A0}4", "Tốt", "đạt", "Good", "1.0", "00", "01", "٤", "4\u{301}", "Hài lòng".decomposedStringWithCanonicalMapping,
    "CÓ", "Có", "có".decomposedStringWithCanonicalMapping, "c", "k", "No", "NO OPINION", "Rất không hài lòng", "Bình thường",
    "Very satisfied", "2 lan", "2 LẦN", "Fail", "Pass", "không đạt", "Đạt ", " Tốt",
]
private let comments = [
    "", "ok", "Rất tốt", " padded ", "\u{A0}nbsp\u{A0}", "e\u{301}", "line\nbreak", "say \"hi\"", "tab\there", "\u{7}bell",
    "  ", "Cán bộ nhiệt tình, chu đáo", "\r\n", "ế", "x\u{A0}",
]

// MARK: - CSV

/// Answers an item takes, as digits.
private func usualAnswers(_ item: String) -> [String] {
    switch item {
    case "s1": ["0", "1", "2"]
    case "y1": ["0", "1"]
    case "c1": ["0", "1", "2", "3", "12"]
    default: ["1", "2", "3", "4", "5"]
    }
}

private func csvField(_ text: String, delimiter: Character, rng: inout Seeded) -> String {
    let needsQuotes = text.contains(delimiter) || text.contains("\"") || text.contains("\n") || text.contains("\r")
    if needsQuotes || rng.chance(0.05) { return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    return text
}

/// A paper (or portal table) CSV file: a header in a random column order, then rows mostly
/// usual, some near the usual, in a random dialect.
private func csvFile(portal: Bool, rng: inout Seeded) -> String {
    var columns = [portal ? "id" : "form_id", "unit", portal ? "submitted_at" : "date", "q01", "q02", "s1", "note", "y1", "c1", "comment"]
    if portal { columns.append("dossier_code") }
    if rng.chance(0.5) { columns.shuffle(using: &rng) }
    let delimiter: Character = rng.pick([",", ",", ";", "\t"])
    let newline = rng.pick(["\n", "\n", "\r\n", "\r"])
    var text = columns.joined(separator: String(delimiter)) + newline
    let rows = 1 + rng.below(40)
    for r in 0..<rows {
        // Usual, or with one cell (or the row's shape) changed.
        let odd = rng.chance(0.5)
        let changed = odd ? rng.below(columns.count + 3) : -1
        var cells: [String] = []
        for (c, column) in columns.enumerated() {
            let change = c == changed
            let value: String
            switch column {
            case "form_id", "id": value = change ? rng.pick(ids) : "P\(r)-\(rng.below(1000))"
            case "unit": value = change ? rng.pick(units) : rng.pick(["A", "B", "SXD"])
            case "date": value = change ? rng.pick(paperDates) : "\(1 + rng.below(28))/\(1 + rng.below(12))/\(rng.pick([2024, 2024, 2025, 2026]))"
            case "submitted_at": value = change ? rng.pick(timestamps + paperDates) : rng.pick(Array(timestamps.prefix(2) + paperDates.prefix(3)))
            case "comment", "dossier_code": value = change ? rng.pick(comments) : rng.chance(0.8) ? "" : rng.pick(comments)
            case "note": value = rng.chance(0.7) ? "" : rng.pick(comments + answers)
            default: value = change ? rng.pick(answers) : rng.pick([""] + usualAnswers(column))
            }
            cells.append(csvField(value, delimiter: delimiter, rng: &rng))
        }
        switch changed - columns.count {
        case 0: cells.removeLast()
        case 1: cells.append(rng.pick(["extra", ""]))
        case 2: cells = ["\"unclosed"] + cells
        default: break
        }
        text += cells.joined(separator: String(delimiter))
        if r < rows - 1 || rng.chance(0.8) { text += newline }
        if rng.chance(0.03) { text += newline }
    }
    return text
}

// MARK: - JSON

private func jsonString(_ s: String, escape: Bool) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || (escape && scalar.value > 0x7E && scalar.value < 0x10000) {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

private let answerValues = [
    "4", "\"4\"", "null", "true", "4.0", "1e0", "-1", "04", "10", "250", "251", "\"Hài lòng\"", "\"\"", "\" 4\"", "0", "2", "\"04\"",
    "1", "5", "3", "\"5\"", "[4]", "{}", "\"Tốt\"", "-0", "999", "1000", "0.5", "\"\\u0034\"", "\"có\"", "\"Không ý kiến\"",
    "\"\("Hài lòng".decomposedStringWithCanonicalMapping)\"", "\"yes\"", "\"Pass\"", "\"3 times\"",
]

/// One portal submission: usual, or with exactly one thing changed (so that most changed
/// records are still valid, or rejected for that one thing).
private func jsonRecord(_ r: Int, rng: inout Seeded) -> [UInt8] {
    var members: [(String, String)] = [
        ("id", "\"W\(r)\""),
        ("unit", jsonString(rng.pick(["A", "B", "SXD"]), escape: false)),
        ("submitted_at", jsonString(rng.pick(Array(timestamps.prefix(2))), escape: false)),
    ]
    if rng.chance(0.7) { members.append(("dossier_code", "\"HS-\(r)\"")) }
    if rng.chance(0.3) { members.append(("comment", jsonString(rng.pick(comments), escape: false))) }
    var pairs: [(String, String)] = []
    for key in ["q01", "q02", "s1", "y1", "c1"] where rng.chance(0.9) {
        pairs.append((key, rng.pick(usualAnswers(key))))
    }
    var space = " "
    var prefix = "", suffix = ""
    var answersValue: String?
    var mutate = false
    let change = rng.chance(0.65) ? rng.below(16) : -1
    func set(_ key: String, _ value: String) {
        if let k = members.firstIndex(where: { $0.0 == key }) { members[k].1 = value } else { members.append((key, value)) }
    }
    switch change {
    case 0: set("id", rng.pick(["123", "null", "\"W\\u0031\"", "\" W2 \"", "\"\"", "\"Wé\"", "true", "\"W\\t\"", "1.5", "\"P\u{A0}\""]))
    case 1: set("unit", rng.pick(units.map { jsonString($0, escape: rng.chance(0.3)) } + ["7", "null", "\"\\u0041\""]))
    case 2: set("submitted_at", rng.pick(timestamps.map { jsonString($0, escape: false) } + ["20240703", "null", "\"2025-07-01T01:00:00+07:00\"", "\"2025-06-30T18:00:00Z\""]))
    case 3: set("dossier_code", rng.pick(["null", "5", "\"\"", "\"  \"", "\"Hồ sơ\"", "true", "\"\\u0041\"", "\"H\u{A0}\""]))
    case 4: set(rng.pick(["comment", "other"]), rng.chance(0.3) ? "\"x@@BAD@@y\"" : jsonString(rng.pick(comments), escape: rng.chance(0.5)))
    case 5:
        if !pairs.isEmpty { pairs[rng.below(pairs.count)].1 = rng.pick(answerValues) }
    case 6: pairs.append((rng.pick(["Q01", "q 01", "zz", "q01", "é", "q\\u0030", "c1", "s1"]), rng.pick(answerValues)))
    case 7:
        for _ in 0..<(1 + rng.below(3)) {
            members.append(rng.pick([
                ("channel", "\"web\""), ("score", "12.5"), ("ok", "true"), ("no", "false"), ("n", "null"), ("tags", "[\"a\"]"),
                ("meta", "{\"x\": 1}"), ("e", "\"\\u00e9\""), ("é", "1"), ("big", "-1.5e+10"), ("bad", "01"), ("id", "\"again\""),
                ("channel", "\"x\""), ("neg", "-0"), ("frac", "1.e5"), ("exp", "2E-3"), ("t", "tru"), ("s", "\"ok\""),
            ]))
        }
    case 8: pairs.shuffle(using: &rng)
    case 9: members.shuffle(using: &rng)
    case 10: space = rng.pick(["", "  ", "\t", " \t "])
    case 11: prefix = rng.pick([" ", "\t", "\u{FEFF}", "x"]); suffix = rng.pick(["", " ", "\t"])
    case 12: suffix = rng.pick([" x", ",", "}", "]", " {}", "\u{0}", "0"])
    case 13: answersValue = rng.pick(["null", "[]", "\"x\"", "{}", "4", "{\"q01\": 4,}", "{\"q01\" 4}", "{\"q01\": 4"])
    case 14: members.removeAll { $0.0 == rng.pick(["id", "unit", "submitted_at", "answers"]) }
    case 15: mutate = true
    default: break
    }
    let answersText = answersValue ?? ("{" + pairs.map { "\"\($0.0)\":\(space)\($0.1)" }.joined(separator: ",\(space)") + "}")
    if change != 14 || members.contains(where: { $0.0 == "id" }) { members.append(("answers", answersText)) }
    let text = prefix + "{" + members.map { "\"\($0.0)\":\(space)\($0.1)" }.joined(separator: ",\(space)") + "}" + suffix
    var bytes = Array(text.utf8)
    if let bad = text.range(of: "@@BAD@@") {
        // Bytes that are not UTF-8 (or are), inside a string.
        let at = text.utf8.distance(from: text.startIndex, to: bad.lowerBound)
        bytes.replaceSubrange(at..<(at + 7), with: rng.pick([[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xC3, 0xA9], [0xF4, 0x90, 0x80, 0x80]]))
    }
    if mutate && !bytes.isEmpty {
        // One byte changed, dropped or repeated; or bytes that are not UTF-8 in a string.
        let k = rng.below(bytes.count)
        switch rng.below(4) {
        case 0: bytes[k] = rng.pick(Array("\"\\,{}:[] 09-.entE".utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF, 0x80])
        case 1: bytes.remove(at: k)
        case 2: bytes.insert(bytes[k], at: k)
        default:
            if let q = bytes.indices.filter({ bytes[$0] == 0x22 }).dropFirst(3).first {
                bytes.insert(contentsOf: rng.pick([[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xC3, 0xA9]]), at: q + 1)
            }
        }
        bytes.removeAll { $0 == 0x0A || $0 == 0x0D }
    }
    return bytes
}

// MARK: - Tests

@Suite("Byte path: the same calls as the text path, byte for byte")
struct BytePathTests {
    @Test("paper and portal CSV files in every dialect, encoding and chunk size", arguments: 0..<8)
    func csvFiles(_ batch: Int) throws {
        let zones: [String?] = [nil, "UTC", "+07:00", "America/New_York"]
        let instrument = try Instrument(timeZone: zones[batch % zones.count])
        let latin = try Instrument(encoding: "windows-1258")
        var fromBytes = 0, accepted = 0
        defer {
            print("csv batch \(batch): \(fromBytes) of \(accepted) accepted rows read from bytes")
            #expect(fromBytes * 2 > accepted)
        }
        for k in 0..<40 {
            var rng = Seeded(UInt64(batch * 1000 + k))
            let portal = rng.chance(0.3)
            let text = csvFile(portal: portal, rng: &rng)
            var bytes = Array(text.utf8)
            var encoding: String?
            var survey = instrument
            switch rng.below(10) {
            case 0: bytes = [0xEF, 0xBB, 0xBF] + bytes
            case 1: bytes = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            case 2: bytes = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            case 3:
                if let cp = encoded(text, as: "WINDOWS-1258") {
                    bytes = cp
                    encoding = "windows-1258"
                    survey = latin
                }
            case 4: if !bytes.isEmpty { bytes[rng.below(bytes.count)] = rng.pick([0xFF, 0xC3, 0x80, 0x00]) }
            default: break
            }
            let path = try temporaryFile(bytes, ext: "csv")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let today = rng.chance(0.5) ? (year: 2025, month: 6, day: 30) : nil
            let validator = survey.validator(today: today)
            let layout: TableLayout = portal ? .portal(survey.folder.survey.portalFields) : .paper(survey.folder.survey.paperColumns)
            let reference = readTable(path, layout: layout, validator: validator, encoding: encoding, chunk: nil, bytePath: false)
            for chunk in [nil, 64, 67, 301] as [Int?] {
                var read = 0
                let withBytes = readTable(
                    path, layout: layout, validator: validator, encoding: encoding, chunk: chunk, bytePath: true, fromBytes: &read)
                #expect(withBytes == reference, "batch \(batch) file \(k) chunk \(chunk ?? 0): \(firstDifference(withBytes, reference))\n\(text)")
                if chunk == nil {
                    fromBytes += read
                    accepted += reference.filter { $0.hasPrefix("accept") }.count
                }
                if chunk != nil {
                    let withText = readTable(path, layout: layout, validator: validator, encoding: encoding, chunk: chunk, bytePath: false)
                    #expect(withText == reference, "batch \(batch) file \(k) chunk \(chunk!), text path: \(firstDifference(withText, reference))")
                }
            }
        }
    }

    @Test("portal JSON Lines and arrays near the usual shape", arguments: 0..<8)
    func portalFiles(_ batch: Int) throws {
        let zones: [String?] = [nil, "UTC", "+07:00", "America/New_York"]
        let instrument = try Instrument(timeZone: zones[batch % zones.count])
        let fields = instrument.folder.survey.portalFields
        var scanned = [0, 0]
        defer {
            print("portal batch \(batch): \(scanned[1]) of \(scanned[0] + scanned[1]) records scanned")
            #expect(scanned[1] * 3 > scanned[0] + scanned[1])
        }
        for k in 0..<30 {
            var rng = Seeded(UInt64(50_000 + batch * 1000 + k))
            let records = (0..<(1 + rng.below(60))).map { jsonRecord($0, rng: &rng) }
            let today = rng.chance(0.5) ? (year: 2025, month: 6, day: 30) : nil
            let validator = instrument.validator(today: today)
            let scanner = PortalScanner(validator: validator, fields: fields)
            for record in records {
                let fast = record.withUnsafeBufferPointer { scanner.record($0, path: "x", line: 1, position: 0) } != nil
                scanned[fast ? 1 : 0] += 1
            }
            let lines = Array(records.joined(separator: Array(rng.pick(["\n", "\r\n"]).utf8))) + (rng.chance(0.8) ? [0x0A] : [])
            let array = Array("[".utf8) + Array(records.joined(separator: Array(rng.pick([",\n", ", ", ","]).utf8))) + Array("]".utf8)
            for (text, isArray) in [(lines, false), (array, true)] {
                let path = try temporaryFile(text, ext: isArray ? "json" : "jsonl")
                defer { try? FileManager.default.removeItem(atPath: path) }
                let withBytes = readPortal(path, array: isArray, validator: validator, fields: fields, bytePath: true)
                let reference = readPortal(path, array: isArray, validator: validator, fields: fields, bytePath: false)
                #expect(withBytes == reference, "batch \(batch) file \(k) \(isArray ? "array" : "lines"): \(firstDifference(withBytes, reference))")
            }
        }
    }

    @Test("the usual rows take the byte path (no String per cell, no JSONValue)")
    func usualRowsAreRead() throws {
        let instrument = try Instrument()
        let validator = instrument.validator(today: nil)
        let cells = ["P1", "A", "03/07/2024", "4", "", "2", "", "1", "3", "Rất tốt"]
        // Read as bytes: the row's record is made by `FormValidator.record`.
        let csvForm = cells.map { Array($0.utf8) }
        let record = csvForm[0].withUnsafeBufferPointer { id in
            csvForm[1].withUnsafeBufferPointer { unit in
                csvForm[2].withUnsafeBufferPointer { date in
                    csvForm[9].withUnsafeBufferPointer { comment in
                        validator.record(
                            ByteForm(id: id, unit: unit, date: date, isTimestamp: false, dossierCode: nil, comment: comment,
                                     answers: [4, nil, 2, 1, 3], anyAnswer: true),
                            path: "p.csv", line: 2, channel: .paper)
                    }
                }
            }
        }
        #expect(record?.responseID == "P1")
        #expect(record?.submittedOn == "2024-07-03")
        #expect(record?.comment == "Rất tốt")
        #expect(record?.period == Period(year: 2024, quarter: 3))
        let line = #"{"id": "W1", "unit": "SXD", "submitted_at": "2024-07-03T23:30:00Z", "x": [1], "answers": {"q01": 4}}"#
        let scanner = PortalScanner(validator: validator, fields: instrument.folder.survey.portalFields)
        // An unknown key with an array goes to the parser; without it, the scanner reads it.
        #expect(Array(line.utf8).withUnsafeBufferPointer { scanner.record($0, path: "o.jsonl", line: 1, position: 0) } == nil)
        let plain = #"{"id": "W1", "unit": "SXD", "submitted_at": "2024-07-03T23:30:00Z", "answers": {"q01": 4, "c1": "12"}}"#
        let scanned = Array(plain.utf8).withUnsafeBufferPointer { scanner.record($0, path: "o.jsonl", line: 1, position: 0) }
        #expect(scanned?.submittedOn == "2024-07-04")
        #expect(scanned?.answers == [4, nil, nil, nil, 12])
    }

    @Test("byte-level dates and answers agree with AnswerParser on every short text")
    func datesAndAnswers() throws {
        let instrument = try Instrument(timeZone: "America/New_York")
        let validator = instrument.validator(today: nil)
        var texts = paperDates + timestamps
        var rng = Seeded(99)
        let alphabet = Array("0123456789/-.:T Z+UC".utf8)
        for _ in 0..<20_000 {
            let n = 6 + rng.below(22)
            texts.append(String(decoding: (0..<n).map { _ in rng.pick(alphabet) }, as: UTF8.self))
            // Near the usual: one byte changed.
            var usual = Array(rng.pick(["2024-07-03T10:22:11+07:00", "03/07/2024", "2024-07-03", "2024-02-29T23:59:00-05:00"]).utf8)
            usual[rng.below(usual.count)] = rng.pick(alphabet)
            texts.append(String(decoding: usual, as: UTF8.self))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { b in
                if let d = AnswerParser.byteDate(b) {
                    let e = AnswerParser.date(text)
                    #expect(e.map { [$0.year, $0.month, $0.day] } == [d.year, d.month, d.day], "date '\(text)'")
                }
                if let d = AnswerParser.byteTimestamp(b, zoneOffset: validator.zoneOffset) {
                    let e = AnswerParser.dateOfTimestamp(text, zoneOffset: validator.zoneOffset)
                    #expect(e.map { [$0.year, $0.month, $0.day] } == [d.year, d.month, d.day], "timestamp '\(text)'")
                }
            }
        }
        // Answers: every item, every text of up to three bytes of digits and a few others.
        var cells = answers
        for v in 0..<1000 { cells.append(String(v)); cells.append(String(format: "%02d", v % 100)); cells.append(String(format: "%03d", v)) }
        for word in cells where !word.isEmpty {
            cells += [word.lowercased(), word.uppercased(), word.decomposedStringWithCanonicalMapping, word.precomposedStringWithCanonicalMapping]
        }
        for (k, item) in validator.items.enumerated() {
            for cell in cells {
                let v = Array(cell.utf8).withUnsafeBufferPointer { validator.answer($0, item: k) }
                guard v != AnswerRule.undecided else { continue }
                let expected = AnswerParser.parse(cell, item: item)
                #expect(expected == (v == AnswerRule.missing ? .missing : .answer(v)), "\(item.id) '\(cell)'")
            }
            for n in 0..<1000 {
                let v = validator.answerRules[k].answer(number: n)
                guard v != AnswerRule.undecided else { continue }
                let expected = AnswerParser.parse(number: Double(n), item: item)
                #expect(expected == (v == AnswerRule.missing ? .missing : .answer(v)), "\(item.id) \(n)")
            }
        }
    }
}

/// `FormValidator.validate` as it was before the byte path (commit 83f0836), frozen: the
/// reference the validator of today must agree with, byte for byte. Changed on purpose since
/// (issue 15, marked below): a unit typed otherwise than its code is found by `UnitName`, and
/// form ids and dossier codes are compared as `FormID` normalises them.
private func referenceValidate(
_ v: FormValidator, _ form: RawForm, path: String, line: Int, channel: Channel
) -> Result<ResponseRecord, RowRejection> {
let unitList = v.unitList, unitCodes = v.unitCodes, items = v.items, today = v.today, zoneOffset = v.zoneOffset
typealias Self_ = FormValidator
    var problems: [String] = []
    var id = form.responseID?.trimmedOfSpaces ?? ""
    if id.isEmpty { problems.append("missing form id; expected a non-empty identifier") }
    else if SurveyFolder.hasControlCharacters(id) || id.contains("\n") || id.contains("\r") || id.contains("\t") {
        problems.append("form id contains control characters; expected printable text")
    } else {
        // Issue 15.
        id = FormID.normalised(id)
        if id.isEmpty { problems.append("missing form id; expected a non-empty identifier") }
    }
    var unit = form.unit?.trimmedOfSpaces ?? ""
    if unit.isEmpty {
        problems.append("missing unit; expected one of \(unitList)")
    } else if !unitCodes.contains(unit) {
        // Issue 15.
        if let code = v.unitByName[UnitName.key(unit)] { unit = code } else {
            problems.append("unknown unit '\(FormValidator.visible(unit))'; expected one of \(unitList) (units.csv)")
        }
    }
    var date: (year: Int, month: Int, day: Int)?
    let rawDate = form.date ?? ""
    if rawDate.trimmedOfSpaces.isEmpty {
        problems.append(form.isTimestamp
            ? "missing \(form.dateField ?? "submitted_at"); expected an ISO 8601 time such as 2024-07-03T10:22:11+07:00"
            : "missing \(form.dateField ?? "date"); expected dd/mm/yyyy or yyyy-mm-dd")
    } else {
        if form.isTimestamp {
            // An offset is taken at face value for the zone's own offset at that time.
            date = AnswerParser.dateOfTimestamp(rawDate, zoneOffset: zoneOffset)
                ?? (form.dateMayBeSerial ? AnswerParser.dateOfSerial(rawDate) : nil) ?? AnswerParser.date(rawDate)
        } else {
            date = AnswerParser.date(rawDate) ?? (form.dateMayBeSerial ? AnswerParser.dateOfSerial(rawDate) : nil)
        }
        if date == nil {
            let field = form.dateField.map { "\($0) " } ?? "date "
            if let why = AnswerParser.dateProblem(rawDate) {
                problems.append("\(field)'\(FormValidator.visible(rawDate))': \(why)")
            } else {
                let expected = form.isTimestamp
                    ? "an ISO 8601 time such as 2024-07-03T10:22:11+07:00"
                    : "a real date as dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd or yyyy/mm/dd"
                problems.append("\(field)'\(FormValidator.visible(rawDate))' is not a date; expected \(expected)")
            }
        } else if let d = date, let today, (d.year, d.month, d.day) > (today.year, today.month, today.day) {
            problems.append("date '\(rawDate)' is after the day of the ingest (\(AnswerParser.isoDate(today))); expected the day the form was filled in")
            date = nil
        }
    }
    var answers: [Int?] = []
    answers.reserveCapacity(items.count)
    var anyAnswer = false
    // Bad answers grouped by what was written and what was expected, so that a row
    // with one wrong value in every column names it once, with the items it affects.
    var bad: [(shown: String, expected: String, items: [String])] = []
    for (position, item) in items.enumerated() {
        let raw = position < form.answers.count ? form.answers[position] : nil
        let parsed: AnswerParser.Parsed
        switch raw {
        case nil, .null: parsed = .missing
        case .text(let s): parsed = AnswerParser.parse(s, item: item)
        case .number(let d): parsed = AnswerParser.parse(number: d, item: item)
        case .other(let s): parsed = .invalid(expected: "a number or a label, found \(s)")
        }
        switch parsed {
        case .answer(let v):
            answers.append(v)
            anyAnswer = true
        case .missing:
            answers.append(nil)
        case .invalid(let expected):
            answers.append(nil)
            let shown = FormValidator.shown(raw)
            if let k = bad.firstIndex(where: { $0.shown == shown && $0.expected == expected }) {
                bad[k].items.append(item.id)
            } else {
                bad.append((shown, expected, [item.id]))
            }
        }
    }
    for group in bad {
        problems.append("\(group.items.joined(separator: ", ")): '\(group.shown)' is not an answer; expected \(group.expected)")
    }
    if problems.isEmpty && !anyAnswer {
        problems.append("blank form: no question answered (a non-response, not counted)")
    }
    guard problems.isEmpty, let date else {
        return .failure(RowRejection(responseID: id.isEmpty ? nil : id, reason: problems.joined(separator: "; ")))
    }
    let comment = form.comment?.trimmedOfSpaces
    // Issue 15.
    let dossier = form.dossierCode.map { FormID.normalised($0.trimmedOfSpaces) }
    return .success(ResponseRecord(
        path: path, line: line, responseID: id, channel: channel, unit: UnitCode(unit),
        submittedOn: AnswerParser.isoDate(date), period: Period(year: date.year, month: date.month),
        dossierCode: dossier?.isEmpty == false ? dossier : nil,
        comment: comment?.isEmpty == false ? comment : nil, answers: answers))
}


// MARK: - The validator against its former self

private func describe(_ r: Result<ResponseRecord, RowRejection>) -> String {
    switch r {
    case .success(let x):
        let sink = TranscriptSink()
        try? sink.accept(x)
        return sink.calls[0]
    case .failure(let e): return "reject id=\(TranscriptSink.bytes(e.responseID)) \(TranscriptSink.bytes(e.reason))"
    }
}

@Suite("Validator: the same results as before the byte path")
struct ValidatorReferenceTests {
    @Test("random forms of every kind of value", arguments: [nil, "UTC", "America/New_York"] as [String?])
    func randomForms(_ zone: String?) throws {
        let instrument = try Instrument(timeZone: zone)
        var rng = Seeded(zone.map { UInt64($0.utf8.count) } ?? 7)
        let numbers: [Double] = [0, 1, 2, 4, 5, 6, 12, 250, 251, 999, 1000, -1, -0.0, 4.0, 4.5, 1e20, .infinity]
        for today in [nil, (year: 2025, month: 6, day: 30)] as [(year: Int, month: Int, day: Int)?] {
            let validator = instrument.validator(today: today)
            for _ in 0..<4000 {
                func maybe(_ pool: [String]) -> String? { rng.chance(0.05) ? nil : rng.pick(pool) }
                let isTimestamp = rng.chance(0.5)
                let usual = rng.chance(0.5)
                var raw = RawForm(
                    responseID: usual ? "P\(rng.below(100))" : maybe(ids), unit: usual ? "A" : maybe(units),
                    date: maybe(rng.chance(0.5) ? timestamps : paperDates), isTimestamp: isTimestamp,
                    dossierCode: maybe(comments), comment: maybe(comments), answers: [])
                raw.dateField = rng.chance(0.5) ? nil : "Ngày"
                raw.dateMayBeSerial = rng.chance(0.2)
                for _ in 0..<(rng.chance(0.1) ? rng.below(7) : 5) {
                    switch rng.below(usual ? 3 : 6) {
                    case 0, 1: raw.answers.append(.text(rng.pick(usual ? ["1", "2", "0", ""] : answers)))
                    case 2: raw.answers.append(rng.chance(0.5) ? .number(rng.pick(numbers)) : nil)
                    case 3: raw.answers.append(.null)
                    case 4: raw.answers.append(.other(rng.pick(["true", "false", "an array", "an object"])))
                    default: raw.answers.append(.text(rng.pick(answers)))
                    }
                }
                let now = describe(validator.validate(raw, path: "x", line: 1, channel: isTimestamp ? .online : .paper))
                let before = describe(referenceValidate(validator, raw, path: "x", line: 1, channel: isTimestamp ? .online : .paper))
                #expect(now == before, "\(raw)")
            }
        }
    }
}
