import Foundation
import Testing

@testable import Report
import Stats
import SurveyModel

/// Issue 16: one summary table feeds summary.csv and summary.xlsx's last sheet (they had
/// drifted: the workbook lacked the year-ago and points columns).
@Suite("One summary table for summary.csv and summary.xlsx")
struct SummaryTableTests {
    @Test("the workbook's last sheet has summary.csv's columns, in its order, and the same rows", arguments: [false, true])
    func sameColumns(points: Bool) throws {
        var input = workbookInput()
        input.survey.rules.publishPoints = points
        let rendered = try ReportRenderer.render(input)
        let csv = String(decoding: rendered.summary.dropFirst(3), as: UTF8.self).split(separator: "\r\n").map(String.init)
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(header.contains("change_year_ago_points"))
        #expect(header.contains("sipas_points") == points)
        let parts = try workbookParts(rendered.workbook)
        let last = try #require(parts.keys.filter { $0.hasPrefix("xl/worksheets/sheet") }
            .max { Int($0.dropFirst(19).dropLast(4))! < Int($1.dropFirst(19).dropLast(4))! })
        let sheet = try #require(parts[last])
        let rows = sheet.components(separatedBy: "<row ").dropFirst()
        let firstRowCells = try #require(rows.first).components(separatedBy: "<c ").count - 1
        #expect(firstRowCells == header.count, "the tidy sheet's header has \(firstRowCells) cells, summary.csv \(header.count)")
        #expect(rows.count == csv.count, "the tidy sheet has \(rows.count) rows, summary.csv \(csv.count)")
        let table = SummaryTable(input, view: ReportView(input))
        #expect(table.columns.map(\.id) == header)
        #expect(table.rows.allSatisfy { $0.count == header.count })
    }
}
