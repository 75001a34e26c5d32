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

fileprivate func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
fileprivate func nfd(_ s: String) -> String { s.decomposedStringWithCanonicalMapping }
fileprivate func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
}
fileprivate func newlines(in bytes: ArraySlice<UInt8>) -> Int { bytes.reduce(0) { $0 + ($1 == lf ? 1 : 0) } }

// MARK: - CSV helpers

/// Reads every record of `bytes` with the product's CSVReader (through a temporary file),
/// stopping with `runaway` if it yields more records than the input could possibly hold.
fileprivate func readCSV(_ bytes: [UInt8]) throws -> (records: [CSVRecord], runaway: Bool) {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("sipas-fuzz-\(UUID().uuidString).csv").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var reader = try CSVReader(path: path)
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
fileprivate func encodeCSVField(_ field: [UInt8], forceQuotes: Bool = false) -> [UInt8] {
    let needs = field.contains { $0 == comma || $0 == quote || $0 == lf || $0 == cr }
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
/// element ranges and plausible, non-decreasing line numbers.
fileprivate func checkScanShape(
    _ bytes: [UInt8], _ scan: (elements: [JSONArrayScanner.Element], problem: (line: Int, reason: String)?),
    _ label: String
) {
    let totalLines = 1 + newlines(in: bytes[...])
    #expect(scan.elements.count <= bytes.count, "\(label): more elements than bytes")
    var previous: JSONArrayScanner.Element?
    for e in scan.elements {
        #expect(e.range.lowerBound >= 0 && e.range.upperBound <= bytes.count, "\(label): range \(e.range) out of 0..<\(bytes.count)")
        #expect(e.line >= 1, "\(label): line \(e.line)")
        if e.range.lowerBound >= 0 && e.range.lowerBound <= bytes.count {
            #expect(e.line <= 1 + newlines(in: bytes[..<e.range.lowerBound]), "\(label): line \(e.line) after its start")
        }
        if let p = previous {
            #expect(e.range.lowerBound > p.range.lowerBound, "\(label): ranges not increasing: \(p.range) then \(e.range)")
            #expect(e.range.lowerBound >= p.range.upperBound, "\(label): ranges overlap: \(p.range) then \(e.range)")
            #expect(e.line >= p.line, "\(label): lines decrease: \(p.line) then \(e.line)")
        }
        previous = e
    }
    if let problem = scan.problem {
        #expect(problem.line >= (scan.elements.last?.line ?? 1) && problem.line <= totalLines, "\(label): problem line \(problem.line)")
        #expect(!problem.reason.isEmpty)
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
    static let goodDates = ["03/07/2024", "3/7/2024", "2024-07-03", "29/02/2024", "2024-02-29", "31/12/2023", " 01/01/2025 "]
    static let badDates = ["31/02/2024", "29/02/2023", "2024-13-01", "00/01/2024", "1/1/1899", "2024-7-3", "abc",
                           "32/01/2024", "99999999999999999999/01/2024", "2024/07/03", "03-07-2024", "03/07/24",
                           "", "  ", "2024-07-03T10:00:00"]
    static let goodUnits = ["A", "B", " A ", "B\u{A0}"]
    static let badUnits = ["C", "ZZZ", "a", "ALL", "Đ", "", "A B", "\u{0}"]
    static let goodTimestamps = ["2024-07-03T10:22:11+07:00", "2024-07-03", "2024-07-03 10:22", "2024-07-03T10:22:11Z",
                                 "2024-02-29T23:59:59.123-05:00", " 2025-01-01T00:00+07:00 "]
    static let badTimestamps = ["2024-07-03T25:00:00Z", "2024-02-30", "03/07/2024", "2024-07-03X", "yesterday", "",
                                "2024-07-03T10:22:11+07:00:00:00", "2023-02-29T10:00:00Z", "2024-7-3T10:00:00Z",
                                "2024-07-03T10", "Ngày 3 tháng 7"]
    static let commentBits = ["ok", "cảm ơn", nfd("Rất tốt, nhanh"), "say \"hi\"", ",", "\"", "tiếng Việt: ệ ả ữ đ",
                              "😀", "\u{0}", "{[}]", "\\", "a,b,c", " "]
}

fileprivate func randomComment(_ rng: inout SplitMix64) -> String {
    (0..<rng.int(0...3)).map { _ in rng.pick(Hostile.commentBits) }.joined(separator: rng.pick(["", " "]))
}

/// One paper file: the valid header, then pristine rows and mutated rows.
fileprivate func generatePaperFile(_ path: String, caseID: Int, fileID: Int, rng: inout SplitMix64) -> GeneratedFile {
    var file = GeneratedFile(path: path)
    file.lineEnd = rng.chance(0.3) ? [cr, lf] : [lf]
    file.finalNewline = rng.chance(0.8)
    let header = utf8("form_id,unit,date,q01,q02,q03,comment")
    file.add((rng.chance(0.3) ? bom : []) + header, nil)
    var pristine: [[UInt8]] = []
    var all: [[UInt8]] = []
    let count = rng.int(10...30)
    for n in 0..<count {
        // Blank lines are skipped, not rows.
        // (Only an empty line: a lone CR before a CRLF, or at the end of the file, is a field.)
        if rng.chance(0.06) { file.add([], nil); continue }
        // A copy of an earlier row.
        if rng.chance(0.06), !all.isEmpty {
            if rng.chance(0.5), !pristine.isEmpty {
                file.add(rng.pick(pristine), .duplicate)
            } else {
                file.add(rng.pick(all), .notAccepted)
            }
            continue
        }
        // A line of spaces is a one-field record: wrong field count.
        if rng.chance(0.03) { file.add(utf8(String(repeating: " ", count: rng.int(1...3))), .rejected); continue }

        var answers = (0..<3).map { _ -> String in
            let label = rng.pick(Hostile.likertLabels)
            return rng.pick(["1", "2", "3", "4", "5", "", label])
        }
        if answers.allSatisfy(\.isEmpty) { answers[rng.below(3)] = String(rng.int(1...5)) }
        var fields: [[UInt8]] = [
            utf8("OK\(caseID)-\(fileID)-\(n)"), utf8(rng.pick(["A", "B"])), utf8(rng.pick(Hostile.goodDates)),
        ] + answers.map(utf8) + [utf8(randomComment(&rng))]
        var expectation = Expectation.accepted
        if rng.chance(0.6) {
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
                    // Invalid UTF-8 somewhere in the row.
                    let at = rng.below(fields.count)
                    fields[at].insert(rng.pick([0xFF, 0xC3, 0x80, 0xED]), at: rng.int(0...fields[at].count))
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
            line += encodeCSVField(f, forceQuotes: rng.chance(0.1))
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

/// One portal JSON Lines file: pristine objects and mutated ones.
fileprivate func generatePortalFile(_ path: String, caseID: Int, fileID: Int, rng: inout SplitMix64) -> GeneratedFile {
    var file = GeneratedFile(path: path)
    file.lineEnd = rng.chance(0.3) ? [cr, lf] : [lf]
    file.finalNewline = rng.chance(0.8)
    var pristine: [[UInt8]] = []
    var all: [[UInt8]] = []
    let count = rng.int(10...30)
    for n in 0..<count {
        // Blank lines are not rows (a lone CR only where it cannot be read as part of a CRLF).
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
            // Once `answers` is not an object, or gone, later answer edits must not revive it.
            var answersLocked = false
            // Harmless edits (0, 7, 11) first, breaking ones after, as for paper rows.
            let kinds = (0..<rng.int(1...3)).map { _ in rng.below(12) }
                .sorted { ([0, 7, 11].contains($0) ? 0 : 1) < ([0, 7, 11].contains($1) ? 0 : 1) }
            for kind in kinds {
                switch kind {
                case 0 where !answersLocked:
                    let good: [Any] = [NSNull(), "", nfd("Hài lòng"), 4.0, "4", " 5 ", "Không ý kiến"]
                    var a = object["answers"] as? [String: Any] ?? [:]
                    a[rng.pick(["q01", "q02", "q03"])] = rng.pick(good)
                    object["answers"] = a
                case 1 where !answersLocked:
                    // (`true` is left out: on Linux it is read as 1, the known bug tested below.)
                    let bad: [Any] = [0, 6, -3, 4.5, 1e20, false, ["nested": ["deeper": 1]], [1, 2], "6", "x", -0.5]
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

// MARK: - Tests

@Suite("Fuzz: hostile input never crashes ingest and every row is accounted for")
struct FuzzTests {
    // MARK: CSV reader

    static let csvTokens: [[UInt8]] = [
        [comma], [comma], [quote], [quote, quote], [cr], [lf], [lf], [cr, lf], bom, [0xEF], [0xBB], [0xBF],
        [0xFF], [0xFE], [0xC3], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x00],
        utf8("ệ"), utf8(nfd("Hài lòng")), utf8("đ"), utf8("😀"), utf8("a"), utf8("1"), utf8("P1"), [0x20], [0x09],
        utf8("ab,c"),
    ]

    @Test("CSVReader on random bytes never crashes, ends, and numbers records by rising physical lines")
    func csvRandomBytes() throws {
        var rng = SplitMix64(seed: 0x5EED_C5F0)
        let quoteFree = Self.csvTokens.filter { !$0.contains(quote) }
        for caseNumber in 0..<400 {
            let pool = rng.chance(0.35) ? quoteFree : Self.csvTokens
            var bytes: [UInt8] = []
            for _ in 0..<rng.int(0...60) { bytes += rng.pick(pool) }
            // Often start with a BOM, a lone EF, or EF BB: only a whole BOM may be dropped.
            if rng.chance(0.3) { bytes = rng.pick([bom, [0xEF], [0xEF, 0xBB], [0xEF, 0xBC, 0x81]]) + bytes }
            let label = "case \(caseNumber): \(bytes)"
            let (records, runaway) = try readCSV(bytes)
            #expect(!runaway, "\(label): reader did not stop")
            let lineCount = 1 + newlines(in: bytes[...])
            #expect(records.count <= lineCount, "\(label)")
            for (i, r) in records.enumerated() {
                #expect(r.line >= 1 && r.line <= lineCount, "\(label): line \(r.line)")
                // Each record starts after the line feed ending the previous one: strictly rising.
                if i > 0 { #expect(r.line > records[i - 1].line, "\(label): lines \(records[i - 1].line), \(r.line)") }
                #expect(!r.fields.isEmpty, "\(label)")
                if r.problem?.contains("not closed") == true {
                    #expect(i == records.count - 1, "\(label): an unclosed quote can only end the file")
                }
            }
            let body = bytes.starts(with: bom) ? Array(bytes.dropFirst(3)) : bytes
            if isValidUTF8(body) {
                #expect(!records.contains { $0.problem?.contains("UTF-8") == true }, "\(label): valid UTF-8 reported invalid")
            }
            // Without quotes the format is trivial: split on LF, drop the CR of a CRLF,
            // split on commas, skip empty lines. The reader must agree exactly.
            if !bytes.contains(quote) {
                var expected: [(line: Int, fields: [String], bad: Bool)] = []
                let lines = body.split(separator: lf, omittingEmptySubsequences: false)
                for (n, var line) in lines.enumerated() {
                    if n < lines.count - 1, line.last == cr { line = line.dropLast() }
                    if line.isEmpty { continue }
                    let fields = line.split(separator: comma, omittingEmptySubsequences: false)
                    expected.append((n + 1, fields.map { String(decoding: $0, as: UTF8.self) }, !fields.allSatisfy(isValidUTF8)))
                }
                #expect(records.map(\.line) == expected.map(\.line), "\(label)")
                #expect(records.map(\.fields) == expected.map(\.fields), "\(label)")
                #expect(records.map { $0.problem != nil } == expected.map(\.bad), "\(label)")
            }
        }
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
            // Half the cases use the product's own writer (rejects.csv), which must be correct too.
            let productEncoder = rng.chance(0.5)
            for (i, record) in records.enumerated() {
                expectedLines.append(1 + newlines(in: bytes[...]))
                bytes += record.map {
                    productEncoder ? utf8(CSVField.quote(String(decoding: $0, as: UTF8.self)))
                        : encodeCSVField($0, forceQuotes: rng.chance(0.15))
                }.joined(separator: [comma]).map { $0 }
                if i < records.count - 1 || rng.chance(0.7) { bytes += lineEnd }
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
        let (rb, _) = try readCSV(b)
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
    func scannerRandomBytes() {
        var rng = SplitMix64(seed: 0x15_0A_22A7)
        var scanned = 0
        var strayBraces = 0
        var withElements = 0
        var attempts = 0
        while scanned < 2000 {
            attempts += 1
            var bytes: [UInt8] = rng.chance(0.9) ? utf8(rng.pick(["[", " [", "\u{FEFF}[", "\n\n["])) : []
            for _ in 0..<rng.int(0...40) { bytes += rng.pick(Self.jsonTokens) }
            if rng.chance(0.5) { bytes += utf8("]") }
            let scan = JSONArrayScanner.elements(of: bytes)
            checkScanShape(bytes, scan, "attempt \(attempts): \(bytes)")
            if reachesStrayCloseBrace(bytes) {
                strayBraces += 1
                #expect(scan.problem != nil, "attempt \(attempts): a stray } must be reported: \(bytes)")
            }
            scanned += 1
            if !scan.elements.isEmpty { withElements += 1 }
        }
        #expect(strayBraces > 100, "only \(strayBraces) inputs with a stray }")
        #expect(withElements > 1000, "\(withElements) of \(scanned) scans found elements")
    }

    @Test("JSONArrayScanner finds exactly the elements of valid arrays, keeps them when truncated, survives mutations")
    func scannerValidTruncatedMutated() throws {
        var rng = SplitMix64(seed: 0xA77A_7E57)
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
            let space = [" ", "\n", "  \n  ", "\r\n", "\t", ""]
            var bytes: [UInt8] = (rng.chance(0.2) ? bom : []) + utf8(rng.pick(["", " ", "\n"]) + "[" + rng.pick(space))
            // An element's range runs from its first byte to the comma or bracket after it
            // (blanks before the comma included); `exact` is the element's own bytes.
            var starts: [Int] = []
            var ends: [Int] = []
            var exact: [Range<Int>] = []
            for (i, e) in elementBytes.enumerated() {
                if i > 0 {
                    bytes += utf8(rng.pick(space))
                    ends.append(bytes.count)
                    bytes += utf8("," + rng.pick(space))
                }
                starts.append(bytes.count)
                exact.append(bytes.count..<(bytes.count + e.count))
                bytes += e
            }
            bytes += utf8(rng.pick(space))
            let closing = bytes.count
            if !elementBytes.isEmpty { ends.append(closing) }
            bytes += utf8("]" + rng.pick(["", "\n", " \n"]))
            let ranges = zip(starts, ends).map { $0..<$1 }

            #expect(!reachesStrayCloseBrace(bytes), "\(label): stray-brace model flags valid JSON")
            let scan = JSONArrayScanner.elements(of: bytes)
            checkScanShape(bytes, scan, label)
            #expect(scan.problem == nil, "\(label): \(String(describing: scan.problem))")
            #expect(scan.elements.map(\.range) == ranges, "\(label)")
            #expect(scan.elements.map(\.line) == ranges.map { 1 + newlines(in: bytes[..<$0.lowerBound]) }, "\(label)")
            for (e, r) in zip(scan.elements, exact) {
                guard e.range.lowerBound == r.lowerBound, e.range.upperBound >= r.upperBound else { continue }
                #expect(bytes[r.upperBound..<e.range.upperBound].allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }, "\(label)")
            }

            // Truncated anywhere before the closing bracket: no crash, a problem reported, and
            // every element complete before the cut found again at the same place.
            for _ in 0..<4 {
                let cut = rng.int(0...closing)
                let prefix = Array(bytes[..<cut])
                let truncated = JSONArrayScanner.elements(of: prefix)
                checkScanShape(prefix, truncated, "\(label) cut \(cut)")
                #expect(truncated.problem != nil, "\(label) cut \(cut): truncation not reported")
                let complete = scan.elements.filter { $0.range.upperBound < cut }
                #expect(Array(truncated.elements.prefix(complete.count).map(\.range)) == complete.map(\.range),
                        "\(label) cut \(cut)")
                truncations += 1
            }

            // Random byte edits: only the shape properties can hold.
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
                let scan = JSONArrayScanner.elements(of: mutated)
                checkScanShape(mutated, scan, "\(label) mutated \(mutated)")
                if reachesStrayCloseBrace(mutated) {
                    strayBraces += 1
                    #expect(scan.problem != nil, "\(label): a stray } must be reported: \(mutated)")
                }
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
        var totalRows = 0
        var totals = (accepted: 0, rejected: 0, duplicates: 0)
        for caseNumber in 0..<30 {
            let s = try TemporarySurvey()
            defer { try? FileManager.default.removeItem(at: s.root) }
            var files = [
                generatePaperFile("inbox/paper/a.csv", caseID: caseNumber, fileID: 0, rng: &rng),
                generatePortalFile("inbox/portal/x.jsonl", caseID: caseNumber, fileID: 2, rng: &rng),
            ]
            if rng.chance(0.5) { files.append(generatePaperFile("inbox/paper/b.csv", caseID: caseNumber, fileID: 1, rng: &rng)) }
            if rng.chance(0.5) { files.append(generatePortalFile("inbox/portal/y.jsonl", caseID: caseNumber, fileID: 3, rng: &rng)) }
            for f in files { try s.writeBytes(f.path, f.bytes) }
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

    @Test("a stray } in a JSON array stops the scan with a problem instead of looping forever")
    func jsonArrayStrayBrace() throws {
        for text in ["[}", "[1}", "[1,}", "[{}}]", "[ {\"a\": [1, 2]}}, 3]", "\u{FEFF}[\n}\n]"] {
            let scan = JSONArrayScanner.elements(of: utf8(text))
            #expect(scan.problem != nil, "\(text)")
            #expect(scan.elements.count <= 2, "\(text)")
        }
        let s = try TemporarySurvey()
        defer { try? FileManager.default.removeItem(at: s.root) }
        try s.write("inbox/portal/a.json", """
            [{"id": "J1", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 4}}},
             {"id": "J2", "unit": "A", "submitted_at": "2024-01-05", "answers": {"q01": 5}}]
            """)
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 1 && summary.rejected == 1)
        #expect(outcomes.first?.line == 1)
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
        #expect(rejects.map(\.fields.count) == [5, 5])
        #expect(rejects.last?.fields[3] == field)
    }
}
