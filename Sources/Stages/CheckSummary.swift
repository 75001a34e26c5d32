import Stats
import SurveyModel

/// The readable summary `check` and `run` print on standard output.
public enum CheckSummary {
    public static func text(_ outcome: CheckOutcome) -> String {
        let cells = Set(outcome.results.map { CellOfCheck(unit: $0.unit, period: $0.period) }).count
        var lines = ["Checks: \(outcome.results.count) on \(cells) unit x period cells; "
            + "\(outcome.failed.count) failed, \(outcome.results.filter { $0.status == .warn }.count) warnings."]
        let notable = outcome.results.filter { $0.status != .pass }
        for c in notable.prefix(40) {
            let subject = c.subject == wholeCellSubject ? "" : " \(c.subject)"
            lines.append("  \(c.status.rawValue.uppercased()) \(c.unit) \(c.period) \(c.check)\(subject): \(c.message)")
        }
        if notable.count > 40 { lines.append("  ... \(notable.count - 40) more in checks.csv") }
        return lines.joined(separator: "\n")
    }
}

/// A unit × period cell of the checks, counted without wording it.
private struct CellOfCheck: Hashable {
    let unit: UnitCode
    let period: Period
}
