import Foundation
import Testing

@testable import Report
import Stats
import SurveyModel

/// A small but complete report input: two units, two quarters.
func sampleInput(language: Language = .vi, unitName: String = "Sở Tư pháp") -> ReportInput {
    var survey = SurveyDefinition(
        titleVi: "Khảo sát thử", titleEn: "Test survey",
        factors: [Factor(id: "A", nameVi: "Tiếp cận", nameEn: "Access")],
        items: [Item(id: "q01", factor: "A", kind: .likert5, textVi: "Câu 1", textEn: "Item 1")])
    survey.rules.suppressBelow = 5
    var acc = SumsAccumulator(itemCount: 1, satisfiedAnswers: [4, 5])
    for (unit, quarter, answers) in [("STP", 1, [5, 4, 4, 2, 3, 5]), ("STP", 2, [5, 5, 4, 4, 4, 1]), ("SYT", 2, [1, 2, 4])] {
        for a in answers {
            acc.add(AtomKey(unit: UnitCode(unit), quarter: Period(year: 2024, quarter: quarter), channel: .paper), answers: [UInt8(a)])
        }
    }
    let computed = Estimator(survey: survey).estimate(atoms: acc.atoms)
    let estimates = computed + Publication(survey: survey).derive(from: computed, population: [])
    return ReportInput(
        survey: survey,
        units: [SurveyUnit(code: "STP", nameVi: unitName, nameEn: "Justice"), SurveyUnit(code: "SYT", nameVi: "Sở Y tế", nameEn: "Health")],
        published: PublishedEstimates(estimates, survey: survey), checks: [], language: language,
        sources: [SourceSummary(path: "inbox/paper/a.csv", sha256: String(repeating: "ab", count: 32), accepted: 15, rejected: 1, duplicates: 0)],
        programVersion: "test", releaseDate: "2024-06-30")
}

@Suite("Reports")
struct ReportTests {
    @Test("report.xml validates against the shipped XSD")
    func validates() throws {
        let rendered = try ReportRenderer.render(sampleInput())
        #expect(try SchemaValidator.validate(rendered.xml, schemaPath: ReportRenderer.schemaPath).isEmpty)
        let text = String(decoding: rendered.xml, as: UTF8.self)
        #expect(text.contains(#"xmlns="urn:x-sipas-pipeline:report:1""#))
        #expect(text.contains(#"<cell scope="unit_quarter" unit="SYT" period="2024-Q2" forms="3" belowPlanMinimum="true" flags="I" shortOfForms="true">"#))
    }

    @Test("the validator rejects a document that breaks the schema, with line numbers")
    func validatorFails() throws {
        let rendered = try ReportRenderer.render(sampleInput())
        let broken = String(decoding: rendered.xml, as: UTF8.self).replacingOccurrences(of: #"scope="unit_quarter""#, with: #"scope="galaxy""#)
        let errors = try SchemaValidator.validate(Data(broken.utf8), schemaPath: ReportRenderer.schemaPath)
        #expect(!errors.isEmpty)
        #expect(errors.first?.hasPrefix("line ") == true)
        let notXML = try SchemaValidator.validate(Data("<report".utf8), schemaPath: ReportRenderer.schemaPath)
        #expect(!notXML.isEmpty)
    }

    @Test("text from input files is escaped in HTML and XML")
    func escaping() throws {
        let rendered = try ReportRenderer.render(sampleInput(unitName: "<script>alert(1)</script> & Co"))
        let html = String(decoding: rendered.html, as: UTF8.self)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        let xml = String(decoding: rendered.xml, as: UTF8.self)
        #expect(xml.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"))
    }

    @Test("Vietnamese uses a decimal comma, English a decimal point; the page is self-contained")
    func languages() throws {
        let vi = String(decoding: try ReportRenderer.render(sampleInput(language: .vi)).html, as: UTF8.self)
        let en = String(decoding: try ReportRenderer.render(sampleInput(language: .en)).html, as: UTF8.self)
        // STP 2024-Q2: 5 of 6 satisfied.
        #expect(vi.contains("83,33%"))
        #expect(en.contains("83.33%"))
        #expect(vi.contains(#"<html lang="vi">"#) && en.contains(#"<html lang="en">"#))
        #expect(vi.contains("Quý II/2024") && en.contains("2024 Q2"))
        // SYT has 3 forms, below suppress_below = 5: its index is never printed as a number.
        let sytRow = try #require(vi.range(of: #"<th scope="row">Sở Y tế"#).map { String(vi[$0.lowerBound...].prefix(400)) })
        #expect(sytRow.contains(#"<td class="num">Q</td>"#))
        #expect(!sytRow.contains("33,33%"))
        #expect(vi.contains("I = số phiếu dưới mức tối thiểu 60 phiếu"))
        for page in [vi, en] {
            #expect(!page.contains("<link") && !page.contains("<script") && !page.contains("src="))
        }
    }

    @Test("number formats", arguments: [
        (Double?(0.826612), Language.vi, "82,66%"), (Double?(0.826612), .en, "82.66%"), (Double?(1.0), .vi, "100,00%"), (Double?.none, .vi, "–"),
    ])
    func percent(value: Double?, language: Language, expected: String) {
        #expect(NumberStyle.percent(value, language: language) == expected)
    }

    @Test("fixed numbers byte by byte equal the plain string rules: decimal mark, thousands, minus sign unless zero")
    func fixedNumbers() {
        /// The rules said with strings (the formatter before it worked on bytes).
        func reference(_ value: Double, decimals: Int, language: Language) -> String {
            let text = NumberText.fixed(value, decimals: decimals)
            let negative = text.hasPrefix("-")
            let body = negative ? String(text.dropFirst()) : text
            let parts = body.split(separator: ".", maxSplits: 1)
            var whole = ""
            for (i, c) in parts[0].enumerated() {
                if i > 0 && (parts[0].count - i) % 3 == 0 { whole += language == .vi ? "." : "," }
                whole.append(c)
            }
            let result = whole + (parts.count > 1 ? (language == .vi ? "," : ".") + parts[1] : "")
            return negative && Double(body) != 0 ? "−" + result : result
        }
        var state: UInt64 = 42
        var values: [Double] = [0, -0.0, -0.001, -0.004, 0.005, 999.995, 1_000, -1_234_567.891, 1e9, -3e12, .nan, .infinity, -.infinity]
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let scale = pow(10, Double(Int(state >> 60) - 6))
            values.append((Double(Int64(bitPattern: state) >> 20) / Double(1 << 43)) * scale)
        }
        var failures = 0
        for value in values {
            for decimals in 0...4 {
                for language in [Language.vi, .en] {
                    let got = NumberStyle.fixed(value, decimals: decimals, language: language)
                    let want = reference(value, decimals: decimals, language: language)
                    guard got != want else { continue }
                    failures += 1
                    if failures <= 10 { Issue.record("\(value), \(decimals), \(language): \(got) != \(want)") }
                }
            }
        }
        #expect(failures == 0)
    }

    @Test("counts and changes", arguments: [(3200, Language.vi, "3.200"), (3200, .en, "3,200"), (1234567, .vi, "1.234.567")])
    func counts(n: Int, language: Language, expected: String) {
        #expect(NumberStyle.count(n, language: language) == expected)
        #expect(NumberStyle.points(0.0125, language: .vi) == "+1,25")
        #expect(NumberStyle.points(-0.004, language: .en) == "−0.40")
        #expect(NumberStyle.points(0.00001, language: .en) == "±0.00")
    }

    @Test("sdmx.xml is well-formed SDMX-ML 2.1, units in UNIT, and sends no value for a suppressed estimate")
    func sdmx() throws {
        let rendered = try ReportRenderer.render(sampleInput())
        #expect(SchemaValidator.isWellFormed(rendered.sdmx))
        #expect(!SchemaValidator.isWellFormed(Data("<a><b></a>".utf8)))
        let text = String(decoding: rendered.sdmx, as: UTF8.self)
        #expect(text.contains(#"xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message""#))
        #expect(text.contains(#"<message:StructureSpecificData"#))
        // SYT 2024-Q2 has 3 forms, below suppress_below = 5 (and the plan minimum of 60): its
        // statuses alone, no value, bounds or n.
        #expect(text.contains(#"<Series FREQ="Q" REF_AREA="VN" UNIT="SYT" INDICATOR="SIPAS" UNIT_MEASURE="PC" UNIT_MULT="0">"#))
        #expect(text.contains(#"<Obs TIME_PERIOD="2024-Q2" OBS_STATUS="Q" CONF_STATUS="N" SIPAS_FLAG="I"/>"#))
        #expect(text.contains(#"<Obs TIME_PERIOD="2024-Q2" OBS_VALUE="83.3333" OBS_STATUS="#))
        #expect(text.contains(#"UNIT="_T""#) && !text.contains(#"UNIT="ALL""#) && !text.contains("REF_AREA=\"STP\""))
        #expect(SchemaValidator.isWellFormed(rendered["sdmx-structure.xml"]!) && SchemaValidator.isWellFormed(rendered["sdmx-schema.xsd"]!))
    }

    @Test("summary.csv starts with a UTF-8 byte-order mark and keeps Vietnamese names")
    func summary() throws {
        let rendered = try ReportRenderer.render(sampleInput())
        #expect(rendered.summary.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: rendered.summary.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("scope,unit,unit_name,period,forms,sipas_index_pct"))
        #expect(text.contains("unit_quarter,STP,Sở Tư pháp,2024-Q2,6,83.33,"))
        #expect(text.contains("unit_quarter,SYT,Sở Y tế,2024-Q2,3,,,,"), "suppressed figures are empty")
    }

    @Test("the page loads nothing from outside: no links, scripts, sources, imports or URLs")
    func selfContained() throws {
        for language in Language.allCases {
            let html = String(decoding: try ReportRenderer.render(sampleInput(language: language)).html, as: UTF8.self)
            for pattern in ["<link", "<script", "src=", "url(", "@import", "href=\"http", "http://", "https://", "<iframe", "<img"] {
                #expect(!html.contains(pattern), "\(language): \(pattern)")
            }
        }
    }

    @Test("in the sampling table only the cells that fail the plan minimum or the sample-size rule are bold")
    func onlyFailingCellsBold() throws {
        var input = sampleInput(language: .en)
        let q2 = Period(year: 2024, quarter: 2)
        input.checks = [
            CheckResult(unit: "STP", period: q2, check: "plan_minimum", subject: "ALL", observed: 6, required: 5, status: .pass, message: ""),
            CheckResult(unit: "SYT", period: q2, check: "plan_minimum", subject: "ALL", observed: 3, required: 5, status: .fail, message: ""),
            CheckResult(unit: "STP", period: Period(year: 2024, quarter: 1), check: "plan_minimum", subject: "ALL", observed: 6,
                        required: 5, status: .pass, message: ""),
        ]
        let html = String(decoding: try ReportRenderer.render(input).html, as: UTF8.self)
        #expect(html.components(separatedBy: "<strong>3</strong>").count == 2)
        #expect(!html.contains("<strong>6</strong>"))
    }

    @Test("Vietnamese writes quarters in Roman numerals (quý II/2024), English as 2024 Q2")
    func quarterNames() throws {
        let vi = String(decoding: try ReportRenderer.render(sampleInput(language: .vi)).html, as: UTF8.self)
        #expect(vi.contains("Kết quả quý II/2024"))
        #expect(vi.contains("Quý I/2024"))
        #expect(!vi.contains("Quý 2/2024") && !vi.contains("Q1/2024") && !vi.contains("Q2/2024"))
        let en = String(decoding: try ReportRenderer.render(sampleInput(language: .en)).html, as: UTF8.self)
        #expect(en.contains("2024 Q2") && !en.contains("II/2024"))
    }

    @Test("every table lists the units in the published ranking's order, whatever units.csv's order")
    func oneUnitOrder() throws {
        var input = sampleInput(language: .en)
        input.units.reverse()  // SYT first in units.csv; STP is ranked first (SYT is suppressed)
        let html = String(decoding: try ReportRenderer.render(input).html, as: UTF8.self)
        let trend = try #require(html.range(of: #"<h2 id="trend">"#)).lowerBound
        var sections = 0
        var from = trend
        while let justice = html.range(of: #"<th scope="row">Justice"#, range: from..<html.endIndex),
              let health = html.range(of: #"<th scope="row">Health"#, range: from..<html.endIndex) {
            #expect(justice.lowerBound < health.lowerBound)
            from = health.upperBound
            sections += 1
        }
        #expect(sections >= 2)  // the trend table and the sampling table at least
    }

    @Test("chart marks keep 3:1 against what they cross: whiskers have a white halo, the trend band dashed edges")
    func chartContrast() throws {
        let html = String(decoding: try ReportRenderer.render(sampleInput(language: .en)).html, as: UTF8.self)
        let halo = try #require(html.range(of: ##"stroke="#ffffff" stroke-width="4""##))
        let whisker = try #require(html.range(of: ##"stroke="#1a1a1a" stroke-width="2""##))
        #expect(halo.lowerBound < whisker.lowerBound)
        // Two dashed edges per trend chart: the all-units chart and each unit's in the annex.
        let charts = html.components(separatedBy: "<svg").count - 1
        let trends = charts - 1  // one bar chart
        #expect(trends >= 2)
        let edges = html.components(separatedBy: ##"stroke="#0b4f8a" stroke-width="1" stroke-dasharray="4 3""##).count - 1
        #expect(edges >= 4 && edges % 2 == 0 && edges <= 2 * trends, "two edges per band, the all-units band and a unit's at least")
    }

    @Test("charts draw the target: a dashed line with its label in every chart when a target is set")
    func targetLine() throws {
        var input = sampleInput(language: .en)
        input.survey.rules.target = 0.9
        let html = String(decoding: try ReportRenderer.render(input).html, as: UTF8.self)
        let charts = html.components(separatedBy: "<svg").count - 1
        let lines = html.components(separatedBy: ##"stroke="#8a3b00" stroke-width="2" stroke-dasharray="6 3""##).count - 1
        #expect(charts >= 4 && lines == charts, "\(lines) target lines in \(charts) charts")
        #expect(html.contains(##"fill="#8a3b00" stroke="#ffffff" stroke-width="3" paint-order="stroke">Target 90.00%</text>"##))
        input.survey.rules.target = nil
        let none = String(decoding: try ReportRenderer.render(input).html, as: UTF8.self)
        #expect(!none.contains("#8a3b00\" stroke-width=\"2\""))
    }

    @Test("rendering twice gives the same bytes")
    func deterministic() throws {
        let a = try ReportRenderer.render(sampleInput())
        let b = try ReportRenderer.render(sampleInput())
        #expect(a.xml == b.xml && a.html == b.html)
    }
}

@Suite("The technical report carries no decision header or signature")
struct DecisionBlockTests {
    @Test("[publication] prints no issuing body, decision line, signature or recipients on report.html: they belong to the decision, and the annex (annex.docx) heads itself")
    func configured() throws {
        var input = sampleInput()
        var annex = DecisionAnnex()
        annex.issuingBodyVi = "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH"
        annex.decisionVi = "Kèm theo Quyết định số 12/QĐ-UBND"
        annex.placeVi = "Hà Tĩnh"
        annex.issueDate = "2025-01-15"
        annex.signatureVi = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
        annex.signer = "Nguyễn Văn A"
        annex.recipientsVi = ["Như trên;", "Lưu: VT."]
        input.survey.annex = annex
        let rendered = try ReportRenderer.render(input)
        let html = String(decoding: rendered.html, as: UTF8.self)
        for absent in ["ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", "Kèm theo Quyết định số 12", "Nơi nhận", "Nguyễn Văn A", "ngày 15 tháng 01 năm 2025"] {
            #expect(!html.contains(absent), "report.html says \(absent)")
        }
        // One date on the page: the release's (and the data's), never an issue date beside it.
        #expect(html.components(separatedBy: "15/01/2025").count == 1)
        // The print rules of the annex: A4, margins 20/15/20/30 mm, a serif, the page number at
        // the top from page 2 only.
        #expect(html.contains("@page { size: A4; margin: 20mm 15mm 20mm 30mm;") && html.contains("@top-center { content: counter(page);")
                && html.contains("@page :first { @top-center { content: none; } }") && !html.contains("@bottom-center"))
    }
}
