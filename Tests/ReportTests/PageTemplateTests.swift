import Foundation
import Mustache
import Testing

@testable import Report

/// The page's escaping writes what swift-mustache's own HTML escaping writes: the same
/// texts rendered through a template of each, compared.
@Suite("report.html's escaping: the template engine's HTML escaping, faster")
struct PageEscapingTests {
    static let pieces = [
        "a", "Sở Nội vụ", "<", ">", "&", "\"", "'", "\t", "\n", " ", "85,50 %", "😀", "<\u{301}", "'\u{308}", "&amp;",
        "\u{226E}", "Ủy ban nhân dân", "x\u{300}", "",
    ]

    @Test("30,000 random texts, and each piece alone: the same output")
    func sameAsEngine() throws {
        _ = PageEscaping.registered
        let engine = try MustacheTemplate(string: "{{x}}|")
        let page = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(PageEscaping.name) }}{{x}}|")
        var rng = SystemRandomNumberGenerator()
        var texts = Self.pieces
        for _ in 0..<30_000 {
            texts.append((0..<Int.random(in: 1...6, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined())
        }
        var differing: [String] = []
        for text in texts where engine.render(["x": text]) != page.render(["x": text]) { differing.append(text) }
        #expect(differing.isEmpty, "\(differing.count) differ, first \(differing.first.map { String(reflecting: $0) } ?? "")")
        #expect(page.render(["x": "<a href='x'>&</a>"]) == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;|")
    }
}

/// The page's template parsed in pieces (`PageTemplate`): cut at line ends outside every
/// section, the pieces are the template, and rendering them in turn is rendering the whole.
@Suite("report.html's template in pieces: the whole template, rendered the same")
struct PageTemplatePiecesTests {
    @Test("the page's template: several pieces that join to it, none cut inside a section")
    func cutsThePage() throws {
        let text = try HTMLReport.templateText()
        let pieces = PageTemplate.cut(text)
        #expect(pieces.count >= 4)
        #expect(pieces.joined() == text)
        for piece in pieces {
            let opened = piece.components(separatedBy: "{{#").count + piece.components(separatedBy: "{{^").count - 2
            let closed = piece.components(separatedBy: "{{/").count - 1
            #expect(opened == closed, "a piece opens \(opened) sections and closes \(closed)")
        }
    }

    @Test("a publisher's template the cut cannot follow (new delimiters, a tag's text in a comment): parsed whole, the same output")
    func wholeWhenNeeded() throws {
        let block = String(repeating: "<p>{{title}}</p>\n", count: 200)
        let delimiters = block + "{{=<% %>=}}\n<%#rows%>\n<%name%>\n<%/rows%>\n" + block.replacingOccurrences(of: "{{title}}", with: "<%title%>")
        let comment = block + "{{! a note: {{/rows}} }}\n{{#rows}}\n" + block + "{{name}}\n{{/rows}}\n" + block
        let context: [String: Any] = ["title": "Sở", "rows": [["name": "a"], ["name": "b"]]]
        for text in [delimiters, comment] {
            let pieces = try PageTemplate(text)
            let whole = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(PageEscaping.name) }}" + text)
            #expect(pieces.render(context) == Data(whole.render(context).utf8))
        }
        #expect(try PageTemplate(delimiters).pieces.count == 1)
    }

    @Test("standalone section lines, inverted sections and text across the cuts: the same output as one template")
    func sameOutput() throws {
        let line = "<p>{{title}}</p>\n"
        let section = "{{#rows}}\n  <li>{{name}} & {{{raw}}}</li>\n{{/rows}}\n{{^rows}}\nnone\n{{/rows}}\n"
        let text = String(repeating: line + section, count: 60) + "end {{title}}"
        let context: [String: Any] = ["title": "Sở <b>", "rows": [["name": "a'b", "raw": "<i>"], ["name": "c", "raw": ""]]]
        let pieces = try PageTemplate(text)
        #expect(pieces.pieces.count > 1)
        let whole = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(PageEscaping.name) }}" + text)
        #expect(pieces.render(context) == Data(whole.render(context).utf8))
    }
}
