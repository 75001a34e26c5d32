import Foundation
import Testing
import Stats

// The reference table `.fixtures/quantiles.csv` (next to this file; a hidden directory, because
// SwiftPM warns about non-Swift files in a target's folder) holds qt and qbeta values from scipy
// 1.17.1 (numpy 2.4.6), each checked against a 40-digit mpmath root; `make_quantile_table.py`
// beside it wrote the table, and `.fixtures/README.md` records the versions and the check.

/// One row of `quantiles.csv`: kind "t" (a = df) or "beta".
struct QuantileReference: Sendable, CustomTestStringConvertible {
    let kind: String
    let p: Double
    let a: Double
    let b: Double?
    let expected: Double

    var testDescription: String { kind == "t" ? "qt(\(p), \(a))" : "qbeta(\(p), \(a), \(b!))" }

    var computed: Double {
        kind == "t" ? Distributions.studentTQuantile(p, df: a) : Distributions.betaQuantile(p, a: a, b: b!)
    }
}

let quantileReferences: [QuantileReference] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent(".fixtures/quantiles.csv")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").dropFirst().map { line in
        let field = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return QuantileReference(
            kind: field[0], p: Double(field[1])!, a: Double(field[2])!, b: Double(field[3]),
            expected: Double(field[4])!)
    }
}()

@Suite("Quantiles against the scipy/mpmath table")
struct QuantileTableTests {
    /// Relative error allowed: the code before the speed-up (issue 9) met it on every row.
    static let tolerance = 1e-12

    @Test("the table is there: every df from 1 to 1e6 and shapes from 0.5 to 1e6")
    func tableIsComplete() {
        let t = quantileReferences.filter { $0.kind == "t" }
        let beta = quantileReferences.filter { $0.kind == "beta" }
        #expect(t.count == 37 * 23)
        #expect(beta.count == 14 * 14 * 10 + 40 * 6)
        #expect(Set(t.map(\.a)).isSuperset(of: [1, 2, 3, 29, 30, 31, 1000, 1_000_000]))
        #expect(Set(beta.map(\.a)).isSuperset(of: [0.5, 29.5, 30, 1_000_000]))
    }

    @Test("Student t and beta quantiles agree to 1e-12 with the table", arguments: ["t", "beta"])
    func agreement(kind: String) {
        for row in quantileReferences where row.kind == kind {
            let got = row.computed
            let error = abs(got - row.expected) / abs(row.expected)
            #expect(error <= Self.tolerance, "\(row.testDescription) = \(got), expected \(row.expected)")
        }
    }
}
