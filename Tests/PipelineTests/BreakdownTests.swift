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
        var degenerate = 0
        var problems: [String] = []
        for (key, expected) in reference {
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
        // Every domain row of ours is a domain R has (nothing made up).
        let domains = Set(reference.keys.map { $0.split(separator: ",").prefix(3).joined(separator: ",") })
        let extra = ours.keys.filter { $0.hasPrefix("by_") && !domains.contains($0.split(separator: ",").prefix(3).joined(separator: ",")) }
        #expect(extra.isEmpty, "domains R does not have: \(extra.prefix(3))")
    }

    @Test("the seven blank forms stay rejected though they name a gender, and the other figures are the reference's")
    func restUnchanged() throws {
        let (folder, ours, outcome) = try Self.run.get()
        #expect(outcome.ingest.rejected == 7)
        let reference = try readEstimates(repositoryRoot.appendingPathComponent("fixtures/reference/expected/ref_small_2y.csv").path)
        for key in ["all_year,ALL,2024,index,index,unweighted", "unit_year,STP,2024,index,index_se,lin_unweighted",
                    "all_year,ALL,2023,index,index_se,lin_ps"] {
            #expect(ours[key] != nil && Double(ours[key]!)! == Double(reference[key]!)! || abs(Double(ours[key]!)! - Double(reference[key]!)!) < 1e-12, "\(key)")
        }
        let rejects = try String(contentsOf: folder.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.components(separatedBy: "only who answered").count - 1 == 7, "the reason says only who answered")
    }
}
