import Foundation
import Testing

@testable import Report
import SurveyModel

@Suite("SVG charts")
struct SVGChartTests {
    /// The line's and band's paths of one drawing (`<polyline>` with the line's 2.5 stroke,
    /// `<polygon>` of the band).
    static func shapes(_ svg: String, _ tag: String) -> [String] {
        svg.components(separatedBy: "<\(tag) points=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test("a period without a value breaks the trend's line and band; it is never bridged")
    func gapBreaksTheLine() {
        let values: [Double?] = [0.82, 0.84, nil, 0.86, 0.85]
        let points = values.enumerated().map { i, v in
            SVGChart.Point(label: "Q\(i + 1)", value: v, lower: v.map { $0 - 0.03 }, upper: v.map { $0 + 0.03 })
        }
        let svg = SVGChart.trend(points, id: "t", title: "t", description: "d", language: .vi, layout: .wide)
        let lines = Self.shapes(svg, "polyline")
        let bands = Self.shapes(svg, "polygon")
        // Two runs (Q1-Q2, Q4-Q5): two line pieces and two bands, each of two periods.
        #expect(bands.count == 2)
        let solid = svg.components(separatedBy: "<polyline ").dropFirst().filter { $0.contains("stroke-width=\"2.5\"") }
        #expect(solid.count == 2)
        for piece in solid { #expect(piece.split(separator: "\"")[1].split(separator: " ").count == 2, "each piece joins two periods") }
        #expect(lines.count == 2 + 4)  // two line pieces, and each band's two dashed edges
        // Without the gap, one piece.
        let whole = SVGChart.trend(points.map { var p = $0; p.value = p.value ?? 0.85; p.lower = p.lower ?? 0.8; p.upper = p.upper ?? 0.9; return p },
                                   id: "t", title: "t", description: "d", language: .vi, layout: .wide)
        #expect(whole.components(separatedBy: "<polyline ").dropFirst().filter { $0.contains("stroke-width=\"2.5\"") }.count == 1)
        #expect(SVGChart.runs([0, 1, 3, 4, 6]) == [[0, 1], [3, 4], [6]])
    }
}
