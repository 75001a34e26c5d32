import Foundation
import Stages
import Stats
import SurveyModel
import Testing

/// Breakdowns by respondent attributes (issue 19) on the reference data with two category
/// items (`fixtures/breakdowns/make_survey.py`): every by_* value R survey's svyby gives
/// (`fixtures/breakdowns/breakdowns.R`, kept in `expected/ref_breakdowns.csv`) equals the
/// pipeline's to 1e-9, and the rest of the release is the reference survey's.
@Suite("Breakdowns: figures per value of a category item, with the design's domain variance")
struct BreakdownTests {
    /// The generated survey, run once.
    static let run: Result<(folder: URL, ours: [String: String], outcome: RunOutcome), Error> = Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-breakdowns-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("survey")
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        generate.arguments = [repositoryRoot.appendingPathComponent("fixtures/breakdowns/make_survey.py").path, folder.path]
        try generate.run()
        generate.waitUntilExit()
        guard generate.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        return (folder, try readEstimates(folder.appendingPathComponent("work/estimates.csv").path), outcome)
    }

    @Test("every domain's shares, factor indices and SIPAS index with SEs and intervals equal svyby's to 1e-9")
    func againstSvyby() throws {
        let (_, ours, _) = try Self.run.get()
        let reference = try readEstimates(repositoryRoot.appendingPathComponent("fixtures/breakdowns/expected/ref_breakdowns.csv").path)
        #expect(reference.count > 40_000)
        // Where every form of a domain has the same satisfied pattern the variance is exactly 0:
        // R prints its rounding noise there (NaN from the square root of −1e-17, or an SE of
        // 1e-8) and so may we (a difference of sums); such an index's SE and interval are not
        // compared, and there are few.
        func seKey(_ key: String) -> String? {
            let parts = key.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 6, ["index_se", "index_lower", "index_upper"].contains(parts[4]) else { return nil }
            let family = parts[5].replacingOccurrences(of: "_logit", with: "").replacingOccurrences(of: "_wald", with: "")
            return (parts[0..<4] + ["index_se", family]).joined(separator: ",")
        }
        func isNoise(_ text: String?) -> Bool { text == nil || text == "NA" || abs(Double(text!) ?? 1) < 1e-6 }
        // A unit's quarter is broken down only where a domain has `suppress_below` (30) forms.
        func isThinUnitQuarter(_ key: String) -> Bool {
            let parts = key.split(separator: ",").prefix(3).map(String.init)
            guard parts[0] == "by_unit_quarter" else { return false }
            return Int(reference[parts.joined(separator: ",") + ",ALL,n_rows,count"] ?? "0")! < 30
        }
        var thin = 0
        var degenerate = 0
        var problems: [String] = []
        for (key, expected) in reference {
            if isThinUnitQuarter(key) {
                thin += 1
                #expect(ours[key] == nil, "\(key): a thin unit quarter is not broken down")
                continue
            }
            if let se = seKey(key), isNoise(reference[se]), isNoise(ours[se]) {
                degenerate += 1
                continue
            }
            guard let value = ours[key] else {
                problems.append("\(key): in the reference, missing from estimates.csv")
                continue
            }
            if value == "NA" || expected == "NA" {
                if value != expected { problems.append("\(key): \(value), expected \(expected)") }
                continue
            }
            let a = Double(value)!, b = Double(expected)!
            let relative = b == 0 ? abs(a) : abs(a - b) / abs(b)
            if relative > 1e-9 && abs(a - b) > 1e-15 { problems.append("\(key): \(value), expected \(expected) (relative \(relative))") }
        }
        #expect(problems.isEmpty, "\(problems.count) disagreements, first: \(problems.sorted().prefix(5))")
        #expect(degenerate < 300, "\(degenerate) values of indices with no variance")
        let unitQuarters = reference.keys.filter { $0.hasPrefix("by_unit_quarter,") }.count
        #expect(thin > 0 && thin < unitQuarters, "\(thin) of \(unitQuarters) unit-quarter values are of thin domains")
        // Every domain row of ours is a domain R has (nothing made up).
        let domains = Set(reference.keys.map { $0.split(separator: ",").prefix(3).joined(separator: ",") })
        let extra = ours.keys.filter { $0.hasPrefix("by_") && !domains.contains($0.split(separator: ",").prefix(3).joined(separator: ",")) }
        #expect(extra.isEmpty, "domains R does not have: \(extra.prefix(3))")
    }

    /// fixtures/breakdowns/drivers.R: cor.test and lm on scale()d scores of each unit and year.
    @Test("key drivers against the overall item equal R's cor.test and lm to 1e-9")
    func drivers() throws {
        let (_, ours, _) = try Self.run.get()
        let reference = try readEstimates(repositoryRoot.appendingPathComponent("fixtures/breakdowns/expected/ref_drivers.csv").path)
        #expect(reference.count > 250)
        var problems: [String] = []
        for (key, expected) in reference {
            guard let value = ours[key] else {
                problems.append("\(key): missing")
                continue
            }
            guard let a = Double(value), let b = Double(expected) else {
                if value != expected { problems.append("\(key): \(value), expected \(expected)") }
                continue
            }
            if abs(a - b) > 1e-9 * max(1, abs(b)) { problems.append("\(key): \(value), expected \(expected)") }
        }
        #expect(problems.isEmpty, "\(problems.count) disagreements, first: \(problems.sorted().prefix(5))")
        #expect(!ours.keys.contains { $0.hasPrefix("by_") && $0.contains(",driver_") }, "no drivers for a domain")
    }

    @Test("the seven blank forms stay rejected though they name a gender, and the other figures are the reference's")
    func restUnchanged() throws {
        let (folder, ours, outcome) = try Self.run.get()
        #expect(outcome.ingest.rejected == 7)
        let reference = try readEstimates(repositoryRoot.appendingPathComponent("fixtures/reference/expected/ref_small_2y.csv").path)
        for key in ["all_year,ALL,2024,index,index,unweighted", "unit_year,STP,2024,index,index_se,lin_unweighted",
                    "all_year,ALL,2023,index,index_se,lin_ps"] {
            let value = try #require(ours[key].flatMap(Double.init), "\(key) in estimates.csv")
            let expected = try #require(reference[key].flatMap(Double.init), "\(key) in the reference")
            #expect(abs(value - expected) < 1e-12, "\(key): \(value), expected \(expected)")
        }
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.components(separatedBy: "only who answered").count - 1 == 7, "the reason says only who answered")
    }

    @Test("report.xml, report.html and summary.xlsx carry each domain's published figures")
    func outputs() throws {
        let (folder, _, _) = try Self.run.get()
        let published = try readEstimates(folder.appendingPathComponent("out/estimates.csv").path)
        let out = folder.appendingPathComponent("out")
        // report.xml: a cell per domain with its index as estimates.csv publishes it.
        let xml = try String(contentsOf: out.appendingPathComponent("report.xml"), encoding: .utf8)
        var checked = 0
        for value in 1...4 {
            let domain = "nhom_tuoi=\(value)"
            let cell = try #require(xml.components(separatedBy: "<cell scope=\"by_all_year\" unit=\"ALL\" period=\"2024\" domain=\"\(domain)\"").dropFirst().first)
            let index = try #require(cell.components(separatedBy: "<index id=\"index\"").dropFirst().first?.components(separatedBy: "/>").first)
            let expectedText = try #require(published["by_all_year,ALL|\(domain),2024,index,index,unweighted"])
            let expected = try #require(Double(expectedText))
            let written = try #require(index.components(separatedBy: "value=\"").dropFirst().first?.components(separatedBy: "\"").first)
            let number = try #require(Double(written))
            #expect(abs(number - expected) < 1e-12, "\(domain): \(written) vs \(expected)")
            checked += 1
        }
        #expect(xml.contains("<valueLabel value=\"2\" lang=\"vi\">Nữ</valueLabel>"))
        // report.html: the all-units table of gender prints each value's forms and index.
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let table = try #require(html.components(separatedBy: "id=\"by-gioi_tinh-caption\"").dropFirst().first?.components(separatedBy: "</table>").first)
        for (value, label) in [(1, "Nam"), (2, "Nữ")] {
            let row = try #require(table.components(separatedBy: "<th scope=\"row\">\(label)</th>").dropFirst().first?.components(separatedBy: "</tr>").first)
            let forms = try #require(published["by_all_year,ALL|gioi_tinh=\(value),2024,ALL,n_rows,count"])
            let indexText = try #require(published["by_all_year,ALL|gioi_tinh=\(value),2024,index,index,unweighted"])
            let index = try #require(Double(indexText))
            let printed = String(format: "%.2f%%", index * 100).replacingOccurrences(of: ".", with: ",")
            #expect(row.contains(">\(forms)<") && row.contains(printed), "\(label): \(forms) forms, \(printed) in \(row)")
        }
        #expect(checked == 4)
        // summary.xlsx: the sheet "Theo đối tượng" (read back by openpyxl) holds the same forms.
        let sheet = try xlsxRows(out.appendingPathComponent("summary.xlsx"), sheet: "Theo đối tượng")
        let nu = try #require(sheet.first { $0.count > 4 && $0[1] == "Nữ" && $0[3] == "" })
        #expect(nu[4] == published["by_all_year,ALL|gioi_tinh=2,2024,ALL,n_rows,count"], "\(nu)")
    }

    /// A sheet's rows as text (empty for no value), read by openpyxl from the test venv.
    func xlsxRows(_ file: URL, sheet: String) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try OfficeRun.python())
        process.arguments = ["-c", """
            import json, sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1])[sys.argv[2]]
            print(json.dumps([["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]))
            """, file.path, sheet]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String]])
    }
}
