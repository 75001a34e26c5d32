import Foundation

import SurveyModel

/// The public copy of the estimates (`out/estimates.csv`): a suppressed estimate (flag `Q`)
/// keeps its rows and its flag, but every value computed from its answers is `NA`. Counts
/// stay (forms, answers, answers per level, satisfied and favourable counts): this is
/// suppression for reliability, not for confidentiality, so no complementary suppression
/// is needed (methodology, "Suppression"). The statistician's copy, `work/estimates.csv`,
/// keeps every value.
public enum PublicEstimates {
    /// Statistics that are counts of forms or answers, or flags: published for every estimate.
    public static let countStatistics: Set<String> = ["n", "n_rows", "satisfied", "favourable", "answers", "flag", "sum_w", "n_eff"]

    /// The rows with the values of suppressed estimates replaced by nil (`NA`), in the same order.
    public static func redact(_ rows: [EstimateRow]) -> [EstimateRow] {
        var suppressed = Set<Key>()
        for row in rows where row.statistic == "flag" && row.method == "Q" && row.value == 1 {
            suppressed.insert(Key(scope: row.scope, unit: row.unit, period: row.period, subject: row.subject))
        }
        guard !suppressed.isEmpty else { return rows }
        return rows.map { row in
            guard !countStatistics.contains(row.statistic), row.value != nil, isSuppressed(row, suppressed) else { return row }
            var copy = row
            copy.value = nil
            return copy
        }
    }

    struct Key: Hashable {
        var scope: Scope
        var unit: String
        var period: String
        var subject: String
    }

    /// Whether the row belongs to a suppressed estimate: its own cell's, or for a change
    /// (`2024-Q4 vs 2024-Q3`) either period's (the other value and the difference would give it away).
    static func isSuppressed(_ row: EstimateRow, _ suppressed: Set<Key>) -> Bool {
        let periods = row.period.contains(" vs ")
            ? row.period.components(separatedBy: " vs ") : [row.period]
        return periods.contains { suppressed.contains(Key(scope: row.scope, unit: row.unit, period: $0, subject: row.subject)) }
    }
}
