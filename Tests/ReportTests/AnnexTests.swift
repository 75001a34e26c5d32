import Foundation
import Testing
import ZIPFoundation

@testable import Report
import Stats
import SurveyModel

/// The annex's .docx package and the PDF normaliser, without LibreOffice (the pipeline's
/// `AnnexTests` read the real thing with python-docx, pdfinfo and pdffonts).
@Suite("Decision annex: the .docx package and the reproducible PDF")
struct AnnexPackageTests {
    func parts(_ data: Data) throws -> [(path: String, date: Date, bytes: Data)] {
        let archive = try Archive(data: data, accessMode: .read)
        return try archive.map { entry in
            var bytes = Data()
            _ = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
            return (entry.path, entry.fileAttributes[.modificationDate] as? Date ?? .distantPast, bytes)
        }
    }

    @Test("annex.docx: the parts Word needs, every zip entry dated by the release, well-formed XML, the same bytes twice")
    func package() throws {
        let rendered = try ReportRenderer.render(sampleInput())
        let docx = try #require(rendered["annex.docx"])
        #expect(try ReportRenderer.render(sampleInput())["annex.docx"] == docx)
        let entries = try parts(docx)
        #expect(entries.map(\.path) == [
            "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "word/document.xml",
            "word/styles.xml", "word/settings.xml", "word/header1.xml", "word/header2.xml", "word/_rels/document.xml.rels",
        ])
        let released = WordDocument.date(sampleInput().releaseDate)
        for entry in entries {
            #expect(abs(entry.date.timeIntervalSince(released)) < 2, "\(entry.path) dated \(entry.date)")
            #expect(SchemaValidator.isWellFormed(entry.bytes), "\(entry.path)")
        }
        let document = String(decoding: entries[4].bytes, as: UTF8.self)
        #expect(document.contains(#"<w:pgSz w:w="11906" w:h="16838"/>"#))
        #expect(document.contains(#"<w:titlePg/>"#) && document.contains(#"w:type="first""#))
        #expect(document.contains("<w:tblHeader/>"))
        let header = String(decoding: entries[7].bytes, as: UTF8.self)
        #expect(header.contains(" PAGE ") && header.contains(#"<w:jc w:val="center"/>"#))
        #expect(!String(decoding: entries[8].bytes, as: UTF8.self).contains("PAGE"), "the first page has no number")
        let styles = String(decoding: entries[5].bytes, as: UTF8.self)
        #expect(styles.contains(#"w:ascii="Times New Roman""#) && styles.contains(#"<w:sz w:val="28"/>"#))
        // The English annex in a Vietnamese release; a release in English has the Vietnamese one.
        #expect(rendered["annex.en.docx"] != nil && rendered["annex.vi.docx"] == nil)
        let english = try ReportRenderer.render(sampleInput(language: .en))
        #expect(english["annex.vi.docx"] != nil && english["annex.en.docx"] == nil)
    }

    @Test("the annex's words: Phụ lục, the title with its period, the decision line, ranks 'thứ k/n'")
    func content() throws {
        let input = sampleInput()
        let release = try ReleaseContext(input)
        let annex = try #require(AnnexContent(release, language: .vi))
        #expect(annex.label == "Phụ lục")
        #expect(annex.title.hasPrefix("KẾT QUẢ") && annex.title == annex.title.uppercased())
        #expect(annex.decision.hasPrefix("(Kèm theo Quyết định số") && annex.decision.hasSuffix(")"))
        let units = annex.tables.flatMap(\.rows).filter { $0.kind == .unit }
        #expect(!units.isEmpty && units.allSatisfy { $0.rank.hasPrefix("thứ ") || $0.rank == "–" || $0.rank.hasPrefix("không") })
        // A decision line given with its parentheses is used as it is.
        #expect(Labels(language: .vi).annexDecision("Kết quả năm 2024 (Kèm theo Quyết định số 12/QĐ-UBND)", agency: "", year: 2025)
                == "(Kèm theo Quyết định số 12/QĐ-UBND)")
        #expect(Labels(language: .vi).annexDecision("", agency: "Ủy ban nhân dân tỉnh Hà Tĩnh", year: 2025)
                == "(Kèm theo Quyết định số      /QĐ-UBND ngày      /     /2025 của Ủy ban nhân dân tỉnh Hà Tĩnh)")
        #expect(AnnexContent.shortPercent(0.9, .vi) == "90%" && AnnexContent.shortPercent(0.925, .vi) == "92,5%")
    }

    /// A small PDF as LibreOffice writes one for PDF/A: a compressed sRGB profile of the
    /// output intent stamped with a moment, the moment in the information dictionary and the
    /// XMP packet, a file identifier, a classic cross-reference table.
    func converted(at moment: (date: String, time: [Int]), id: String) throws -> [UInt8] {
        var profile = [UInt8](repeating: 0, count: 128)
        profile.replaceSubrange(36..<40, with: Array("acsp".utf8))
        for (i, v) in ([2026, 12, 7] + moment.time).enumerated() {
            profile[24 + 2 * i] = UInt8(v >> 8)
            profile[25 + 2 * i] = UInt8(v & 0xff)
        }
        let stream = try ReproduciblePDF.zlibStream(profile)
        let stamp = moment.date
        let iso = "2026-12-07T\(String(format: "%02d:%02d:%02d", moment.time[0], moment.time[1], moment.time[2]))Z"
        var pdf: [UInt8] = Array("%PDF-1.6\n".utf8)
        var offsets: [Int] = []
        func object(_ body: [UInt8]) { offsets.append(pdf.count); pdf += body }
        object(Array("1 0 obj\n<</Type/Catalog/OutputIntents[<</DestOutputProfile 2 0 R>>]/Metadata 4 0 R>>\nendobj\n".utf8))
        object(Array("2 0 obj\n<</N 3/Length 3 0 R/Filter/FlateDecode>>\nstream\n".utf8) + stream + Array("\nendstream\nendobj\n".utf8))
        object(Array("3 0 obj\n\(stream.count)\nendobj\n".utf8))
        object(Array("4 0 obj\n<</Type/Metadata/Length 60>>\nstream\n<xmp:CreateDate>\(iso)</xmp:CreateDate>\nendstream\nendobj\n".utf8))
        object(Array("5 0 obj\n<</Producer(LibreOffice)/CreationDate(D:\(stamp)Z')>>\nendobj\n".utf8))
        let xref = pdf.count
        pdf += Array("xref\n0 6\n0000000000 65535 f \n".utf8)
        for o in offsets { pdf += Array(String(format: "%010d 00000 n \n", o).utf8) }
        pdf += Array("trailer\n<</Size 6/Root 1 0 R\n/Info 5 0 R\n/ID [ <\(id)>\n<\(id)> ]\n/DocChecksum /\(id)\n>>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return pdf
    }

    @Test("two conversions a moment apart normalise to the same bytes: dates from the release, the profile's date too, the table rewritten")
    func reproduciblePDF() throws {
        let a = try converted(at: ("20261207111011", [11, 10, 11]), id: "A734FDA657D0DBB911D30B3A6E62F7EC")
        let b = try converted(at: ("20261207111015", [11, 10, 15]), id: "079E775B706363606A63AA2DFBD0EA43")
        #expect(a != b)
        let id = FileDigest.identifier(Data("annex".utf8))
        let na = try ReproduciblePDF.normalise(a, date: "2024-12-31", id: id)
        let nb = try ReproduciblePDF.normalise(b, date: "2024-12-31", id: id)
        #expect(na == nb)
        let text = String(decoding: na, as: UTF8.self)
        #expect(text.contains("/CreationDate(D:20241231000000Z')") && text.contains("<xmp:CreateDate>2024-12-31T00:00:00Z<"))
        #expect(text.contains("/ID [ <\(id)>\n<\(id)> ]") && text.contains("/DocChecksum /\(id)"))
        // The table points at each object, and startxref at the table.
        let xref = try ReproduciblePDF.crossReferences(na)
        for (number, offset) in xref.offsets {
            let head = Array("\(number) 0 obj".utf8)
            #expect(Array(na[offset..<offset + head.count]) == head, "object \(number)")
        }
        // The profile's creation date is the release date.
        let patches = try ReproduciblePDF.colourProfile(na, offsets: xref.offsets, date: "20241231")
        let streamStart = try #require(patches.first?.range.lowerBound)
        let length = try #require(patches.first?.range.count)
        let profile = try ReproduciblePDF.inflate(Data(na[streamStart + 2..<streamStart + length]))
        #expect(Array(profile[24..<36]) == [0x07, 0xE8, 0, 12, 0, 31, 0, 0, 0, 0, 0, 0])
    }

    @Test("a PDF the normaliser cannot read is refused (the caller publishes it as converted, with a warning)")
    func unknownPDF() throws {
        let odd = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\nstartxref\n999999\n%%EOF\n".utf8)
        #expect(throws: ReportError.self) { try ReproduciblePDF.normalise(odd, date: "2024-12-31", id: String(repeating: "0", count: 32)) }
    }
}
