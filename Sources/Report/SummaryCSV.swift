import Foundation
import Stats
import SurveyModel

/// `summary.csv`: one row per unit (and all units) and period with the headline figures,
/// for spreadsheet users. UTF-8 with a byte-order mark so that Excel shows Vietnamese;
/// numbers in percent with a decimal point; a suppressed (Q) figure is left empty.
enum SummaryCSV {
    static func render(_ input: ReportInput, view: ReportView) -> Data {
        let survey = input.survey
        let factors = survey.factors.map(\.id)
        let quality = survey.qualityItems.map(\.id)
        var header = ["scope", "unit", "unit_name", "period", "forms", "sipas_index_pct", "lower_pct", "upper_pct",
                      "change_points", "change_significant"]
        header += factors.map { "factor_\($0)_pct" }
        header += quality.map { "\($0)_favourable_pct" }
        header += ["rank", "rank_of", "rank_group", "target_status", "flags", "index_method",
                   "change_year_ago_points", "change_year_ago_significant"]
        // With [points] publish: the SIPAS index in points out of 100 (not percent).
        let points = survey.rules.publishPoints
        if points { header += ["sipas_points", "points_lower", "points_upper"] }
        var lines = [header.joined(separator: ",")]
        let names = Dictionary(input.units.map { ($0.code, $0.name(in: input.language)) }, uniquingKeysWith: { a, _ in a })
        // A suppressed figure has no value in the published cell: its field stays empty.
        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f", $0 * 100) } ?? "" }
        func change(_ c: Change?) -> [String] {
            [c?.diff.map { String(format: "%.2f", $0 * 100) } ?? "", c?.isSignificant.map { $0 ? "yes" : "no" } ?? ""]
        }
        for key in view.published.keys where key.scope.channel == nil {
            let cell = view.published.cells[key]!
            let name: String = key.unit == allUnitsCode ? "" : (names[key.unit] ?? "")
            var row: [String] = [key.scope.rawValue, key.unit, CSVField.formulaSafe(name), key.period.description, String(cell.forms)]
            row += [pct(cell.index.value), pct(cell.index.lower), pct(cell.index.upper)] + change(cell.changeOnPrevious)
            row += factors.map { pct(cell.factors[$0]?.value) }
            row += quality.map { pct(cell.items[$0]?.value) }
            row += [cell.rank.map { String($0.position) } ?? "", cell.rank.map { String($0.of) } ?? "",
                    cell.rank.map { String($0.tier) } ?? "", cell.target?.rawValue ?? "",
                    cell.flags.codes.joined(separator: " "), cell.index.method]
            row += change(cell.changeOnYearAgo)
            if points {
                let e = cell.points[overallIndexID]
                row += [e?.value, e?.lower, e?.upper].map { $0.map { String(format: "%.2f", $0) } ?? "" }
            }
            lines.append(row.map(CSVField.quote).joined(separator: ","))
        }
        return Data([0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
    }
}

extension SummaryCSV: ReportOutput {
    static let file = ReleaseFile(
        name: "summary.csv", stage: "report", vi: "bảng tổng hợp dạng CSV gọn (tidy), dấu thập phân là dấu chấm",
        en: "tidy summary table as CSV, decimal point", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? { render(release.input, view: release.view) }
}
