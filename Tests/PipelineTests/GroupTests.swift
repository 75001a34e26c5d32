import Foundation
import Stages
import Testing

/// Unit groups: `[[groups]]` in survey.toml and a `group` column in units.csv give group
/// aggregates, rankings within each group and one ranking table per group.
@Suite("Unit groups")
struct GroupTests {
    /// The example with two groups: SNV and STP in "NC" (nội chính), SXD and SYT in "KT".
    func groupedExample(aggregation: String = "pooled", everyone: Bool = false) throws -> URL {
        let folder = try copyFixture("example")
        let toml = folder.appendingPathComponent("survey.toml")
        var text = try String(contentsOf: toml, encoding: .utf8)
        text = text.replacingOccurrences(of: #"aggregation = "pooled""#, with: #"aggregation = "\#(aggregation)""#)
        text += everyone
            ? "\n[[groups]]\nid = \"ALLG\"\nname_vi = \"Tất cả sở\"\nname_en = \"All departments\"\n"
            : "\n[[groups]]\nid = \"NC\"\nname_vi = \"Khối nội chính\"\nname_en = \"Internal affairs\"\n\n[[groups]]\nid = \"KT\"\nname_vi = \"Khối kinh tế\"\nname_en = \"Economy\"\n"
        try text.write(to: toml, atomically: true, encoding: .utf8)
        let units = folder.appendingPathComponent("units.csv")
        let lines = try String(contentsOf: units, encoding: .utf8).split(separator: "\n").map(String.init)
        var out = [lines[0] + ",group"]
        for line in lines.dropFirst() {
            let code = String(line.prefix { $0 != "," })
            out.append(line + "," + (everyone ? "ALLG" : (["SNV", "STP"].contains(code) ? "NC" : "KT")))
        }
        try (out.joined(separator: "\n") + "\n").write(to: units, atomically: true, encoding: .utf8)
        return folder
    }

    func estimates(_ folder: URL) throws -> [String: String] {
        _ = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        return try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
    }

    @Test("a group of every unit has the all-units figures, statistic by statistic")
    func everyone() throws {
        let e = try estimates(try groupedExample(everyone: true))
        var compared = 0
        for (key, value) in e where key.hasPrefix("all_quarter,ALL,") || key.hasPrefix("all_year,ALL,") {
            let groupKey = key.replacingOccurrences(of: "all_quarter,ALL,", with: "group_quarter,ALLG,")
                .replacingOccurrences(of: "all_year,ALL,", with: "group_year,ALLG,")
            #expect(e[groupKey] == value, "\(groupKey) = \(e[groupKey] ?? "missing"), all units \(value)")
            compared += 1
        }
        #expect(compared > 1000)
    }

    @Test("group means of unit indices, and ranks within each group from the units' indices")
    func ranksAndMeans() throws {
        let e = try estimates(try groupedExample(aggregation: "unit_mean"))
        let groups = ["NC": ["SNV", "STP"], "KT": ["SXD", "SYT"]]
        for (group, members) in groups {
            for period in ["2024-Q4", "2024-Q3", "2024"] {
                let scope = period.contains("Q") ? "unit_quarter" : "unit_year"
                let groupScope = period.contains("Q") ? "group_quarter" : "group_year"
                let values = members.map { Double(e["\(scope),\($0),\(period),index,index,unweighted"]!)! }
                // unit_mean: the plain mean of the members' indices.
                let mean = try #require(Double(e["\(groupScope),\(group),\(period),index,index,unit_mean"] ?? ""))
                #expect(abs(mean - values.reduce(0, +) / Double(values.count)) < 1e-12, "\(group) \(period)")
                // Ranks within the group follow the members' indices (higher first).
                let ranks = members.map { e["\(scope),\($0),\(period),index,group_rank,unweighted"].flatMap(Double.init) }
                let expected = values.map { v in Double(values.filter { $0 > v }.count + 1) }
                #expect(ranks == expected, "\(group) \(period): \(ranks) for \(values)")
                #expect(members.allSatisfy { e["\(scope),\($0),\(period),index,group_rank_of,units_ranked"] == "2" })
            }
        }
        // The overall ranking is still over all four units.
        #expect(e["unit_quarter,SNV,2024-Q4,index,rank_of,units_ranked"] == "4")
    }

    @Test("the page has one ranking table per group, ranks 'thứ k/n' within the group, and report.xml the groups")
    func page() throws {
        let folder = try groupedExample()
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: .vi, releaseDate: nil)
        let html = String(decoding: try Data(contentsOf: outcome.outDirectory.appendingPathComponent("report.html")), as: UTF8.self)
        #expect(html.contains("Khối nội chính") && html.contains("Khối kinh tế"))
        #expect(html.contains(#"<caption id="quarter-NC-caption">"#) && html.contains(#"<caption id="quarter-KT-caption">"#))
        #expect(html.contains("Cả nhóm: Khối nội chính"))
        #expect(html.contains("thứ 1/2") && html.contains("thứ 2/2") && html.contains("chung: thứ"))
        let xml = String(decoding: try Data(contentsOf: outcome.outDirectory.appendingPathComponent("report.xml")), as: UTF8.self)
        #expect(xml.contains(#"<group id="NC">"#) && xml.contains(#"<unit code="SNV" group="NC">"#))
        #expect(xml.contains(#"<cell scope="group_quarter" unit="KT" period="2024-Q4""#))
    }

    @Test("a unit without a declared group, or a group without [[groups]], is refused with the line")
    func refused() throws {
        let folder = try groupedExample()
        let units = folder.appendingPathComponent("units.csv")
        let text = try String(contentsOf: units, encoding: .utf8).replacingOccurrences(of: ",KT\n", with: ",XX\n")
        try text.write(to: units, atomically: true, encoding: .utf8)
        #expect {
            _ = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        } throws: { error in
            let message = "\(error)"
            return message.contains("units.csv") && message.contains("unknown group 'XX'") && message.contains("NC, KT")
        }
    }
}
