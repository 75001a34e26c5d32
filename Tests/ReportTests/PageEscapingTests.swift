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
