import Foundation
import Stats
import Storage
import SurveyModel
import Testing

/// Issue 16: the estimates go into the database as they stream, in one transaction.
@Suite("Storage: estimates as they stream")
struct EstimatesStorageTests {
    static func row(_ i: Int, _ value: Double?) -> EstimateRow {
        EstimateRow(scope: .unitQuarter, unit: "STP", period: "2024-Q\(1 + i % 4)", subject: "q0\(i % 10)", statistic: "p",
                    method: "unweighted", value: value)
    }

    struct Stop: Error {}

    @Test("rows stream back in the order written, with the meta the stream returned")
    func roundTrip() throws {
        let (db, _) = try DecodingTests.database()
        let rows = (0..<2_500).map { Self.row($0, $0 % 7 == 0 ? nil : Double($0) / 3) }
        try db.replaceEstimates(meta: ["estimates_inputs": "a"]) { insert in
            for row in rows { try insert(row) }
            return ["estimates_rows": "2500", "cells_flagged": "3"]
        }
        var back: [EstimateRow] = []
        try db.forEachEstimate { back.append($0) }
        #expect(back == rows)
        #expect(try db.estimatesCount() == 2_500 && db.flaggedCells() == 3)
        #expect(try db.meta("estimates_inputs") == "a")
    }

    @Test("rows whose cells and terms come back in changing orders, short and long texts, read back as written")
    func numbering() throws {
        let (db, _) = try DecodingTests.database()
        var state: UInt64 = 17
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let scopes: [Scope] = [.unitQuarter, .unitYear, .allQuarter]
        let subjects = ["q01", "q02", "index", "A", "ALL"]
        let statistics = ["n", "p", "p_lower", "index_upper"]
        // Short texts, and longer ones made at run time (stored apart, not inline).
        let methods = ["count", "wilson", "lin_unweighted" + "_logit", String(repeating: "m", count: 3 + 20)]
        var rows: [EstimateRow] = []
        for _ in 0..<3_000 {
            // Mostly the pattern of the cell before, sometimes another term or cell.
            let i = rows.count
            let patterned = next(5) != 0
            rows.append(EstimateRow(
                scope: scopes[patterned ? (i / 40) % 3 : next(3)], unit: ["STP", "SYT"][(i / 120) % 2],
                period: "2024-Q\(1 + (i / 40) % 4)" + (next(10) == 0 ? " vs 2023-Q4" : ""),
                subject: subjects[patterned ? i % 5 : next(5)], statistic: statistics[patterned ? (i / 5) % 4 : next(4)],
                method: methods[patterned ? (i / 20) % 4 : next(4)], value: next(9) == 0 ? nil : Double(i) / 7))
        }
        try db.replaceEstimates(rows, meta: [:])
        var back: [EstimateRow] = []
        try db.forEachEstimate { back.append($0) }
        #expect(back == rows)
    }

    @Test("a failure while the rows stream leaves the previous estimates and their meta as they were")
    func failureKeepsThePrevious() throws {
        let (db, _) = try DecodingTests.database()
        let first = (0..<10).map { Self.row($0, Double($0)) }
        try db.replaceEstimates(first, meta: ["estimates_inputs": "first"])
        #expect(throws: Stop.self) {
            try db.replaceEstimates(meta: ["estimates_inputs": "second"]) { insert in
                for i in 0..<100 { try insert(Self.row(i, 1)) }
                throw Stop()
            }
        }
        var back: [EstimateRow] = []
        try db.forEachEstimate { back.append($0) }
        #expect(back == first)
        #expect(try db.meta("estimates_inputs") == "first")
        // Counted, since the rows variant records no count: the table's own.
        #expect(try db.estimatesCount() == 10)
    }
}
