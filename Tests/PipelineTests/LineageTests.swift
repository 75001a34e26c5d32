import Foundation
import Stages
import Testing

/// A province that changes (issue 17): units.csv `valid_from`, `valid_to`, `predecessors`.
///
/// The example reorganised from 2024-Q3: SXD and SNV merge into XN, STP is renamed TP2, NEW
/// starts in 2024-Q4 (no forms yet). The example's forms are left as they are, so those of
/// SXD, SNV and STP dated from 2024-Q3 name units that had ceased. Two independent
/// computations to compare with: the same forms read as if they had always carried the
/// successors' codes (units.csv aliases), and the example as it was (no reorganisation).
@Suite("Units that merge, are renamed, start and cease")
struct LineageTests {
    static let reorganised = """
        code,name_vi,name_en,valid_from,valid_to,predecessors
        STP,Sở Tư pháp,Department of Justice,,2024-Q2,
        TP2,Sở Tư pháp và Hộ tịch,Department of Justice and Civil Status,2024-Q3,,STP
        SYT,Sở Y tế,Department of Health,,,
        SXD,Sở Xây dựng,Department of Construction,,2024-Q2,
        SNV,Sở Nội vụ,Department of Home Affairs,,2024-Q2,
        XN,Sở Xây dựng và Nội vụ,Department of Construction and Home Affairs,2024-Q3,,SXD;SNV
        NEW,Sở Mới,New Department,2024-Q4,,

        """

    /// Every form of SXD and SNV read as XN's, every form of STP as TP2's: the survey with
    /// the predecessors' forms relabelled to the successor's code.
    static let relabelled = """
        code,name_vi,name_en,aliases
        TP2,Sở Tư pháp và Hộ tịch,Department of Justice and Civil Status,STP;Sở Tư pháp;Department of Justice
        SYT,Sở Y tế,Department of Health,
        XN,Sở Xây dựng và Nội vụ,Department of Construction and Home Affairs,SXD;SNV;Sở Xây dựng;Sở Nội vụ;Department of Construction;Department of Home Affairs

        """

    /// The example without population.csv (so without weighted figures, whose strata differ
    /// between a pooled unit and a relabelled one), with `units` as units.csv.
    func example(units: String?) throws -> URL {
        let folder = try copyFixture("example")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("population.csv"))
        if let units { try units.write(to: folder.appendingPathComponent("units.csv"), atomically: true, encoding: .utf8) }
        return folder
    }

    func run(_ folder: URL) throws -> (estimates: [String: String], outcome: RunOutcome) {
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        return (try readEstimates(folder.appendingPathComponent("work/estimates.csv").path), outcome)
    }

    static func close(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return a == b }
        guard let x = Double(a), let y = Double(b) else { return a == b }
        return abs(x - y) <= 1e-12 * max(1, abs(y))
    }

    @Test("a merged or renamed unit's figures before it existed are its predecessors' forms pooled, as if relabelled; every form counts once")
    func pooledEqualsRelabelled() throws {
        let (a, outcome) = try run(try example(units: Self.reorganised))
        let (b, _) = try run(try example(units: Self.relabelled))
        let (c, _) = try run(try example(units: nil))
        // The successors' every figure and change, in every period, as in the relabelled survey.
        var compared = 0
        for (key, value) in b {
            let unit = key.split(separator: ",")[1]
            guard unit == "XN" || unit == "TP2" else { continue }
            guard !key.contains(",rank") && !key.contains("group_rank") else { continue }
            #expect(Self.close(a[key], value), "\(key): reorganised \(a[key] ?? "missing"), relabelled \(value)")
            compared += 1
        }
        #expect(compared > 2000)
        // The changes across the reorganisation are published: XN 2024-Q3 on 2024-Q2 and on
        // 2023-Q3, and the year 2024 (XN's own half and its predecessors' half) on 2023.
        for period in ["2024-Q3 vs 2024-Q2", "2024-Q3 vs 2023-Q3", "2024 vs 2023"] {
            let scope = period.hasPrefix("2024 ") ? "unit_year" : "unit_quarter"
            #expect(a["\(scope),XN,\(period),index,diff,unweighted"] != nil, "\(period)")
        }
        // All units: each form once, as before the reorganisation.
        var all = 0
        for (key, value) in c where key.hasPrefix("all_") && !key.contains("unit_mean") {
            #expect(Self.close(a[key], value), "\(key): reorganised \(a[key] ?? "missing"), as it was \(value)")
            all += 1
        }
        #expect(all > 1000)
        // What was published for the ceased units before they ceased does not change.
        var before = 0
        for (key, value) in c {
            let f = key.split(separator: ",", omittingEmptySubsequences: false)
            guard ["SXD", "SNV", "STP"].contains(f[1]), f[0].hasPrefix("unit_"), !f[4].hasPrefix("rank"),
                ["2023", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"].contains(String(f[2])) else { continue }
            #expect(a[key] == value, "\(key): reorganised \(a[key] ?? "missing"), as it was \(value)")
            before += 1
        }
        #expect(before > 1000)
        // A ceased unit's part of 2024 is not compared with its whole 2023.
        #expect(a["unit_year,SXD,2024,index,index,unweighted"] != nil)
        #expect(a["unit_year,SXD,2024 vs 2023,index,diff,unweighted"] == nil)
        // Ranks within the structure at the period's end: four units until 2024-Q2, three after;
        // the year 2024 ranks the units of its end, not the ceased ones beside them.
        #expect(a["unit_quarter,SXD,2024-Q2,index,rank_of,units_ranked"] == "4")
        #expect(a["unit_quarter,XN,2024-Q2,index,rank,unweighted"] == nil)
        #expect(a["unit_quarter,XN,2024-Q3,index,rank_of,units_ranked"] == "3")
        #expect(a["unit_year,XN,2024,index,rank_of,units_ranked"] == "3")
        #expect(a["unit_year,SXD,2024,index,rank,unweighted"] == nil)
        // A rank moves within one structure only: none across the reorganisation.
        #expect(a["unit_year,SYT,2024,index,rank_change,previous_period"] == nil)
        #expect(a["unit_quarter,SYT,2024-Q3,index,rank_change,previous_period"] == nil)
        #expect(a["unit_quarter,SYT,2024-Q2,index,rank_change,previous_period"] != nil)
        // Nobody is asked for forms of a unit that does not exist; NEW, starting in the latest
        // quarter without forms yet, is told in the log.
        #expect(!outcome.verdict.attention.contains { $0.contains("no accepted form") }, "\(outcome.verdict.attention)")
        #expect(outcome.verdict.exitStatus != .needsAttention, "\(outcome.verdict.attention)")
        // The report's files show a unit only where it exists: XN's pooled quarters are the
        // base of its changes in estimates.csv, not its own figures in summary.csv.
        let summary = try String(contentsOf: outcome.outDirectory.appendingPathComponent("summary.csv"), encoding: .utf8)
        #expect(!summary.contains("unit_quarter,XN,Sở Xây dựng và Nội vụ,2024-Q2,"))
        #expect(!summary.contains("unit_year,XN,Sở Xây dựng và Nội vụ,2023,"))
        #expect(summary.contains("unit_quarter,XN,Sở Xây dựng và Nội vụ,2024-Q3,"))
        #expect(summary.contains("unit_year,XN,Sở Xây dựng và Nội vụ,2024,"))
        // Every form of a ceased unit dated after it ceased counted for its successor.
        #expect(outcome.ingest.counts.accepted == (try run(try example(units: nil))).outcome.ingest.counts.accepted)
    }

    /// The example where, from 2024-Q3, SYT is split into SYT1 and SYT2 (its forms there now
    /// name one or the other) and STP ceases with no successor (it sends no more forms).
    func splitAndCeased() throws -> URL {
        let folder = try example(units: """
            code,name_vi,name_en,valid_from,valid_to,predecessors
            STP,Sở Tư pháp,Department of Justice,,2024-Q2,
            SYT,Sở Y tế,Department of Health,,2024-Q2,
            SYT1,Sở Y tế (khối bệnh viện),Department of Health (hospitals),2024-Q3,,SYT
            SYT2,Sở Y tế (khối dự phòng),Department of Health (prevention),2024-Q3,,SYT
            SXD,Sở Xây dựng,Department of Construction,,,
            SNV,Sở Nội vụ,Department of Home Affairs,,,

            """)
        for name in ["paper/2024-Q3.csv", "paper/2024-Q4.csv", "portal/2024-Q3.jsonl", "portal/2024-Q4.jsonl"] {
            let url = folder.appendingPathComponent("inbox/" + name)
            var n = 0
            let lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n").compactMap { line -> String? in
                if line.contains(",STP,") || line.contains("\"unit\": \"STP\"") { return nil }
                n += 1
                let successor = n % 2 == 0 ? "SYT1" : "SYT2"
                return line.replacingOccurrences(of: ",SYT,", with: ",\(successor),")
                    .replacingOccurrences(of: "\"unit\": \"SYT\"", with: "\"unit\": \"\(successor)\"")
            }
            try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test("a split is not compared with the unit it came from; a ceased unit raises no alarm; nights exit 0 or 1")
    func splitAndCease() throws {
        let folder = try splitAndCeased()
        let (e, outcome) = try run(folder)
        #expect(outcome.verdict.exitStatus != .needsAttention, "\(outcome.verdict.attention)")
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(!rejects.contains("ceased") && !rejects.contains("split"), "every form names a unit that exists on its date")
        // The successors of a split have figures from their first quarter, and no change across it.
        #expect(e["unit_quarter,SYT1,2024-Q3,index,index,unweighted"] != nil)
        #expect(e["unit_quarter,SYT1,2024-Q2,index,index,unweighted"] == nil)
        #expect(e["unit_quarter,SYT1,2024-Q3 vs 2024-Q2,index,diff,unweighted"] == nil)
        #expect(e["unit_quarter,SYT1,2024-Q4 vs 2024-Q3,index,diff,unweighted"] != nil)
        // Ranked within the structure of the period's end: SXD, SNV, SYT1, SYT2.
        #expect(e["unit_quarter,SYT1,2024-Q4,index,rank_of,units_ranked"] == "4")
        #expect(e["unit_year,STP,2024,index,rank,unweighted"] == nil)
        // No check of a unit where it does not exist.
        let checks = try String(contentsOf: folder.appendingPathComponent("out/checks.csv"), encoding: .utf8)
        #expect(!checks.contains("STP,2024-Q3,") && !checks.contains("STP,2024-Q4,"))
        #expect(!checks.contains("SYT1,2024-Q2,") && !checks.contains("SYT,2024-Q3,"))
        #expect(checks.contains("SYT1,2024-Q3,plan_minimum"))
        // The page lists STP apart in 2024, part of the year, and SYT1 among the ranked units.
        let page = try String(contentsOf: folder.appendingPathComponent("out/report.en.html"), encoding: .utf8)
        #expect(page.contains("ceased after 2024 Q2: part of the year, not ranked"), "the ceased unit's note")
        #expect(page.contains("A unit split from an earlier one is not compared with it"), "the method note")
    }
}
