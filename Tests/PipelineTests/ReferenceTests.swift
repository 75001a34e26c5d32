import Foundation
import Stages
import SurveyModel
import Testing

/// The pipeline's estimates against R's survey package (R 4.2.2, survey 4.1.1; values in
/// fixtures/reference/expected/, copied from shared/reference/, produced by reference.R).
@Suite("Agreement with R survey on the reference data")
struct ReferenceTests {
    /// Compares, both ways, every statistic that the reference defines; rows of statistics it
    /// does not define (flags, ranks, targets, other aggregations) are the publication's own.
    func compare(ours: [String: String], reference: [String: String]) -> (compared: Int, problems: [String]) {
        let referenceStatistics = Set(reference.keys.map(statisticKey))
        // `n/count` is the reference's for questions (answers); on a factor it is the
        // publication's own (forms that answered any of its questions: its suppression).
        let countedSubjects = Set(reference.keys.compactMap { key -> String? in
            let parts = key.split(separator: ",", omittingEmptySubsequences: false)
            return parts.count == 6 && parts[4] == "n" && parts[5] == "count" ? String(parts[3]) : nil
        })
        func isFactorFormCount(_ key: String) -> Bool {
            let parts = key.split(separator: ",", omittingEmptySubsequences: false)
            return parts.count == 6 && parts[4] == "n" && parts[5] == "count" && !countedSubjects.contains(String(parts[3]))
        }
        var problems: [String] = []
        var compared = 0
        for (key, value) in ours where referenceStatistics.contains(statisticKey(key)) && !Self.isYearAgoChange(key) && !Self.isChannelRow(key)
            && !isFactorFormCount(key)
        {
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
        let ours = try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
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

    /// fixtures/reference/R/alpha.R: psych::alpha on each factor's complete forms per unit and
    /// year and all units and year, with negative α and negative item-rest correlations.
    @Test("each factor's Cronbach's α, item-rest r and α without each item equal psych::alpha to 1e-9")
    func reliability() throws {
        let folder = try copyFixture("reference")
        // 0.45: MIN's C (psych: 0.4494) prints as 0,45 and is not marked; EDU's E is negative.
        let toml = folder.appendingPathComponent("survey.toml")
        try (String(contentsOf: toml, encoding: .utf8) + "\n[flags]\nlow_alpha = 0.45\n").write(to: toml, atomically: true, encoding: .utf8)
        let (_, ours) = try runAndCompare(folder, with: "ref_alpha.csv")
        #expect(ours.contains { $0.key.hasPrefix("unit_year,EDU,2023,E,alpha,") && Double($0.value)! < 0 }, "a negative α is published as it is")
        #expect(!ours.keys.contains { $0.contains(",alpha,") && $0.contains("-Q") }, "α is a year's figure")

        // The technical report's table of 2024: psych's α to two decimals, marked below 0,45.
        let reference = try readEstimates(repositoryRoot.appendingPathComponent("fixtures/reference/expected/ref_alpha.csv").path)
        let html = try String(contentsOf: folder.appendingPathComponent("out/report.html"), encoding: .utf8)
        let start = try #require(html.range(of: "<section aria-labelledby=\"reliability\">"))
        let section = html[start.lowerBound...].components(separatedBy: "</section>")[0]
        let names = ["Sở Tư pháp": "STP", "Sở Công Thương": "MIN", "Sở Giáo dục và Đào tạo": "EDU"]
        var seen = 0
        for row in section.components(separatedBy: "<tr").dropFirst(2) {
            let name = try #require(row.components(separatedBy: "<th scope=\"row\">").dropFirst().first?.components(separatedBy: "</th>").first)
            guard let code = names[name] else { continue }
            let cells = row.components(separatedBy: "<td class=\"num\">").dropFirst()
            #expect(cells.count == 5, "\(code): one α per factor")
            for (factor, cell) in zip(["A", "B", "C", "D", "E"], cells) {
                let text = try #require(reference["unit_year,\(code),2024,\(factor),alpha,listwise"])
                let alpha = try #require(Double(text))
                let n = try #require(reference["unit_year,\(code),2024,\(factor),n,listwise"])
                let printed = String(format: "%.2f", alpha).replacingOccurrences(of: ".", with: ",").replacingOccurrences(of: "-", with: "−")
                #expect(cell.contains(printed) && cell.contains("n = \(n)"), "\(code) \(factor): \(printed), n = \(n) in \(cell)")
                #expect(cell.contains("<strong>") == ((alpha * 100).rounded() < 45), "\(code) \(factor) \(printed) marked below 0,45 or not")
                seen += 1
            }
        }
        #expect(seen == 15)
        #expect(section.contains("Sở Giáo dục và Đào tạo, yếu tố E: α = −0,03 (n = 59)"), "the negative α is listed")
        #expect(!section.contains("Sở Công Thương, yếu tố C"), "0,45 is not below 0,45")
    }

    /// fixtures/breakdowns/drivers.R (mode rest): no overall item, so each factor's score is
    /// compared with the mean of the other factors' scores of the same form.
    @Test("key drivers without an overall item: each factor against the rest of the index equals R's cor.test")
    func driversRest() throws {
        let (_, ours) = try runAndCompare(try copyFixture("reference"), with: "ref_drivers_rest.csv")
        #expect(!ours.keys.contains { $0.contains(",driver_beta") }, "no regression without an overall item")
    }

    /// `...,2024-Q3 vs 2023-Q3,...`: a change on the same quarter a year earlier, which R's
    /// reference does not compute (it compares consecutive periods).
    static func isYearAgoChange(_ key: String) -> Bool {
        let period = key.split(separator: ",", omittingEmptySubsequences: false)[2]
        let parts = period.components(separatedBy: " vs ")
        guard parts.count == 2, let later = Period(parts[0]), let earlier = Period(parts[1]) else { return false }
        return later.isQuarter && earlier == later.sameTimeLastYear
    }

    /// Paper or online apart (`unit_quarter_paper`, ...): the publication's own cells, which R's
    /// reference does not have (ChannelTests checks that they add up to the unit's).
    static func isChannelRow(_ key: String) -> Bool {
        key.hasPrefix("unit_quarter_paper,") || key.hasPrefix("unit_quarter_online,")
            || key.hasPrefix("unit_year_paper,") || key.hasPrefix("unit_year_online,")
    }

    @Test("changes on the same quarter a year earlier follow from R's values of both quarters")
    func yearAgoChanges() throws {
        let folder = try copyFixture("reference")
        _ = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let ours = try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
        let r = try readEstimates(repositoryRoot.appendingPathComponent("fixtures/reference/expected/ref_small_2y.csv").path)
        let z = 1.959963984540054
        var checked = 0
        for key in ours.keys where Self.isYearAgoChange(key) && key.hasSuffix(",diff,unweighted") {
            let f = key.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (scope, unit, subject) = (f[0], f[1], f[3])
            let periods = f[2].components(separatedBy: " vs ")
            func ref(_ period: String, _ statistic: String, _ method: String) throws -> Double {
                try #require(r["\(scope),\(unit),\(period),\(subject),\(statistic),\(method)"].flatMap(Double.init), "R has \(statistic) of \(subject) in \(period)")
            }
            func mine(_ statistic: String, _ method: String) throws -> Double {
                try #require(ours["\(scope),\(unit),\(f[2]),\(subject),\(statistic),\(method)"].flatMap(Double.init))
            }
            let isIndex = subject == "index" || subject.count == 1
            if isIndex {
                // Independent samples: d ± z·√(se₁² + se₂²) from R's indices and linearised SEs.
                let d = try ref(periods[0], "index", "unweighted") - ref(periods[1], "index", "unweighted")
                let se = try (pow(ref(periods[0], "index_se", "lin_unweighted"), 2) + pow(ref(periods[1], "index_se", "lin_unweighted"), 2)).squareRoot()
                #expect(try abs(mine("diff", "unweighted") - d) < 1e-9, "\(key)")
                #expect(try abs(mine("diff_lower", "lin_unweighted_wald_z") - (d - z * se)) < 1e-9, "\(key)")
                #expect(try abs(mine("diff_upper", "lin_unweighted_wald_z") - (d + z * se)) < 1e-9, "\(key)")
            } else {
                // Newcombe's hybrid score interval (method 10) from R's Wilson intervals of both quarters.
                let p1 = try ref(periods[0], "p", "unweighted"), p2 = try ref(periods[1], "p", "unweighted")
                let (l1, u1) = try (ref(periods[0], "p_lower", "wilson"), ref(periods[0], "p_upper", "wilson"))
                let (l2, u2) = try (ref(periods[1], "p_lower", "wilson"), ref(periods[1], "p_upper", "wilson"))
                let d = p1 - p2
                #expect(try abs(mine("diff", "unweighted") - d) < 1e-9, "\(key)")
                #expect(try abs(mine("diff_lower", "newcombe_hybrid") - (d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot())) < 1e-9, "\(key)")
                #expect(try abs(mine("diff_upper", "newcombe_hybrid") - (d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot())) < 1e-9, "\(key)")
            }
            checked += 1
        }
        #expect(checked > 100, "the reference's 2024 quarters are compared with 2023's (\(checked) changes)")
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
