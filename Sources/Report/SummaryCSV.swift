import Foundation
import Stats
import SurveyModel

/// `summary.csv`: one row per unit (and all units) and period with the headline figures,
/// for spreadsheet users. UTF-8 with a byte-order mark so that Excel shows Vietnamese;
/// numbers in percent with a decimal point; a suppressed (Q) figure is left empty.
enum SummaryCSV {
    static func render(_ input: ReportInput, view: ReportView) -> Data {
        let lookup = view.lookup
        let survey = input.survey
        let publication = Publication(survey: survey)
        let factors = survey.factors.map(\.id)
        let quality = survey.qualityItems.map(\.id)
        var header = ["scope", "unit", "unit_name", "period", "forms", "sipas_index_pct", "lower_pct", "upper_pct",
                      "change_points", "change_significant"]
        header += factors.map { "factor_\($0)_pct" }
        header += quality.map { "\($0)_favourable_pct" }
        header += ["rank", "rank_of", "rank_group", "target_status", "flags", "index_method"]
        var lines = [header.joined(separator: ",")]
        let names = Dictionary(input.units.map { ($0.code, $0.name(in: input.language)) }, uniquingKeysWith: { a, _ in a })
        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f", $0 * 100) } ?? "" }
        for cell in view.cells {
            let period = cell.period.description
            let suppressed = lookup.flagged(cell.scope, cell.unit, period, overallIndexID, "Q")
            let p = publication.publishedIndex(lookup, cell.scope, cell.unit, period, overallIndexID)
            let label = "\(cell.period) vs \(cell.period.previous)"
            let change = publication.publishedChange(lookup, cell.scope, cell.unit, label, overallIndexID)
            var significant = ""
            if let lo = change.lower, let hi = change.upper { significant = (lo > 0 || hi < 0) ? "yes" : "no" }
            let forms = lookup.value(cell.scope, cell.unit, period, "ALL", "n_rows", "count").map { String(Int($0)) } ?? ""
            let name: String = cell.unit == allUnitsCode ? "" : (names[cell.unit] ?? "")
            let changeText: String = change.diff.map { String(format: "%.2f", $0 * 100) } ?? ""
            var row: [String] = [cell.scope.rawValue, cell.unit, CSVField.formulaSafe(name), period, forms]
            if suppressed {
                row += ["", "", "", "", ""]
            } else {
                row += [pct(p.value), pct(p.lower), pct(p.upper), changeText, significant]
            }
            for f in factors {
                let hidden = lookup.flagged(cell.scope, cell.unit, period, f, "Q")
                row.append(hidden ? "" : pct(publication.publishedIndex(lookup, cell.scope, cell.unit, period, f).value))
            }
            for q in quality {
                let hidden = lookup.flagged(cell.scope, cell.unit, period, q, "Q")
                row.append(hidden ? "" : pct(lookup.value(cell.scope, cell.unit, period, q, "p", "unweighted")))
            }
            let measure = survey.rules.indexMeasure.indexMethod
            row.append(lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank", measure).map { String(Int($0)) } ?? "")
            row.append(lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank_of", "units_ranked").map { String(Int($0)) } ?? "")
            row.append(lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank_group", "interval_overlap").map { String(Int($0)) } ?? "")
            let target = publication.targetStatus(lookup, cell.scope, cell.unit, period)?.rawValue ?? ""
            row.append(target)
            let flags = ["Q", "U"].filter { lookup.flagged(cell.scope, cell.unit, period, overallIndexID, $0) }
                + (lookup.flagged(cell.scope, cell.unit, period, "ALL", "I") ? ["I"] : [])
            row.append(flags.joined(separator: " "))
            row.append(p.method)
            lines.append(row.map(CSVField.quote).joined(separator: ","))
        }
        return Data([0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
    }
}
