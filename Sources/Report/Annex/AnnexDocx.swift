import Foundation
import SurveyModel

/// The decision annex as a Word document, laid out as Nghị định 30/2020 sets an annex
/// (docs/publication-format.md): A4 portrait, margins 20 mm top and bottom, 30 mm left,
/// 15 mm right; Times New Roman 14 pt (tables 12 pt, a wide factor table 11 pt); the page
/// number centred in the top margin from page 2; `Phụ lục`, the title in capitals and the
/// italic decision line, centred, with a short rule; then the method, one ranking table per
/// unit group with a repeated header row, the notes, and the factor indices.
enum AnnexDocument {
    static let font = "Times New Roman"

    /// Millimetres in twips.
    static func mm(_ value: Double) -> Int { Int((value * 1440 / 25.4).rounded()) }

    static let styles: [WordDocument.Style] = [
        .init(id: "Normal", name: "Normal", size: 28, alignment: .both, spaceBefore: 0, spaceAfter: 120, firstLineIndent: 567, lineSpacing: 276),
        .init(id: "AnnexLabel", name: "Annex Label", size: 28, bold: true, alignment: .center),
        .init(id: "AnnexTitle", name: "Annex Title", size: 28, bold: true, alignment: .center, spaceBefore: 60),
        .init(id: "AnnexDecision", name: "Annex Decision", size: 28, italic: true, alignment: .center),
        .init(id: "AnnexRule", name: "Annex Rule", size: 12, alignment: .center, spaceAfter: 240),
        .init(id: "Heading", name: "Annex Heading", size: 28, bold: true, alignment: .left, spaceBefore: 180, spaceAfter: 120),
        .init(id: "TableCaption", name: "Table Caption", size: 26, bold: true, alignment: .left, spaceBefore: 120, spaceAfter: 60),
        .init(id: "TableHead", name: "Table Head", size: 24, bold: true, alignment: .center),
        .init(id: "TableText", name: "Table Text", size: 24, alignment: .left),
        .init(id: "TableNumber", name: "Table Number", size: 24, alignment: .center),
        .init(id: "Note", name: "Table Note", size: 24, alignment: .both, spaceBefore: 60),
        .init(id: "PageNumber", name: "Page Number", size: 28, alignment: .center),
    ]

    static func document(_ content: AnnexContent, created: String) -> WordDocument {
        var doc = WordDocument(
            title: content.title, language: content.language == .vi ? "vi-VN" : "en-GB", created: created, font: font,
            page: .init(top: mm(20), right: mm(15), bottom: mm(20), left: mm(30)), styles: styles, headerStyle: "PageNumber")
        let width = doc.page.contentWidth
        func p(_ text: String, _ style: String, keepNext: Bool = false) -> WordDocument.Block {
            .paragraph(.init(text, style: style, keepNext: keepNext))
        }
        doc.blocks = [
            p(content.label, "AnnexLabel", keepNext: true),
            p(content.title, "AnnexTitle", keepNext: true),
            p(content.decision, "AnnexDecision", keepNext: true),
            .paragraph(.init([], style: "AnnexRule", ruleBelow: true)),
        ]
        doc.blocks += content.method.map { p($0, "Normal") }
        doc.blocks.append(p(content.rankingHeading, "Heading", keepNext: true))
        for table in content.tables {
            if let heading = table.heading { doc.blocks.append(p(heading, "TableCaption", keepNext: true)) }
            doc.blocks.append(.table(rankingTable(content, table, width: width)))
        }
        doc.blocks += content.notes.map { p($0, "Note") }
        doc.blocks.append(p(content.factorHeading, "Heading", keepNext: true))
        doc.blocks.append(.table(factorTable(content, width: width)))
        if lettersOnly(content, columnWidth: factorColumnWidth(content, width: width), size: content.factorNames.count >= 5 ? 22 : 24) {
            doc.blocks.append(p(content.factorNames.joined(separator: "; ") + ".", "Note"))
        }
        return doc
    }

    static func cell(_ text: String, _ style: String, bold: Bool = false, span: Int = 1, size: Int? = nil) -> WordDocument.Cell {
        WordDocument.Cell(paragraphs: [.init([.init(text, bold: bold, size: size)], style: style)], span: span)
    }

    static func rankingTable(_ content: AnnexContent, _ table: AnnexContent.RankingTable, width: Int) -> WordDocument.Table {
        let c = content.columns
        var head = [cell(c.stt, "TableHead"), cell(c.unit, "TableHead"), cell(c.index, "TableHead")]
        var widths = [mm(12), 0, mm(22)]
        if content.hasPoints { head.append(cell(c.points, "TableHead")); widths.append(mm(18)) }
        head += [cell(c.rank, "TableHead"), cell(c.change, "TableHead")]
        widths += [mm(22), mm(25)]
        if content.hasTarget { head.append(cell(c.target, "TableHead")); widths.append(mm(22)) }
        widths[1] = width - widths.reduce(0, +)
        var rows = [WordDocument.Row(cells: head, header: true)]
        for r in table.rows {
            let total = r.kind != .unit
            var cells = [cell(r.number, "TableNumber", bold: total), cell(r.name, "TableText", bold: total),
                         cell(r.index, "TableNumber", bold: total)]
            if let points = r.points { cells.append(cell(points, "TableNumber", bold: total)) }
            cells += [cell(r.rank, "TableNumber", bold: total), cell(r.change, "TableNumber", bold: total)]
            if let target = r.target { cells.append(cell(target, "TableNumber", bold: total)) }
            rows.append(.init(cells: cells))
        }
        return WordDocument.Table(widths: widths, rows: rows)
    }

    static func factorTable(_ content: AnnexContent, width: Int) -> WordDocument.Table {
        let k = content.factorNames.count
        // 11 pt from five factors on, so that a share fits its column.
        let size: Int? = k >= 5 ? 22 : nil
        let each = factorColumnWidth(content, width: width)
        let widths = [mm(12), width - mm(12) - each * k] + Array(repeating: each, count: k)
        var rows = [WordDocument.Row(
            cells: [cell(content.columns.stt, "TableHead", size: size), cell(content.columns.unit, "TableHead", size: size)]
                + factorHeads(content, columnWidth: each, size: size ?? 24).map { cell($0, "TableHead", size: size) },
            header: true)]
        for r in content.factorRows {
            if r.isGroupHeading {
                rows.append(.init(cells: [cell(r.name, "TableText", bold: true, span: k + 2, size: size)]))
                continue
            }
            let total = r.kind != .unit
            rows.append(.init(cells: [cell(r.number, "TableNumber", bold: total, size: size), cell(r.name, "TableText", bold: total, size: size)]
                + r.values.map { cell($0, "TableNumber", bold: total, size: size) }))
        }
        return WordDocument.Table(widths: widths, rows: rows)
    }
}

extension AnnexDocument {
    /// Whether a word of a factor's name is too long for its column (English: "administrative"
    /// in 22 mm at 11 pt): then the columns are headed by the factors' letters and the names
    /// follow the table (`factorLegend`). A Times character averages about half its size.
    static func lettersOnly(_ content: AnnexContent, columnWidth: Int, size: Int) -> Bool {
        let longest = content.factorNames.flatMap { $0.split(separator: " ") }.map(\.count).max() ?? 0
        let perCharacter = Double(size) / 2 * 20 * 0.5  // twips: half-points → points → twips, × 0.5 em
        return Double(longest) * perCharacter > Double(columnWidth - 114)
    }

    static func factorHeads(_ content: AnnexContent, columnWidth: Int, size: Int) -> [String] {
        lettersOnly(content, columnWidth: columnWidth, size: size) ? content.factorIDs : content.factorNames
    }

    /// The widths the factor table gives each factor's column (as `factorTable` lays it out).
    static func factorColumnWidth(_ content: AnnexContent, width: Int) -> Int {
        let k = content.factorNames.count
        return k > 0 ? (width - mm(12) - mm(k >= 5 ? 42 : 55)) / k : 0
    }
}

/// `annex.docx`: the decision annex in the release's language.
enum AnnexDocx: ReportOutput {
    static let file = ReleaseFile(
        name: "annex.docx", stage: "report", vi: "phụ lục quyết định (Word, để chỉnh sửa)",
        en: "the decision annex (Word, to edit)", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? {
        try render(release, in: release.input.language)
    }

    static func render(_ release: ReleaseContext, in language: Language) throws -> Data? {
        guard let content = AnnexContent(release, language: language) else { return nil }
        return try AnnexDocument.document(content, created: release.input.releaseDate).data()
    }

    /// `annex.en.docx` or `annex.vi.docx`: the annex in the other language (a release holds
    /// exactly one of them, like the pages).
    enum English: ReportOutput {
        static let file = ReleaseFile(
            name: "annex.en.docx", stage: "report", vi: "phụ lục quyết định bằng tiếng Anh (Word)",
            en: "the decision annex in English (Word)", download: true)
        static func render(_ release: ReleaseContext) throws -> Data? {
            release.input.language == .en ? nil : try AnnexDocx.render(release, in: .en)
        }
    }

    enum Vietnamese: ReportOutput {
        static let file = ReleaseFile(
            name: "annex.vi.docx", stage: "report", vi: "phụ lục quyết định bằng tiếng Việt (Word)",
            en: "the decision annex in Vietnamese (Word)", download: true)
        static func render(_ release: ReleaseContext) throws -> Data? {
            release.input.language == .vi ? nil : try AnnexDocx.render(release, in: .vi)
        }
    }
}
