import Stats
import Storage
import SurveyModel

extension Pipeline {
    /// What `stats` estimates from, out of the stored tallies: each atom's sums (unit ×
    /// quarter × channel) and each of its breakdowns' domains, inside the survey window. Forms
    /// dated outside it (a typed 2204 for 2024) stay out of the estimates (`outside`); `check`
    /// reports them. `latestDate`: the last day with a form.
    func statsSums(_ db: SurveyDatabase, tally read: FormTally? = nil) throws -> (
        atoms: [AtomKey: CellSums], domains: [DomainAtom: CellSums], outside: Int, latestDate: String
    ) {
        let window = CheckAccumulator(survey: folder.survey)
        var atoms: [AtomKey: CellSums] = [:]
        var domains: [DomainAtom: CellSums] = [:]
        var outside = 0
        var latestDate = ""
        let tally = try read ?? db.tallies()
        for (key, atom) in tally.atoms {
            guard window.isInWindow(key.quarter) else {
                outside += atom.forms
                continue
            }
            atoms[key] = atom.sums
            for (slot, sums) in atom.domains { domains[DomainAtom(atom: key, domain: tally.layout.domainKeys[slot])] = sums }
            if let date = atom.latestDate(in: key.quarter), date > latestDate { latestDate = date }
        }
        return (atoms, domains, outside, latestDate)
    }
}
