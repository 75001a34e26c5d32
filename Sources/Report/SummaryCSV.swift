import Foundation
import Stats
import SurveyModel

/// `summary.csv`: one row per unit (and all units) and period with the headline figures,
/// for spreadsheet users. UTF-8 with a byte-order mark so that Excel shows Vietnamese;
/// numbers in percent with a decimal point; a suppressed (Q) figure is left empty.
enum SummaryCSV {
    static func render(_ table: SummaryTable) -> Data {
        var lines = [table.columns.map(\.id).joined(separator: ",")]
        for row in table.rows { lines.append(row.map { CSVField.quote(text($0)) }.joined(separator: ",")) }
        return Data([0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
    }

    /// A value as summary.csv writes it: machine names, percent and points with a decimal
    /// point and two decimals; a suppressed (Q) or undefined figure is empty.
    static func text(_ value: SummaryTable.Value) -> String {
        func fixed(_ v: Double?) -> String { v.flatMap { $0.isFinite ? NumberText.fixed($0, decimals: 2) : nil } ?? "" }
        switch value {
        case .text(let s): return CSVField.formulaSafe(s)
        case .allUnitsName: return ""
        case .scope(let scope): return scope.rawValue
        case .period(let p): return p.description
        case .count(let n), .integer(let n): return n.map(String.init) ?? ""
        case .share(let v, let suppressed): return suppressed ? "" : fixed(v.map { $0 * 100 })
        case .change(let d): return fixed(d.map { $0 * 100 })
        case .significance(let s): return s.map { $0 ? "yes" : "no" } ?? ""
        case .score(let v, let suppressed): return suppressed ? "" : fixed(v)
        case .target(let t): return t?.rawValue ?? ""
        case .flags(let f): return f.codes.joined(separator: " ")
        case .method(let m): return m
        }
    }
}

extension SummaryCSV: ReportOutput {
    static let file = ReleaseFile(
        name: "summary.csv", stage: "report", vi: "bảng tổng hợp dạng CSV gọn (tidy), dấu thập phân là dấu chấm",
        en: "tidy summary table as CSV, decimal point", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? { render(release.summary) }
}
