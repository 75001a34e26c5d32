import Foundation
import Testing

@testable import Report

/// `XMLByteWriter` writes the bytes libxml2's `xmlTextWriter` (through `XMLWriter`) writes:
/// the same random documents driven through both, compared byte for byte.
@Suite("report.xml's byte writer: libxml2's text writer's bytes")
struct XMLByteWriterTests {
    /// A fixed-seed SplitMix64: a failure names its seed, and runs again the same.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Texts with what escaping has to handle: markup, quotes, tab, CR, LF, Vietnamese,
    /// characters past the BMP, a NUL (libxml2 writes a C string: up to it), plain ASCII.
    static let pieces = [
        "a", "Sở Nội vụ", "<", ">", "&", "\"", "'", "\t", "\r", "\n", "\r\n", " ", "Ủy ban", "85,50 %", "𝔸", "😀",
        "n >= N/(1+N e^2)", "q01", "2024-Q4 vs 2024-Q3", "&amp;", "]]>", "\u{7F}", "é", "ﬁ", "a\u{0}b",
    ]

    static func text(_ rng: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...5, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    static func name(_ rng: inout SplitMix64) -> String {
        ["report", "unit", "check", "index", "name", "a", "item-x", "b.c"].randomElement(using: &rng)!
    }

    /// The same random calls on both writers.
    static func document(seed: UInt64) throws -> (libxml2: Data, bytes: Data) {
        var rng = SplitMix64(state: seed)
        let reference = try XMLWriter()
        let bytes = XMLByteWriter()
        let rootName = name(&rng)
        let namespace = Bool.random(using: &rng) ? "urn:x-test:\(text(&rng))" : nil
        try reference.start(rootName, namespace: namespace)
        bytes.start(rootName, namespace: namespace)
        var depth = 1
        var startOpen = true
        for _ in 0..<Int.random(in: 0...60, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<3:
                let n = name(&rng)
                try reference.start(n)
                bytes.start(n)
                depth += 1
                startOpen = true
            case 3..<5 where startOpen:
                let (n, v) = (name(&rng), Bool.random(using: &rng) ? text(&rng) : nil)
                try reference.attribute(n, v)
                bytes.attribute(n, v)
            case 5:
                let v = text(&rng)
                try reference.text(v)
                bytes.text(v)
                startOpen = false
            case 6..<8 where depth > 1:
                try reference.end()
                bytes.end()
                depth -= 1
                startOpen = false
            case 8:
                let (n, v) = (name(&rng), Bool.random(using: &rng) ? text(&rng) : nil)
                let attributes = (0..<Int.random(in: 0...3, using: &rng)).map { _ in (name(&rng), Optional(text(&rng))) }
                try reference.element(n, attributes, text: v)
                bytes.element(n, attributes, text: v)
                startOpen = false
            default:
                continue
            }
        }
        return (try reference.finish(), bytes.finish())
    }

    @Test("2,000 random documents: the same bytes")
    func sameBytes() throws {
        var differing: [UInt64] = []
        for seed in UInt64(1)...2000 {
            let (reference, bytes) = try Self.document(seed: seed)
            if reference != bytes { differing.append(seed) }
        }
        if let seed = differing.first {
            let (reference, bytes) = try Self.document(seed: seed)
            Issue.record("""
                \(differing.count) of 2,000 differ; seed \(seed):
                libxml2: \(String(decoding: reference, as: UTF8.self))
                bytes:   \(String(decoding: bytes, as: UTF8.self))
                """)
        }
    }

    @Test("escaping, said plainly: markup and quotes everywhere, tab and line ends in attributes, CR in text")
    func escaping() {
        let w = XMLByteWriter()
        w.start("r", namespace: "urn:x")
        w.attribute("a", "Sở <1> & \"2\"\t\n")
        w.element("t", text: "Sở <1> & \"2\"\r")
        w.start("empty")
        let xml = String(decoding: w.finish(), as: UTF8.self)
        #expect(xml == """
            <?xml version="1.0" encoding="UTF-8"?>
            <r a="Sở &lt;1&gt; &amp; &quot;2&quot;&#9;&#10;" xmlns="urn:x">
              <t>Sở &lt;1&gt; &amp; &quot;2&quot;&#13;</t>
              <empty/>
            </r>

            """)
    }

    @Test("numbers written straight into the document are the texts the report would write: %.12g, nothing when nil or not finite, whole numbers, lists")
    func numbers() {
        var rng = SplitMix64(state: 16)
        var doubles: [Double?] = [nil, .nan, .infinity, -.infinity, 0, -0.0, 1, 0.1, 1e-300, 5e-324, 1e21, -2.5e-7, 0.855049047619]
        var ints = [0, -1, 1, 9, 10, 99, 100, Int.max, Int.min + 1, -1_000_000_007]
        for _ in 0..<5_000 {
            let bits = rng.next()
            doubles.append(Double(bitPattern: bits))
            doubles.append(Double(Int64(bitPattern: bits) % 1_000_000_000) / 1_000_000)
            ints.append(Int(Int64(bitPattern: rng.next()) >> (rng.next() % 64)))
        }
        let direct = XMLByteWriter(), texts = XMLByteWriter()
        for value in doubles {
            direct.start("x")
            direct.attribute("v", number: value)
            direct.end()
            texts.start("x")
            texts.attribute("v", NumberStyle.xml(value))
            texts.end()
        }
        for value in ints {
            direct.start("n")
            direct.attribute("v", int: value)
            direct.attribute("l", ints: [value, value / 7, 0])
            direct.end()
            texts.start("n")
            texts.attribute("v", String(value))
            texts.attribute("l", [value, value / 7, 0].map(String.init).joined(separator: " "))
            texts.end()
        }
        #expect(direct.finish() == texts.finish())
    }
}
