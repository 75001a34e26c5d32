import Stats
import Storage
import SurveyModel

/// What `check` found.
public struct CheckOutcome: Sendable {
    /// Every check, when they were evaluated in this run (nil: summarised from storage).
    public var results: [CheckResult]?
    /// How many checks there are, and the unit × period cells they cover.
    public var count: Int
    public var cells: Int
    /// The checks that did not pass (failed and warnings), in checks.csv's order.
    public var notPassed: [CheckResult]
    public var failed: [CheckResult] { notPassed.filter { $0.status == .fail } }
    public var warnings: Int { notPassed.filter { $0.status == .warn }.count }
    public var anyFailed: Bool { notPassed.contains { $0.status == .fail } }

    /// The outcome of checks evaluated now.
    public init(results: [CheckResult]) {
        self.results = results
        count = results.count
        cells = Set(results.map { CellOfCheck(unit: $0.unit, period: $0.period) }).count
        notPassed = results.filter { $0.status != .pass }
    }

    /// The outcome of the stored checks, without reading those that passed (every nightly run
    /// asks, and a province has tens of thousands).
    init(stored db: SurveyDatabase) throws {
        let digest = try db.checkDigest()
        results = nil
        count = digest.count
        cells = digest.cells
        notPassed = digest.notPassed
    }
}

/// The readable summary `check` and `run` print on standard output.
public enum CheckSummary {
    public static func text(_ outcome: CheckOutcome) -> String {
        var lines = ["Checks: \(outcome.count) on \(outcome.cells) unit x period cells; "
            + "\(outcome.failed.count) failed, \(outcome.warnings) warnings."]
        let notable = outcome.notPassed
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
