import Foundation
import Testing

@testable import Stats

@Suite("numbers as every release file writes them: %.12g")
struct NumberTextTests {
    /// printf's own, the reference (through Foundation, not the code under test).
    static func printf(_ value: Double) -> String { String(format: "%.12g", value) }

    static func check(_ value: Double, _ note: @autoclosure () -> String = "") {
        let expected = value == 0 ? "0" : printf(value)
        let got = NumberText.g12(value)
        #expect(got == expected, "\(value.bitPattern) \(note())")
        var bytes: [UInt8] = [65]
        NumberText.appendG12(value, to: &bytes)
        #expect(bytes == [65] + Array(expected.utf8))
    }

    @Test("edges: powers of ten, the switch to exponents, 12-digit carries, ties at the 13th digit, subnormals, the largest")
    func edges() {
        var values: [Double] = [
            1, -1, 0.1, 0.5, 1e-4, 9.99999999999e-5, 9.999999999995e-5, 1e-5, 0.0001, 0.00012345, 123456789012, 999999999999,
            999999999999.5, 999999999999.4, 1e12, 1e12 + 1, 1e15, 1e16, 1e17, 1e21, 1e22, 1e100, 1e-100, 1e300, 1e-300,
            Double.greatestFiniteMagnitude, Double.leastNormalMagnitude, Double.leastNonzeroMagnitude, 5e-324, 2.2250738585072014e-308,
            1.0 / 3, 2.0 / 3, 0.1 + 0.2, 0.952380952380952, 0.123456789012499999, 0.1234567890125, 0.12345678901250001,
            1.0000000000005, 1.0000000000015, 9.9999999999995, 9.99999999999949, 99.9999999999995, 0.999999999999, 0.9999999999995,
            123.456, 85.5, 0.855, 79.39, 4503599627370497, 9007199254740993,
        ]
        values += values.map { -$0 }
        for p in -320...308 { values.append(pow(10, Double(p))) }
        for value in values { Self.check(value) }
    }

    @Test("a million random values: every exponent, shares and indices, values with 13 and 14 digits")
    func random() {
        var generator = Steps(seed: 20261207)
        for i in 0..<1_000_000 {
            let value: Double
            switch i % 5 {
            case 0: value = Double(bitPattern: generator.next())
            case 1: value = Double(generator.next() % 1_000_000_007) / Double(generator.next() % 999_983 + 1)
            case 2: value = Double(generator.next() >> 11) * 0x1p-53
            case 3:
                // 13 significant digits, about a tenth of them ending in 5: ties for the shortest digits.
                let digits = Double(generator.next() % 9_000_000_000_000 + 1_000_000_000_000)
                value = digits * pow(10, Double(Int(generator.next() % 40) - 20))
            default: value = Double(Int64(bitPattern: generator.next()) >> Int(generator.next() % 60)) / 1000
            }
            guard value.isFinite else { continue }
            Self.check(value, "case \(i % 5)")
        }
    }

    @Test("%.Nf for N = 0...4: edges, ties printf settles, and a million random values of every size, the same text as printf")
    func fixed() {
        var differing: [String] = []
        func check(_ value: Double, _ decimals: Int) {
            let expected = String(format: "%.\(decimals)f", value)
            let got = NumberText.fixed(value, decimals: decimals)
            if got != expected { differing.append("\(value) (\(value.bitPattern)) %.\(decimals)f: \(got) for \(expected)") }
        }
        var edges: [Double] = [
            0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 0.005, 0.015, 0.025, 0.145, 0.855, 85.5, 85.505, 85.515, 79.39, 99.995, 99.9949999,
            9.9995, 0.00049, 0.0005, 0.00051, 0.0049, 0.00499999, 1e-5, 1e-9, 999999999.995, 999999999.5, 1e9 - 1, 1e9, 1e9 + 0.5,
            1e12, 1.0 / 3, 2.0 / 3, 0.1 + 0.2, 1e-300, Double.leastNormalMagnitude, Double.leastNonzeroMagnitude, .infinity, .nan,
            123456.785, 0.9999, 0.99995, 0.999949, 5e-5, 4.5, 0.045,
        ]
        edges += edges.map { -$0 }
        for value in edges { for decimals in 0...5 { check(value, decimals) } }
        var generator = Steps(seed: 7)
        for i in 0..<1_000_000 {
            let value: Double
            switch i % 4 {
            case 0: value = Double(bitPattern: generator.next())
            case 1: value = Double(generator.next() % 100_000_001) / 1_000_000  // shares in percent, indices
            case 2:
                // Few digits, many of them ending in 5 just past a decimal: ties for the shortest digits.
                value = Double(Int64(generator.next() % 20_000_001) - 10_000_000) / pow(10, Double(generator.next() % 6))
            default: value = Double(generator.next() >> 11) * 0x1p-53 * pow(10, Double(Int(generator.next() % 14) - 4))
            }
            check(value, Int(generator.next() % 5))
        }
        let first = Array(differing.prefix(5)), count = differing.count
        #expect(count == 0, "\(count) differ, such as \(first)")
    }

    /// Knuth's MMIX linear congruential steps, the high bits folded in: enough spread for a test.
    struct Steps {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29) ^ (state << 17)
        }
    }
}
