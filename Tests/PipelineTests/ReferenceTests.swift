import Foundation
import Stages
import Testing

/// The pipeline's estimates against R's survey package (R 4.2.2, survey 4.1.1; values in
/// fixtures/reference/expected/, copied from shared/reference/, produced by reference.R).
@Suite("Agreement with R survey on the reference data")
struct ReferenceTests {
    /// Compares, both ways, every statistic that the reference defines; rows of statistics it
    /// does not define (flags, ranks, targets, other aggregations) are the publication's own.
    func compare(ours: [String: String], reference: [String: String]) -> (compared: Int, problems: [String]) {
        let referenceStatistics = Set(reference.keys.map(statisticKey))
        var problems: [String] = []
        var compared = 0
        for (key, value) in ours where referenceStatistics.contains(statisticKey(key)) {
            guard let expected = reference[key] else {
                problems.append("\(key): we write \(value), the reference has no such row")
                continue
            }
            compared += 1
            if value == "NA" || expected == "NA" {
                if value != expected { problems.append("\(key): \(value), expected \(expected)") }
                continue
            }
            let a = Double(value)!, b = Double(expected)!
            let relative = b == 0 ? abs(a) : abs(a - b) / abs(b)
            // Where the exact value is 0 (the SE of p = 1, STP 2024-Q3 q21) R prints its
            // rounding noise (6.9e-17) and we print 0; the README defines se = 0 there.
            if relative > 1e-9 && abs(a - b) > 1e-15 { problems.append("\(key): \(value), expected \(expected) (relative \(relative))") }
        }
        for key in reference.keys where ours[key] == nil {
            problems.append("\(key): in the reference, missing from estimates.csv")
        }
        return (compared, problems)
    }

    /// Runs the pipeline on `folder` and expects every value of the reference file to agree.
    /// - Returns: the run and our estimates.
    func runAndCompare(_ folder: URL, with referenceFile: String) throws -> (outcome: RunOutcome, ours: [String: String]) {
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
            .run(language: nil, releaseDate: nil)
        let ours = try readEstimates(folder.appendingPathComponent("out/estimates.csv").path)
        let reference = try readEstimates(
            repositoryRoot.appendingPathComponent("fixtures/reference/expected/\(referenceFile)").path)
        let (compared, problems) = compare(ours: ours, reference: reference)
        #expect(problems.isEmpty, "\(problems.count) disagreements, first: \(problems.prefix(5))")
        #expect(compared == reference.count, "every reference value is compared")
        return (outcome, ours)
    }

    @Test("two years of reference data agree with R to 1e-9, comparisons included")
    func twoYears() throws {
        let (outcome, ours) = try runAndCompare(try copyFixture("reference"), with: "ref_small_2y.csv")
        #expect(outcome.ingest.rejected == 7, "the seven blank forms are rejected")
        for statistic in ["p_lower,clopper_pearson", "p_upper,jeffreys", "mean_score_upper,t", "index,unweighted",
                          "index_se,lin_unweighted", "diff_lower,newcombe_hybrid", "p_value,lin_unweighted_wald_z",
                          "p_upper,svy_ps_beta", "index_se,lin_ps", "resp_index_lower,svy_fixed_logit", "n_eff,kish"] {
            #expect(ours.keys.contains { statisticKey($0) == statistic }, "estimates.csv has \(statistic)")
        }
    }

    @Test("one year of reference data agrees with R's single-year file")
    func oneYear() throws {
        let folder = try copyFixture("reference")
        for file in ["inbox/paper/small_2023.csv", "inbox/portal/small_2023.jsonl"] {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(file))
        }
        let (outcome, _) = try runAndCompare(folder, with: "ref_small.csv")
        #expect(outcome.ingest.rejected == 5, "the five blank forms of 2024 are rejected")
    }
}
