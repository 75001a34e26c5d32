import Foundation
import Stages
import Testing

/// Named answer scales end to end (issue 8): a six-point instrument, a three-level portal
/// rating, and a questionnaire mixing the built-in five-point scale, TT 01/2018's 0/1/2
/// points and a six-point scale. Every figure is checked against closed forms computed here
/// from the generated answers, never against what the pipeline printed before.
@Suite("Answer scales")
struct ScaleTests {
    struct Row {
        var id: String
        var answers: [Int?]
    }

    /// A survey folder with one unit, one quarter (2024-Q3) and the given rows on paper.
    func folder(survey: String, items: [String], rows: [Row], labelRows: [String] = []) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-scales-\(UUID().uuidString)")
        for dir in ["inbox/paper", "inbox/portal"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try Data(survey.utf8).write(to: root.appendingPathComponent("survey.toml"))
        try Data("code,name_vi,name_en\nA,Đơn vị A,Unit A\n".utf8).write(to: root.appendingPathComponent("units.csv"))
        var csv = "form_id,unit,date," + items.joined(separator: ",") + "\n"
        for row in rows {
            csv += "\(row.id),A,05/08/2024," + row.answers.map { $0.map(String.init) ?? "" }.joined(separator: ",") + "\n"
        }
        for line in labelRows { csv += line + "\n" }
        try Data(csv.utf8).write(to: root.appendingPathComponent("inbox/paper/p.csv"))
        return root
    }

    /// Seeded answers: values drawn from `values` (and a few blanks).
    func rows(_ count: Int, scales: [[Int]], seed: UInt64) -> [Row] {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        return (0..<count).map { i in
            Row(id: "F\(i)", answers: scales.map { values in next(12) == 0 ? nil : values[next(values.count)] })
        }
    }

    /// Wilson score interval, the closed form (R: `prop.test(x, n, correct = FALSE)$conf.int`).
    func wilson(_ x: Int, _ n: Int, z: Double = 1.959963984540054) -> (Double, Double) {
        let p = Double(x) / Double(n), nn = Double(n)
        let centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
        let half = z / (1 + z * z / nn) * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot()
        return (centre - half, centre + half)
    }

    func estimates(_ root: URL) throws -> [String: Double] {
        let text = try String(contentsOf: root.appendingPathComponent("out/estimates.csv"), encoding: .utf8)
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7, f[0] == "unit_quarter", f[1] == "A", f[2] == "2024-Q3", let v = Double(f[6]) else { continue }
            out["\(f[3])/\(f[4])/\(f[5])"] = v
        }
        return out
    }

    func close(_ a: Double?, _ b: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let a else {
            Issue.record("\(what): missing", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(what): \(a) vs \(b)", sourceLocation: sourceLocation)
    }

    /// Checks item figures against counts made here: n, satisfied, p, Wilson, mean score, levels.
    func checkItem(_ e: [String: Double], _ id: String, _ answers: [Int?], values: [Int], satisfied: Set<Int>) -> Double {
        let given = answers.compactMap { $0 }
        let x = given.filter(satisfied.contains).count
        close(e["\(id)/n/count"], Double(given.count), "\(id) n")
        close(e["\(id)/satisfied/count"], Double(x), "\(id) satisfied")
        let p = Double(x) / Double(given.count)
        close(e["\(id)/p/unweighted"], p, "\(id) p")
        let (lo, hi) = wilson(x, given.count)
        close(e["\(id)/p_lower/wilson"], lo, "\(id) wilson lower")
        close(e["\(id)/p_upper/wilson"], hi, "\(id) wilson upper")
        // mean(values), R: mean(d$a1, na.rm = TRUE)
        close(e["\(id)/mean_score/unweighted"], Double(given.reduce(0, +)) / Double(given.count), "\(id) mean score")
        for v in values { close(e["\(id)/answers/level_\(v)"], Double(given.filter { $0 == v }.count), "\(id) level \(v)") }
        return p
    }

    static let header = """
        [survey]
        plan_minimum = 10
        """

    @Test("a six-point instrument: proportions, intervals, mean scores on 1-6 and the indices")
    func sixPoint() throws {
        let survey = Self.header + """

            [scales.accuracy6]
            values = [1, 2, 3, 4, 5, 6]
            satisfied = [5, 6]

            [[factors]]
            id = "A"
            [[factors]]
            id = "B"

            [[items]]
            id = "a1"
            factor = "A"
            kind = "likert"
            scale = "accuracy6"
            [[items]]
            id = "a2"
            factor = "A"
            kind = "likert"
            scale = "accuracy6"
            [[items]]
            id = "b1"
            factor = "B"
            kind = "likert"
            scale = "accuracy6"
            """
        let data = rows(150, scales: Array(repeating: Array(1...6), count: 3), seed: 7)
        let root = try folder(survey: survey, items: ["a1", "a2", "b1"], rows: data)
        _ = try Pipeline(folderPath: root.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let e = try estimates(root)
        let p = (0..<3).map { j in checkItem(e, ["a1", "a2", "b1"][j], data.map { $0.answers[j] }, values: Array(1...6), satisfied: [5, 6]) }
        // Factor index = mean of its items' proportions; SIPAS index = mean of the factors.
        close(e["A/index/unweighted"], (p[0] + p[1]) / 2, "factor A")
        close(e["B/index/unweighted"], p[2], "factor B")
        close(e["index/index/unweighted"], ((p[0] + p[1]) / 2 + p[2]) / 2, "index")
        #expect(e["a1/answers/level_0"] == nil)
        let xml = try String(contentsOf: root.appendingPathComponent("out/report.xml"), encoding: .utf8)
        #expect(xml.contains("scale=\"accuracy6\" scaleValues=\"1 2 3 4 5 6\" satisfiedValues=\"5 6\""))
    }

    @Test("a three-level portal rating read from codes and labels")
    func threeLevels() throws {
        let survey = Self.header + """

            [scales.portal3]
            values = [1, 2, 3]
            satisfied = [2, 3]
            labels_vi = ["Không hài lòng", "Hài lòng", "Rất hài lòng"]
            labels_en = ["Dissatisfied", "Satisfied", "Very satisfied"]

            [[factors]]
            id = "R"

            [[items]]
            id = "r1"
            factor = "R"
            kind = "likert"
            scale = "portal3"
            """
        var data = rows(60, scales: [[1, 2, 3]], seed: 11)
        // Labels in Vietnamese (NFD too) and English, and 2.0 as a spreadsheet writes 2.
        let labelled: [(String, Int)] = [
            ("Rất hài lòng", 3), ("không hài lòng".decomposedStringWithCanonicalMapping, 1), ("Satisfied", 2), ("2.0", 2),
        ]
        var extra: [String] = []
        for (i, (text, value)) in labelled.enumerated() {
            extra.append("L\(i),A,06/08/2024,\(text)")
            data.append(Row(id: "L\(i)", answers: [value]))
        }
        let root = try folder(survey: survey, items: ["r1"], rows: Array(data.prefix(60)), labelRows: extra)
        let outcome = try Pipeline(folderPath: root.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let firstRejects = try String(contentsOf: root.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        // Only blank forms (no answer at all) are rejected.
        #expect(outcome.ingest.rejected == data.filter { $0.answers[0] == nil }.count, "\(firstRejects)")
        let e = try estimates(root)
        let p = checkItem(e, "r1", data.map { $0.answers[0] }, values: [1, 2, 3], satisfied: [2, 3])
        close(e["index/index/unweighted"], p, "index")
        // A code not on the scale is rejected, naming the scale.
        try Data("form_id,unit,date,r1\nX,A,06/08/2024,5\n".utf8).write(to: root.appendingPathComponent("inbox/paper/q.csv"))
        _ = try Pipeline(folderPath: root.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let rejects = try String(contentsOf: root.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        #expect(rejects.contains("r1: '5' is not an answer; expected 1-3 on scale portal3 or a label (Không hài lòng, Hài lòng, Rất hài lòng)"))
    }

    @Test("a questionnaire mixing likert5, TT 01/2018's 0/1/2 points and a six-point scale")
    func mixed() throws {
        let survey = Self.header + "\n" + """
            satisfied = [4, 5]

            [scales.tt01]
            values = [0, 1, 2]
            satisfied = [2]

            [scales.six]
            values = [1, 2, 3, 4, 5, 6]
            satisfied = [5, 6]

            [[factors]]
            id = "A"
            [[factors]]
            id = "B"

            [[items]]
            id = "q1"
            factor = "A"
            kind = "likert5"
            [[items]]
            id = "t1"
            factor = "A"
            kind = "likert"
            scale = "tt01"
            [[items]]
            id = "s1"
            factor = "B"
            kind = "likert"
            scale = "six"
            """
        let data = rows(200, scales: [Array(1...5), [0, 1, 2], Array(1...6)], seed: 5)
        let root = try folder(survey: survey, items: ["q1", "t1", "s1"], rows: data)
        _ = try Pipeline(folderPath: root.path, outPath: nil, logger: quietLogger).run(language: .en, releaseDate: nil)
        let e = try estimates(root)
        let p1 = checkItem(e, "q1", data.map { $0.answers[0] }, values: Array(1...5), satisfied: [4, 5])
        let p2 = checkItem(e, "t1", data.map { $0.answers[1] }, values: [0, 1, 2], satisfied: [2])
        let p3 = checkItem(e, "s1", data.map { $0.answers[2] }, values: Array(1...6), satisfied: [5, 6])
        close(e["A/index/unweighted"], (p1 + p2) / 2, "factor A")
        close(e["index/index/unweighted"], ((p1 + p2) / 2 + p3) / 2, "index")
        // 0 is an answer on tt01, not a missing one.
        #expect((e["t1/answers/level_0"] ?? 0) > 0)
        let html = try String(contentsOf: root.appendingPathComponent("out/report.html"), encoding: .utf8)
        #expect(html.contains("the five-point scale 1-5: 4 and 5; scale tt01 0-2: 2; scale six 1-6: 5 and 6"))
    }
}
