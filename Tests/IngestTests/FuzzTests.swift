import Foundation
import Storage
import SurveyModel
import Testing

@testable import Ingest

// Seeded fuzz tests of the ingest readers: hostile bytes in, promised properties out.
// Every generator is driven by a fixed-seed SplitMix64, so a failure names its case and
// reproduces exactly; iteration counts are bounded so each test stays well under 3 s in a
// debug build.

// MARK: - Deterministic randomness

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough to drive a fuzzer.
fileprivate struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

fileprivate let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
fileprivate let lf = UInt8(ascii: "\n")
fileprivate let cr = UInt8(ascii: "\r")
fileprivate let quote = UInt8(ascii: "\"")
fileprivate let comma = UInt8(ascii: ",")
fileprivate let semicolon = UInt8(ascii: ";")
fileprivate let tab = UInt8(ascii: "\t")

fileprivate func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
/// UTF-16 with a byte-order mark, as Excel's "Unicode text" writes it (little endian).
fileprivate func utf16Bytes(_ units: [UInt16], bigEndian: Bool = false) -> [UInt8] {
    ([0xFEFF] + units).flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
}
fileprivate func nfd(_ s: String) -> String { s.decomposedStringWithCanonicalMapping }
fileprivate func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
}
/// The physical line (1-based) that byte `k` of `bytes` is on: lines end at LF, CRLF or a
/// lone CR, as the readers count them. `lineNumber(at: bytes.count, in: bytes)` is the last line.
fileprivate func lineNumber(at k: Int, in bytes: [UInt8]) -> Int {
    var line = 1
    for j in 0..<min(k, bytes.count) {
        if bytes[j] == lf || (bytes[j] == cr && (j + 1 == bytes.count || bytes[j + 1] != lf)) { line += 1 }
    }
    return line
}

/// The physical lines of `bytes` (without their line ends), numbered from 1. Text after the
/// last line end is a line; nothing after it is not.
fileprivate func physicalLines(_ bytes: [UInt8]) -> [(number: Int, content: ArraySlice<UInt8>)] {
    var lines: [(Int, ArraySlice<UInt8>)] = []
    var start = 0
    var j = 0
    while j < bytes.count {
        if bytes[j] == lf || bytes[j] == cr {
            lines.append((lines.count + 1, bytes[start..<j]))
            if bytes[j] == cr, j + 1 < bytes.count, bytes[j + 1] == lf { j += 1 }
            start = j + 1
        }
        j += 1
    }
    if start < bytes.count { lines.append((lines.count + 1, bytes[start...])) }
    return lines
}

// MARK: - CSV helpers

/// Reads every record of `bytes` with the product's CSVReader (through a temporary file),
/// stopping with `runaway` if it yields more records than the input could possibly hold.
fileprivate func readCSV(
    _ bytes: [UInt8], expectedFieldCount: Int? = nil, maximumRecordBytes: Int = InputLimits.maximumRecordBytes
) throws -> (records: [CSVRecord], runaway: Bool) {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("sipas-fuzz-\(UUID().uuidString).csv").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var reader = try CSVReader(path: path)
    reader.expectedFieldCount = expectedFieldCount
    reader.maximumRecordBytes = maximumRecordBytes
    defer { reader.close() }
    var records: [CSVRecord] = []
    while let record = reader.next() {
        records.append(record)
        if records.count > bytes.count + 1 { return (records, true) }
    }
    return (records, false)
}

/// A correct RFC 4180 field encoder, at byte level (so `\r\n` inside a field, which Swift
/// sees as one Character, is still noticed). `forceQuotes` quotes even harmless fields.
fileprivate func encodeCSVField(_ field: [UInt8], delimiter: UInt8 = comma, forceQuotes: Bool = false) -> [UInt8] {
    let needs = field.contains { $0 == delimiter || $0 == quote || $0 == lf || $0 == cr }
    guard needs || forceQuotes else { return field }
    var out: [UInt8] = [quote]
    for b in field {
        out.append(b)
        if b == quote { out.append(quote) }
    }
    out.append(quote)
    return out
}

// MARK: - JSON scanner helpers

/// Whether the scanner meets a `}` outside strings at nesting depth 0 inside the array (mirrors
/// its string/depth tracking). Up to a321f54 such input made `JSONArrayScanner` append empty
/// elements forever (hang, unbounded memory); it must now stop with a problem.
fileprivate func reachesStrayCloseBrace(_ b: [UInt8]) -> Bool {
    var i = b.starts(with: bom) ? 3 : 0
    while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
    guard i < b.count, b[i] == UInt8(ascii: "[") else { return false }
    i += 1
    var depth = 0
    var inString = false
    while i < b.count {
        let c = b[i]
        if inString {
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if c == quote { inString = false }
        } else if c == quote {
            inString = true
        } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
            depth += 1
        } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
            if depth == 0 { return c == UInt8(ascii: "}") }
            depth -= 1
        }
        i += 1
    }
    return false
}

/// The properties every scan must have, whatever the input: in-bounds, strictly advancing
/// element ranges, each element's line where it starts, non-decreasing lines, and nothing
/// left out: every byte outside the elements is a blank, a comma, a bracket or the BOM.
fileprivate func checkScanShape(_ bytes: [UInt8], _ items: [JSONArrayScanner.Item], _ label: String) {
    let lastLine = lineNumber(at: bytes.count, in: bytes)
    #expect(items.count <= bytes.count + 1, "\(label): more items than bytes")
    var previous: Range<Int>?
    var previousLine = 1
    var covered = [Bool](repeating: false, count: bytes.count)
    if bytes.starts(with: bom) { for k in 0..<3 { covered[k] = true } }
    for item in items {
        #expect(item.line >= previousLine && item.line <= lastLine, "\(label): line \(item.line) after \(previousLine), of \(lastLine)")
        previousLine = item.line
        switch item.kind {
        case .problem(let reason):
            #expect(!reason.isEmpty, "\(label)")
        case .element(let range, _):
            guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty else {
                Issue.record("\(label): range \(range) out of 0..<\(bytes.count)")
                continue
            }
            #expect(item.line == lineNumber(at: range.lowerBound, in: bytes), "\(label): element at \(range) on line \(item.line)")
            if let p = previous {
                #expect(range.lowerBound >= p.upperBound, "\(label): ranges overlap or go back: \(p) then \(range)")
            }
            previous = range
            for k in range { covered[k] = true }
        }
    }
    let separators: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, comma, UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "}")]
    for k in bytes.indices where !covered[k] && !separators.contains(bytes[k]) {
        Issue.record("\(label): byte \(k) (\(bytes[k])) is in no element and is not a separator")
        break
    }
}

// MARK: - Ingest case generation

/// What the test knows for certain about one generated data row.
fileprivate enum Expectation {
    /// Pristine row with a unique id: must be accepted.
    case accepted
    /// A mutation that no reading can pass (bad value, wrong shape, truncated): must be rejected.
    case rejected
    /// An exact copy of an earlier pristine row in the same file: must be a duplicate.
    case duplicate
    /// An exact copy of an earlier row of any kind: must not be accepted.
    case notAccepted
    /// Anything may happen, as long as it happens once.
    case any
}

fileprivate struct GeneratedFile {
    var path: String
    var lines: [[UInt8]] = []
    /// Physical line number (1-based) → expectation, for non-blank data rows only.
    var rows: [Int: Expectation] = [:]
    var lineEnd: [UInt8] = [lf]
    var finalNewline = true

    var bytes: [UInt8] {
        var out: [UInt8] = []
        for (i, line) in lines.enumerated() {
            out += line
            if i < lines.count - 1 || finalNewline { out += lineEnd }
        }
        return out
    }

    mutating func add(_ line: [UInt8], _ expectation: Expectation?) {
        lines.append(line)
        if let expectation { rows[lines.count] = expectation }
    }
}

fileprivate enum Hostile {
    static let likertLabels = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    /// Answers that are valid (or a valid "no answer") for a likert5 item.
    static let goodAnswers = ["1", "2", "3", "4", "5", " 4 ", "", "Không ý kiến", nfd("Hài lòng"), "Hài lòng",
                              nfd("Rất không hài lòng"), "RẤT HÀI LÒNG", "satisfied"]
    /// Answers that are never valid for a likert5 item.
    static let badAnswers = ["0", "6", "7", "-1", "4.5", "x", "１", "10", "hài lòng lắm", "\u{0}", "5 5", "+"]
    // Issue 8: dd-mm-yyyy, dd.mm.yyyy, yyyy/mm/dd, one-digit parts and a time part are dates.
    static let goodDates = ["03/07/2024", "3/7/2024", "2024-07-03", "29/02/2024", "2024-02-29", "31/12/2023", " 01/01/2025 ",
                            "2024/07/03", "03-07-2024", "03.07.2024", "2024-7-3", "2024-07-03T10:00:00", "03/07/2024 10:22"]
    static let badDates = ["31/02/2024", "29/02/2023", "2024-13-01", "00/01/2024", "1/1/1899", "abc",
                           "32/01/2024", "99999999999999999999/01/2024", "03/07/24", "03-07-24",
                           "", "  ", "2024-07-03T25:00:00", "03/07/2024 noon", "2024.07"]
    // A unit's code in another case, or its name in any case, finds it (issue 15); a
    // full-width letter is another character, and "Đơn vị C" names no unit.
    static let goodUnits = ["A", "B", " A ", "B\u{A0}", "a", "đơn vị b"]
    static let badUnits = ["C", "ZZZ", "\u{FF21}", "ALL", "Đ", "", "A B", "\u{0}", "Đơn vị C"]
    static let goodTimestamps = ["2024-07-03T10:22:11+07:00", "2024-07-03", "2024-07-03 10:22", "2024-07-03T10:22:11Z",
                                 "2024-02-29T23:59:59.123-05:00", " 2025-01-01T00:00+07:00 "]
    // Issue 8: a day-first date (`03/07/2024`) is read in portal exports too.
    static let badTimestamps = ["2024-07-03T25:00:00Z", "2024-02-30", "31/02/2024", "2024-07-03X", "yesterday", "",
                                "2024-07-03T10:22:11+07:00:00:00", "2023-02-29T10:00:00Z", "2024-7-3T10:00:00Z",
                                "2024-07-03T10", "Ngày 3 tháng 7"]
    static let commentBits = ["ok", "cảm ơn", nfd("Rất tốt, nhanh"), "say \"hi\"", ",", "\"", "tiếng Việt: ệ ả ữ đ",
                              "😀", "\u{0}", "{[}]", "\\", "a,b,c", " "]
}

fileprivate func randomComment(_ rng: inout SplitMix64) -> String {
    (0..<rng.int(0...3)).map { _ in rng.pick(Hostile.commentBits) }.joined(separator: rng.pick(["", " "]))
}

/// What else the generators may put in a file, besides hostile values.
fileprivate struct Hazards {
    /// Now and then a row this many bytes long (over the reader's limit): rejected.
    var longLineBytes: Int?
    var longLineChance = 0.04
}

/// One paper file: the valid header, then pristine rows and mutated rows; LF, CRLF or
/// CR-only line ends; now and then a comment whose quote is never closed, followed by a
/// quote-free row (which must be read as its own record), and over-long rows.
fileprivate func generatePaperFile(
    _ path: String, caseID: Int, fileID: Int, hazards: Hazards = Hazards(), rng: inout SplitMix64
) -> GeneratedFile {
    var file = GeneratedFile(path: path)
    file.lineEnd = rng.pick([[lf], [lf], [cr, lf], [cr]])
    file.finalNewline = rng.chance(0.8)
    // Set after a row with an unclosed quote: the next row has no quote and every comma.
    var forceClean = false
    let header = utf8("form_id,unit,date,q01,q02,q03,comment")
    file.add((rng.chance(0.3) ? bom : []) + header, nil)
    var pristine: [[UInt8]] = []
    var all: [[UInt8]] = []
    let count = rng.int(10...30)
    for n in 0..<count {
        let clean = forceClean
        forceClean = false
        // Blank lines are skipped, not rows.
        if !clean && rng.chance(0.06) { file.add([], nil); continue }
        // A row far over the limit: rejected, whatever it holds.
        if !clean, let long = hazards.longLineBytes, rng.chance(hazards.longLineChance) {
            let line = utf8("LONG\(caseID)-\(fileID)-\(n),A,03/07/2024,5,4,3,") + [UInt8](repeating: UInt8(ascii: "x"), count: long)
            file.add(line, .rejected)
            continue
        }
        // A comment whose quote is never closed: that row is rejected; the next line is a
        // quote-free row with all its commas, which shows the quote runs over a record.
        if !clean && rng.chance(0.05) {
            file.add(utf8("UQ\(caseID)-\(fileID)-\(n),A,03/07/2024,5,4,3,\"") + utf8(rng.pick(["ok", "cảm ơn", "a, b", ""])), .rejected)
            forceClean = true
            continue
        }
        // A copy of an earlier row.
        if !clean && rng.chance(0.06), !all.isEmpty {
            if rng.chance(0.5), !pristine.isEmpty {
                file.add(rng.pick(pristine), .duplicate)
            } else {
                file.add(rng.pick(all), .notAccepted)
            }
            continue
        }
        // A line of spaces is a one-field record: wrong field count.
        if !clean && rng.chance(0.03) { file.add(utf8(String(repeating: " ", count: rng.int(1...3))), .rejected); continue }

        var answers = (0..<3).map { _ -> String in
            let label = rng.pick(Hostile.likertLabels)
            return rng.pick(["1", "2", "3", "4", "5", "", label])
        }
        if answers.allSatisfy(\.isEmpty) { answers[rng.below(3)] = String(rng.int(1...5)) }
        var fields: [[UInt8]] = [
            utf8("OK\(caseID)-\(fileID)-\(n)"), utf8(rng.pick(["A", "B"])), utf8(rng.pick(Hostile.goodDates)),
        ] + answers.map(utf8) + [utf8(clean ? rng.pick(["ok", "cảm ơn", ""]) : randomComment(&rng))]
        var expectation = Expectation.accepted
        if !clean && rng.chance(0.6) {
            expectation = .any
            fields[0] = utf8(rng.pick(["M1", "M2", "M3", " M1 ", "m1", "M1\u{A0}", "Mã-1"]))
            var certainReject = false
            var reshapes = 0
            // Harmless edits (even kinds below 6) first, breaking ones after, so that no later
            // edit can repair an earlier break.
            let kinds = (0..<rng.int(1...3)).map { _ in rng.below(9) }
                .sorted { ($0 < 6 && $0 % 2 == 0 ? 0 : 1) < ($1 < 6 && $1 % 2 == 0 ? 0 : 1) }
            for kind in kinds {
                switch kind {
                case 0: fields[3 + rng.below(3)] = utf8(rng.pick(Hostile.goodAnswers))
                case 1: fields[3 + rng.below(3)] = utf8(rng.pick(Hostile.badAnswers)); certainReject = true
                case 2: fields[1] = utf8(rng.pick(Hostile.goodUnits))
                case 3: fields[1] = utf8(rng.pick(Hostile.badUnits)); certainReject = true
                case 4: fields[2] = utf8(rng.pick(Hostile.goodDates))
                case 5: fields[2] = utf8(rng.pick(Hostile.badDates)); certainReject = true
                case 6: fields[0] = utf8(rng.pick(["", " ", "\t"])); certainReject = true
                case 7:
                    // (Invalid UTF-8 outside a comment now refuses the whole file, issue 8: the
                    // encoding tests cover it; here a bad answer breaks the row instead.)
                    fields[3 + rng.below(3)] = utf8(rng.pick(Hostile.badAnswers))
                    certainReject = true
                default:
                    reshapes += 1
                    certainReject = true
                }
            }
            let dropFields = rng.chance(0.5)
            for _ in 0..<reshapes {
                if dropFields {
                    fields.remove(at: rng.below(fields.count))
                } else {
                    let at = rng.below(fields.count)
                    fields.insert(fields[at], at: at)
                }
            }
            // Every answer blank (and not an error): a blank form, rejected.
            if fields.count == 7, (3..<6).allSatisfy({
                let s = String(decoding: fields[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                return s.isEmpty || s.lowercased() == "không ý kiến"
            }) { certainReject = true }
            if certainReject { expectation = .rejected }
        }
        var line: [UInt8] = []
        for (i, f) in fields.enumerated() {
            if i > 0 { line.append(comma) }
            line += encodeCSVField(f, forceQuotes: !clean && rng.chance(0.1))
        }
        // A line that encodes to nothing would be a blank line, not a row.
        if line.isEmpty { line = [comma] ; expectation = .rejected }
        file.add(line, expectation)
        all.append(line)
        if expectation == .accepted { pristine.append(line) }
    }
    return file
}

/// JSON text for an object, one line (JSONSerialization escapes control characters).
fileprivate func jsonLine(_ object: Any) -> [UInt8] {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return [UInt8](data)
}

/// One portal JSON Lines file: pristine objects and mutated ones (also objects naming a
/// key twice), LF, CRLF or CR-only line ends, and now and then an over-long line.
fileprivate func generatePortalFile(
    _ path: String, caseID: Int, fileID: Int, hazards: Hazards = Hazards(), rng: inout SplitMix64
) -> GeneratedFile {
    var file = GeneratedFile(path: path)
    file.lineEnd = rng.pick([[lf], [lf], [cr, lf], [cr]])
    file.finalNewline = rng.chance(0.8)
    var pristine: [[UInt8]] = []
    var all: [[UInt8]] = []
    let count = rng.int(10...30)
    for n in 0..<count {
        // Blank lines are not rows (a lone CR only between LF line ends, where it is a line of its own).
        if rng.chance(0.06) {
            let blank: [UInt8] = rng.pick(file.lineEnd == [lf] ? [[], [0x20], [0x09, 0x20], [cr]] : [[], [0x20], [0x09, 0x20]])
            file.add(blank, nil)
            continue
        }
        if rng.chance(0.06), !all.isEmpty {
            if rng.chance(0.5), !pristine.isEmpty {
                file.add(rng.pick(pristine), .duplicate)
            } else {
                file.add(rng.pick(all), .notAccepted)
            }
            continue
        }
        if let long = hazards.longLineBytes, rng.chance(hazards.longLineChance) {
            let padding = String(repeating: "x", count: long)
            file.add(utf8("{\"id\": \"LONG\(caseID)-\(fileID)-\(n)\", \"unit\": \"A\", \"submitted_at\": \"2024-07-03\", \"answers\": {\"q01\": 4}, \"comment\": \"\(padding)\"}"), .rejected)
            continue
        }
        var answers: [String: Any] = [:]
        for q in ["q01", "q02", "q03"] where rng.chance(0.7) {
            answers[q] = rng.chance(0.7) ? rng.int(1...5) as Any : rng.pick(Hostile.likertLabels) as Any
        }
        if answers.isEmpty { answers["q02"] = 3 }
        if rng.chance(0.2) { answers["q04"] = "not an item" }  // unknown keys are ignored
        var object: [String: Any] = [
            "id": "OKJ\(caseID)-\(fileID)-\(n)", "unit": rng.pick(["A", "B"]),
            "submitted_at": rng.pick(Hostile.goodTimestamps), "answers": answers,
        ]
        if rng.chance(0.5) { object["comment"] = randomComment(&rng) }
        if rng.chance(0.3) { object["dossier_code"] = "HS-\(rng.int(1...50))" }
        var expectation = Expectation.accepted
        var line: [UInt8]
        if rng.chance(0.6) {
            expectation = .any
            object["id"] = rng.pick(["J1", "J2", "J3", " J1 ", "Mã-1"])
            var certainReject = false
            // Textual replacements JSONSerialization cannot write (huge numbers and the like).
            var rawAnswer: String?
            var truncate = false
            var notAnObject: String?
            // A key written twice (JSONSerialization cannot write one): ambiguous, rejected.
            var repeatKey = false
            // Once `answers` is not an object, or gone, later answer edits must not revive it.
            var answersLocked = false
            // Harmless edits (0, 7, 11) first, breaking ones after, as for paper rows.
            let kinds = (0..<rng.int(1...3)).map { _ in rng.below(13) }
                .sorted { ([0, 7, 11].contains($0) ? 0 : 1) < ([0, 7, 11].contains($1) ? 0 : 1) }
            for kind in kinds {
                switch kind {
                case 0 where !answersLocked:
                    let good: [Any] = [NSNull(), "", nfd("Hài lòng"), 4.0, "4", " 5 ", "Không ý kiến"]
                    var a = object["answers"] as? [String: Any] ?? [:]
                    a[rng.pick(["q01", "q02", "q03"])] = rng.pick(good)
                    object["answers"] = a
                case 1 where !answersLocked:
                    let bad: [Any] = [0, 6, -3, 4.5, 1e20, false, true, ["nested": ["deeper": 1]], [1, 2], "6", "x", -0.5]
                    var a = object["answers"] as? [String: Any] ?? [:]
                    a[rng.pick(["q01", "q02", "q03"])] = rng.pick(bad)
                    object["answers"] = a
                    certainReject = true
                case 2 where !answersLocked:
                    rawAnswer = rng.pick(["1e400", "-1e400", "1e-400", "123456789012345678901234567890", "-0",
                                          "18446744073709551616", "-9223372036854775809"])
                    certainReject = true
                case 3:
                    object["answers"] = rng.pick([[5, 4], "5", 5, true, false, ["q01": ["x": 1]] as [String: Any]] as [Any])
                    certainReject = true
                    answersLocked = true
                    rawAnswer = nil
                case 4:
                    // No answers at all: a blank form.
                    if rng.chance(0.5) { object["answers"] = NSNull() } else { object.removeValue(forKey: "answers") }
                    certainReject = true
                    answersLocked = true
                    rawAnswer = nil
                case 5:
                    object["unit"] = rng.pick([5, "C", "", NSNull(), ["A"], "ALL"] as [Any])
                    certainReject = true
                case 6:
                    object["submitted_at"] = rng.pick([20240703, NSNull()] as [Any] + Hostile.badTimestamps.map { $0 as Any })
                    certainReject = true
                case 7:
                    object["id"] = rng.pick([123, 1.5, "Mã-2", -7] as [Any])
                case 8:
                    if rng.chance(0.5) { object.removeValue(forKey: "id") } else { object["id"] = rng.pick(["", "  ", NSNull()] as [Any]) }
                    certainReject = true
                case 9:
                    truncate = true
                    certainReject = true
                case 10:
                    notAnObject = rng.pick(["[1, 2]", "5", "\"text\"", "null", "true", "[{\"id\": \"J1\"}]", "1e400"])
                    certainReject = true
                case 12:
                    repeatKey = true
                    certainReject = true
                default:
                    object["extra"] = ["nested": ["a": [1, 2, ["b": NSNull()]]], "n": -1e300]
                }
            }
            if let rawAnswer {
                var a = object["answers"] as? [String: Any] ?? [:]
                a[rng.pick(["q01", "q02", "q03"])] = "__RAW__"
                object["answers"] = a
                line = utf8(String(decoding: jsonLine(object), as: UTF8.self)
                    .replacingOccurrences(of: "\"__RAW__\"", with: rawAnswer))
            } else {
                line = jsonLine(object)
            }
            if repeatKey {
                // "unit" is always there; an answer key only while answers is an object.
                let text = String(decoding: line, as: UTF8.self)
                if rng.chance(0.5), !answersLocked, let a = object["answers"] as? [String: Any], let key = a.keys.min(),
                   let range = text.range(of: "\"answers\":{") {
                    line = utf8(text.replacingCharacters(in: range, with: "\"answers\":{\"\(key)\":3,"))
                } else {
                    line = utf8("{\"unit\":\"B\"," + text.dropFirst())
                }
            }
            if let notAnObject { line = utf8(notAnObject) }
            if truncate, line.count > 1 { line = Array(line.prefix(rng.int(1...(line.count - 1)))) }
            if certainReject { expectation = .rejected }
        } else {
            line = jsonLine(object)
        }
        // A truncation can leave only blanks: that line is then not a row.
        let isBlank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        file.add(line, isBlank ? nil : expectation)
        if !isBlank { all.append(line) }
        if expectation == .accepted { pristine.append(line) }
    }
    if rng.chance(0.3), !file.lines.isEmpty { file.lines[0] = bom + file.lines[0] }
    return file
}

// MARK: - Accounting: every record accepted or rejected once

/// Records what a reader sends, instead of the database.
final class RecordingSink: FormSink {
    struct Outcome: Equatable {
        var line: Int
        var position: Int
        var accepted: Bool
        var responseID: String?
        /// nil when accepted.
        var reason: String?
    }

    private(set) var outcomes: [Outcome] = []
    var accepted: [Outcome] { outcomes.filter(\.accepted) }
    var rejected: [Outcome] { outcomes.filter { !$0.accepted } }

    func accept(_ record: ResponseRecord) throws {
        outcomes.append(Outcome(line: record.line, position: record.position, accepted: true, responseID: record.responseID))
    }

    func reject(line: Int, position: Int, responseID: String?, reason: String) throws {
        outcomes.append(Outcome(line: line, position: position, accepted: false, responseID: responseID, reason: reason))
    }
}

/// The instrument and units of `TemporarySurvey` (q01-q03, units A and B), for reading files
/// without a database.
struct ReaderFixture {
    let folder: SurveyFolder
    let validator: FormValidator

    init() throws {
        let survey = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: survey.root) }
        folder = try SurveyFolder.load(survey.root.path)
        validator = FormValidator(survey: folder.survey, units: folder.units)
    }
}

enum ReaderKind { case paper, jsonLines, jsonArray }

/// Reads `bytes` with the product reader for `kind` into a `RecordingSink` and checks the
/// accounting invariant:
/// - the number of records the reader saw equals its accept and reject calls;
/// - no two outcomes share a (line, position), the database's key;
/// - paper CSV: every non-blank physical line after the header starts a record that was
///   accepted or rejected once, or lies inside a multi-line record (the records as a
///   `CSVReader` set up like the paper reader's splits the file); the one exception is a
///   header over the column limit, which is the file's single reject;
/// - JSON Lines: every line that is not blank has exactly one outcome;
/// - JSON arrays: positions run 1, 2, ... in file order and lines never go back (or the
///   file is over the size limit: one reject).
@discardableResult
func readAccounted(
    _ bytes: [UInt8], as kind: ReaderKind, fixture: ReaderFixture, limits: InputLimits = InputLimits(), label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> RecordingSink {
    let ext = kind == .paper ? "csv" : kind == .jsonLines ? "jsonl" : "json"
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-accounting-\(UUID().uuidString).\(ext)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sink = RecordingSink()
    let seen: Int
    let portal = PortalReader(validator: fixture.validator, fields: fixture.folder.survey.portalFields, limits: limits)
    switch kind {
    case .paper:
        do {
            seen = try PaperReader(validator: fixture.validator, columns: fixture.folder.survey.paperColumns, limits: limits)
                .read(path: path, displayPath: "p.csv", into: sink)
        } catch let error as CSVReadError {
            // Not text in its encoding: refused as a whole (issue 8), which only bytes that are
            // not UTF-8 may cause.
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
            let utf16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
            #expect(utf16 || String(validating: body, as: UTF8.self) == nil, "\(label): \(error) on valid UTF-8", sourceLocation: sourceLocation)
            return sink
        }
    case .jsonLines: seen = try portal.readLines(path: path, displayPath: "o.jsonl", into: sink)
    case .jsonArray: seen = try portal.readArray(path: path, displayPath: "a.json", into: sink)
    }
    let outcomes = sink.outcomes
    #expect(seen == outcomes.count, "\(label): the reader saw \(seen) records, and accepted or rejected \(outcomes.count)",
            sourceLocation: sourceLocation)
    var keys = Set<[Int]>()
    for o in outcomes where !keys.insert([o.line, o.position]).inserted {
        Issue.record("\(label): two outcomes at line \(o.line), position \(o.position)", sourceLocation: sourceLocation)
    }
    let lastLine = lineNumber(at: bytes.count, in: bytes)
    for o in outcomes where o.line < 1 || o.line > lastLine {
        Issue.record("\(label): outcome on line \(o.line) of \(lastLine)", sourceLocation: sourceLocation)
    }
    let lines = physicalLines(bytes)
    switch kind {
    case .paper:
        // The records, split as the paper reader's CSVReader splits them.
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        reader.maximumRecordBytes = limits.recordBytes
        guard let header = reader.next() else {
            #expect(outcomes.isEmpty, "\(label): outcomes for a file of blank lines", sourceLocation: sourceLocation)
            break
        }
        let readable = header.problem == nil || header.problemKind == .invalidUTF8
        if readable && header.fields.count > limits.columns {
            #expect(outcomes.count == 1 && outcomes.first?.line == header.line && outcomes.first?.accepted == false,
                    "\(label): a header over the column limit is one reject", sourceLocation: sourceLocation)
            break
        }
        if readable { reader.expectedFieldCount = header.fields.count }
        var spans: [ClosedRange<Int>] = []
        while let record = reader.next() { spans.append(record.line...record.lastLine) }
        let headerRejected = outcomes.contains { $0.line == header.line }
        let starts = spans.map(\.lowerBound) + (headerRejected ? [header.line] : [])
        #expect(outcomes.map(\.line).sorted() == starts.sorted(),
                "\(label): outcomes on lines \(outcomes.map(\.line)), records start on \(starts)", sourceLocation: sourceLocation)
        for (number, content) in lines where number > header.lastLine && !content.isEmpty {
            if !spans.contains(where: { $0.contains(number) }) {
                Issue.record("\(label): line \(number) is in no record", sourceLocation: sourceLocation)
            }
        }
    case .jsonLines:
        let nonBlank = lines.filter { number, content in
            let body = number == 1 && content.starts(with: bom) ? content.dropFirst(3) : content
            return !body.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        }.map(\.number)
        #expect(outcomes.map(\.line) == nonBlank, "\(label): outcomes on lines \(outcomes.map(\.line)), non-blank lines \(nonBlank)",
                sourceLocation: sourceLocation)
        #expect(outcomes.allSatisfy { $0.position == 0 }, "\(label)", sourceLocation: sourceLocation)
    case .jsonArray:
        if outcomes.count == 1 && outcomes[0].position == 0 {
            #expect(outcomes[0].reason?.contains("the limit for a .json array") == true, "\(label)", sourceLocation: sourceLocation)
            break
        }
        #expect(outcomes.map(\.position) == Array(0..<outcomes.count).map { $0 + 1 }, "\(label): positions", sourceLocation: sourceLocation)
        #expect(zip(outcomes, outcomes.dropFirst()).allSatisfy { $0.line <= $1.line }, "\(label): lines go back",
                sourceLocation: sourceLocation)
    }
    return sink
}

/// Whether what the reader did with a generated row agrees with what the test knows. The
/// reader does not see duplicates (the database marks them): a copy is accepted or not as
/// its original.
fileprivate func readerAgrees(_ expectation: Expectation, _ outcome: RecordingSink.Outcome?) -> Bool {
    guard let outcome else { return false }
    switch expectation {
    case .accepted, .duplicate: return outcome.accepted
    case .rejected: return !outcome.accepted
    case .notAccepted, .any: return true
    }
}

// MARK: - Tests

@Suite("Fuzz: hostile input never crashes ingest and every row is accounted for")
struct FuzzTests {
    // MARK: CSV reader

    static let csvTokens: [[UInt8]] = [
        [comma], [comma], [quote], [quote, quote], [cr], [lf], [lf], [cr, lf], bom, [0xEF], [0xBB], [0xBF],
        [0xFF], [0xFE], [0xC3], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x00],
        utf8("ệ"), utf8(nfd("Hài lòng")), utf8("đ"), utf8("😀"), utf8("a"), utf8("1"), utf8("P1"), [0x20], [0x09],
        utf8("ab,c"), [semicolon], [tab], utf8("4,5;6"),
    ]
    /// UTF-16 code units for random UTF-16 files: ASCII, the delimiters, line ends, a quote,
    /// Vietnamese letters, a surrogate pair's halves (also alone) and U+FEFF.
    static let utf16Units: [UInt16] = [
        0x41, 0x31, 0x2C, 0x2C, 0x3B, 0x09, 0x0A, 0x0A, 0x0D, 0x22, 0x20, 0x1EC7, 0x00E0, 0x0111, 0xD83D, 0xDE00,
        0xDC00, 0xD800, 0xFEFF, 0x0000, 0x0300,
    ]

    @Test("CSVReader on random bytes (UTF-8 and UTF-16) never crashes, ends, and numbers records by rising physical lines")
    func csvRandomBytes() throws {
        var rng = SplitMix64(seed: 0x5EED_C5F0)
        let fixture = try ReaderFixture()
        let quoteFree = Self.csvTokens.filter { !$0.contains(quote) }
        var utf16Cases = 0
        for caseNumber in 0..<500 {
            let pool = rng.chance(0.35) ? quoteFree : Self.csvTokens
            var bytes: [UInt8] = []
            for _ in 0..<rng.int(0...60) { bytes += rng.pick(pool) }
            // Often start with a BOM, a lone EF, or EF BB: only a whole BOM may be dropped.
            if rng.chance(0.3) { bytes = rng.pick([bom, [0xEF], [0xEF, 0xBB], [0xEF, 0xBC, 0x81]]) + bytes }
            // A fifth are UTF-16 with a byte-order mark: random code units (lone surrogates,
            // now and then a last half unit), or the UTF-8 text above transcoded.
            var utf16: (units: [UInt16], bigEndian: Bool, oddByte: Bool)?
            if rng.chance(0.2) {
                let units: [UInt16]
                if rng.chance(0.5), let text = String(validating: bytes, as: UTF8.self) {
                    units = Array(text.utf16)
                } else {
                    let unitPool = rng.chance(0.35) ? Self.utf16Units.filter { $0 != 0x22 } : Self.utf16Units
                    units = (0..<rng.int(0...40)).map { _ in rng.pick(unitPool) }
                }
                utf16 = (units, rng.chance(0.5), rng.chance(0.1))
                bytes = utf16Bytes(units, bigEndian: utf16!.bigEndian) + (utf16!.oddByte ? [0x41] : [])
                utf16Cases += 1
            } else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
                // Random bytes that happen to start with a UTF-16 byte-order mark are UTF-16.
                let bigEndian = bytes[0] == 0xFE
                let units = stride(from: 2, to: bytes.count - 1, by: 2).map {
                    bigEndian ? UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) : UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
                }
                utf16 = (units, bigEndian, bytes.count % 2 == 1)
            }
            let label = "case \(caseNumber): \(bytes)"
            let (records, runaway) = try readCSV(bytes, expectedFieldCount: rng.chance(0.5) ? rng.int(1...4) : nil)
            #expect(!runaway, "\(label): reader did not stop")
            // Lines are counted in code units for UTF-16 (a unit 0x0A is a line end).
            let lineBytes = utf16.map { u in u.units.map { $0 == 0x0A ? lf : $0 == 0x0D ? cr : 0x61 } } ?? bytes
            let lineCount = lineNumber(at: lineBytes.count, in: lineBytes)
            #expect(records.count <= lineCount, "\(label)")
            for (i, r) in records.enumerated() {
                #expect(r.line >= 1 && r.lastLine >= r.line && r.lastLine <= lineCount, "\(label): lines \(r.line)-\(r.lastLine)")
                // Each record starts after the line end ending the previous one (also after an
                // unclosed quote, where reading resumes on the next line): strictly rising.
                if i > 0 { #expect(r.line > records[i - 1].lastLine, "\(label): lines \(records[i - 1].lastLine), \(r.line)") }
                #expect(!r.fields.isEmpty || r.problemKind == .tooLong, "\(label)")
                #expect((r.problem == nil) == (r.problemKind == nil), "\(label)")
            }
            // The paper reader accounts for every record of these bytes (as a header and rows).
            if utf16 == nil { try readAccounted(bytes, as: .paper, fixture: fixture, label: label) }
            // The text the reader must see: the UTF-8 after a BOM, or the UTF-16 transcoded
            // (nil for UTF-16 that is not valid: no exact expectation).
            let body: [UInt8]?
            if let utf16 {
                body = utf16.oddByte ? nil : String(validating: utf16.units, as: UTF16.self).map { utf8($0) }
            } else {
                body = bytes.starts(with: bom) ? Array(bytes.dropFirst(3)) : bytes
            }
            if let body, isValidUTF8(body) {
                #expect(!records.contains { $0.problemKind == .invalidUTF8 }, "\(label): valid text reported invalid")
            }
            // Without quotes the format is trivial: split on LF, CRLF or a lone CR, split on
            // the delimiter (of `,`, `;` and tab, the most frequent on the first non-empty
            // line, ties to the first of them), skip empty lines. The reader must agree exactly.
            if let body, !body.contains(quote) {
                let lines = physicalLines(body)
                let first = lines.first { !$0.content.isEmpty }?.content ?? []
                let candidates = [comma, semicolon, tab]
                let counts = candidates.map { d in first.filter { $0 == d }.count }
                let delimiter = candidates[counts.firstIndex(of: counts.max()!)!]
                var expected: [(line: Int, fields: [String], bad: Bool)] = []
                for (n, line) in lines {
                    if line.isEmpty { continue }
                    let fields = line.split(separator: delimiter, omittingEmptySubsequences: false)
                    expected.append((n, fields.map { String(decoding: $0, as: UTF8.self) }, !fields.allSatisfy(isValidUTF8)))
                }
                #expect(records.map(\.line) == expected.map(\.line), "\(label)")
                #expect(records.map(\.fields) == expected.map(\.fields), "\(label)")
                #expect(records.map { $0.problem != nil } == expected.map(\.bad), "\(label)")
            }
        }
        #expect(utf16Cases > 50)
    }

    @Test("valid CSV written by a correct encoder reads back exactly: fields and record lines")
    func csvRoundTrip() throws {
        var rng = SplitMix64(seed: 0xC5F_7219)
        let pieces = ["a", "Z", "0", "9", " ", "\t", ",", "\"", "\"\"", "\n", "\r", "\r\n", "ệ", "ả", nfd("Hài lòng"),
                      "Đ", "\u{0}", "😀", ";", "'", "=1+2", "\u{A0}", "！", "\u{FEFF}", "\u{F8FF}"]
        func randomField() -> [UInt8] { utf8((0..<rng.int(0...8)).map { _ in rng.pick(pieces) }.joined()) }
        var cases = 0
        for caseNumber in 0..<500 {
            var records: [[[UInt8]]] = (0..<rng.int(1...12)).map { _ in (0..<rng.int(1...6)).map { _ in randomField() } }
            // A record of one empty field is a blank line, which the reader skips by design.
            for i in records.indices where records[i] == [[]] { records[i] = [utf8("x")] }
            var bytes: [UInt8] = rng.chance(0.3) ? bom : []
            // Content starting with U+FEFF cannot be told from a byte-order mark: a writer puts
            // a real BOM before it.
            if records[0][0].starts(with: bom) { bytes = bom }
            var expectedLines: [Int] = []
            let lineEnd: [UInt8] = rng.chance(0.5) ? [cr, lf] : [lf]
            let delimiter = rng.pick([comma, comma, semicolon, tab])
            // With one field in the first record every candidate ties and `,` wins: a `;` or
            // tab file needs a header of two fields or more (as every real one has).
            if delimiter != comma && records[0].count == 1 { records[0].append(utf8("x")) }
            // Half the comma cases use the product's own writer (rejects.csv), which must be correct too.
            let productEncoder = delimiter == comma && rng.chance(0.5)
            for (i, record) in records.enumerated() {
                expectedLines.append(lineNumber(at: bytes.count, in: bytes))
                bytes += record.map { field in
                    // The delimiter is found from the first record, so a writer quotes any of
                    // `,`, `;` and tab there (Excel quotes its list separator everywhere).
                    let ambiguous = i == 0 && field.contains { $0 == comma || $0 == semicolon || $0 == tab }
                    if productEncoder && !ambiguous { return utf8(CSVField.quote(String(decoding: field, as: UTF8.self))) }
                    return encodeCSVField(field, delimiter: delimiter, forceQuotes: ambiguous || rng.chance(0.15))
                }.joined(separator: [delimiter]).map { $0 }
                if i < records.count - 1 || rng.chance(0.7) { bytes += lineEnd }
            }
            // A quarter are written as UTF-16 with a byte-order mark instead.
            if rng.chance(0.25) {
                let text = String(decoding: bytes.starts(with: bom) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self)
                bytes = utf16Bytes(Array(text.utf16), bigEndian: rng.chance(0.5))
            }
            let (read, runaway) = try readCSV(bytes)
            #expect(!runaway)
            let label = "case \(caseNumber)"
            #expect(read.map(\.fields) == records.map { $0.map { String(decoding: $0, as: UTF8.self) } }, "\(label): \(bytes.prefix(400))")
            #expect(read.map(\.line) == expectedLines, "\(label)")
            #expect(read.allSatisfy { $0.problem == nil }, "\(label)")
            cases += 1
        }
        #expect(cases == 500)
    }

    @Test("a CRLF and a doubled quote split by the reader's 1 MiB buffer edge read as if whole")
    func csvChunkEdges() throws {
        let edge = 1 << 20
        // CR is the last byte of the first buffer, LF the first of the next.
        let a = [UInt8](repeating: UInt8(ascii: "p"), count: edge - 1) + [cr, lf] + utf8("2,\"ệ\"\n")
        let (ra, _) = try readCSV(a)
        #expect(ra.count == 2)
        #expect(ra.first?.fields.first?.utf8.count == edge - 1 && ra.first?.fields.count == 1)
        #expect(ra.last?.fields == ["2", "ệ"] && ra.last?.line == 2)
        // A quoted field whose doubled quote `""` straddles the edge, then a multi-byte letter
        // that straddles nothing in particular but follows the refill.
        let b = [quote] + [UInt8](repeating: UInt8(ascii: "p"), count: edge - 2) + [quote, quote] + utf8("ả\",x\r\ny,z")
        let (rb, _) = try readCSV(b, maximumRecordBytes: 2 * edge)
        #expect(rb.map(\.fields) == [[String(repeating: "p", count: edge - 2) + "\"ả", "x"], ["y", "z"]])
        #expect(rb.map(\.line) == [1, 2] && rb.allSatisfy { $0.problem == nil })
    }

    // MARK: JSON array scanner

    static let jsonTokens: [[UInt8]] = [
        utf8("["), utf8("["), utf8("]"), utf8("{"), utf8("{"), utf8("}"), utf8(","), utf8(","), utf8(":"),
        utf8("\""), utf8("\""), utf8("\\"), utf8("\\\""), utf8(" "), utf8("\n"), utf8("\r\n"), utf8("\t"),
        utf8("1"), utf8("-"), utf8("1e400"), utf8("true"), utf8("null"), utf8("\"id\""), utf8("\"ệ\""), bom,
        [0xFF], [0xC3], [0x00], utf8("{\"id\": \"J1\", \"answers\": {\"q01\": 5}}"),
    ]

    @Test("JSONArrayScanner on random bytes never crashes and gives in-bounds, increasing element ranges")
    func scannerRandomBytes() throws {
        var rng = SplitMix64(seed: 0x15_0A_22A7)
        let fixture = try ReaderFixture()
        var scanned = 0
        var strayBraces = 0
        var withElements = 0
        var attempts = 0
        while scanned < 2000 {
            attempts += 1
            var bytes: [UInt8] = rng.chance(0.9) ? utf8(rng.pick(["[", " [", "\u{FEFF}[", "\n\n["])) : []
            for _ in 0..<rng.int(0...40) { bytes += rng.pick(Self.jsonTokens) }
            if rng.chance(0.5) { bytes += utf8("]") }
            let label = "attempt \(attempts): \(bytes)"
            let items = JSONArrayScanner.scan(bytes)
            checkScanShape(bytes, items, label)
            if reachesStrayCloseBrace(bytes) {
                strayBraces += 1
                #expect(items.contains { $0.range == nil }, "\(label): a stray } must be reported")
            }
            // One in ten through the reader: every item accepted or rejected once.
            if scanned % 10 == 0 { try readAccounted(bytes, as: .jsonArray, fixture: fixture, label: label) }
            scanned += 1
            if items.contains(where: { $0.range != nil }) { withElements += 1 }
        }
        #expect(strayBraces > 100, "only \(strayBraces) inputs with a stray }")
        #expect(withElements > 1000, "\(withElements) of \(scanned) scans found elements")
    }

    @Test("JSONArrayScanner finds exactly the elements of valid arrays, keeps them when truncated, survives mutations")
    func scannerValidTruncatedMutated() throws {
        var rng = SplitMix64(seed: 0xA77A_7E57)
        let fixture = try ReaderFixture()
        let nasty = ["}", "]", "{", "[", ",", "\"", "\\", "\n", "\r\n", "ệ", nfd("Hài lòng"), "\u{0}", "😀", "\\u0041", "/", " "]
        var truncations = 0
        var mutations = 0
        var strayBraces = 0
        for caseNumber in 0..<300 {
            let label = "case \(caseNumber)"
            // Elements, each serialized on its own, laid out with random separators.
            var elementBytes: [[UInt8]] = []
            for n in 0..<rng.int(0...8) {
                var element: Any
                switch rng.below(6) {
                case 0: element = rng.int(-5...5)
                case 1: element = (0..<rng.int(0...4)).map { _ in rng.pick(nasty) }.joined()
                case 2: element = [rng.pick(nasty), ["k": rng.pick(nasty)]] as [Any]
                default:
                    element = [
                        "id": "J\(n)" + rng.pick(nasty), "unit": rng.pick(["A", "B"]),
                        "submitted_at": rng.pick(Hostile.goodTimestamps),
                        "answers": ["q01": rng.int(1...5), "q02": NSNull(), "q03": rng.pick(nasty)],
                        "comment": (0..<rng.int(0...6)).map { _ in rng.pick(nasty) }.joined(),
                    ] as [String: Any]
                }
                let options: JSONSerialization.WritingOptions =
                    rng.chance(0.4) ? [.prettyPrinted, .sortedKeys, .fragmentsAllowed] : [.sortedKeys, .fragmentsAllowed]
                elementBytes.append([UInt8](try JSONSerialization.data(withJSONObject: element, options: options)))
            }
            let space = [" ", "\n", "  \n  ", "\r\n", "\t", "", "\r"]
            var bytes: [UInt8] = (rng.chance(0.2) ? bom : []) + utf8(rng.pick(["", " ", "\n"]) + "[" + rng.pick(space))
            // Each element's range is exactly its own bytes.
            var ranges: [Range<Int>] = []
            for (i, e) in elementBytes.enumerated() {
                if i > 0 { bytes += utf8(rng.pick(space) + "," + rng.pick(space)) }
                ranges.append(bytes.count..<(bytes.count + e.count))
                bytes += e
            }
            bytes += utf8(rng.pick(space))
            let closing = bytes.count
            bytes += utf8("]" + rng.pick(["", "\n", " \n"]))

            #expect(!reachesStrayCloseBrace(bytes), "\(label): stray-brace model flags valid JSON")
            let items = JSONArrayScanner.scan(bytes)
            checkScanShape(bytes, items, label)
            #expect(items.allSatisfy { $0.range != nil }, "\(label): \(items)")
            #expect(items.map(\.range) == ranges, "\(label)")
            #expect(items.map(\.line) == ranges.map { lineNumber(at: $0.lowerBound, in: bytes) }, "\(label)")
            #expect(items.allSatisfy { $0.kind != .element($0.range ?? 0..<0, truncated: true) }, "\(label)")

            // Truncated anywhere before the closing bracket: no crash, the truncation
            // reported (a truncated element or a missing ]), and every element complete
            // before the cut found again at the same place.
            for _ in 0..<4 {
                let cut = rng.int(0...closing)
                let prefix = Array(bytes[..<cut])
                let truncated = JSONArrayScanner.scan(prefix)
                checkScanShape(prefix, truncated, "\(label) cut \(cut)")
                let reported = truncated.contains {
                    if case .element(_, truncated: true) = $0.kind { return true }
                    return $0.range == nil
                }
                #expect(reported, "\(label) cut \(cut): truncation not reported")
                let complete = ranges.filter { $0.upperBound < cut }
                #expect(Array(truncated.compactMap(\.range).prefix(complete.count)) == complete, "\(label) cut \(cut)")
                truncations += 1
            }

            // Random byte edits: only the shape properties can hold, and the reader's accounting.
            for _ in 0..<4 {
                var mutated = bytes
                for _ in 0..<rng.int(1...4) {
                    let at = rng.int(0...mutated.count)
                    switch rng.below(3) {
                    case 0 where at < mutated.count: mutated.remove(at: at)
                    case 1 where at < mutated.count: mutated[at] = rng.pick(Self.jsonTokens).first ?? 0
                    default: mutated.insert(contentsOf: rng.pick(Self.jsonTokens), at: at)
                    }
                }
                let items = JSONArrayScanner.scan(mutated)
                checkScanShape(mutated, items, "\(label) mutated \(mutated)")
                if reachesStrayCloseBrace(mutated) {
                    strayBraces += 1
                    #expect(items.contains { $0.range == nil }, "\(label): a stray } must be reported: \(mutated)")
                }
                if mutations % 8 == 0 { try readAccounted(mutated, as: .jsonArray, fixture: fixture, label: "\(label) mutated") }
                mutations += 1
            }
        }
        #expect(truncations == 1200)
        #expect(mutations == 1200)
        #expect(strayBraces > 50, "only \(strayBraces) mutations with a stray }")
    }

    // MARK: Whole ingest

    @Test("ingest of mutated paper and portal files: no crash, every data row once, and a re-run changes nothing")
    func ingestAccounting() throws {
        var rng = SplitMix64(seed: 0x1_46E5_7ACC)
        let fixture = try ReaderFixture()
        var totalRows = 0
        var totals = (accepted: 0, rejected: 0, duplicates: 0)
        for caseNumber in 0..<30 {
            let s = try TemporarySurvey()
            defer { try? FileManager.default.removeItem(at: s.root) }
            // A few cases hold a line over the real 1 MiB limit (each costs a few tens of ms).
            var hazards = Hazards()
            if caseNumber % 10 == 3 { hazards = Hazards(longLineBytes: InputLimits.maximumRecordBytes + 10, longLineChance: 0.1) }
            var files = [
                generatePaperFile("inbox/paper/a.csv", caseID: caseNumber, fileID: 0, hazards: hazards, rng: &rng),
                generatePortalFile("inbox/portal/x.jsonl", caseID: caseNumber, fileID: 2, hazards: hazards, rng: &rng),
            ]
            if rng.chance(0.5) { files.append(generatePaperFile("inbox/paper/b.csv", caseID: caseNumber, fileID: 1, rng: &rng)) }
            if rng.chance(0.5) { files.append(generatePortalFile("inbox/portal/y.jsonl", caseID: caseNumber, fileID: 3, rng: &rng)) }
            for f in files {
                try s.writeBytes(f.path, f.bytes)
                try readAccounted(f.bytes, as: f.path.hasSuffix(".csv") ? .paper : .jsonLines, fixture: fixture, label: "case \(caseNumber) \(f.path)")
            }
            let expectedRows = files.reduce(0) { $0 + $1.rows.count }
            totalRows += expectedRows
            let label = "case \(caseNumber)"

            let (summary, db, outcomes) = try s.ingest()
            totals.accepted += summary.accepted
            totals.rejected += summary.rejected
            totals.duplicates += summary.duplicates
            #expect(summary.filesRead == files.count, "\(label)")
            #expect(summary.accepted + summary.rejected + summary.duplicates + summary.conflicts == expectedRows,
                    "\(label): \(summary.accepted) + \(summary.rejected) + \(summary.duplicates) + \(summary.conflicts) != \(expectedRows) rows")
            let perFile = try db.sourceFiles().values.reduce(0) { $0 + $1.accepted + $1.rejected + $1.duplicates + $1.conflicts }
            #expect(perFile == expectedRows, "\(label): per-file counts \(perFile) != \(expectedRows)")
            #expect(try s.acceptedForms(db).count == summary.accepted, "\(label)")

            // Each outcome is one generated row, named once, and agrees with what the test knows.
            var seen: [String: RejectRecord] = [:]
            for o in outcomes {
                let key = "\(o.path):\(o.line)"
                #expect(seen[key] == nil, "\(label): \(key) has two outcomes")
                seen[key] = o
            }
            for f in files {
                for key in seen.keys where key.hasPrefix(f.path + ":") {
                    let line = Int(key.dropFirst(f.path.count + 1)) ?? -1
                    #expect(f.rows[line] != nil, "\(label): outcome for \(key), which is not a data row")
                }
                for (line, expectation) in f.rows {
                    let key = "\(f.path):\(line)"
                    let got = seen[key]
                    let text = String(decoding: f.lines[line - 1], as: UTF8.self)
                    switch expectation {
                    case .accepted: #expect(got == nil, "\(label): \(key) \(text) should be accepted: \(got?.reason ?? "")")
                    case .rejected: #expect(got?.outcome == .rejected, "\(label): \(key) \(text) should be rejected")
                    case .duplicate: #expect(got?.outcome == .duplicate, "\(label): \(key) \(text) should be a duplicate")
                    case .notAccepted: #expect(got != nil, "\(label): \(key) \(text) is a copy, yet accepted")
                    case .any: break
                    }
                }
            }

            // Unchanged inbox: nothing read, the same outcome.
            let again = try s.ingest()
            #expect(again.summary.filesRead == 0 && again.summary.filesUnchanged == files.count, "\(label)")
            #expect(again.summary.filesMissing.isEmpty, "\(label)")
            #expect(again.summary.accepted == summary.accepted, "\(label)")
            #expect(again.summary.rejected == summary.rejected, "\(label)")
            #expect(again.summary.duplicates == summary.duplicates, "\(label)")
            #expect(again.summary.fileHashes == summary.fileHashes, "\(label)")
            #expect(again.outcomes == outcomes, "\(label)")
        }
        #expect(totalRows > 1000)
        // The generator must reach every outcome, or the accounting check proves little.
        #expect(totals.accepted > totalRows / 4 && totals.rejected > totalRows / 4 && totals.duplicates > 20,
                "\(totals) of \(totalRows) rows")
    }

    @Test("paper and JSON Lines readers with a small record limit: every row once, as the generator knows it")
    func readersAccountingSmallLimit() throws {
        var rng = SplitMix64(seed: 0x5_4A11_1E57)
        let fixture = try ReaderFixture()
        let limits = InputLimits(recordBytes: 2048)
        var rows = 0
        var longRows = 0
        for caseNumber in 0..<60 {
            let hazards = Hazards(longLineBytes: rng.pick([2049, 2100, 5000, 40_000]), longLineChance: 0.08)
            let paper = caseNumber % 2 == 0
            let file = paper
                ? generatePaperFile("p.csv", caseID: caseNumber, fileID: 0, hazards: hazards, rng: &rng)
                : generatePortalFile("o.jsonl", caseID: caseNumber, fileID: 0, hazards: hazards, rng: &rng)
            let label = "case \(caseNumber) \(file.path) \(file.lineEnd)"
            let sink = try readAccounted(file.bytes, as: paper ? .paper : .jsonLines, fixture: fixture, limits: limits, label: label)
            let byLine = Dictionary(sink.outcomes.map { ($0.line, $0) }, uniquingKeysWith: { a, _ in a })
            for (line, expectation) in file.rows.sorted(by: { $0.key < $1.key }) {
                rows += 1
                let outcome = byLine[line]
                let text = String(decoding: file.lines[line - 1].prefix(200), as: UTF8.self)
                #expect(readerAgrees(expectation, outcome), "\(label): line \(line) \(text): expected \(expectation), got \(String(describing: outcome))")
                if let reason = outcome?.reason, reason.contains("bytes long; the limit is 2048 bytes") { longRows += 1 }
            }
        }
        #expect(rows > 1000)
        #expect(longRows > 20, "only \(longRows) over-long rows")
    }

    @Test("JSON arrays with stray brackets, second arrays, repeated keys, long and truncated elements: each element once")
    func arrayAccounting() throws {
        var rng = SplitMix64(seed: 0xA4A7_0ACC)
        let fixture = try ReaderFixture()
        let limits = InputLimits(recordBytes: 1024)
        var tally = (accepted: 0, rejected: 0, strays: 0)
        for caseNumber in 0..<150 {
            // What the reader must send, in order: accepted or rejected, the line, and a
            // phrase the reason must hold.
            var expected: [(accepted: Bool, line: Int, phrase: String?)] = []
            var bytes: [UInt8] = (rng.chance(0.2) ? bom : []) + utf8("[")
            let lineEnd = rng.pick(["\n", "\r\n", "\r"])
            func space() -> String { rng.pick(["", " ", lineEnd, "  " + lineEnd + "  "]) }
            var closedOnce = false
            var lastText = ""
            let count = rng.int(0...12)
            for n in 0..<count {
                if n > 0 {
                    // The separator: a comma, or a bracket that should not be there.
                    switch rng.below(10) {
                    case 0:
                        bytes += utf8(space())
                        expected.append((false, lineNumber(at: bytes.count, in: bytes), "closes the array"))
                        bytes += utf8("]" + space() + "," + space())
                        closedOnce = true
                    case 1:
                        bytes += utf8(space())
                        expected.append((false, lineNumber(at: bytes.count, in: bytes), "another array"))
                        bytes += utf8("]" + space() + "[" + space())
                        closedOnce = true
                    case 2:
                        bytes += utf8(space())
                        expected.append((false, lineNumber(at: bytes.count, in: bytes), "unexpected '}'"))
                        bytes += utf8("}" + space() + "," + space())
                    default:
                        bytes += utf8(space() + "," + space())
                    }
                }
                let id = "A\(caseNumber)-\(n)"
                let pretty = rng.chance(0.3)
                let sep = pretty ? "," + lineEnd + "  " : ", "
                var members = ["\"id\": \"\(id)\"", "\"unit\": \"\(rng.pick(["A", "B"]))\"", "\"submitted_at\": \"2024-07-03\""]
                var answers = ["\"q01\": \(rng.int(1...5))", "\"q02\": \(rng.pick(["null", "3", "\"Hài lòng\""]))"]
                var outcome: (Bool, String?) = (true, nil)
                var element: String?
                switch rng.below(12) {
                case 0:
                    members.append(rng.pick(["\"id\": \"again\"", "\"unit\": \"B\""]))
                    outcome = (false, "appears twice")
                case 1:
                    answers.append("\"q01\": 2")
                    outcome = (false, "\"answers.q01\" appears twice")
                case 2:
                    element = rng.pick(["5", "\"text\"", "[1, 2]", "null", "true", "[{\"id\": \"x\"}]"])
                    outcome = (false, "expected a JSON object")
                case 3:
                    answers[0] = "\"q01\": \(rng.pick(["true", "false", "7", "\"x\""]))"
                    outcome = (false, "q01")
                case 4:
                    members.append("\"comment\": \"\(String(repeating: "ệ", count: rng.int(400...2000)))\"")
                    outcome = (false, "bytes long; the limit is 1024 bytes")
                case 5:
                    members.insert("\"extra\": 1 2", at: 1)
                    outcome = (false, "not valid JSON")
                default:
                    break
                }
                members.append("\"answers\": {" + answers.joined(separator: ", ") + "}")
                let text = element ?? "{" + members.joined(separator: sep) + "}"
                // A long element is rejected for its length, whatever it holds.
                if text.utf8.count > limits.recordBytes { outcome = (false, "bytes long; the limit is 1024 bytes") }
                expected.append((outcome.0, lineNumber(at: bytes.count, in: bytes), outcome.1))
                bytes += utf8(text)
                lastText = text
            }
            // The end: closed, truncated inside the last element, or never closed.
            switch rng.below(6) {
            case 0 where lastText.count > 3 && (lastText.hasSuffix("}") || lastText.hasSuffix("]"))
                && expected.last?.phrase?.contains("bytes long") != true:
                // Cut the last element short: the file ends inside it.
                bytes.removeLast(rng.int(1...3))
                let last = expected.removeLast()
                expected.append((false, last.line, "truncated"))
            case 1:
                bytes += utf8(space())
                if !closedOnce { expected.append((false, lineNumber(at: bytes.count, in: bytes), "not closed")) }
            default:
                bytes += utf8(space() + "]" + space())
            }
            let label = "case \(caseNumber): \(String(decoding: bytes.prefix(600), as: UTF8.self))"
            let sink = try readAccounted(bytes, as: .jsonArray, fixture: fixture, limits: limits, label: label)
            #expect(sink.outcomes.count == expected.count, "\(label): \(sink.outcomes.map { ($0.line, $0.reason ?? "ok") }) vs \(expected)")
            for (got, want) in zip(sink.outcomes, expected) {
                #expect(got.accepted == want.accepted && got.line == want.line, "\(label): got \(got), expected \(want)")
                if let phrase = want.phrase {
                    #expect(got.reason?.contains(phrase) == true, "\(label): '\(got.reason ?? "accepted")' lacks '\(phrase)'")
                }
            }
            tally.accepted += sink.accepted.count
            tally.rejected += sink.rejected.count
            tally.strays += sink.rejected.filter {
                guard let reason = $0.reason else { return false }
                return ["closes the array", "another array", "unexpected '}'"].contains { reason.contains($0) }
            }.count
        }
        #expect(tally.accepted > 300 && tally.rejected > 300 && tally.strays > 50, "\(tally)")
    }

    // MARK: Bugs this fuzzer found in d29dd64/a321f54, fixed in 8d57722: regressions

    @Test("elements of a JSON array on one line are each accounted for (not stored over each other)")
    func jsonArrayOneLine() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/a.json", """
            [{"id": "J1", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 4}}, \
            {"id": "J2", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 5}}, \
            {"id": "J3", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 9}}, \
            {"id": "J4", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 0}}, \
            {"id": "J1", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 4}}]
            """)
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 2 && summary.rejected == 2 && summary.duplicates == 1)
        #expect(try s.acceptedForms(db).map(\.answers) == [[4, missingAnswer, missingAnswer], [5, missingAnswer, missingAnswer]])
        #expect(outcomes.count == 3 && outcomes.allSatisfy { $0.line == 1 })
    }

    @Test("a JSON true or false given as a Likert answer is rejected, not read as 1 or 0")
    func jsonBooleanAnswer() throws {
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/o.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": true}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": false, "q02": 4}}
            {"id": "W3", "unit": "A", "submitted_at": "2024-07-03", "answers": {"q01": 1}}

            """)
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 1 && summary.rejected == 2)
        #expect(outcomes.map(\.line) == [1, 2])
        #expect(try s.acceptedForms(db).map(\.answers) == [[1, missingAnswer, missingAnswer]])
    }

    @Test("a stray } in a JSON array is reported, never loops, and the elements after it are still read")
    func jsonArrayStrayBrace() throws {
        for text in ["[}", "[1}", "[1,}", "[{}}]", "[ {\"a\": [1, 2]}}, 3]", "\u{FEFF}[\n}\n]"] {
            let items = JSONArrayScanner.scan(utf8(text))
            #expect(items.contains { $0.range == nil }, "\(text)")
            #expect(items.compactMap(\.range).count <= 2, "\(text)")
        }
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/a.json", """
            [{"id": "J1", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 4}}},
             {"id": "J2", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 5}}]
            """)
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 2 && summary.rejected == 1)
        #expect(outcomes.first?.line == 1)
        #expect(outcomes.first?.reason.contains("unexpected '}'") == true)
    }

    @Test("a file starting with a character encoded EF xx xx (U+F000-U+FFFF) keeps its first byte")
    func csvLeadingEF() throws {
        // "！" is U+FF01, EF BC 81; U+FEFF written twice is a BOM and then a real character.
        #expect(try readCSV(utf8("！,x\n")).records.map(\.fields) == [["！", "x"]])
        #expect(try readCSV(utf8("\u{FEFF}\u{FEFF}a\n")).records.map(\.fields) == [["\u{FEFF}a"]])
        #expect(try readCSV([0xEF, 0x41, 0x0A]).records.first?.problem?.contains("UTF-8") == true)
        #expect(try readCSV([0xEF, 0xBB]).records.first?.problem?.contains("UTF-8") == true)
    }

    @Test("CSVField.quote quotes a field containing CRLF, so rejects.csv stays one record per row")
    func csvFieldQuoteCRLF() throws {
        let field = "P\r\n1"
        #expect(try readCSV(utf8(CSVField.quote(field) + ",x\n")).records.map(\.fields) == [[field, "x"]])
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/paper/p.csv", "form_id,unit,date,q01,q02,q03,comment\n\"P\r\n1\",ZZ,03/07/2024,5,4,3,\n")
        _ = try s.ingest()
        let rejects = try readCSV([UInt8](Data(contentsOf: s.root.appendingPathComponent("work/rejects.csv")))).records
        #expect(rejects.map(\.fields.count) == [6, 6])
        #expect(rejects.last?.fields[3] == field)
    }
}
