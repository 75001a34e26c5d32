import Foundation
import Storage
import SurveyModel
import Testing
import ZIPFoundation

@testable import Ingest

// The fuzz driver's inputs in CI (issue 8): every input `pipeline-fuzz` kept under
// fixtures/fuzz/<reader>/crashes/ is read again through the same checks (so a found bug stays
// found until it is fixed), and a few hundred seeded mutations of each seed corpus run here,
// so that the harness itself is exercised. The mutations are a compact copy of
// Fuzz/Mutation.swift (IngestTests cannot depend on the executable target).

private let fuzzRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/fuzz")

private func files(in folder: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.sorted().map { folder.appendingPathComponent($0) }.filter {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}

/// SplitMix64, as in the driver.
private struct MutationRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int.random(in: 0..<n, using: &self) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

private let tokens: [[UInt8]] = [
    "\"", "\"\"", ",", ";", "\t", "\r\n", "\r", "\n", "\u{FEFF}", "{", "}", "[", "]", "\\", "\\ud800", "null", "1e999",
    "<row r=\"1\">", "</row>", "<c r=\"XFD1\" t=\"s\"><v>9999</v></c>", "<v>", "&#0;", "<!DOCTYPE x>", "<table>", "<tr>", "<td>",
    "<td rowspan=\"65535\">", "<th colspan=\"1000\">", "Tổng số", "form_id", "😀",
].map { Array($0.utf8) } + [[0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0x00], [0xC3], [0xED, 0xA0, 0x80]]

/// One to four edits: bit flips, token inserts, deletions, truncation, splices.
private func mutate(_ bytes: [UInt8], other: [UInt8], rng: inout MutationRandom) -> [UInt8] {
    var out = bytes
    for _ in 0..<(1 + rng.below(4)) {
        let at = rng.below(out.count + 1)
        switch rng.below(6) {
        case 0 where !out.isEmpty: out[min(at, out.count - 1)] ^= UInt8(1) << UInt8(rng.below(8))
        case 1, 2: out.insert(contentsOf: rng.pick(tokens), at: at)
        case 3 where !out.isEmpty:
            let start = min(at, out.count - 1)
            out.removeSubrange(start..<min(out.count, start + 1 + rng.below(32)))
        case 4: out = Array(out.prefix(at))
        default: out = Array(out.prefix(at)) + other[rng.below(other.count + 1)...]
        }
    }
    return out
}

private func temporaryFile(_ bytes: [UInt8], ext: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-fuzzreg-\(UUID().uuidString).\(ext)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

private func unzip(_ bytes: [UInt8]) -> [(String, [UInt8])]? {
    guard let archive = try? Archive(data: Data(bytes), accessMode: .read) else { return nil }
    var entries: [(String, [UInt8])] = []
    for entry in archive where entry.type == .file {
        var data = Data()
        guard (try? archive.extract(entry, skipCRC32: true, consumer: { data.append($0) })) != nil else { return nil }
        entries.append((entry.path, Array(data)))
    }
    return entries
}

private func zip(_ entries: [(String, [UInt8])]) throws -> [UInt8] {
    let archive = try Archive(data: Data(), accessMode: .create)
    for (name, bytes) in entries {
        let data = Data(bytes)
        try archive.addEntry(
            with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
    }
    return Array(archive.data ?? Data())
}

/// The driver's table check: the reader ends within a row budget, its lines rise, it throws
/// only documented errors, and through the table logic every row is one accept or reject
/// (or skipped), on the row's own line.
private func checkTable<R: TableReader>(
    _ label: String, fixture: ReaderFixture, portal: Bool, rowBudget: Int, open: () throws -> R
) {
    do {
        var rows: [Int] = []
        var reader = try open()
        while let row = try reader.next() {
            rows.append(row.line)
            if rows.count > rowBudget { Issue.record("\(label): runaway, over \(rowBudget) rows"); return }
        }
        #expect(zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 } && rows.allSatisfy { $0 >= 1 }, "\(label): lines \(rows.prefix(20)) do not rise")
        let survey = fixture.folder.survey
        let table = TableFormReader(validator: fixture.validator, layout: portal ? .portal(survey.portalFields) : .paper(survey.paperColumns))
        let sink = RecordingSink()
        var again = try open()
        let outcome = try table.read(&again, displayPath: "f", into: sink)
        let lines = sink.outcomes.map(\.line)
        #expect(outcome.records == lines.count, "\(label): \(outcome.records) records, \(lines.count) outcomes")
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0 < $1 }, "\(label): outcome lines \(lines.prefix(20)) do not rise")
        if !(R.self == CSVReader.self) {
            #expect(Set(lines).isSubset(of: Set(rows)), "\(label): an outcome on no row")
            let overLimit = lines.count == 1 && sink.outcomes[0].reason?.contains("columns; the limit is") == true
            let unaccounted = rows.count - outcome.records - outcome.skipped
            #expect(overLimit || unaccounted == 0 || unaccounted == 1, "\(label): \(unaccounted) rows unaccounted")
        }
    } catch is TableReadError {
    } catch is CSVReadError {
    } catch is IngestError {
    } catch {
        Issue.record("\(label): undocumented error \(type(of: error)): \(error)")
    }
}

/// The driver's check of a workbook or a page: every sheet or table, as the ingest reads them,
/// each table's rows rising and naming it, and through the table logic each accounted for.
private func checkTables<R: MultiTableReader>(
    _ label: String, fixture: ReaderFixture, portal: Bool, rowBudget: Int, open: () throws -> R
) {
    do {
        var tables: [[Int]] = []
        var total = 0
        var reader = try open()
        while try reader.nextTable() {
            var rows: [Int] = []
            while let row = try reader.next() {
                rows.append(row.line)
                total += 1
                if total > rowBudget { Issue.record("\(label): runaway, over \(rowBudget) rows"); return }
                #expect(row.sheet == reader.tableName, "\(label): a row of \(reader.tableName ?? "the table") names \(row.sheet ?? "none")")
            }
            #expect(zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 } && rows.allSatisfy { $0 >= 1 }, "\(label): lines \(rows.prefix(20)) do not rise")
            tables.append(rows)
            if tables.count > rowBudget { Issue.record("\(label): runaway, over \(rowBudget) tables"); return }
        }
        let survey = fixture.folder.survey
        let table = TableFormReader(validator: fixture.validator, layout: portal ? .portal(survey.portalFields) : .paper(survey.paperColumns))
        var again = try open()
        var index = 0
        while try again.nextTable() {
            guard index < tables.count else { Issue.record("\(label): more tables the second time"); return }
            let sink = RecordingSink()
            let outcome = try table.read(&again, displayPath: "f", into: sink)
            let lines = sink.outcomes.map(\.line)
            #expect(outcome.records == lines.count, "\(label) table \(index + 1): \(outcome.records) records, \(lines.count) outcomes")
            #expect(zip(lines, lines.dropFirst()).allSatisfy { $0 < $1 }, "\(label) table \(index + 1): outcome lines do not rise")
            #expect(Set(lines).isSubset(of: Set(tables[index])), "\(label) table \(index + 1): an outcome on no row")
            let overLimit = lines.count == 1 && sink.outcomes[0].reason?.contains("columns; the limit is") == true
            let unaccounted = tables[index].count - outcome.records - outcome.skipped
            #expect(overLimit || unaccounted == 0 || unaccounted == 1, "\(label) table \(index + 1): \(unaccounted) rows unaccounted")
            index += 1
        }
        #expect(index == tables.count, "\(label): \(index) tables the second time, \(tables.count) the first")
    } catch is TableReadError {
    } catch is CSVReadError {
    } catch is IngestError {
    } catch {
        Issue.record("\(label): undocumented error \(type(of: error)): \(error)")
    }
}

/// Every check the driver makes, for one input of `reader`.
private func checkInput(_ bytes: [UInt8], reader: String, fixture: ReaderFixture, label: String) throws {
    switch reader {
    case "csv":
        let path = try temporaryFile(bytes, ext: "csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        checkTable(label, fixture: fixture, portal: false, rowBudget: bytes.count + 2) { try CSVReader(path: path) }
        // readAccounted counts physical lines in the raw bytes, which UTF-16 text does not
        // have (FuzzTests skips it there too).
        if !(bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])) {
            try readAccounted(bytes, as: .paper, fixture: fixture, label: label)
        }
    case "json":
        try readAccounted(bytes, as: .jsonLines, fixture: fixture, label: label)
        try readAccounted(bytes, as: .jsonArray, fixture: fixture, label: label)
    default:
        let path = try temporaryFile(bytes, ext: reader == "xlsx" ? "xlsx" : "xls")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for portal in [false, true] {
            if reader == "xlsx" {
                checkTable(label, fixture: fixture, portal: portal, rowBudget: XLSXReader.maximumRows + 1) { try XLSXReader(path: path) }
                checkTables(label, fixture: fixture, portal: portal, rowBudget: XLSXReader.maximumRows + 1) {
                    try XLSXReader(path: path, sheets: nil)
                }
            } else {
                checkTables(label, fixture: fixture, portal: portal, rowBudget: bytes.count + 2) { try HTMLTableReader(path: path) }
            }
        }
    }
}

@Suite("Fuzz driver: kept crashes stay checked, and the harness runs in CI")
struct FuzzRegressionTests {
    static let readers = ["csv", "json", "xlsx", "html"]

    @Test("every input the fuzzer kept under fixtures/fuzz/<reader>/crashes/ passes the driver's checks", arguments: readers)
    func keptCrashes(reader: String) throws {
        let fixture = try ReaderFixture()
        for file in files(in: fuzzRoot.appendingPathComponent("\(reader)/crashes")) {
            try checkInput(Array(try Data(contentsOf: file)), reader: reader, fixture: fixture, label: "\(reader)/crashes/\(file.lastPathComponent)")
        }
    }

    @Test("300 seeded mutations of each seed corpus pass the driver's checks", arguments: readers)
    func seededMutations(reader: String) throws {
        let fixture = try ReaderFixture()
        let seeds = try files(in: fuzzRoot.appendingPathComponent(reader)).map { Array(try Data(contentsOf: $0)) }
        #expect(seeds.count >= 3, "a seed corpus of a few files")
        var rng = MutationRandom(state: 0xF022_0008 &+ UInt64(reader.utf8.count))
        let iterations = reader == "xlsx" ? 150 : 300
        for i in 0..<iterations {
            let base = rng.pick(seeds)
            let other = rng.pick(seeds)
            var bytes: [UInt8]
            if reader == "xlsx", rng.below(4) != 0, var parts = unzip(base), !parts.isEmpty {
                let xml = parts.indices.filter { parts[$0].0.hasSuffix(".xml") }
                let k = xml.isEmpty ? rng.below(parts.count) : rng.pick(xml)
                parts[k].1 = mutate(parts[k].1, other: parts[k].1, rng: &rng)
                bytes = try zip(parts)
            } else {
                bytes = mutate(base, other: other, rng: &rng)
            }
            try checkInput(bytes, reader: reader, fixture: fixture, label: "\(reader) mutation \(i)")
        }
    }
}
