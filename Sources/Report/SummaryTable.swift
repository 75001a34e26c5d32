import Foundation
import Stats
import SurveyModel

/// The summary table: one row per unit (and group, and all units) and period with the
/// headline figures, built once from the published release. `summary.csv` writes it for R
/// and pandas (machine names, percent with a decimal point, a suppressed figure empty) and
/// `summary.xlsx` as its last sheet (words in the release's language, real numbers, `Q`),
/// so the two files hold the same columns in the same order.
struct SummaryTable {
    /// What a cell holds; each file writes it its own way.
    enum Value {
        case text(String)
        /// The all-units row's name: words in the workbook, empty in the CSV file.
        case allUnitsName(String)
        case scope(Scope)
        case period(Period)
        case count(Int?)
        /// A share as a fraction; `suppressed`: the flag Q instead of any number.
        case share(Double?, suppressed: Bool)
        /// A difference of shares (a fraction), shown in percentage points.
        case change(Double?)
        /// Whether a change is significant; nil without an interval.
        case significance(Bool?)
        case integer(Int?)
        /// Points out of 100.
        case score(Double?, suppressed: Bool)
        case target(TargetStatus?)
        case flags(EstimateFlags)
        case method(String)
    }

    struct Column {
        /// summary.csv's header.
        let id: String
        /// summary.xlsx's header.
        let label: String
    }

    let columns: [Column]
    let rows: [[Value]]

    init(_ input: ReportInput, view: ReportView) {
        let survey = input.survey
        let labels = Labels(language: input.language, confidenceLevel: survey.rules.confidenceLevel)
        let vi = input.language == .vi
        var columns: [Column] = [
            Column(id: "scope", label: labels.scopeColumn), Column(id: "unit", label: labels.codeColumn),
            Column(id: "unit_name", label: labels.unitColumn), Column(id: "period", label: labels.periodColumn),
            Column(id: "forms", label: labels.formsColumn), Column(id: "sipas_index_pct", label: labels.indexColumn),
            Column(id: "lower_pct", label: labels.lowerColumn), Column(id: "upper_pct", label: labels.upperColumn),
            Column(id: "change_points", label: labels.changeOnPreviousColumn),
            Column(id: "change_significant", label: labels.significanceColumn),
        ]
        columns += survey.factors.map { Column(id: "factor_\($0.id)_pct", label: "\($0.id): \(vi ? $0.nameVi : $0.nameEn)") }
        columns += survey.qualityItems.map { item in
            Column(id: "\(item.id)_favourable_pct", label: vi ? HTMLReport.nonEmpty(item.favourableVi, item.textVi)
                : HTMLReport.nonEmpty(item.favourableEn, item.textEn))
        }
        columns += [
            Column(id: "rank", label: labels.rankColumn), Column(id: "rank_of", label: labels.rankedColumn),
            Column(id: "rank_group", label: labels.tierColumn), Column(id: "target_status", label: labels.targetStatusColumn),
            Column(id: "flags", label: labels.flagColumn), Column(id: "index_method", label: labels.methodColumn),
            Column(id: "change_year_ago_points", label: labels.changeOnYearAgo),
            Column(id: "change_year_ago_significant", label: labels.significanceColumn),
        ]
        let points = survey.rules.publishPoints
        if points {
            columns += [Column(id: "sipas_points", label: labels.pointsColumn), Column(id: "points_lower", label: labels.pointsLowerColumn),
                        Column(id: "points_upper", label: labels.pointsUpperColumn)]
        }
        self.columns = columns
        let names = Dictionary(input.units.map { ($0.code, $0.name(in: input.language)) }, uniquingKeysWith: { a, _ in a })
        let allUnits = labels.allUnits(survey.rules.aggregation)
        var rows: [[Value]] = []
        // A breakdown's domains have a sheet of their own in summary.xlsx (and rows in
        // estimates.csv): not here, where a row is a unit or all units.
        for key in view.published.keys where key.scope.channel == nil && !key.scope.isDomain {
            let cell = view.published.cells[key]!
            func share(_ e: Estimate?) -> Value { .share(e?.value, suppressed: e?.isSuppressed ?? false) }
            // A change of a suppressed index is not published (`PublishedCell` drops it).
            func change(_ c: Change?) -> [Value] { [.change(c?.diff), .significance(c?.isSignificant)] }
            let name: Value = key.scope.isAllUnits ? .allUnitsName(allUnits) : .text(names[key.unit] ?? "")
            var row: [Value] = [.scope(key.scope), .text(key.unit.code), name, .period(key.period), .count(cell.forms)]
            row += [share(cell.index), .share(cell.index.lower, suppressed: cell.index.isSuppressed),
                    .share(cell.index.upper, suppressed: cell.index.isSuppressed)]
            row += change(cell.changeOnPrevious)
            row += survey.factors.map { share(cell.factors[$0.id]) }
            row += survey.qualityItems.map { share(cell.items[$0.id]) }
            row += [.integer(cell.rank?.position), .integer(cell.rank?.of), .integer(cell.rank?.tier), .target(cell.target),
                    .flags(cell.flags), .method(cell.index.method)]
            row += change(cell.changeOnYearAgo)
            if points {
                let e = cell.points[overallIndexID]
                let hidden = e?.isSuppressed ?? false
                row += [.score(e?.value, suppressed: hidden), .score(e?.lower, suppressed: hidden), .score(e?.upper, suppressed: hidden)]
            }
            rows.append(row)
        }
        self.rows = rows
    }
}
