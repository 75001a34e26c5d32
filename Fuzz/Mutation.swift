import Foundation
import ZIPFoundation

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, seeded, so a run reproduces exactly.
struct FuzzRandom: RandomNumberGenerator {
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
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int.random(in: 0..<n, using: &self) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// The readers under fuzzing, each with its corpus folder `fixtures/fuzz/<rawValue>/`.
enum FuzzedReader: String, CaseIterable, Sendable {
    case csv, json, xlsx, html

    /// The extension of the temporary file the reader is given.
    var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .json: "json"
        case .xlsx: "xlsx"
        case .html: "xls"
        }
    }

    /// Tokens a mutation inserts: the syntax of the format and values near the readers' limits.
    var tokens: [[UInt8]] {
        let common: [[UInt8]] = [
            [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0x00], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xE1, 0xBB], Array("\r\n".utf8), [0x0D], [0x0A], Array("0".utf8), Array("-1".utf8), Array("4294967296".utf8),
            Array("9223372036854775808".utf8), Array("1e308".utf8), Array("NaN".utf8), Array("Tổng số".utf8),
            Array("Hài lòng".decomposedStringWithCanonicalMapping.utf8), Array("😀".utf8), Array("\u{FEFF}".utf8),
        ]
        let own: [String]
        switch self {
        case .csv:
            own = ["\"", "\"\"", ",", ";", "\t", "form_id", "unit", "date", "q01", "comment", "ma_phieu", "=1+2", "\",\"", "\"\r\n\"",
                   String(repeating: "a", count: 3000), String(repeating: ",", count: 1200), "sep=;"]
        case .json:
            own = ["{", "}", "[", "]", "\"", "\\", "\\u0000", "\\ud800", "\\udc00\\ud800", ":", ",", "null", "true", "1e999", "-0",
                   "\"id\"", "\"answers\"", "\"q01\": 5", "{\"id\":\"x\",\"id\":\"y\"}", String(repeating: "[", count: 600),
                   String(repeating: "{\"a\":", count: 300), "\"submitted_at\": \"2024-02-30T25:61:00+07:00\"", "0.1e-400"]
        case .xlsx:
            own = ["<row r=\"1\">", "</row>", "<row r=\"0\">", "<row r=\"1048577\">", "<row>", "<c r=\"A1\" t=\"s\"><v>0</v></c>",
                   "<c r=\"XFD1048576\"><v>1</v></c>", "<c r=\"XFE1\">", "<c t=\"inlineStr\"><is><t>x</t></is></c>", "<v>", "</v>",
                   "<si><t>", "</t></si>", "t=\"d\"", "t=\"b\"", "t=\"e\"", "t=\"str\"", "s=\"99999\"", "&amp;", "&#0;", "&#x1F600;",
                   "<!DOCTYPE x>", "<!ENTITY e \"x\">", "<![CDATA[", "]]>", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
                   "<sheet name=\"x\" sheetId=\"9\" r:id=\"rId9\"/>", "Target=\"../../x.xml\"", "<dimension ref=\"A1:XFD1048576\"/>",
                   "<v>1e308</v>", "<v>-1</v>", "<v>60</v>", "<mergeCell ref=\"A1:Z99\"/>", "<x:c>", "\"", "<", ">", "/>"]
        case .html:
            own = ["<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "<th colspan=\"1000\">", "<td rowspan=\"65535\">",
                   "<td rowspan=0>", "<td colspan=-1>", "&nbsp;", "&#0;", "&#x110000;", "&amp", "<meta charset=\"windows-1258\">",
                   "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-16\">", "<!--", "-->", "<script>", "</script>",
                   "<br>", "<table><tr><td><table><tr><td>", "<thead>", "<tbody>", "<caption>", "<?xml version=\"1.0\"?>", "<!DOCTYPE html>",
                   "<", ">", "\"", String(repeating: "<td>", count: 2000), String(repeating: "<div>", count: 400)]
        }
        return common + own.map { Array($0.utf8) }
    }
}

/// One input of the corpus: its bytes, and for a workbook the zip's entries when it has been
/// unzipped (so that the XML inside can be mutated and zipped again).
struct FuzzInput: Sendable {
    var bytes: [UInt8]
    var entries: [(name: String, data: [UInt8])]?
}

/// Byte-level mutations, stacked 1 to 4 deep, in the manner of libFuzzer's default mutators.
struct Mutator {
    let reader: FuzzedReader
    let tokens: [[UInt8]]
    var maximumLength = 64 << 10

    init(reader: FuzzedReader) {
        self.reader = reader
        tokens = reader.tokens
    }

    static let interestingBytes: [UInt8] = [
        0x00, 0x01, 0x7F, 0x80, 0xC0, 0xC2, 0xE0, 0xEF, 0xBB, 0xBF, 0xF0, 0xF8, 0xFE, 0xFF,
        0x22, 0x2C, 0x3B, 0x09, 0x0D, 0x0A, 0x3C, 0x3E, 0x26, 0x7B, 0x7D, 0x5B, 0x5D, 0x5C, 0x3D, 0x2F, 0x20,
    ]

    /// `bytes` changed by one to four random edits; `other` is a second input to splice with.
    func mutate(_ bytes: [UInt8], other: [UInt8], rng: inout FuzzRandom) -> [UInt8] {
        var out = bytes
        for _ in 0..<(1 + rng.below(4)) {
            let at = rng.below(out.count + 1)
            switch rng.below(9) {
            case 0 where !out.isEmpty:
                out[min(at, out.count - 1)] ^= UInt8(1) << UInt8(rng.below(8))
            case 1 where !out.isEmpty:
                out[min(at, out.count - 1)] = rng.pick(Self.interestingBytes)
            case 2:
                out.insert(rng.pick(Self.interestingBytes), at: at)
            case 3, 4:
                out.insert(contentsOf: rng.pick(tokens), at: at)
            case 5 where !out.isEmpty:
                let length = 1 + rng.below(min(64, out.count - min(at, out.count - 1)))
                let start = min(at, out.count - 1)
                out.removeSubrange(start..<min(out.count, start + length))
            case 6 where !out.isEmpty:
                // Copy a chunk of the input elsewhere (repeats rows, tags, quotes).
                let start = rng.below(out.count)
                let chunk = Array(out[start..<min(out.count, start + 1 + rng.below(256))])
                for _ in 0..<(rng.chance(0.1) ? 1 + rng.below(50) : 1) { out.insert(contentsOf: chunk, at: rng.below(out.count + 1)) }
            case 7:
                out = Array(out.prefix(at))
            default:
                // Splice: a prefix of this input and a suffix of the other.
                let cut = rng.below(other.count + 1)
                out = Array(out.prefix(at)) + other[cut...]
            }
        }
        if out.count > maximumLength { out = Array(out.prefix(maximumLength)) }
        return out
    }

    /// A workbook changed inside: one or two of its parts mutated (the XML ones by preference),
    /// now and then a part dropped, duplicated or renamed, zipped again; or its zip bytes
    /// mutated raw.
    func mutateWorkbook(_ input: FuzzInput, other: FuzzInput, rng: inout FuzzRandom, scratch: String) -> FuzzInput {
        guard var entries = input.entries, !entries.isEmpty, rng.chance(0.8) else {
            return FuzzInput(bytes: mutate(input.bytes, other: other.bytes, rng: &rng), entries: nil)
        }
        let xml = entries.indices.filter { entries[$0].name.hasSuffix(".xml") || entries[$0].name.hasSuffix(".rels") }
        for _ in 0..<(1 + rng.below(2)) {
            let i = !xml.isEmpty && rng.chance(0.9) ? rng.pick(xml) : rng.below(entries.count)
            let otherData = other.entries.map { rng.pick($0).data } ?? other.bytes
            entries[i].data = mutate(entries[i].data, other: otherData, rng: &rng)
        }
        if rng.chance(0.05) { entries.remove(at: rng.below(entries.count)) }
        if rng.chance(0.03), let e = entries.first { entries.append(e) }
        if rng.chance(0.03), !entries.isEmpty {
            let i = rng.below(entries.count)
            entries[i].name = rng.pick(["../evil.xml", "/abs.xml", "xl\\worksheets\\sheet1.xml", "XL/Worksheets/Sheet1.xml", entries[i].name + "\u{0}"])
        }
        let compression: CompressionMethod = rng.chance(0.8) ? .deflate : .none
        guard let bytes = try? Self.zip(entries, compression: compression, scratch: scratch) else {
            return FuzzInput(bytes: mutate(input.bytes, other: other.bytes, rng: &rng), entries: nil)
        }
        return FuzzInput(bytes: bytes, entries: entries)
    }

    /// The zip of `entries`, written through a scratch file.
    static func zip(_ entries: [(name: String, data: [UInt8])], compression: CompressionMethod, scratch: String) throws -> [UInt8] {
        try? FileManager.default.removeItem(atPath: scratch)
        let archive = try Archive(url: URL(fileURLWithPath: scratch), accessMode: .create)
        for (name, bytes) in entries {
            let data = Data(bytes)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compression,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: scratch)))
    }

    /// The entries of a zip file, or nil when it is not one ZIPFoundation can read.
    static func unzip(_ path: String) -> [(name: String, data: [UInt8])]? {
        guard let archive = try? Archive(url: URL(fileURLWithPath: path), accessMode: .read) else { return nil }
        var entries: [(name: String, data: [UInt8])] = []
        for entry in archive where entry.type == .file {
            var data = Data()
            guard (try? archive.extract(entry, skipCRC32: true, consumer: { data.append($0) })) != nil else { return nil }
            entries.append((entry.path, Array(data)))
        }
        return entries.isEmpty ? nil : entries
    }
}
