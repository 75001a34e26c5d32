import Foundation
import Stages
import Testing

/// The example publishes points out of 100 (`[points] publish = true`, the linear map 1 → 0,
/// 5 → 100): every output carries them apart from the shares, labelled as points.
@Suite("Points in the release")
struct PointsReleaseTests {
    @Test("item points are the mean score mapped linearly; the index is the mean of factor means; outputs label them apart")
    func published() throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: .vi, releaseDate: nil)
        let e = try readEstimates(folder.appendingPathComponent("work/estimates.csv").path)
        let cell = "all_quarter,ALL,2024-Q4,"
        // q01..q22 are likert5: points = (mean score − 1) × 25.
        var itemPoints: [String: Double] = [:]
        for q in 1...22 {
            let id = String(format: "q%02d", q)
            let mean = try #require(Double(e[cell + "\(id),mean_score,unweighted"] ?? ""))
            let points = try #require(Double(e[cell + "\(id),points,unweighted"] ?? ""))
            #expect(abs(points - (mean - 1) * 25) < 1e-9, "\(id)")
            itemPoints[id] = points
        }
        // Factors as in survey.toml: A q01-q05, B q06-q10, C q11-q15, D q16-q19, E q20-q22.
        let factors = [("A", 1...5), ("B", 6...10), ("C", 11...15), ("D", 16...19), ("E", 20...22)]
        var factorPoints: [Double] = []
        for (id, range) in factors {
            let mean = range.map { itemPoints[String(format: "q%02d", $0)]! }.reduce(0, +) / Double(range.count)
            #expect(abs(try #require(Double(e[cell + "\(id),points,unweighted"] ?? "")) - mean) < 1e-9, "factor \(id)")
            factorPoints.append(mean)
        }
        let index = try #require(Double(e[cell + "index,points,unweighted"] ?? ""))
        #expect(abs(index - factorPoints.reduce(0, +) / 5) < 1e-9)

        let out = outcome.outDirectory
        let summary = String(decoding: try Data(contentsOf: out.appendingPathComponent("summary.csv")), as: UTF8.self)
        let lines = summary.components(separatedBy: "\r\n")
        let header = lines[0].components(separatedBy: ",")
        let row = try #require(lines.first { $0.hasPrefix("all_quarter,ALL,,2024-Q4,") }).components(separatedBy: ",")
        let column = try #require(header.firstIndex(of: "sipas_points"))
        #expect(row[column] == String(format: "%.2f", index))
        let html = String(decoding: try Data(contentsOf: out.appendingPathComponent("report.html")), as: UTF8.self)
        let shown = String(format: "%.2f", index).replacingOccurrences(of: ".", with: ",")
        #expect(html.contains("Điểm SIPAS (thang 0–100)") && html.contains("đạt \(shown) điểm trên thang 100"))
        #expect(!html.contains("\(shown)%"), "points are never shown with a % sign")
        let xml = String(decoding: try Data(contentsOf: out.appendingPathComponent("report.xml")), as: UTF8.self)
        #expect(xml.contains(#"points="true""#) && xml.contains(#"<points id="index" value=""#))
    }
}
