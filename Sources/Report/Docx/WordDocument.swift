import Foundation
import ZIPFoundation

/// A Word document (.docx: OOXML WordprocessingML in a zip) of styled paragraphs and real
/// tables, written with libxml2's writer (`XMLWriter`) and ZIPFoundation, every zip entry
/// dated `created`, so the same document gives the same bytes.
///
/// What it holds is what a decision annex needs (Nghị định 30/2020, docs/publication-format.md):
/// one A4 section, margins, a page number (a `PAGE` field) centred in the header from page 2
/// (`titlePg` with an empty first-page header), paragraph styles over one serif font, tables
/// with a repeated header row. Word, LibreOffice and python-docx read it.
struct WordDocument {
    /// Twentieths of a point; 1 mm = 56.7 twips.
    typealias Twips = Int

    struct Run {
        var text: String
        var bold = false
        var italic = false
        /// Half-points (24 = 12 pt); nil: the style's.
        var size: Int?
        var superscript = false

        init(_ text: String, bold: Bool = false, italic: Bool = false, size: Int? = nil, superscript: Bool = false) {
            self.text = text
            self.bold = bold
            self.italic = italic
            self.size = size
            self.superscript = superscript
        }
    }

    enum Alignment: String {
        case left, center, right, both
    }

    struct Paragraph {
        var runs: [Run]
        /// A style id of `styles`.
        var style: String
        var alignment: Alignment?
        /// Kept on the page of the next paragraph (headings, a table's caption).
        var keepNext = false
        /// A short centred rule under the paragraph (under an annex's heading).
        var ruleBelow = false

        init(_ runs: [Run], style: String, alignment: Alignment? = nil, keepNext: Bool = false, ruleBelow: Bool = false) {
            self.runs = runs
            self.style = style
            self.alignment = alignment
            self.keepNext = keepNext
            self.ruleBelow = ruleBelow
        }

        init(_ text: String, style: String, alignment: Alignment? = nil, keepNext: Bool = false) {
            self.init([Run(text)], style: style, alignment: alignment, keepNext: keepNext)
        }
    }

    struct Cell {
        var paragraphs: [Paragraph]
        /// Columns the cell spans.
        var span = 1
    }

    struct Row {
        var cells: [Cell]
        /// A header row, repeated at the top of every page the table reaches.
        var header = false
    }

    struct Table {
        /// Column widths; their sum is the table's width.
        var widths: [Twips]
        var rows: [Row]
    }

    enum Block {
        case paragraph(Paragraph)
        case table(Table)
    }

    /// A paragraph style: its font size and look; the font is the document's.
    struct Style {
        var id: String
        var name: String
        /// Half-points.
        var size: Int
        var bold = false
        var italic = false
        var alignment: Alignment = .left
        var spaceBefore: Twips = 0
        var spaceAfter: Twips = 0
        var firstLineIndent: Twips = 0
        /// 240 = single.
        var lineSpacing = 240
    }

    struct Page {
        var width: Twips = 11_906
        var height: Twips = 16_838
        var top: Twips, right: Twips, bottom: Twips, left: Twips
        /// From the page's top edge to the header's text.
        var header: Twips = 567
        var footer: Twips = 567
        var contentWidth: Twips { width - left - right }
    }

    var title: String
    /// `vi-VN`, `en-GB`.
    var language: String
    /// `yyyy-mm-dd`: the document's dates and every zip entry's.
    var created: String
    var font: String
    var page: Page
    /// The first is Normal (the default paragraph style).
    var styles: [Style]
    /// The style of the page number in the header.
    var headerStyle: String
    var blocks: [Block] = []

    /// The .docx bytes.
    func data() throws -> Data {
        let parts: [(String, Data)] = [
            ("[Content_Types].xml", try contentTypes()),
            ("_rels/.rels", try packageRelationships()),
            ("docProps/core.xml", try coreProperties()),
            ("docProps/app.xml", try appProperties()),
            ("word/document.xml", try document()),
            ("word/styles.xml", try stylesPart()),
            ("word/settings.xml", try settings()),
            ("word/header1.xml", try header(pageNumber: true)),
            ("word/header2.xml", try header(pageNumber: false)),
            ("word/_rels/document.xml.rels", try documentRelationships()),
        ]
        return try Self.zip(parts, date: Self.date(created))
    }

    // MARK: the zip

    static func date(_ iso: String) -> Date {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        var t = tm()
        t.tm_year = Int32((parts.count == 3 ? parts[0] : 1980) - 1900)
        t.tm_mon = Int32((parts.count == 3 ? parts[1] : 1) - 1)
        t.tm_mday = Int32(parts.count == 3 ? parts[2] : 1)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }

    /// Entries in the given order, deflated, each dated `date` (ZIPFoundation writes the DOS
    /// date in UTC), no extra fields: the same parts give the same bytes.
    static func zip(_ parts: [(String, Data)], date: Date) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in parts {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date, permissions: 0o644,
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let bytes = archive.data else { throw ReportError.xmlWriter("the .docx archive is empty") }
        return bytes
    }

    // MARK: parts

    static let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelationshipsNS = "http://schemas.openxmlformats.org/package/2006/relationships"

    func contentTypes() throws -> Data {
        let x = try XMLWriter()
        try x.start("Types")
        try x.attribute("xmlns", "http://schemas.openxmlformats.org/package/2006/content-types")
        try x.element("Default", [("Extension", "rels"), ("ContentType", "application/vnd.openxmlformats-package.relationships+xml")])
        try x.element("Default", [("Extension", "xml"), ("ContentType", "application/xml")])
        let wml = "application/vnd.openxmlformats-officedocument.wordprocessingml."
        for (part, type) in [
            ("/word/document.xml", wml + "document.main+xml"), ("/word/styles.xml", wml + "styles+xml"),
            ("/word/settings.xml", wml + "settings+xml"), ("/word/header1.xml", wml + "header+xml"),
            ("/word/header2.xml", wml + "header+xml"),
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
        ] {
            try x.element("Override", [("PartName", part), ("ContentType", type)])
        }
        try x.end()
        return try x.finish()
    }

    func packageRelationships() throws -> Data {
        try relationships([
            ("rId1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument", "word/document.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
            ("rId3", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties", "docProps/app.xml"),
        ])
    }

    func documentRelationships() throws -> Data {
        let base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        return try relationships([
            ("rId1", base + "styles", "styles.xml"), ("rId2", base + "settings", "settings.xml"),
            ("rId3", base + "header", "header1.xml"), ("rId4", base + "header", "header2.xml"),
        ])
    }

    func relationships(_ list: [(id: String, type: String, target: String)]) throws -> Data {
        let x = try XMLWriter()
        try x.start("Relationships")
        try x.attribute("xmlns", Self.packageRelationshipsNS)
        for item in list { try x.element("Relationship", [("Id", item.id), ("Type", item.type), ("Target", item.target)]) }
        try x.end()
        return try x.finish()
    }

    func coreProperties() throws -> Data {
        let x = try XMLWriter()
        try x.start("cp:coreProperties")
        try x.attribute("xmlns:cp", "http://schemas.openxmlformats.org/package/2006/metadata/core-properties")
        try x.attribute("xmlns:dc", "http://purl.org/dc/elements/1.1/")
        try x.attribute("xmlns:dcterms", "http://purl.org/dc/terms/")
        try x.attribute("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        try x.element("dc:title", text: title)
        try x.element("dc:creator", text: "sipas-pipeline")
        try x.element("dc:language", text: language)
        for name in ["dcterms:created", "dcterms:modified"] {
            try x.element(name, [("xsi:type", "dcterms:W3CDTF")], text: "\(created)T00:00:00Z")
        }
        try x.end()
        return try x.finish()
    }

    func appProperties() throws -> Data {
        let x = try XMLWriter()
        try x.start("Properties")
        try x.attribute("xmlns", "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties")
        try x.element("Application", text: "sipas-pipeline")
        try x.end()
        return try x.finish()
    }

    func settings() throws -> Data {
        let x = try XMLWriter()
        try x.start("w:settings")
        try x.attribute("xmlns:w", Self.w)
        try x.element("w:defaultTabStop", [("w:val", "720")])
        try x.element("w:characterSpacingControl", [("w:val", "doNotCompress")])
        try x.start("w:compat")
        try x.element("w:compatSetting", [
            ("w:name", "compatibilityMode"), ("w:uri", "http://schemas.microsoft.com/office/word"), ("w:val", "15"),
        ])
        try x.end()
        try x.end()
        return try x.finish()
    }

    /// The page-number header (centred `PAGE` field) or the first page's empty one.
    func header(pageNumber: Bool) throws -> Data {
        let x = try XMLWriter()
        try x.start("w:hdr")
        try x.attribute("xmlns:w", Self.w)
        try x.start("w:p")
        try x.start("w:pPr")
        try x.element("w:pStyle", [("w:val", headerStyle)])
        try x.element("w:jc", [("w:val", "center")])
        try x.end()
        if pageNumber {
            try fieldRun(x, fldChar: "begin")
            try x.start("w:r")
            try x.element("w:instrText", [("xml:space", "preserve")], text: " PAGE ")
            try x.end()
            try fieldRun(x, fldChar: "separate")
            try x.start("w:r")
            try x.element("w:t", text: "2")
            try x.end()
            try fieldRun(x, fldChar: "end")
        }
        try x.end()
        try x.end()
        return try x.finish()
    }

    private func fieldRun(_ x: XMLWriter, fldChar: String) throws {
        try x.start("w:r")
        try x.element("w:fldChar", [("w:fldCharType", fldChar)])
        try x.end()
    }

    func stylesPart() throws -> Data {
        let x = try XMLWriter()
        try x.start("w:styles")
        try x.attribute("xmlns:w", Self.w)
        try x.start("w:docDefaults")
        try x.start("w:rPrDefault")
        try x.start("w:rPr")
        try x.element("w:rFonts", [("w:ascii", font), ("w:hAnsi", font), ("w:eastAsia", font), ("w:cs", font)])
        try x.element("w:sz", [("w:val", String(styles.first?.size ?? 28))])
        try x.element("w:szCs", [("w:val", String(styles.first?.size ?? 28))])
        try x.element("w:lang", [("w:val", language), ("w:eastAsia", language), ("w:bidi", "ar-SA")])
        try x.end()
        try x.end()
        try x.start("w:pPrDefault")
        try x.start("w:pPr")
        try x.element("w:spacing", [("w:before", "0"), ("w:after", "0"), ("w:line", "240"), ("w:lineRule", "auto")])
        try x.end()
        try x.end()
        try x.end()
        for (i, style) in styles.enumerated() {
            try x.start("w:style")
            try x.attribute("w:type", "paragraph")
            if i == 0 { try x.attribute("w:default", "1") }
            try x.attribute("w:styleId", style.id)
            try x.element("w:name", [("w:val", style.name)])
            if i > 0 { try x.element("w:basedOn", [("w:val", styles[0].id)]) }
            try x.element("w:qFormat")
            try x.start("w:pPr")
            try x.element("w:spacing", [
                ("w:before", String(style.spaceBefore)), ("w:after", String(style.spaceAfter)),
                ("w:line", String(style.lineSpacing)), ("w:lineRule", "auto"),
            ])
            try x.element("w:ind", [("w:firstLine", String(style.firstLineIndent))])
            try x.element("w:jc", [("w:val", style.alignment.rawValue)])
            try x.end()
            try x.start("w:rPr")
            try x.element("w:rFonts", [("w:ascii", font), ("w:hAnsi", font), ("w:eastAsia", font), ("w:cs", font)])
            if style.bold { try x.element("w:b"); try x.element("w:bCs") }
            if style.italic { try x.element("w:i"); try x.element("w:iCs") }
            try x.element("w:sz", [("w:val", String(style.size))])
            try x.element("w:szCs", [("w:val", String(style.size))])
            try x.end()
            try x.end()
        }
        try x.end()
        return try x.finish()
    }

    func document() throws -> Data {
        let x = try XMLWriter()
        try x.start("w:document")
        try x.attribute("xmlns:w", Self.w)
        try x.attribute("xmlns:r", Self.r)
        try x.start("w:body")
        for block in blocks {
            switch block {
            case .paragraph(let p): try paragraph(x, p)
            case .table(let t): try table(x, t)
            }
        }
        try x.start("w:sectPr")
        try x.element("w:headerReference", [("w:type", "default"), ("r:id", "rId3")])
        try x.element("w:headerReference", [("w:type", "first"), ("r:id", "rId4")])
        try x.element("w:pgSz", [("w:w", String(page.width)), ("w:h", String(page.height))])
        try x.element("w:pgMar", [
            ("w:top", String(page.top)), ("w:right", String(page.right)), ("w:bottom", String(page.bottom)),
            ("w:left", String(page.left)), ("w:header", String(page.header)), ("w:footer", String(page.footer)),
            ("w:gutter", "0"),
        ])
        try x.element("w:pgNumType", [("w:start", "1")])
        try x.element("w:titlePg")
        try x.end()
        try x.end()
        try x.end()
        return try x.finish()
    }

    private func paragraph(_ x: XMLWriter, _ p: Paragraph) throws {
        try x.start("w:p")
        try x.start("w:pPr")
        try x.element("w:pStyle", [("w:val", p.style)])
        if p.keepNext { try x.element("w:keepNext") }
        if p.ruleBelow {
            // A rule a third of the text width, centred: the paragraph's bottom border
            // between equal indents.
            try x.start("w:pBdr")
            try x.element("w:bottom", [("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")])
            try x.end()
            let indent = String(page.contentWidth / 3)
            try x.element("w:ind", [("w:left", indent), ("w:right", indent), ("w:firstLine", "0")])
        }
        if let a = p.alignment { try x.element("w:jc", [("w:val", a.rawValue)]) }
        try x.end()
        for run in p.runs {
            try x.start("w:r")
            if run.bold || run.italic || run.size != nil || run.superscript {
                try x.start("w:rPr")
                if run.bold { try x.element("w:b"); try x.element("w:bCs") }
                if run.italic { try x.element("w:i"); try x.element("w:iCs") }
                if let size = run.size {
                    try x.element("w:sz", [("w:val", String(size))])
                    try x.element("w:szCs", [("w:val", String(size))])
                }
                if run.superscript { try x.element("w:vertAlign", [("w:val", "superscript")]) }
                try x.end()
            }
            let keepSpaces = run.text.first == " " || run.text.last == " " || run.text.contains("  ")
            try x.element("w:t", keepSpaces ? [("xml:space", "preserve")] : [], text: run.text)
            try x.end()
        }
        try x.end()
    }

    private func table(_ x: XMLWriter, _ t: Table) throws {
        try x.start("w:tbl")
        try x.start("w:tblPr")
        try x.element("w:tblW", [("w:w", String(t.widths.reduce(0, +))), ("w:type", "dxa")])
        try x.element("w:jc", [("w:val", "center")])
        try x.start("w:tblBorders")
        for edge in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            try x.element("w:\(edge)", [("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")])
        }
        try x.end()
        try x.element("w:tblLayout", [("w:type", "fixed")])
        try x.start("w:tblCellMar")
        try x.element("w:left", [("w:w", "57"), ("w:type", "dxa")])
        try x.element("w:right", [("w:w", "57"), ("w:type", "dxa")])
        try x.end()
        try x.element("w:tblLook", [("w:val", "0420"), ("w:firstRow", "1"), ("w:lastRow", "0"), ("w:firstColumn", "0"),
                                    ("w:lastColumn", "0"), ("w:noHBand", "1"), ("w:noVBand", "1")])
        try x.end()
        try x.start("w:tblGrid")
        for width in t.widths { try x.element("w:gridCol", [("w:w", String(width))]) }
        try x.end()
        for row in t.rows {
            try x.start("w:tr")
            try x.start("w:trPr")
            try x.element("w:cantSplit")
            if row.header { try x.element("w:tblHeader") }
            try x.end()
            var column = 0
            for cell in row.cells {
                let width = t.widths[column..<min(t.widths.count, column + cell.span)].reduce(0, +)
                column += cell.span
                try x.start("w:tc")
                try x.start("w:tcPr")
                try x.element("w:tcW", [("w:w", String(width)), ("w:type", "dxa")])
                if cell.span > 1 { try x.element("w:gridSpan", [("w:val", String(cell.span))]) }
                try x.element("w:vAlign", [("w:val", "center")])
                try x.end()
                for p in cell.paragraphs.isEmpty ? [Paragraph("", style: styles[0].id)] : cell.paragraphs {
                    try paragraph(x, p)
                }
                try x.end()
            }
            try x.end()
        }
        try x.end()
    }
}
