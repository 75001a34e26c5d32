import Foundation
import Stages
import Testing

/// The decision annex (issue 18) on a 14-unit province in two groups with a complete year
/// (`fixtures/annex/make_survey.py`): the `pipeline` executable run with the real LibreOffice,
/// `annex.docx` read back by python-docx (`fixtures/annex/read_docx.py`), every figure of its
/// tables compared with the published `estimates.csv`, `annex.pdf` read by poppler's
/// `pdfinfo` and `pdffonts`, and the same release made again in another process.
@Suite("Decision annex: annex.docx and annex.pdf of a 14-unit province in two groups")
struct AnnexTests {
    @Test("annex.docx: A4, margins 20/20/30/15 mm, Times New Roman 14 pt, the page number in the header from page 2, the heading lines")
    func layout() async throws {
        let run = try await AnnexRunCache.shared.value()
        let doc = try run.docx("annex.docx")
        let section = try #require((doc["sections"] as? [[String: Any]])?.first)
        #expect(section["page_width_mm"] as? Double == 210 && section["page_height_mm"] as? Double == 297, "\(section)")
        #expect(section["top_mm"] as? Double == 20 && section["bottom_mm"] as? Double == 20)
        #expect(section["left_mm"] as? Double == 30 && section["right_mm"] as? Double == 15)
        #expect(section["different_first_page"] as? Bool == true, "no page number on page 1")
        #expect(section["header_has_page_field"] as? Bool == true)
        #expect(section["header_alignment"] as? [String] == ["CENTER"])
        #expect(section["first_page_header_text"] as? String == "" && section["first_page_header_has_field"] as? Bool == false)
        let normal = try #require(doc["normal"] as? [String: Any])
        #expect(normal["font"] as? String == "Times New Roman" && normal["size_pt"] as? Double == 14)

        let paragraphs = try #require(doc["paragraphs"] as? [[String: Any]])
        func line(_ i: Int) -> (text: String, bold: Bool, italic: Bool, alignment: String, size: Double) {
            let p = paragraphs[i]
            return (p["text"] as? String ?? "", p["bold"] as? Bool ?? false, p["italic"] as? Bool ?? false,
                    p["alignment"] as? String ?? "", p["size_pt"] as? Double ?? 0)
        }
        let label = line(0), title = line(1), decision = line(2)
        #expect(label.text == "Phụ lục" && label.bold && label.alignment == "CENTER" && label.size == 14)
        #expect(title.text == title.text.uppercased() && title.text.hasSuffix("NĂM 2024") && title.bold && title.alignment == "CENTER")
        #expect(decision.text.hasPrefix("(Kèm theo Quyết định số") && decision.text.hasSuffix(")") && decision.italic
                && decision.alignment == "CENTER")
        // No national header, signature or recipients on an annex; nothing of the technical report.
        let text = paragraphs.map { $0["text"] as? String ?? "" }.joined(separator: "\n")
        for absent in ["CỘNG HÒA", "Độc lập", "Nơi nhận", "TM. ỦY BAN", "sha256", "inbox", "n ≥ N/(1 + N·e²)", "nhóm 1", "tầng"] {
            #expect(!text.contains(absent), "the annex says \(absent)")
        }
        let tables = try #require(doc["tables"] as? [[String: Any]])
        #expect(tables.count == 3, "a ranking table per group and the factor table")
        #expect(tables.allSatisfy { $0["repeat_header"] as? Bool == true })
    }

    @Test("every figure of the annex's tables is the published estimates.csv's, printed as the annex prints it")
    func figures() async throws {
        let run = try await AnnexRunCache.shared.value()
        let e = try readEstimates(run.out.appendingPathComponent("estimates.csv").path)
        let doc = try run.docx("annex.docx")
        let tables = try #require(doc["tables"] as? [[String: Any]]).map { $0["rows"] as? [[String]] ?? [] }
        let codes = try run.unitCodes()
        func value(_ key: String) -> Double? { e[key].flatMap(Double.init) }
        /// Two decimals with a decimal comma, as Vietnamese prints them.
        func vi(_ x: Double) -> String { String(format: "%.2f", x).replacingOccurrences(of: ".", with: ",") }
        func percent(_ key: String) -> String { value(key).map { vi($0 * 100) + "%" } ?? "–" }
        func change(_ scope: String, _ code: String) -> String {
            let base = "\(scope),\(code),2024 vs 2023,index,"
            guard let diff = value(base + "diff,unweighted") else { return "–" }
            let lower = value(base + "diff_lower,lin_unweighted_wald_z")!, upper = value(base + "diff_upper,lin_unweighted_wald_z")!
            let text = vi(abs(diff) * 100)
            return (text == "0,00" ? "±" : diff > 0 ? "+" : "−") + text + (lower > 0 || upper < 0 ? "†" : "")
        }
        func target(_ scope: String, _ code: String) -> String {
            let base = "\(scope),\(code),2024,index,"
            if value(base + "target_met,lower_bound") == 1 { return "Đạt†" }
            if value(base + "target_missed,upper_bound") == 1 { return "Chưa đạt†" }
            return value(base + "target_met,point") == 1 ? "Đạt" : "Chưa đạt"
        }
        var unitsSeen = 0
        for (t, group) in ["SO", "XA"].enumerated() {
            let rows = tables[t]
            #expect(rows[0] == ["STT", "Đơn vị", "Chỉ số SIPAS", "Điểm SIPAS", "Xếp hạng", "So với năm 2023 (điểm %)", "Mục tiêu 90%"])
            var previousRank = 0
            for (i, row) in rows.dropFirst().enumerated() {
                let name = row[1]
                if name == "Cả nhóm" || name.hasPrefix("Tất cả đơn vị") {
                    let (scope, code) = name == "Cả nhóm" ? ("group_year", group) : ("all_year", "ALL")
                    #expect(row[2] == percent("\(scope),\(code),2024,index,index,unweighted"), "\(name) \(row)")
                    #expect(row[3] == vi(value("\(scope),\(code),2024,index,points,unweighted")!))
                    #expect(row[5] == change(scope, code) && row[6] == target(scope, code), "\(name) \(row)")
                    continue
                }
                let code = try #require(codes[name], "unit \(name)")
                unitsSeen += 1
                #expect(row[0] == String(i + 1))
                #expect(row[2] == percent("unit_year,\(code),2024,index,index,unweighted"), "\(code) \(row)")
                #expect(row[3] == vi(value("unit_year,\(code),2024,index,points,unweighted")!), "\(code) \(row)")
                let rank = try #require(value("unit_year,\(code),2024,index,group_rank,unweighted"))
                let of = try #require(value("unit_year,\(code),2024,index,group_rank_of,units_ranked"))
                let caution = value("unit_year,\(code),2024,index,rank_caution,plan_or_sample_rule") == 1
                #expect(row[4] == "thứ \(Int(rank))/\(Int(of))" + (caution ? "*" : ""), "\(code) \(row)")
                #expect(Int(rank) >= previousRank, "rows in rank order")
                previousRank = Int(rank)
                #expect(row[5] == change("unit_year", code) && row[6] == target("unit_year", code), "\(code) \(row)")
            }
        }
        #expect(unitsSeen == 14)
        // X04 and X05 hold the same answers: the same printed index and the same rank.
        let xa = tables[1].filter { ["UBND xã Nghi Xuân", "UBND xã Can Lộc"].contains($0[1]) }
        #expect(xa.count == 2 && xa[0][2] == xa[1][2] && xa[0][4] == xa[1][4], "\(xa)")

        // The factor table: every unit, group and all units, each factor's index in percent.
        let factors = tables[2]
        #expect(factors[0].count == 2 + 5 && factors[0][2].hasPrefix("A. "))
        var factorRows = 0
        var group = "SO"
        for row in factors.dropFirst() {
            if row[0] == row[1] { group = row[0].hasPrefix("I. ") ? "SO" : "XA"; continue }  // a group's heading row
            let (scope, code) = row[1] == "Cả nhóm" ? ("group_year", group)
                : row[1].hasPrefix("Tất cả đơn vị") ? ("all_year", "ALL") : ("unit_year", codes[row[1]] ?? "?")
            for (j, factor) in ["A", "B", "C", "D", "E"].enumerated() {
                let expected = value("\(scope),\(code),2024,\(factor),index,unweighted").map { vi($0 * 100) } ?? "–"
                #expect(row[2 + j] == expected, "\(code) \(factor): \(row[2 + j]) vs \(expected)")
            }
            factorRows += 1
        }
        #expect(factorRows == 14 + 2 + 1)
    }

    @Test("annex.pdf: A4, at most 10 pages, the serif embedded, PDF/A-2b; the English annex beside it")
    func pdf() async throws {
        let run = try await AnnexRunCache.shared.value()
        let pdf = run.out.appendingPathComponent("annex.pdf").path
        let info = try await runTool(try #require(findTool("pdfinfo"), "poppler-utils"), [pdf], logs: run.logs)
        #expect(info.termination == .exited(0), "\(info)")
        #expect(info.stdout.contains("(A4)"), "\(info.stdout)")
        let pages = info.stdout.split(separator: "\n").first { $0.hasPrefix("Pages:") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect((1...10).contains(pages), "\(pages) pages")
        let fonts = try await runTool(try #require(findTool("pdffonts")), [pdf], logs: run.logs)
        let serif = fonts.stdout.split(separator: "\n").filter { $0.contains("LiberationSerif") || $0.contains("TimesNewRoman") }
        #expect(!serif.isEmpty && serif.allSatisfy { $0.split(separator: " ", omittingEmptySubsequences: true).contains("yes") },
                "\(fonts.stdout)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("<pdfaid:part>2</pdfaid:part>") && text.contains("<pdfaid:conformance>B</pdfaid:conformance>"))
        // Dated by the release (the latest form's date, in December 2024), not by the moment of conversion.
        #expect(text.range(of: #"/CreationDate\(D:202412[0-3][0-9]000000"#, options: .regularExpression) != nil)
        #expect(text.range(of: #"<xmp:CreateDate>2024-12-[0-3][0-9]T00:00:00"#, options: .regularExpression) != nil)
        let english = try run.docx("annex.en.docx")
        let paragraphs = try #require(english["paragraphs"] as? [[String: Any]])
        #expect(paragraphs.first?["text"] as? String == "Annex")
        #expect((paragraphs[1]["text"] as? String ?? "").hasSuffix(", 2024"))
        let manifest = try String(contentsOf: run.out.appendingPathComponent("manifest.json"), encoding: .utf8)
        for name in ["annex.docx", "annex.en.docx", "annex.pdf"] { #expect(manifest.contains("\"file\": \"\(name)\"")) }
        #expect(!manifest.contains("not_made"))
    }

    @Test("a conversion that fails is made again by the next run, LibreOffice unchanged")
    func failedConversion() async throws {
        let run = try await AnnexRunCache.shared.value()
        let folder = try run.copy("flaky-office")
        // The same soffice path both times: failing first, converting once the marker exists.
        let marker = run.root.appendingPathComponent("office-works")
        let real = try #require(findTool("soffice"))
        let script = try run.office("soffice-flaky", "#!/bin/sh\nif [ -f '\(marker.path)' ]; then exec '\(real)' \"$@\"; fi\necho 'simulated crash' >&2\nexit 1\n")
        let first = try await run.pipeline(["run", folder.path], name: "flaky-1", soffice: script)
        #expect(first.summaryLine.contains("not made: annex.pdf (LibreOffice could not convert"), "\(first.summaryLine)")
        let out = folder.appendingPathComponent("out")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("annex.pdf").path))
        FileManager.default.createFile(atPath: marker.path, contents: Data())
        let second = try await run.pipeline(["run", folder.path], name: "flaky-2", soffice: script)
        #expect(second.summaryLine.contains("published"), "made again: \(second.summaryLine)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("annex.pdf").path))
    }

    @Test("a PDF that cannot be made reproducible is published as converted, and the log says so")
    func oddPDF() async throws {
        let run = try await AnnexRunCache.shared.value()
        let folder = try run.copy("odd-office")
        // An office that writes a PDF without a cross-reference table.
        let script = try run.office("soffice-odd", #"""
            #!/bin/sh
            while [ $# -gt 0 ]; do [ "$1" = --outdir ] && out=$2; last=$1; shift; done
            printf '%%PDF-1.7\n%%%%EOF\n' > "$out/$(basename "$last" .docx).pdf"
            """#)
        let result = try await run.pipeline(["run", folder.path], name: "odd-office", soffice: script)
        #expect(result.termination == .exited(1), "\(result)")
        #expect(result.stderr.contains("annex.pdf: LibreOffice's PDF could not be made reproducible"), "\(result.stderr.suffix(1500))")
        let pdf = try Data(contentsOf: folder.appendingPathComponent("out/annex.pdf"))
        #expect(pdf == Data("%PDF-1.7\n%%EOF\n".utf8))
    }

    @Test("the same survey made again in another process and time zone gives byte-identical annex.docx, annex.en.docx and annex.pdf")
    func reproducible() async throws {
        let run = try await AnnexRunCache.shared.value()
        let again = try run.copy("again")
        // Another process in another time zone: the same bytes.
        let result = try await run.pipeline(["run", again.path], name: "again", environment: ["TZ": "Asia/Ho_Chi_Minh"])
        #expect(result.termination == .exited(1), "\(result)")
        for name in ["annex.docx", "annex.en.docx", "annex.pdf"] {
            let first = try Data(contentsOf: run.out.appendingPathComponent(name))
            let second = try Data(contentsOf: again.appendingPathComponent("out/\(name)"))
            #expect(first == second, "\(name) differs between two runs")
        }
    }

    @Test("without LibreOffice the release is published without annex.pdf and says so: log, summary line, manifest")
    func withoutRenderer() async throws {
        let run = try await AnnexRunCache.shared.value()
        let folder = try run.copy("no-office")
        let result = try await run.pipeline(["run", folder.path], name: "no-office", soffice: "none")
        #expect(result.termination == .exited(1), "the exit status is the checks', as with the PDF: \(result)")
        #expect(result.summaryLine.contains("not made: annex.pdf (SIPAS_SOFFICE=none"), "\(result.summaryLine)")
        #expect(result.stderr.contains("annex.pdf not made"), "\(result.stderr.suffix(2000))")
        let out = folder.appendingPathComponent("out")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("annex.pdf").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("annex.docx").path))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any]
        let notMade = manifest?["not_made"] as? [[String: String]]
        #expect(notMade?.first?["file"] == "annex.pdf" && notMade?.first?["reason"]?.contains("SIPAS_SOFFICE=none") == true)
        #expect((manifest?["inputs"] as? [String: String])?["pdf_renderer"] == "none")
        // Once LibreOffice is there, the nightly run makes the release again, with its PDF.
        let later = try await run.pipeline(["run", folder.path], name: "office-installed")
        #expect(later.summaryLine.contains("published"), "\(later.summaryLine)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("annex.pdf").path))
    }
}

/// The annex of a year not yet complete: the latest quarter's, with `ranking_policy =
/// "exclude"` (in process, no PDF).
@Suite("Decision annex of the latest quarter while the year is incomplete")
struct QuarterAnnexTests {
    @Test("the title names the quarter, changes are on the previous quarter, a unit short of forms is 'không xếp hạng*' with its footnote, figures are the published ones")
    func quarter() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-annex-q-\(UUID().uuidString)")
        let survey = root.appendingPathComponent("province")
        let logs = root.appendingPathComponent("logs")
        let generate = try await ChildProcess(
            executable: try OfficeRun.python(),
            arguments: [repositoryRoot.appendingPathComponent("fixtures/annex/make_survey.py").path, survey.path],
            logs: logs, name: "generate"
        ).wait(timeout: 120)
        try #require(generate.termination == .exited(0), "\(generate)")
        for file in ["inbox/paper/2024-Q4.csv", "inbox/portal/2024-Q4.jsonl"] {
            try FileManager.default.removeItem(at: survey.appendingPathComponent(file))
        }
        let toml = survey.appendingPathComponent("survey.toml")
        var text = try String(contentsOf: toml, encoding: .utf8)
        text = text.replacingOccurrences(of: #"last_period = "2024-Q4""#, with: #"last_period = "2024-Q3""#)
        text = text.replacingOccurrences(of: #"aggregation = "pooled""#, with: "aggregation = \"pooled\"\nranking_policy = \"exclude\"")
        try text.write(to: toml, atomically: true, encoding: .utf8)
        _ = try Pipeline(folderPath: survey.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let run = AnnexRun(root: root, survey: survey, logs: logs)
        let doc = try run.docx("annex.docx")
        let paragraphs = try #require(doc["paragraphs"] as? [[String: Any]]).map { $0["text"] as? String ?? "" }
        #expect(paragraphs[1].hasSuffix("QUÝ III NĂM 2024"), "\(paragraphs[1])")
        #expect(paragraphs.contains { $0.hasPrefix("(*) Đơn vị chưa đủ số phiếu") && $0.contains("không xếp hạng") })
        let tables = try #require(doc["tables"] as? [[String: Any]]).map { $0["rows"] as? [[String]] ?? [] }
        #expect(tables[0][0][5] == "So với quý trước (điểm %)")
        let e = try readEstimates(survey.appendingPathComponent("out/estimates.csv").path)
        let codes = try run.unitCodes()
        var excluded = 0
        for row in tables[0].dropFirst() + tables[1].dropFirst() {
            guard let code = codes[row[1]] else { continue }
            let key = "unit_quarter,\(code),2024-Q3,index,"
            let short = e[key + "rank_caution,plan_or_sample_rule"] == "1"
            let index = e[key + "index,unweighted"].flatMap(Double.init)
            let printed = index.map { String(format: "%.2f", $0 * 100).replacingOccurrences(of: ".", with: ",") + "%" } ?? "Q"
            #expect(row[2] == printed, "\(code) \(row)")
            if short && index != nil {
                // exclude: no rank rows; shown as not ranked, with the mark.
                #expect(e[key + "group_rank,unweighted"] == nil && row[4] == "không xếp hạng*", "\(code) \(row)")
                excluded += 1
            } else if let rank = e[key + "group_rank,unweighted"], let of = e[key + "group_rank_of,units_ranked"] {
                #expect(row[4] == "thứ \(rank)/\(of)", "\(code) \(row)")
            }
        }
        #expect(excluded >= 1, "some unit is short of forms in 2024-Q3")
    }
}

/// The annex survey generated and run once for the suite.
struct AnnexRun: Sendable {
    let root: URL
    let survey: URL
    let logs: URL
    var out: URL { survey.appendingPathComponent("out") }

    static func make() async throws -> AnnexRun {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-annex-\(UUID().uuidString)")
        let survey = root.appendingPathComponent("province")
        let logs = root.appendingPathComponent("logs")
        let run = AnnexRun(root: root, survey: survey, logs: logs)
        let generate = try await ChildProcess(
            executable: try OfficeRun.python(),
            arguments: [repositoryRoot.appendingPathComponent("fixtures/annex/make_survey.py").path, survey.path],
            logs: logs, name: "generate"
        ).wait(timeout: 120)
        try #require(generate.termination == .exited(0), "make_survey.py: \(generate)")
        let result = try await run.pipeline(["run", survey.path], name: "run")
        try #require(result.termination == .exited(1), "checks fail in the short quarters of X06: \(result)")
        return run
    }

    /// A copy of the survey (without out/ and work/) beside it.
    func copy(_ name: String) throws -> URL {
        let folder = root.appendingPathComponent(name)
        try copyFolder(survey, to: folder)
        return folder
    }

    /// An executable shell script standing in for soffice; its path. `install` writes the
    /// executable in a process of its own: a file this process had open for writing could be
    /// inherited by a child another test spawns meanwhile, and exec'ing it would then fail
    /// with ETXTBSY ("Text file busy"), as it once did in CI.
    func office(_ name: String, _ script: String) throws -> String {
        let source = root.appendingPathComponent("\(name).txt").path
        let path = root.appendingPathComponent(name).path
        try script.write(toFile: source, atomically: true, encoding: .utf8)
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/install")
        install.arguments = ["-m", "755", source, path]
        try install.run()
        install.waitUntilExit()
        try #require(install.terminationStatus == 0, "install \(name)")
        return path
    }

    /// The pipeline executable with the real LibreOffice (or `soffice` as given).
    func pipeline(_ arguments: [String], name: String, soffice: String? = nil, environment: [String: String] = [:]) async throws -> ProcessResult {
        let office = try soffice ?? #require(findTool("soffice"), "LibreOffice: `make test` installs libreoffice-writer-nogui")
        return try await ChildProcess(
            executable: try PipelineExecutable.url().path, arguments: arguments,
            environment: environment.merging(["SIPAS_SOFFICE": office]) { a, _ in a }, logs: logs, name: name
        ).wait(timeout: 600)
    }

    /// What python-docx reads in a file of the release.
    func docx(_ name: String) throws -> [String: Any] {
        let script = repositoryRoot.appendingPathComponent("fixtures/annex/read_docx.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try OfficeRun.python())
        process.arguments = [script, out.appendingPathComponent(name).path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "read_docx.py \(name)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// units.csv: name in Vietnamese → code.
    func unitCodes() throws -> [String: String] {
        let text = try String(contentsOf: survey.appendingPathComponent("units.csv"), encoding: .utf8)
        var codes: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            codes[fields[1]] = fields[0]
        }
        return codes
    }
}

actor AnnexRunCache {
    static let shared = AnnexRunCache()
    private var task: Task<AnnexRun, any Error>?

    func value() async throws -> AnnexRun {
        if let task { return try await task.value }
        let made = Task { try await AnnexRun.make() }
        task = made
        return try await made.value
    }
}
