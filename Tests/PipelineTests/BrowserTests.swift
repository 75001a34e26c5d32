import Foundation
import Stages
import Testing

/// Renders the example report in headless Chromium (Debian package `chromium`, installed by
/// `make test`). A missing browser is a failure, not a skip.
@Suite("report.html in a real browser")
struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @discardableResult
    func browse(_ arguments: [String]) throws -> String {
        let browser = try #require(Self.chromium, "chromium is not installed: run `make test`, which installs it")
        let process = Process()
        // Chromium's chatter goes to /dev/null through the shell, not `FileHandle.nullDevice`:
        // a shared handle given to Process can be closed here by Foundation on Linux and its
        // descriptor number, reused by a test running alongside, closed again (seen once as
        // "Bad file descriptor" in an inbox reader of a parallel pipeline test).
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec "$0" "$@" 2>/dev/null"#, browser,
                             "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the page renders with its headings and numbers, as a screenshot and as an A4 PDF", arguments: ["vi", "en"])
    func renders(language: String) throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
            .run(language: language == "vi" ? .vi : .en, releaseDate: nil)
        let page = outcome.outDirectory.appendingPathComponent("report.html")
        let dom = try browse(["--dump-dom", page.absoluteString])
        if language == "vi" {
            for text in ["Kết quả quý IV/2024", "Chỉ số thành phần theo yếu tố", "Sở Nội vụ", "I = số phiếu dưới mức tối thiểu 60 phiếu", "Ghi chú phương pháp"] {
                #expect(dom.contains(text), "DOM has \(text)")
            }
            #expect(dom.range(of: #"\d{2},\d{2}%"#, options: .regularExpression) != nil)
        } else {
            for text in ["Results for the quarter: 2024 Q4", "Factor indices", "Department of Home Affairs", "Methodology note"] {
                #expect(dom.contains(text), "DOM has \(text)")
            }
            #expect(dom.range(of: #"\d{2}\.\d{2}%"#, options: .regularExpression) != nil)
        }
        #expect(!dom.contains("http://") && !dom.contains("https://"), "nothing points outside the file")

        let shot = folder.appendingPathComponent("shot.png")
        try browse(["--window-size=1200,900", "--screenshot=\(shot.path)", page.absoluteString])
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000, "a blank page compresses to a few kilobytes")

        let pdf = folder.appendingPathComponent("report.pdf")
        try browse(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", page.absoluteString])
        let pdfText = String(decoding: try Data(contentsOf: pdf), as: UTF8.self)
        #expect(pdfText.hasPrefix("%PDF"))
        // A4 is 595 x 842 points.
        #expect(pdfText.contains("/MediaBox [0 0 595") || pdfText.contains("/MediaBox [0 0 594"))
    }

    // MARK: axe-core and the page on a phone

    /// One run of the example shared by the tests below: `report.html` (Vietnamese) and
    /// `report.en.html`.
    static let example = Result { () throws -> URL in
        let folder = try copyFixture("example")
        return try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
            .run(language: .vi, releaseDate: nil).outDirectory
    }

    static func page(_ language: String) throws -> URL {
        try example.get().appendingPathComponent(language == "vi" ? "report.html" : "report.en.html")
    }

    /// axe-core's `axe.min.js` from the test venv that `make test` makes (`make test-venv`:
    /// the pinned PyPI wheel axe-core-python; `SIPAS_TEST_VENV` names another venv). Missing
    /// is a failure, never a skip.
    static func axeScript() throws -> URL {
        let venv = ProcessInfo.processInfo.environment["SIPAS_TEST_VENV"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent(".venv-test")
        let lib = venv.appendingPathComponent("lib")
        let found = ((try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []).sorted()
            .map { lib.appendingPathComponent("\($0)/site-packages/axe_core_python/axe.min.js") }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        return try #require(found, "axe-core (axe_core_python/axe.min.js) is not in \(venv.path): run `make test`, which makes that venv")
    }

    /// Runs `script` in a copy of `page` seen at `width` × `height` CSS pixels and returns
    /// the JSON it reported. Headless Chromium's window is at least 500 px wide, so the copy
    /// is framed in an iframe of the wanted size: the frame is the page's viewport (its media
    /// queries, `innerWidth` and `scrollWidth` are a phone's), and `--hide-scrollbars` lets
    /// scrollbars overlay the page as on a phone. The script, run on `load` after `extras`
    /// (script files put beside the copy), calls `sipasReport(value)`; the value travels to
    /// the framing page by `postMessage` and comes back through `--dump-dom` as base64 of
    /// its JSON, since dump-dom escapes text as HTML.
    func probe(_ page: URL, width: Int, height: Int = 844, script: String, extras: [URL] = [],
               edit: (String) -> String = { $0 }) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var scripts = ""
        for extra in extras {
            try FileManager.default.copyItem(at: extra, to: folder.appendingPathComponent(extra.lastPathComponent))
            scripts += "<script src=\"\(extra.lastPathComponent)\"></script>\n"
        }
        scripts += """
            <script>
            function sipasReport(value) {
              var bytes = new TextEncoder().encode(JSON.stringify(value)), text = '';
              for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
              parent.postMessage(btoa(text), '*');
            }
            window.addEventListener('load', function () {
              try { \(script) } catch (e) { sipasReport({error: String(e)}); }
            });
            </script>

            """
        let html = edit(try String(contentsOf: page, encoding: .utf8))
        let body = try #require(html.range(of: "</body>", options: .backwards), "the page has a </body>")
        try Data(html.replacingCharacters(in: body.lowerBound..<body.lowerBound, with: scripts).utf8)
            .write(to: folder.appendingPathComponent("page.html"))
        let frame = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title>
            <style>html, body { margin: 0 } iframe { border: 0; display: block }</style></head>
            <body><iframe src="page.html" width="\(width)" height="\(height)" title="page"></iframe><pre id="probe-result"></pre>
            <script>addEventListener('message', function (e) { document.getElementById('probe-result').textContent = e.data; });</script>
            </body></html>
            """
        let frameURL = folder.appendingPathComponent("frame.html")
        try Data(frame.utf8).write(to: frameURL)
        let dom = try browse(["--hide-scrollbars", "--window-size=\(max(width, 500)),\(height)",
                              "--virtual-time-budget=60000", "--dump-dom", frameURL.absoluteString])
        let match = try #require(dom.firstMatch(of: /<pre id="probe-result">([A-Za-z0-9+\/=]+)<\/pre>/),
                                 "the page's script reported nothing at \(width) px")
        return try #require(Data(base64Encoded: String(match.1)), "the report is base64")
    }

    struct AxeOutcome: Decodable {
        struct Violation: Decodable {
            var id: String
            var impact: String?
            var help: String
            var targets: [String]
        }
        var version: String?
        var violations: [Violation]?
        var error: String?
    }

    /// axe-core's violations of `page` at `width` px (every rule axe runs by default:
    /// WCAG 2.0, 2.1 A and AA, and best practices).
    func axeViolations(_ page: URL, width: Int, edit: (String) -> String = { $0 }) throws -> [AxeOutcome.Violation] {
        let data = try probe(page, width: width, script: """
            axe.run(document, {resultTypes: ['violations']}).then(function (r) {
              sipasReport({version: axe.version, violations: r.violations.map(function (v) {
                return {id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(function (n) { return n.target.join(' '); })};
              })});
            }, function (e) { sipasReport({error: String(e)}); });
            """, extras: [try Self.axeScript()], edit: edit)
        let outcome = try JSONDecoder().decode(AxeOutcome.self, from: data)
        #expect(outcome.error == nil, "axe-core failed: \(outcome.error ?? "")")
        return try #require(outcome.violations, "axe-core reported no result")
    }

    static func describe(_ violations: [AxeOutcome.Violation]) -> String {
        violations.map { "\($0.id) (\($0.impact ?? "?")): \($0.help)\n    " + $0.targets.joined(separator: "\n    ") }
            .joined(separator: "\n")
    }

    @Test("axe-core finds no violations on the page at desktop and phone widths", arguments: ["vi", "en"], [1280, 390])
    func accessible(language: String, width: Int) throws {
        let violations = try axeViolations(try Self.page(language), width: width)
        #expect(violations.isEmpty, "axe-core at \(width) px, \(language):\n\(Self.describe(violations))")
    }

    /// The harness can fail: a copy of the page with a planted fault, and the rule axe-core
    /// must name. Tables that scroll at 390 px but cannot be reached by keyboard are found
    /// only if the frame really is a phone's width.
    @Test("the axe-core harness reports a violation planted in a copy of the page", arguments: [
        ("image-alt", "<main>", #"<main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">"#),
        ("scrollable-region-focusable", #" tabindex="0""#, ""),
    ])
    func axeHarnessCatchesViolations(rule: String, replacing: String, with planted: String) throws {
        let violations = try axeViolations(try Self.page("vi"), width: 390) {
            $0.replacingOccurrences(of: replacing, with: planted)
        }
        #expect(violations.contains { $0.id == rule }, "axe-core names \(rule): \(Self.describe(violations))")
    }

    struct Layout: Decodable {
        struct Scroller: Decodable {
            var label: String
            var right: Double
            var scrolls: Bool
        }
        var innerWidth: Int
        var scrollWidth: Int
        struct Drawing: Decodable {
            /// The chart's id and its layout (`wide`, `narrow`), from the SVG's ids and class.
            var chart: String
            var layout: String
            var shown: Bool
            /// The smallest rendered font size of its text, in CSS px (shown drawings only).
            var smallestText: Double?
        }
        var tablesOutsideScrollers: Int
        var scrollers: [Scroller]
        /// Table captions whose text reaches past the right edge of the screen.
        var captionsCut: [String]
        var drawings: [Drawing]
        var error: String?
    }

    @Test("on a phone (390 px) the page does not scroll sideways, tables scroll in their own region, chart text stays legible",
          arguments: ["vi", "en"], [390, 1280])
    func fitsTheScreen(language: String, width: Int) throws {
        let data = try probe(try Self.page(language), width: width, script: """
            var root = document.documentElement;
            var drawings = Array.from(document.querySelectorAll('svg')).map(function (svg) {
              var shown = svg.getClientRects().length > 0, smallest = null;
              if (shown) svg.querySelectorAll('text').forEach(function (t) {
                // The font size in the SVG's units times the scale from its viewBox to the screen.
                var px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
                smallest = smallest === null ? px : Math.min(smallest, px);
              });
              return {chart: svg.querySelector('title').id.replace(/(-narrow)?-title$/, ''),
                      layout: svg.getAttribute('class').replace('chart-', ''), shown: shown, smallestText: smallest};
            });
            sipasReport({innerWidth: window.innerWidth, scrollWidth: root.scrollWidth, drawings: drawings,
              captionsCut: Array.from(document.querySelectorAll('caption')).filter(function (c) {
                var text = document.createRange(); text.selectNodeContents(c);
                return text.getBoundingClientRect().right > window.innerWidth; }).map(function (c) { return c.id; }),
              tablesOutsideScrollers: Array.from(document.querySelectorAll('table')).filter(function (t) {
                return !t.parentElement.classList.contains('table-scroll'); }).length,
              scrollers: Array.from(document.querySelectorAll('.table-scroll')).map(function (d) {
                return {label: d.getAttribute('aria-labelledby'), right: d.getBoundingClientRect().right,
                        scrolls: d.scrollWidth > d.clientWidth}; })});
            """)
        let layout = try JSONDecoder().decode(Layout.self, from: data)
        #expect(layout.error == nil, "\(layout.error ?? "")")
        #expect(layout.innerWidth == width, "the frame is the page's viewport")
        #expect(layout.scrollWidth <= width, "the page is \(layout.scrollWidth) px wide at \(width) px")
        #expect(layout.tablesOutsideScrollers == 0, "every table is in a scroll container")
        #expect(!layout.scrollers.isEmpty)
        #expect(layout.captionsCut.isEmpty, "captions wider than the screen: \(layout.captionsCut)")
        for scroller in layout.scrollers {
            #expect(scroller.right <= Double(width), "the region \(scroller.label) ends at \(scroller.right) px")
        }
        // Every chart is drawn twice and shown once: narrow below 45rem (720 px), wide above.
        let charts = Dictionary(grouping: layout.drawings, by: \.chart)
        #expect(charts.count >= 2, "the bar chart and the trend at least: \(charts.keys.sorted())")
        for (chart, drawings) in charts {
            #expect(drawings.map(\.layout).sorted() == ["narrow", "wide"], "\(chart) has both drawings")
            #expect(drawings.filter(\.shown).map(\.layout) == [width < 720 ? "narrow" : "wide"], "\(chart): one drawing shown")
            for drawing in drawings where drawing.shown {
                let px = try #require(drawing.smallestText, "\(chart) has text")
                #expect(px >= 11, "the text of \(chart) renders at \(px) px at \(width) px")
            }
        }
        let smallest = layout.drawings.compactMap(\.smallestText).min() ?? 0
        print("[layout] \(language) \(width) px: page \(layout.scrollWidth) px wide; \(charts.count) charts, smallest text \(smallest) px; regions that scroll: \(layout.scrollers.filter(\.scrolls).map(\.label))")
    }
}
