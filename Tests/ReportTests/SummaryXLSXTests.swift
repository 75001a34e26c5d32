import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ZIPFoundation

@testable import Report
import Stats
import SurveyModel

/// Three units over two quarters with a quality item and a target, suppress_below = 5:
/// SYT 2024-Q1 (3 forms) and SKH 2024-Q2 (2 forms) are suppressed, SYT 2024-Q2 (7 forms) is
/// published, so its change on Q1 would give the suppressed Q1 value away.
func workbookInput(language: Language = .vi, unitName: String = "Sở Tư pháp") -> ReportInput {
    let (survey, estimates) = workbookEstimates()
    let q2 = Period(year: 2024, quarter: 2)
    return ReportInput(
        survey: survey,
        units: [SurveyUnit(code: "STP", nameVi: unitName, nameEn: "Justice"), SurveyUnit(code: "SYT", nameVi: "Sở Y tế", nameEn: "Health"),
                SurveyUnit(code: "SKH", nameVi: "Sở Kế hoạch", nameEn: "Planning")],
        published: PublishedEstimates(estimates, survey: survey),
        checks: [CheckResult(unit: "SKH", period: q2, check: "plan_minimum", subject: "ALL", observed: 2, required: 5, status: .fail, message: ""),
                 CheckResult(unit: "STP", period: q2, check: "plan_minimum", subject: "ALL", observed: 6, required: 5, status: .pass, message: "")],
        language: language,
        sources: [SourceSummary(path: "inbox/paper/a.csv", sha256: String(repeating: "ab", count: 32), accepted: 1234, rejected: 1, duplicates: 0)],
        programVersion: "test", releaseDate: "2024-06-30")
}

/// The workbook tests' survey and its estimate rows (computed and derived).
func workbookEstimates() -> (SurveyDefinition, [EstimateRow]) {
    var survey = SurveyDefinition(
        titleVi: "Khảo sát thử", titleEn: "Test survey",
        factors: [Factor(id: "A", nameVi: "Tiếp cận", nameEn: "Access")],
        items: [Item(id: "q01", factor: "A", kind: .likert5, textVi: "Câu 1", textEn: "Item 1"),
                Item(id: "q02", factor: nil, kind: .yesno, textVi: "Không phải đi lại", textEn: "One trip", favourable: 1)])
    survey.rules.suppressBelow = 5
    survey.rules.target = 0.7
    var acc = SumsAccumulator(itemCount: 1, satisfiedAnswers: [4, 5])
    let forms: [(String, Int, [Int], [UInt8])] = [
        ("STP", 1, [5, 4, 4, 2, 3, 5], [2, 2, 2, 1, 2, 2]), ("STP", 2, [5, 5, 4, 4, 4, 1], [2, 2, 2, 2, 2, 1]),
        ("SYT", 1, [1, 2, 4], [2, 1, 1]), ("SYT", 2, [5, 4, 2, 4, 5, 3, 4], [2, 2, 2, 2, 2, 2, 1]),
        ("SKH", 2, [2, 5], [1, 2]),
    ]
    for (unit, quarter, answers, quality) in forms {
        for (a, q) in zip(answers, quality) {
            acc.add(AtomKey(unit: UnitCode(unit), quarter: Period(year: 2024, quarter: quarter), channel: .paper), answers: [UInt8(a)], quality: [q])
        }
    }
    let computed = Estimator(survey: survey).estimate(atoms: acc.atoms)
    return (survey, computed + Publication(survey: survey).derive(from: computed, population: []))
}

/// The parts of an .xlsx file (a zip of XML parts), by name.
func workbookParts(_ data: Data) throws -> [String: String] {
    let archive = try Archive(data: data, accessMode: .read)
    var parts: [String: String] = [:]
    for entry in archive {
        var bytes = Data()
        _ = try archive.extract(entry, consumer: { bytes.append($0) })
        parts[entry.path] = String(decoding: bytes, as: UTF8.self)
    }
    return parts
}

@Suite("summary.xlsx")
struct SummaryXLSXTests {
    @Test("two renders give byte-identical workbooks, dated by the release date, not the clock")
    func deterministic() throws {
        let a = try ReportRenderer.render(workbookInput()).workbook
        let b = try ReportRenderer.render(workbookInput()).workbook
        #expect(a == b)
        #expect(a.starts(with: [0x50, 0x4B, 0x03, 0x04]), "a zip file")
        let core = try #require(try workbookParts(a)["docProps/core.xml"])
        #expect(core.contains(#"<dcterms:created xsi:type="dcterms:W3CDTF">2024-06-30T00:00:00Z</dcterms:created>"#))
        #expect(WorkbookFile.midnightUTC("2024-06-30") == 1_719_705_600)
        #expect(WorkbookFile.midnightUTC("1970-01-01") == 0)
    }

    /// Every number written anywhere in the workbook's parts (cells, styles, properties).
    func numbers(in parts: [String: String]) -> [Double] {
        let pattern = try! NSRegularExpression(pattern: #"-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?"#)
        var found: [Double] = []
        for text in parts.values {
            let ns = text as NSString
            for match in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                if let value = Double(ns.substring(with: match.range)) { found.append(value) }
            }
        }
        return found
    }

    @Test("with unit groups the ranking sheet names each unit's group and rank in it, and has the groups' rows")
    func groups() throws {
        var input = workbookInput()
        input.survey.groups = [UnitGroup(id: "NC", nameVi: "Khối nội chính", nameEn: "Internal affairs"),
                               UnitGroup(id: "YT", nameVi: "Khối y tế", nameEn: "Health")]
        input.units[0].group = "NC"; input.units[1].group = "YT"; input.units[2].group = "NC"
        var acc = SumsAccumulator(itemCount: 1, satisfiedAnswers: [4, 5])
        for (unit, answers) in [("STP", [5, 4, 4, 2, 3, 5]), ("SYT", [5, 4, 2, 4, 5, 3, 4]), ("SKH", [5, 5, 5, 4, 4, 5])] {
            for a in answers {
                acc.add(AtomKey(unit: UnitCode(unit), quarter: Period(year: 2024, quarter: 2), channel: .paper), answers: [UInt8(a)], quality: [2])
            }
        }
        let groups: [UnitCode: String] = ["STP": "NC", "SYT": "YT", "SKH": "NC"]
        let computed = Estimator(survey: input.survey, unitGroups: groups).estimate(atoms: acc.atoms)
        input.published = PublishedEstimates(
            computed + Publication(survey: input.survey, unitGroups: groups).derive(from: computed, population: []), survey: input.survey)
        let parts = try workbookParts(try ReportRenderer.render(input).workbook)
        let strings = parts["xl/sharedStrings.xml"] ?? ""
        for text in ["Nhóm đơn vị", "Xếp hạng trong nhóm", "Cả nhóm: Khối nội chính", "Cả nhóm: Khối y tế"] {
            #expect(strings.contains(text), "the workbook has \(text)")
        }
    }

    @Test("a suppressed (Q) estimate has no value, SE or bound in any part of the workbook, only its flag")
    func suppressedNowhere() throws {
        for language in Language.allCases {
            let input = workbookInput(language: language)
            let estimates = workbookEstimates().1
            let flagged = Set(estimates.filter { $0.statistic == "flag" && $0.method == "Q" && $0.value == 1 }
                .map { "\($0.scope)|\($0.unit)|\($0.period)|\($0.subject)" })
            #expect(flagged.contains("unitQuarter|SYT|2024-Q1|index") && flagged.contains("unitQuarter|SKH|2024-Q2|q02"))
            let estimateStatistics: Set<String> = ["index", "index_se", "index_lower", "index_upper", "p", "p_se", "p_lower", "p_upper"]
            var hidden = estimates.filter {
                flagged.contains("\($0.scope)|\($0.unit)|\($0.period)|\($0.subject)") && estimateStatistics.contains($0.statistic)
            }.compactMap(\.value)
            // Bounds clipped to exactly 0 or 1 (Wald intervals of tiny cells) tell nothing, and
            // every XML part starts with version="1.0".
            hidden = hidden.filter { $0 != 0 && $0 != 1 }
            // The change of SYT's published Q2 on its suppressed Q1 would give Q1 away.
            hidden += estimates.filter {
                $0.unit == "SYT" && $0.period == "2024-Q2 vs 2024-Q1" && $0.subject == "index" && $0.statistic.hasPrefix("diff")
            }.compactMap(\.value)
            #expect(hidden.count > 20)
            let parts = try workbookParts(try ReportRenderer.render(input).workbook)
            let written = numbers(in: parts)
            #expect(written.contains { abs($0 - 5.0 / 7.0) < 1e-9 }, "SYT 2024-Q2 is published")
            // Shares are written as fractions, changes in percentage points (× 100).
            for value in hidden {
                for form in [value, value * 100] {
                    #expect(!written.contains { abs($0 - form) <= 1e-9 * max(1, abs(form)) }, "suppressed \(form) is in the workbook")
                }
                let strings = try #require(parts["xl/sharedStrings.xml"])
                for text in [String(format: "%.2f", value * 100), String(format: "%.2f", value * 100).replacingOccurrences(of: ".", with: ",")] {
                    #expect(!strings.contains(">\(text)") && !strings.contains(" \(text)"), "suppressed \(text) is in a string")
                }
            }
            #expect(try #require(parts["xl/sharedStrings.xml"]).contains("<t>Q</t>"))
        }
    }
}

// MARK: - Reading the workbook back with LibreOffice

/// One cell as LibreOffice reads it: its value type (`float`, `percentage`, `string`), the
/// number, and the text shown.
struct OfficeCell: Equatable {
    var type: String?
    var value: Double?
    var text: String
}

/// The sheets of a flat ODF spreadsheet (`.fods`), as rows of cells, by sheet name.
final class FlatODSReader: NSObject, XMLParserDelegate {
    private(set) var sheets: [String: [[OfficeCell]]] = [:]
    private var sheet: String?
    private var row: [OfficeCell] = []
    private var cell: OfficeCell?
    private var repeats = 1
    private var inParagraph = false

    static func read(_ data: Data) -> [String: [[OfficeCell]]] {
        let reader = FlatODSReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        _ = parser.parse()
        return reader.sheets
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "table:table":
            sheet = attributes["table:name"]
            if let sheet { sheets[sheet] = [] }
        case "table:table-row": row = []
        case "table:table-cell", "table:covered-table-cell":
            cell = OfficeCell(type: attributes["office:value-type"], value: attributes["office:value"].flatMap(Double.init), text: "")
            repeats = Int(attributes["table:number-columns-repeated"] ?? "1") ?? 1
        case "text:p": if cell?.text.isEmpty == false { cell?.text += "\n" }; inParagraph = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inParagraph { cell?.text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "text:p": inParagraph = false
        case "table:table-cell", "table:covered-table-cell":
            // A row ends in a run of some 16,000 empty cells: such long runs are left out.
            if let cell, repeats < 64 { row += Array(repeating: cell, count: repeats) }
            cell = nil
        case "table:table-row": if let sheet, !row.isEmpty { sheets[sheet]?.append(row) }
        case "table:table": sheet = nil
        default: break
        }
    }
}

/// Headless LibreOffice Calc (Debian's `libreoffice-calc-nogui`, installed by `make test`).
enum Office {
    static let soffice = ["/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// A fresh user profile whose locale setting is Vietnamese (vi-VN), as on a Vietnamese
    /// office PC: LibreOffice then shows numbers with its decimal comma. The setting is made
    /// in the profile, so it does not depend on which system locales are generated.
    static func profile(in folder: URL, locale: String) throws -> URL {
        let user = folder.appendingPathComponent("profile/user")
        try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
        let registry = """
            <?xml version="1.0" encoding="UTF-8"?>
            <oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>\(locale)</value></prop></item>
            </oor:items>
            """
        try Data(registry.utf8).write(to: user.appendingPathComponent("registrymodifications.xcu"))
        return folder.appendingPathComponent("profile")
    }

    /// `soffice --headless --convert-to FILTER` of one file into `out`, with its own profile.
    static func convert(_ file: URL, to filter: String, out: URL, profile: URL) throws {
        let soffice = try #require(soffice, "LibreOffice (soffice) is not installed: run `make test`, which installs libreoffice-calc-nogui")
        let process = Process()
        // Its chatter goes to /dev/null through the shell (see BrowserTests); `timeout` ends a hung office.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec timeout 180 "$0" "$@" >/dev/null 2>&1"#, soffice,
                             "-env:UserInstallation=\(profile.absoluteString)", "--headless", "--norestore",
                             "--convert-to", filter, "--outdir", out.path, file.path]
        // UTF-8 file names (sheet names go into the CSV names); the number locale is the profile's.
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C.UTF-8"
        environment["HOME"] = profile.deletingLastPathComponent().path
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "soffice --convert-to \(filter) ended with \(process.terminationStatus)")
    }
}

@Suite("summary.xlsx in LibreOffice")
struct SummaryXLSXOfficeTests {
    @Test("LibreOffice in Vietnamese settings reads real numbers: percentages, counts, points; formula-like text stays text")
    func numericInVietnamese() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-xlsx-office-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = workbookInput(language: .vi, unitName: "=1+2")
        let file = folder.appendingPathComponent("summary.xlsx")
        try ReportRenderer.render(input).workbook.write(to: file)
        let profile = try Office.profile(in: folder, locale: "vi-VN")

        // The cells' types and values, as LibreOffice stores them.
        try Office.convert(file, to: "fods", out: folder, profile: profile)
        let sheets = FlatODSReader.read(try Data(contentsOf: folder.appendingPathComponent("summary.fods")))
        #expect(Set(sheets.keys) == ["Xếp hạng", "Xếp hạng năm", "Yếu tố", "Diễn biến", "Chất lượng phục vụ", "Số phiếu", "Kiểm tra không đạt",
                                     "Nguồn dữ liệu", "Ghi chú phương pháp", "Bảng tổng hợp"])
        let ranking = try #require(sheets["Xếp hạng"])
        #expect(ranking[0].first?.text == "Kết quả quý II/2024")
        #expect(ranking[1].prefix(6).map(\.text) == ["Xếp hạng", "Tầng (khoảng tin cậy chồng nhau)", "Thay đổi thứ hạng (dương = tăng bậc)", "Đơn vị", "Mã", "Chỉ số SIPAS"])
        let stp = try #require(ranking.first { $0.count > 4 && $0[4].text == "STP" })
        #expect(stp[3] == OfficeCell(type: "string", value: nil, text: "=1+2"), "a unit name like a formula is text, not 3")
        let rows = workbookEstimates().1
        /// The value of one tidy row, read straight from the rows (not through the figures the workbook renders).
        struct Rows {
            let rows: [EstimateRow]
            func value(_ scope: Scope, _ unit: String, _ period: String, _ subject: String, _ statistic: String, _ method: String) -> Double? {
                rows.first { $0.scope == scope && $0.unit == unit && $0.period == period && $0.subject == subject
                    && $0.statistic == statistic && $0.method == method }?.value
            }
        }
        let lookup = Rows(rows: rows)
        let published = try #require(lookup.value(.unitQuarter, "STP", "2024-Q2", "index", "index", "unweighted"))
        let lower = try #require(lookup.value(.unitQuarter, "STP", "2024-Q2", "index", "index_lower", "lin_unweighted_logit"))
        let diff = try #require(lookup.value(.unitQuarter, "STP", "2024-Q2 vs 2024-Q1", "index", "diff", "unweighted"))
        #expect(stp[5].type == "percentage" && abs((stp[5].value ?? .nan) - published) < 1e-9, "index: \(stp[5])")
        #expect(stp[6].type == "percentage" && abs((stp[6].value ?? .nan) - lower) < 1e-9, "lower bound: \(stp[6])")
        #expect(stp[8] == OfficeCell(type: "float", value: 6, text: "6"), "forms")
        #expect(stp[9].type == "float" && abs((stp[9].value ?? .nan) - diff * 100) < 1e-9, "change in points: \(stp[9])")
        #expect(stp[0] == OfficeCell(type: "float", value: 1, text: "1"), "rank")
        let skh = try #require(ranking.first { $0.count > 4 && $0[4].text == "SKH" })
        #expect(skh[5] == OfficeCell(type: "string", value: nil, text: "Q"), "suppressed: the flag, no number")
        #expect(skh[6].type == nil && skh[7].type == nil)
        let tidy = try #require(sheets["Bảng tổng hợp"])
        #expect(tidy[0].prefix(4).map(\.text) == ["Phạm vi", "Mã", "Đơn vị", "Kỳ"])
        let stpYear = try #require(tidy.first { $0.count > 5 && $0[1].text == "STP" && $0[3].text == "Năm 2024" })
        let yearIndex = try #require(lookup.value(.unitYear, "STP", "2024", "index", "index", "unweighted"))
        #expect(stpYear[5].type == "percentage" && abs((stpYear[5].value ?? .nan) - yearIndex) < 1e-9, "\(stpYear[5])")

        // The year's ranking (2024 to date, after the quarter as on the page).
        let yearRanking = try #require(sheets["Xếp hạng năm"])
        #expect(yearRanking[0].first?.text == "Kết quả năm 2024 (đến hết quý II/2024)")
        let stpInYear = try #require(yearRanking.first { $0.count > 5 && $0[4].text == "STP" })
        #expect(stpInYear[5].type == "percentage" && abs((stpInYear[5].value ?? .nan) - yearIndex) < 1e-9, "\(stpInYear[5])")

        // What a Vietnamese user sees: the decimal comma and the dot for thousands.
        try Office.convert(file, to: "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,-1", out: folder, profile: profile)
        let shown = try String(contentsOf: folder.appendingPathComponent("summary-Xếp hạng.csv"), encoding: .utf8)
        let percent = NumberStyle.percent(published, language: .vi)  // 83,33%
        #expect(shown.contains(";=1+2;STP;\(percent);"), "shown as \(percent) in Vietnamese settings:\n\(shown)")
        let sources = try String(contentsOf: folder.appendingPathComponent("summary-Nguồn dữ liệu.csv"), encoding: .utf8)
        #expect(sources.contains("inbox/paper/a.csv;1.234;1;0;"), "thousands with a dot:\n\(sources)")
    }
}
