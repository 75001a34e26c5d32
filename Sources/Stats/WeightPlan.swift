import SurveyModel

/// Population weights and the designs they define.
///
/// w = N(unit, channel, period) / n(unit, channel, period), with n the accepted forms of that
/// unit, channel and period. The period is the population row's: a year row gives one design
/// per year (as the reference), quarter rows one design per quarter. Within each unit and
/// period the weights sum to the unit's dossiers and reproduce its paper/online mix.
public struct WeightPlan: Sendable {
    public let weights: [AtomKey: Double]
    /// The weighted designs: batch = the population's period, post-strata unit × channel × period.
    public let design: DesignVariance
    /// Strata that could not be weighted, in words, for the log.
    public let problems: [String]

    /// - Returns: nil when there is no population at all.
    public static func make(formsPerAtom: [AtomKey: Int], population: [PopulationCount]) -> WeightPlan? {
        guard !population.isEmpty else { return nil }
        let quarterly = population.contains { $0.period.isQuarter }
        let batchOf: @Sendable (AtomKey) -> Period
        if quarterly {
            batchOf = { atom in atom.quarter }
        } else {
            batchOf = { atom in atom.quarter.yearPeriod }
        }
        var dossiers: [StratumKey: Double] = [:]
        for row in population where row.period.isQuarter == quarterly {
            dossiers[StratumKey(unit: row.unit, channel: row.channel, period: row.period)] = row.dossiers
        }
        var stratumForms: [StratumKey: Int] = [:]
        var batchForms: [Period: Int] = [:]
        for (atom, forms) in formsPerAtom {
            let period = batchOf(atom)
            stratumForms[StratumKey(unit: atom.unit, channel: atom.channel, period: period), default: 0] += forms
            batchForms[period, default: 0] += forms
        }
        var weights: [AtomKey: Double] = [:]
        var problems: [String] = []
        for atom in formsPerAtom.keys.sorted() {
            let key = StratumKey(unit: atom.unit, channel: atom.channel, period: batchOf(atom))
            if let bigN = dossiers[key], bigN > 0, let n = stratumForms[key], n > 0 {
                weights[atom] = bigN / Double(n)
            }
        }
        for key in stratumForms.keys.sorted() where dossiers[key] == 0 {
            problems.append("unit \(key.unit), channel \(key.channel), \(key.period) has forms but 0 dossiers in population.csv: its cells have no weighted estimates")
        }
        for key in Set(stratumForms.keys).subtracting(dossiers.keys).sorted() {
            problems.append("no population for unit \(key.unit), channel \(key.channel), \(key.period): its cells have no weighted estimates")
        }
        for key in Set(dossiers.keys).subtracting(stratumForms.keys).sorted() where batchForms[key.period] != nil {
            problems.append("unit \(key.unit), channel \(key.channel), \(key.period) has dossiers but no forms: it is not represented in the weighted estimates")
        }
        return WeightPlan(
            weights: weights,
            design: DesignVariance(batchOf: batchOf, batchForms: batchForms, stratumForms: stratumForms),
            problems: problems)
    }
}
