import Foundation
import Testing

@testable import Stats

/// Key drivers from sums against textbook formulas written out here: Pearson's r from the
/// data, and for two predictors β₁ = (r₁y − r₁₂ r₂y) / (1 − r₁₂²), R² = β₁ r₁y + β₂ r₂y
/// (R's cor.test and lm on the reference data are in PipelineTests/BreakdownTests).
@Suite("Key drivers")
struct KeyDriversTests {
    static let f1: [Double] = [0, 0.5, 1, 1, 0.25, 0.75, 0.5, 1]
    static let f2: [Double] = [0.2, 0.4, 1, 0.6, 0, 1, 0.8, 0.6]
    static let y: [Double] = [0.25, 0.5, 1, 0.75, 0, 1, 0.5, 0.75]

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
        let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
        return cov / (va * vb).squareRoot()
    }

    static func sums(_ columns: [[Double]]) -> (sums: [Double], products: [Double]) {
        let m = columns.count
        var s = [Double](repeating: 0, count: m)
        var p = [Double](repeating: 0, count: m * m)
        for i in columns[0].indices {
            for a in 0..<m {
                s[a] += columns[a][i]
                for b in 0..<m { p[a * m + b] += columns[a][i] * columns[b][i] }
            }
        }
        return (s, p)
    }

    @Test("with an overall item: r per factor, its Fisher z interval, β and R² of two predictors")
    func withOverall() throws {
        let (s, p) = Self.sums([Self.f1, Self.f2, Self.y])
        let d = KeyDrivers(n: 8, sums: s, products: p, factors: 2, hasOverall: true, level: 0.95)
        let r1y = Self.pearson(Self.f1, Self.y), r2y = Self.pearson(Self.f2, Self.y), r12 = Self.pearson(Self.f1, Self.f2)
        #expect(abs(try #require(d.drivers[0].r) - r1y) < 1e-12)
        #expect(abs(try #require(d.drivers[1].r) - r2y) < 1e-12)
        let half = 1.959963984540054 / (8.0 - 3).squareRoot()
        #expect(abs(try #require(d.drivers[0].rLower) - tanh(atanh(r1y) - half)) < 1e-12)
        let b1 = (r1y - r12 * r2y) / (1 - r12 * r12), b2 = (r2y - r12 * r1y) / (1 - r12 * r12)
        #expect(abs(try #require(d.drivers[0].beta) - b1) < 1e-12)
        #expect(abs(try #require(d.drivers[1].beta) - b2) < 1e-12)
        #expect(abs(try #require(d.rSquared) - (b1 * r1y + b2 * r2y)) < 1e-12)
        // se(β₁) = √((1 − R²) / (n − 3) / (1 − r₁₂²)) for two standardised predictors.
        let se = ((1 - (b1 * r1y + b2 * r2y)) / 5 / (1 - r12 * r12)).squareRoot()
        #expect(abs(try #require(d.drivers[0].betaSE) - se) < 1e-12)
    }

    @Test("without one: each factor against the mean of the others, and no regression")
    func restOfIndex() throws {
        let f3 = Self.y
        let (s, p) = Self.sums([Self.f1, Self.f2, f3])
        let d = KeyDrivers(n: 8, sums: s, products: p, factors: 3, hasOverall: false, level: 0.95)
        let rest = zip(Self.f2, f3).map { ($0 + $1) / 2 }
        #expect(abs(try #require(d.drivers[0].r) - Self.pearson(Self.f1, rest)) < 1e-12)
        #expect(d.drivers.allSatisfy { $0.beta == nil } && d.rSquared == nil)
    }

    @Test("a constant score has no correlation, and collinear factors no regression")
    func degenerate() {
        let constant = [Double](repeating: 0.5, count: 8)
        let (s, p) = Self.sums([constant, Self.f2, Self.y])
        let d = KeyDrivers(n: 8, sums: s, products: p, factors: 2, hasOverall: true, level: 0.95)
        #expect(d.drivers[0].r == nil && d.rSquared == nil)
        let (s2, p2) = Self.sums([Self.f1, Self.f1, Self.y])
        let twins = KeyDrivers(n: 8, sums: s2, products: p2, factors: 2, hasOverall: true, level: 0.95)
        #expect(twins.drivers[0].r != nil && twins.drivers[0].beta == nil, "the same score twice cannot be separated")
    }
}
