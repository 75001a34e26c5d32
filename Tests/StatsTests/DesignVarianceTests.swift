import Foundation
import Testing

@testable import Stats
import SurveyModel

@Suite("the design variance from atoms' influence parts")
struct DesignVarianceTests {
    /// Atoms of three units, two channels, two quarters of two years; batches are years.
    static let atoms: [AtomKey] = {
        var atoms: [AtomKey] = []
        for unit in ["A", "B", "C"] {
            for (year, quarter) in [(2023, 4), (2024, 1), (2024, 2)] {
                for channel in Channel.allCases { atoms.append(AtomKey(unit: UnitCode(unit), quarter: Period(year: year, quarter: quarter), channel: channel)) }
            }
        }
        return atoms
    }()

    static func design() -> DesignVariance {
        var batchForms: [Period: Int] = [:]
        var stratumForms: [StratumKey: Int] = [:]
        for (i, atom) in atoms.enumerated() {
            batchForms[atom.quarter.yearPeriod, default: 0] += 10 + i
            stratumForms[StratumKey(unit: atom.unit, channel: atom.channel, period: atom.quarter.yearPeriod), default: 0] += 10 + i
        }
        return DesignVariance(batchOf: { $0.quarter.yearPeriod }, batchForms: batchForms, stratumForms: stratumForms)
    }

    static func parts(_ atoms: [AtomKey], seed: Double) -> [InfluencePart] {
        atoms.enumerated().map { i, atom in
            InfluencePart(atom: atom, sum: sin(seed + Double(i)) * 0.3, squares: 0.05 + abs(cos(seed * 2 + Double(i))) * 0.2)
        }
    }

    /// The formula of `DesignVariance`, written out independently.
    static func formula(_ parts: [InfluencePart], _ design: DesignVariance, poststratified: Bool) -> Double {
        var total = 0.0
        for batch in Set(parts.map { $0.atom.quarter.yearPeriod }) {
            let members = parts.filter { $0.atom.quarter.yearPeriod == batch }
            let n = Double(design.batchForms[batch]!)
            var inner = members.map(\.squares).reduce(0, +)
            if poststratified {
                for stratum in Set(members.map { design.stratum(of: $0.atom) }) {
                    let s = members.filter { design.stratum(of: $0.atom) == stratum }.map(\.sum).reduce(0, +)
                    inner -= s * s / Double(design.stratumForms[stratum]!)
                }
            } else {
                let s = members.map(\.sum).reduce(0, +)
                inner -= s * s / n
            }
            total += n / (n - 1) * max(0, inner)
        }
        return total
    }

    @Test("equals the formula, fixed and post-stratified")
    func formula() {
        let design = Self.design()
        for seed in [0.0, 1.3, 2.7] {
            let parts = Self.parts(Self.atoms, seed: seed)
            for poststratified in [false, true] {
                let v = design.variance(parts, poststratified: poststratified)
                let expected = Self.formula(parts, design, poststratified: poststratified)
                #expect(abs(v - expected) <= 1e-12 * max(1, expected), "seed \(seed), poststratified \(poststratified): \(v) vs \(expected)")
                #expect(v > 0)
            }
        }
    }

    @Test("the same bits whatever the order of the parts, and whichever atoms were asked about before")
    func orderAndMemo() {
        let design = Self.design()
        let parts = Self.parts(Self.atoms, seed: 0.4)
        let fresh = Self.design().variance(parts, poststratified: true)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            #expect(design.variance(parts.shuffled(using: &generator), poststratified: true).bitPattern == fresh.bitPattern)
            // Another cell's atoms in between: the plan kept for the last atoms must not be reused.
            let other = Self.parts(Array(Self.atoms.prefix(7)), seed: 0.9)
            #expect(design.variance(other, poststratified: true).bitPattern == Self.design().variance(other, poststratified: true).bitPattern)
            // Same atoms, other values: the plan is reused, the sums are new.
            let moved = Self.parts(Self.atoms, seed: 5.1)
            #expect(abs(design.variance(moved, poststratified: false) - Self.formula(moved, design, poststratified: false)) <= 1e-12)
        }
    }

    @Test("a batch of one form has no variance")
    func singleForm() {
        let atom = AtomKey(unit: "A", quarter: Period(year: 2024, quarter: 1), channel: .paper)
        let design = DesignVariance(
            batchOf: { $0.quarter.yearPeriod }, batchForms: [Period(year: 2024): 1],
            stratumForms: [StratumKey(unit: "A", channel: .paper, period: Period(year: 2024)): 1])
        #expect(design.variance([InfluencePart(atom: atom, sum: 0.1, squares: 0.2)], poststratified: true).isNaN)
    }
}
