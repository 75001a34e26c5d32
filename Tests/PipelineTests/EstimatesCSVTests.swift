import Foundation
import Testing

@testable import Stages
import Stats

@Suite("estimates.csv written as rows come")
struct EstimatesCSVTests {
    @Test("a value is written as sprintf(\"%.12g\") writes it, NA for nil and what is not finite")
    func values() {
        let values: [Double?] = [nil, 0, -0.0, 1, -1, 0.1, 1.0 / 3, 2.0 / 3, 1e-300, -2.5e-7, 123456789012345, 0.999999999999,
                                 .nan, .infinity, -.infinity, 5e-324, 0.952380952380952, 1e21,
                                 // whole numbers, written without printf up to 12 digits
                                 7, 60, -42, 1200, 999_999_999_999, -999_999_999_999, 1e12, 1e12 + 1, 123_456_789_012, 4503599627370497]
        for value in values {
            var bytes: [UInt8] = []
            EstimatesCSV.append(value, to: &bytes)
            let expected: String
            if let value, value.isFinite { expected = value == 0 ? "0" : String(format: "%.12g", value) } else { expected = "NA" }
            #expect(String(decoding: bytes, as: UTF8.self) == expected, "\(String(describing: value))")
        }
    }

    @Test("both copies are the rows' lines; the public one with the values shown; nothing in place until commit")
    func copies() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let work = dir.appendingPathComponent("work/estimates.csv").path
        let published = dir.appendingPathComponent("out/estimates.csv").path
        let rows = [
            EstimateRow(scope: .unitQuarter, unit: "STP", period: "2024-Q1", subject: "q01", statistic: "p", method: "unweighted", value: 0.75),
            EstimateRow(scope: .allYear, unit: "ALL", period: "2024 vs 2023", subject: "index", statistic: "diff", method: "unweighted", value: -0.0125),
            EstimateRow(scope: .groupQuarter, unit: "NC", period: "2024-Q2", subject: "ALL", statistic: "n_rows", method: "count", value: nil),
            // Longer than the line's first memory, then short again in the same cell.
            EstimateRow(scope: .groupQuarter, unit: "NC", period: "2024-Q2", subject: String(repeating: "f", count: 300),
                        statistic: "index", method: String(repeating: "m", count: 700), value: 0.125),
            EstimateRow(scope: .groupQuarter, unit: "NC", period: "2024-Q2", subject: "q02", statistic: "p", method: "wilson", value: 1e-300),
        ]
        let csv = try EstimatesCSV(work: work, published: published)
        for (i, row) in rows.enumerated() { try csv.write(row, shown: i == 0 ? nil : row.value) }
        #expect(!FileManager.default.fileExists(atPath: work) && !FileManager.default.fileExists(atPath: published))
        try csv.commit()
        let all = EstimateRow.csvHeader + "\n" + rows.map { $0.csvLine + "\n" }.joined()
        #expect(try String(contentsOfFile: work, encoding: .utf8) == all)
        var shown = rows
        shown[0].value = nil
        #expect(try String(contentsOfFile: published, encoding: .utf8) == EstimateRow.csvHeader + "\n" + shown.map { $0.csvLine + "\n" }.joined())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path) == ["estimates.csv"])
    }

    @Test("an abandoned write leaves nothing behind")
    func abandon() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try EstimatesCSV(work: dir.appendingPathComponent("a.csv").path, published: dir.appendingPathComponent("b.csv").path)
        try csv.write(EstimateRow(scope: .unitYear, unit: "X", period: "2024", subject: "q01", statistic: "n", method: "count", value: 3), shown: 3)
        csv.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
