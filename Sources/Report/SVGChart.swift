import Foundation
import Stats
import SurveyModel

/// Inline SVG charts drawn by our own code: no script, no external resource. Every chart
/// has a title and a description (its text alternative) and is accompanied by a table of
/// the same numbers. Colours meet 4.5:1 contrast on white, and no meaning is carried by
/// colour alone (suppressed values are labelled, intervals are drawn as whiskers or a band).
enum SVGChart {
    struct Bar {
        var label: String
        var value: Double?
        var lower: Double?
        var upper: Double?
        /// Shown instead of a value (for example "Q" for a suppressed estimate).
        var note: String?
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func f(_ v: Double) -> String { NumberText.fixed(v, decimals: 1) }

    /// The two drawings of every chart. `wide` is for screens from 45rem and for print, shown
    /// up to its natural width (text at 12-13 px). `narrow` is for phones: 340 units wide, so
    /// that at 390 px its text still renders at 12-13 px where the wide drawing, scaled down
    /// to the screen, would shrink it to 6. The page's CSS shows one of them (the classes
    /// `chart-wide` and `chart-narrow`); the hidden one is not read out either.
    enum Layout: String, CaseIterable { case wide, narrow }

    /// Horizontal bars from 0 to 100 % with interval whiskers, in both layouts.
    /// A target line across the plot: the share and its label ("Mục tiêu 90,00%").
    struct Target {
        var share: Double
        var label: String
    }
    /// The target's colour: dark orange, 7.3:1 against white, drawn dashed.
    static let targetColour = "#8a3b00"

    static func bars(_ bars: [Bar], id: String, title: String, description: String, language: Language,
                     target: Target? = nil) -> String {
        Layout.allCases.map { self.bars(bars, id: id, title: title, description: description, language: language, layout: $0, target: target) }
            .joined(separator: "\n")
    }

    /// The bars in one layout: each label left of its bar (`wide`) or above it (`narrow`).
    static func bars(_ bars: [Bar], id: String, title: String, description: String, language: Language,
                     layout: Layout, target: Target? = nil) -> String {
        let narrow = layout == .narrow
        let id = narrow ? "\(id)-narrow" : id
        let labelWidth = narrow ? 14.0 : 230.0, plotWidth = narrow ? 270.0 : 420.0
        let rowHeight = narrow ? 44.0 : 30.0, top = narrow ? 8.0 : 28.0
        // The bar's top and the text's baseline within a row.
        let barTop = narrow ? 20.0 : 6.0, barHeight = narrow ? 16.0 : rowHeight - 12, baseline = barTop + 13
        let width = labelWidth + plotWidth + (narrow ? 56 : 70)
        let height = top + rowHeight * Double(bars.count) + 30
        func x(_ share: Double) -> Double { labelWidth + plotWidth * min(1, max(0, share)) }
        var svg = """
            <svg class="chart-\(layout.rawValue)" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            viewBox="0 0 \(f(width)) \(f(height))" width="100%" style="max-width:\(Int(width))px">
            <title id="\(id)-title">\(escape(title))</title>
            <desc id="\(id)-desc">\(escape(description))</desc>

            """
        for tick in stride(from: 0, through: 100, by: 20) {
            let tx = x(Double(tick) / 100)
            svg += "<line x1=\"\(f(tx))\" y1=\"\(f(top - 6))\" x2=\"\(f(tx))\" y2=\"\(f(height - 24))\" stroke=\"#b0b0b0\" stroke-width=\"1\"/>"
            svg += "<text x=\"\(f(tx))\" y=\"\(f(height - 8))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1a1a1a\">\(tick)%</text>\n"
        }
        var targetLine = "", valueLabels = ""
        if let target {
            let tx = x(target.share)
            targetLine = "<line x1=\"\(f(tx))\" y1=\"\(f(top - 6))\" x2=\"\(f(tx))\" y2=\"\(f(height - 24))\" stroke=\"\(targetColour)\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
                + "<text x=\"\(f(tx))\" y=\"\(f(max(10, top - 10)))\" font-size=\"12\" text-anchor=\"end\" fill=\"\(targetColour)\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(escape(target.label))</text>\n"
        }
        for (i, bar) in bars.enumerated() {
            let y = top + rowHeight * Double(i)
            if narrow {
                // Above the bar, across the grid lines: a white halo keeps it legible.
                svg += "<text x=\"\(f(x(0)))\" y=\"\(f(y + 14))\" font-size=\"13\" fill=\"#1a1a1a\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(escape(bar.label))</text>"
            } else {
                svg += "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + 19))\" font-size=\"13\" text-anchor=\"end\" fill=\"#1a1a1a\">\(escape(bar.label))</text>"
            }
            if let note = bar.note {
                svg += "<text x=\"\(f(x(0) + 6))\" y=\"\(f(y + baseline))\" font-size=\"13\" fill=\"#1a1a1a\">\(escape(note))</text>\n"
                continue
            }
            guard let value = bar.value else { continue }
            svg += "<rect x=\"\(f(x(0)))\" y=\"\(f(y + barTop))\" width=\"\(f(x(value) - x(0)))\" height=\"\(f(barHeight))\" fill=\"#0b4f8a\"/>"
            if let lo = bar.lower, let hi = bar.upper {
                let cy = y + barTop + barHeight / 2
                // A white halo under the dark whisker: inside the bar it is white on blue
                // (8.6:1), outside dark on white; never dark on blue (2.07:1).
                for (colour, width) in [("#ffffff", "4"), ("#1a1a1a", "2")] {
                    svg += "<line x1=\"\(f(x(lo)))\" y1=\"\(f(cy))\" x2=\"\(f(x(hi)))\" y2=\"\(f(cy))\" stroke=\"\(colour)\" stroke-width=\"\(width)\"/>"
                    svg += "<line x1=\"\(f(x(lo)))\" y1=\"\(f(cy - 7))\" x2=\"\(f(x(lo)))\" y2=\"\(f(cy + 7))\" stroke=\"\(colour)\" stroke-width=\"\(width)\"/>"
                    svg += "<line x1=\"\(f(x(hi)))\" y1=\"\(f(cy - 7))\" x2=\"\(f(x(hi)))\" y2=\"\(f(cy + 7))\" stroke=\"\(colour)\" stroke-width=\"\(width)\"/>"
                }
            }
            valueLabels += "<text x=\"\(f(x(bar.upper ?? value) + 6))\" y=\"\(f(y + baseline))\" font-size=\"12\" fill=\"#1a1a1a\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(escape(NumberStyle.percent(value, language: language)))</text>\n"
        }
        // The target over the bars, so that it is seen where a bar passes it; the values over it.
        return svg + targetLine + valueLabels + "</svg>"
    }

    struct Point {
        var label: String
        var value: Double?
        var lower: Double?
        var upper: Double?
        /// The `narrow` drawing's axis label in two lines ("IV" over "2024"); the second is
        /// written only where it changes. Without it, `label`.
        var tick: String? = nil
        var group: String? = nil
    }

    /// A line over periods with a shaded interval band; the y axis spans the data, labelled;
    /// in both layouts.
    static func trend(_ points: [Point], id: String, title: String, description: String, language: Language,
                      target: Target? = nil) -> String {
        Layout.allCases.map { trend(points, id: id, title: title, description: description, language: language, layout: $0, target: target) }
            .joined(separator: "\n")
    }

    /// The trend in one layout; `narrow` writes the periods in two lines (`Point.tick`, `group`).
    static func trend(_ points: [Point], id: String, title: String, description: String, language: Language,
                      layout: Layout, target: Target? = nil) -> String {
        let narrow = layout == .narrow
        let id = narrow ? "\(id)-narrow" : id
        let left = narrow ? 40.0 : 56.0, right = narrow ? 16.0 : 44.0, top = narrow ? 14.0 : 20.0
        let bottom = narrow ? 44.0 : 40.0, plotWidth = narrow ? 284.0 : 600.0, plotHeight = narrow ? 180.0 : 220.0
        let width = left + plotWidth + right, height = top + plotHeight + bottom
        let known = points.compactMap { p in p.value.map { (p.lower ?? $0, p.upper ?? $0) } }
        var low = (known.map(\.0).min() ?? 0) * 100, high = (known.map(\.1).max() ?? 1) * 100
        // The target inside the axis, so that its line is drawn.
        if let target { low = min(low, target.share * 100); high = max(high, target.share * 100) }
        low = max(0, (low / 5).rounded(.down) * 5)
        high = min(100, (high / 5).rounded(.up) * 5)
        if high - low < 10 { high = min(100, low + 10); low = max(0, high - 10) }
        let step = points.count > 1 ? plotWidth / Double(points.count - 1) : 0
        func x(_ i: Int) -> Double { left + (points.count > 1 ? step * Double(i) : plotWidth / 2) }
        func y(_ share: Double) -> Double { top + plotHeight * (1 - (share * 100 - low) / (high - low)) }
        var svg = """
            <svg class="chart-\(layout.rawValue)" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            viewBox="0 0 \(f(width)) \(f(height))" width="100%" style="max-width:\(Int(width))px">
            <title id="\(id)-title">\(escape(title))</title>
            <desc id="\(id)-desc">\(escape(description))</desc>

            """
        for tick in stride(from: low, through: high, by: (high - low) > 20 ? 10 : 5) {
            let ty = y(tick / 100)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(ty))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(ty))\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(ty + 4))\" font-size=\"12\" text-anchor=\"end\" fill=\"#1a1a1a\">\(Int(tick))%</text>\n"
        }
        // The band: upper bounds left to right, then lower bounds back.
        // A period without a value (suppressed, or no index: M) breaks the band and the line:
        // drawn across it, they would show a value that was never published.
        for banded in Self.runs(points.indices.filter { points[$0].lower != nil && points[$0].upper != nil }) where banded.count > 1 {
            let upperPath = banded.map { "\(f(x($0))),\(f(y(points[$0].upper!)))" }
            let lowerPath = banded.reversed().map { "\(f(x($0))),\(f(y(points[$0].lower!)))" }
            svg += "<polygon points=\"\((upperPath + lowerPath).joined(separator: " "))\" fill=\"#0b4f8a\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
            // The band's edges drawn in the line's colour (8.6:1 against white), dashed: the
            // light fill alone is 1.35:1.
            for path in [upperPath, Array(lowerPath.reversed())] {
                svg += "<polyline points=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"#0b4f8a\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n"
            }
        }
        if let target {
            let ty = y(target.share)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(ty))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(ty))\" stroke=\"\(targetColour)\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
            svg += "<text x=\"\(f(left + plotWidth))\" y=\"\(f(ty - 5))\" font-size=\"12\" text-anchor=\"end\" fill=\"\(targetColour)\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(escape(target.label))</text>\n"
        }
        let line = points.indices.filter { points[$0].value != nil }
        for run in Self.runs(line) where run.count > 1 {
            svg += "<polyline points=\"\(run.map { "\(f(x($0))),\(f(y(points[$0].value!)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"#0b4f8a\" stroke-width=\"2.5\"/>\n"
        }
        for i in line {
            svg += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(points[i].value!)))\" r=\"4\" fill=\"#0b4f8a\"/>"
        }
        for (i, p) in points.enumerated() {
            guard narrow, let tick = p.tick else {
                svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + plotHeight + 22))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1a1a1a\">\(escape(p.label))</text>"
                continue
            }
            svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + plotHeight + 18))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1a1a1a\">\(escape(tick))</text>"
            if let group = p.group, i == 0 || points[i - 1].group != group {
                svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + plotHeight + 34))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1a1a1a\">\(escape(group))</text>"
            }
        }
        return svg + "\n</svg>"
    }

    /// Ascending indices split where one is missing: [0, 1, 3, 4] → [[0, 1], [3, 4]].
    static func runs(_ indices: [Int]) -> [[Int]] {
        var runs: [[Int]] = []
        for i in indices {
            if let last = runs.last?.last, last + 1 == i { runs[runs.count - 1].append(i) } else { runs.append([i]) }
        }
        return runs
    }
}
