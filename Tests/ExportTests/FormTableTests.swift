import Foundation
import Testing

@testable import Export
import SurveyModel

@Suite("The table of forms and its files")
struct FormTableTests {
    @Test("variable names valid in SPSS and Stata: a letter first, ASCII, at most 32 characters, no reserved word, unique")
    func names() {
        var names = VariableNames()
        #expect(names.make("q01") == "q01")
        #expect(names.make("1st") == "v1st")
        #expect(names.make("Câu 1") == "C_u_1")
        #expect(names.make("by") == "v_by" && names.make("_all") == "v_all")
        #expect(names.make("q01") == "q01_2" && names.make("Q01") == "Q01_3", "unique, case aside")
        let long = names.make(String(repeating: "x", count: 40))
        #expect(long.count == 32)
        #expect(names.make(String(repeating: "x", count: 40)) == String(repeating: "x", count: 30) + "_2")
        #expect(VariableNames.label(String(repeating: "á", count: 100)).count == 80)
        #expect(VariableNames.label("a\nb") == "a b")
        // Two scales whose names clean to the same text keep two label sets.
        #expect(names.labelSet("a-b") == "a_b" && names.labelSet("a_b") == "a_b_2" && names.labelSet("a-b") == "a_b")
    }

    @Test("a text longer than Stata's strings is cut at a character and counted; SPSS keeps it")
    func longText() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let long = String(repeating: "ý kiến ", count: 400)  // 3 600 bytes
        for (format, cut) in [(ExportFormat.dta, 1), (.sav, 0)] {
            let writer = try FormFileWriter(
                path: dir.appendingPathComponent("c.\(format.rawValue)").path, format: format,
                columns: [ExportColumn(name: "comment", label: "", kind: .text(width: long.utf8.count))], rowCount: 1,
                fileLabel: "", timestamp: Date(timeIntervalSince1970: 0))
            try writer.add([.text(long)])
            try writer.finish()
            #expect(writer.textsCut == cut, "\(format)")
        }
        #expect(FormFileWriter.fit(long, ExportColumn(name: "c", label: "", kind: .text(width: 9_999)), longest: 2045).utf8.count <= 2045)
    }

    @Test("CSV fields: quoted when they hold a comma, quote or line break; a leading =, +, - or @ kept as text")
    func csvFields() {
        #expect(FormFileWriter.csvField("plain") == "plain")
        #expect(FormFileWriter.csvField("a,b") == "\"a,b\"")
        #expect(FormFileWriter.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(FormFileWriter.csvField("=1+1") == "'=1+1")
        #expect(FormFileWriter.csvField("line\nbreak") == "\"line\nbreak\"")
    }

    func write(_ format: ExportFormat, rows: [[ExportValue]], in dir: URL) throws -> Data {
        let columns = [
            ExportColumn(name: "id", label: "Mã", kind: .text(width: 4)),
            ExportColumn(name: "q", label: "Câu hỏi", kind: .integer(labels: [(1, "Một"), (2, "Hai")], labelSet: "scale")),
        ]
        let path = dir.appendingPathComponent("t.\(format.rawValue)").path
        let writer = try FormFileWriter(path: path, format: format, columns: columns, rowCount: rows.count, fileLabel: "Thử", timestamp: Date(timeIntervalSince1970: 0))
        for row in rows { try writer.add(row) }
        try writer.finish()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test("each format's file: SPSS's $FL2 header, Stata 118's <stata_dta>, CSV with a BOM; missing values empty in CSV")
    func files() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rows: [[ExportValue]] = [[.text("A1"), .integer(1)], [.text("B2"), .integer(nil)], [.text("quá dài"), .integer(2)]]
        let sav = try write(.sav, rows: rows, in: dir)
        #expect(sav.prefix(4) == Data("$FL2".utf8))
        let dta = try write(.dta, rows: rows, in: dir)
        #expect(String(decoding: dta.prefix(60), as: UTF8.self).hasPrefix("<stata_dta><header><release>118</release>"))
        let csv = try write(.csv, rows: rows, in: dir)
        #expect(csv.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        // "quá dài" is 9 bytes: cut at a character to fit the width of 4 bytes.
        #expect(String(decoding: csv.dropFirst(3), as: UTF8.self) == "id,q\r\nA1,1\r\nB2,\r\nquá dài,2\r\n")
        #expect(FormFileWriter.fit("quá dài", ExportColumn(name: "id", label: "", kind: .text(width: 4))) == "quá")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["t.csv", "t.dta", "t.sav"])
    }

    @Test("a row of the wrong width never reaches the file; an abandoned writer leaves nothing")
    func abandoned() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            let writer = try FormFileWriter(
                path: dir.appendingPathComponent("x.sav").path, format: .sav,
                columns: [ExportColumn(name: "q", label: "", kind: .integer(labels: [], labelSet: nil))], rowCount: 2,
                fileLabel: "", timestamp: Date(timeIntervalSince1970: 0))
            try writer.add([.integer(1)])
            _ = writer  // not finished: dropped
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
