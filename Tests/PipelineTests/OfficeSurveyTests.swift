import Foundation
import Testing

/// A survey built the way a provincial office builds one (issue 15): workbooks with title
/// rows and footers, one sheet per quarter under a header merged over two rows, "Câu N"
/// headers matched through item aliases, unit cells in lower case, with trailing spaces, as
/// names or aliases, and portal ratings on a three-level scale asked online only (factor F).
///
/// `fixtures/office/generate.py` writes the folder (with the test venv's python, which has
/// openpyxl: `make test-venv`) and, beside it, `expected.json`: every row it wrote, sheet by
/// sheet, and the values it computed by hand from those rows (forms per cell, each item's
/// satisfied share, each factor index, the SIPAS index, the flags). The built `pipeline`
/// executable runs on the folder; then every row of every sheet must be accounted for, and
/// every published figure of `work/estimates.csv` must equal the generator's to 1e-9.
@Suite("An office's survey: workbooks as offices keep them, portal ratings asked online only")
struct OfficeSurveyTests {
    static let tolerance = 1e-9
    /// The scopes the generator computes.
    static let scopes: Set<String> = [
        "unit_quarter", "unit_year", "all_quarter", "all_year",
        "unit_quarter_paper", "unit_quarter_online", "unit_year_paper", "unit_year_online",
    ]
    static let channelScopes: Set<String> = ["unit_quarter_paper", "unit_quarter_online", "unit_year_paper", "unit_year_online"]

    // MARK: the checks

    @Test("the run publishes, and every row of every sheet is accepted, rejected, a duplicate, a conflict or skipped")
    func everyRowAccountedFor() async throws {
        let run = try await OfficeRunCache.shared.value()
        let expected = run.expected
        #expect([Termination.exited(0), .exited(1)].contains(run.result.termination), "published (with or without failed checks): \(run.result)")
        #expect(!run.result.summaryLine.contains("answer keys that name no item"), "every portal key names an item or an alias: \(run.result.summaryLine)")

        // The counts the pipeline reports on its summary line.
        let t = expected.totals
        let counts = "rows \(t.dataRows): \(t.accepted) accepted, \(t.rejected) rejected, \(t.duplicate) duplicates, \(t.conflict) conflicts"
        #expect(run.result.summaryLine.contains(counts), "summary line: \(run.result.summaryLine)\nexpected: \(counts)")
        #expect(run.result.summaryLine.contains("files \(t.files) ("), "\(run.result.summaryLine)")

        // source_files, per file: rows read and their outcomes, and the rows skipped.
        let stored = try await run.sourceFiles()
        #expect(Set(stored.keys) == Set(expected.files.map(\.path)), "files in the database: \(stored.keys.sorted())")
        var written = 0, accountedFor = 0
        for file in expected.files {
            guard let s = stored[file.path] else {
                Issue.record("\(file.path) is not in source_files")
                continue
            }
            #expect(s.status == "present", "\(file.path): status \(s.status)")
            #expect(s.read == s.accepted + s.rejected + s.duplicate + s.conflict, "\(file.path): \(s)")
            #expect(s.read == file.dataRows, "\(file.path): rows read \(s.read), the generator wrote \(file.dataRows) data rows")
            #expect(s.accepted == file.accepted, "\(file.path): accepted \(s.accepted), expected \(file.accepted)")
            #expect(s.rejected == file.rejected, "\(file.path): rejected \(s.rejected), expected \(file.rejected)")
            #expect(s.duplicate == file.duplicate, "\(file.path): duplicates \(s.duplicate), expected \(file.duplicate)")
            #expect(s.conflict == file.conflict, "\(file.path): conflicts \(s.conflict), expected \(file.conflict)")
            // Skipped: title rows, the upper row of a two-row header, footer rows; the header
            // row itself (one per sheet) is neither a form nor skipped.
            #expect(s.skipped == file.skipped, "\(file.path): skipped \(s.skipped), expected \(file.skipped) (titles, upper header rows, footers)")
            #expect(s.accepted + s.rejected + s.duplicate + s.conflict + s.skipped + file.headerRows == file.rowsWritten,
                    "\(file.path): \(s) and \(file.headerRows) header rows account for \(file.rowsWritten) rows with text")
            written += file.rowsWritten
            accountedFor += s.accepted + s.rejected + s.duplicate + s.conflict + s.skipped + file.headerRows
        }
        #expect(written == t.rowsWritten && accountedFor == written, "\(accountedFor) of \(written) rows accounted for")

        // rejects.csv: each planted bad row at its file, sheet and line, and the form typed
        // twice as one duplicate of its sheet (either copy may be the one set aside); nothing else.
        let rejects = try run.rejects()
        #expect(rejects.header == ["file", "line", "outcome", "form_id", "reason", "sheet"], "rejects.csv header: \(rejects.header)")
        var wantedRejects: [RejectKey: String] = [:]
        var wantedDuplicates: [String] = []
        for file in expected.files {
            for r in file.rejects ?? [] { wantedRejects[RejectKey(file: file.path, sheet: "", line: r.line)] = r.formID }
            for d in file.duplicates ?? [] { wantedDuplicates.append("\(file.path)|\(d.formID)") }
            for sheet in file.sheets {
                for r in sheet.rejects { wantedRejects[RejectKey(file: file.path, sheet: sheet.name, line: r.line)] = r.formID }
                for d in sheet.duplicates { wantedDuplicates.append("\(file.path)|\(sheet.name)|\(d.formID)") }
            }
        }
        var foundRejects: [RejectKey: String] = [:]
        var foundDuplicates: [String] = []
        for row in rejects.rows {
            guard row.count == 6, let line = Int(row[1]) else {
                Issue.record("rejects.csv row with \(row.count) fields: \(row)")
                continue
            }
            let key = RejectKey(file: row[0], sheet: row[5], line: line)
            switch row[2] {
            case "rejected":
                #expect(foundRejects[key] == nil, "rejects.csv lists \(key) twice")
                foundRejects[key] = row[3]
            case "duplicate":
                foundDuplicates.append(row[5].isEmpty ? "\(row[0])|\(row[3])" : "\(row[0])|\(row[5])|\(row[3])")
            default:
                Issue.record("rejects.csv: \(key) \(row[2]) (\(row[4])); the generator plants no \(row[2])")
            }
        }
        #expect(Set(foundRejects.keys) == Set(wantedRejects.keys),
                "rejects.csv: unexpected \(Set(foundRejects.keys).subtracting(wantedRejects.keys).sorted()), missing \(Set(wantedRejects.keys).subtracting(foundRejects.keys).sorted())")
        for (key, formID) in wantedRejects where foundRejects[key] != nil {
            #expect(foundRejects[key] == formID, "\(key): form \(foundRejects[key] ?? ""), expected \(formID)")
        }
        #expect(foundDuplicates.sorted() == wantedDuplicates.sorted(), "duplicates in rejects.csv: \(foundDuplicates), expected \(wantedDuplicates)")
        // The two 2024 rejects on the same row number of two sheets are both there.
        let sameLine = expected.files.flatMap { f in f.sheets.flatMap { s in s.rejects.map { "\(f.path):\($0.line)" } } }
        #expect(Set(sameLine).count < sameLine.count, "the generator plants two rejects on one row number of two sheets")

        // Accepted rows per sheet (and per portal file): each sheet holds the paper forms of
        // its cells (departments x its quarter; the communes x every quarter), each portal
        // file the online forms of its cells, so their forms in work/estimates.csv add up to
        // the sheet's accepted rows.
        let e = try run.estimates()
        for file in expected.files {
            let parts: [(String, [[String]], Int)] = file.sheets.isEmpty
                ? [("", file.cells ?? [], file.accepted)]
                : file.sheets.map { ($0.name, $0.cells, $0.accepted) }
            let scope = file.channel == "paper" ? "unit_quarter_paper" : "unit_quarter_online"
            for (name, cells, accepted) in parts {
                let forms = cells.reduce(0) { sum, cell in sum + Int(Double(e["\(scope),\(cell[0]),\(cell[1]),ALL,n_rows,count"] ?? "") ?? 0) }
                #expect(forms == accepted, "\(file.path) \(name): \(forms) forms in its cells, \(accepted) rows expected accepted")
            }
        }
    }

    @Test("forms per cell equal the generator's, and the cells are the generator's")
    func formsPerCell() async throws {
        let run = try await OfficeRunCache.shared.value()
        let e = try run.estimates()
        var published: [String: Int] = [:]
        for (key, value) in e {
            let f = key.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6, Self.scopes.contains(f[0]), !f[2].contains(" vs "), f[3] == "ALL", f[4] == "n_rows", f[5] == "count" else { continue }
            published["\(f[0]),\(f[1]),\(f[2])"] = Int(Double(value) ?? -1)
        }
        var expectedForms: [String: Int] = [:]
        for cell in run.expected.cells { expectedForms[cell.key] = cell.forms }
        for (key, forms) in expectedForms.sorted(by: { $0.key < $1.key }) {
            #expect(published[key] == forms, "\(key): \(published[key].map { "\($0)" } ?? "no n_rows row") forms, expected \(forms)")
        }
        // A cell the generator has no form for may only be published empty.
        for (key, forms) in published where expectedForms[key] == nil {
            #expect(forms == 0, "\(key): \(forms) forms, but the generator wrote none there")
        }
        #expect(expectedForms.count > 400, "the generator's cells: \(expectedForms.count)")
    }

    @Test("every item share, factor index and SIPAS index in work/estimates.csv equals the generator's to 1e-9")
    func indices() async throws {
        let run = try await OfficeRunCache.shared.value()
        let e = try run.estimates()
        var compared = 0
        for cell in run.expected.cells {
            let prefix = cell.key + ","
            for (id, item) in cell.items.sorted(by: { $0.key < $1.key }) {
                guard item.n > 0, let p = item.p else {
                    // Not asked in this cell (a portal rating on paper): no share.
                    #expect(number(e[prefix + "\(id),p,unweighted"]) == nil, "\(cell.key) \(id): a share without answers: \(e[prefix + "\(id),p,unweighted"] ?? "")")
                    continue
                }
                #expect(number(e[prefix + "\(id),n,count"]) == Double(item.n), "\(cell.key) \(id) n: \(e[prefix + "\(id),n,count"] ?? "missing"), expected \(item.n)")
                #expect(number(e[prefix + "\(id),satisfied,count"]) == Double(item.satisfied),
                        "\(cell.key) \(id) satisfied: \(e[prefix + "\(id),satisfied,count"] ?? "missing"), expected \(item.satisfied)")
                close(e[prefix + "\(id),p,unweighted"], p, "\(cell.key) \(id) p")
                compared += 1
            }
            for (id, factor) in cell.factors.sorted(by: { $0.key < $1.key }) {
                if let index = factor.index {
                    close(e[prefix + "\(id),index,unweighted"], index, "\(cell.key) factor \(id)")
                    compared += 1
                } else {
                    #expect(number(e[prefix + "\(id),index,unweighted"]) == nil,
                            "\(cell.key) factor \(id) has no answer, so no index: \(e[prefix + "\(id),index,unweighted"] ?? "")")
                }
            }
            if let index = cell.index {
                close(e[prefix + "index,index,unweighted"], index, "\(cell.key) SIPAS index")
                compared += 1
            } else {
                // NA: a factor without answers (F on paper, or XTH's quarter without portal forms).
                let value = e[prefix + "index,index,unweighted"]
                #expect(value == nil || value == "NA", "\(cell.key): the SIPAS index over a factor without answers is NA, not \(value ?? "")")
            }
        }
        #expect(compared > 10_000, "compared \(compared) figures")
    }

    @Test("a thin factor is suppressed (Q) and its index flagged U; an index missing a factor is NA and flagged")
    func flags() async throws {
        let run = try await OfficeRunCache.shared.value()
        let e = try run.estimates()
        let cells = run.expected.cells
        func flag(_ cell: ExpectedCell, _ subject: String, _ code: String) -> Bool {
            e["\(cell.key),\(subject),flag,\(code)"] == "1"
        }
        for cell in cells {
            for (id, item) in cell.items where item.n > 0 {
                #expect(flag(cell, id, "Q") == cell.flags.itemQ.contains(id), "\(cell.key) \(id): n = \(item.n), flag Q \(flag(cell, id, "Q"))")
            }
            for (id, factor) in cell.factors where factor.index != nil {
                #expect(flag(cell, id, "Q") == cell.flags.factorQ.contains(id),
                        "\(cell.key) factor \(id): answered by \(factor.forms) forms, flag Q \(flag(cell, id, "Q"))")
            }
            if cell.flags.indexU {
                #expect(flag(cell, "index", "U"), "\(cell.key): the index holds the suppressed factor(s) \(cell.flags.factorQ), so it is flagged U")
                #expect(!flag(cell, "index", "Q"), "\(cell.key): \(cell.forms) forms; the index itself is not suppressed")
            }
            if cell.flags.indexNa {
                let flagged = e.keys.contains { $0.hasPrefix("\(cell.key),index,flag,") && e[$0] == "1" }
                #expect(flagged, "\(cell.key): the NA index is flagged")
            } else if !Self.channelScopes.contains(cell.scope) && cell.forms >= run.expected.suppressBelow {
                #expect(!flag(cell, "index", "Q"), "\(cell.key): \(cell.forms) forms, the index is not suppressed")
            }
        }
        // The planted cases are there (the generator's XTH 2025-Q2 and 2024-Q3).
        let thin = try #require(cells.first { $0.scope == "unit_quarter" && $0.unit == "XTH" && $0.period == "2025-Q2" })
        #expect(thin.flags.factorQ == ["F"] && thin.flags.indexU && thin.factors["F"]?.forms == 16)
        let none = try #require(cells.first { $0.scope == "unit_quarter" && $0.unit == "XTH" && $0.period == "2024-Q3" })
        #expect(none.flags.indexNa && none.factors["F"]?.forms == 0)

        // The public copy: the suppressed factor shows no number, the U-flagged index does.
        let published = try readEstimates(run.survey.appendingPathComponent("out/estimates.csv").path)
        #expect(published["\(thin.key),F,index,unweighted"] == "NA", "out/estimates.csv hides the suppressed factor")
        #expect(published["\(thin.key),F,flag,Q"] == "1")
        let thinIndex = try #require(thin.index)
        close(published["\(thin.key),index,index,unweighted"], thinIndex, "\(thin.key) published SIPAS index")
    }

    @Test("expected.json says what the generated files hold (fixtures/office/readback.py reads them back)")
    func generatorReadsBack() async throws {
        let run = try await OfficeRunCache.shared.value()
        let script = repositoryRoot.appendingPathComponent("fixtures/office/readback.py").path
        let result = try await ChildProcess(
            executable: try OfficeRun.python(), arguments: [script, run.survey.path, run.root.appendingPathComponent("expected.json").path],
            logs: run.logs, name: "readback"
        ).wait(timeout: 600)
        #expect(result.termination == .exited(0), "readback.py: \(result.stdout.suffix(3000))\n\(result)")
    }

    // MARK: helpers

    func number(_ text: String?) -> Double? {
        guard let text, text != "NA" else { return nil }
        return Double(text)
    }

    func close(_ text: String?, _ expected: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let value = number(text) else {
            Issue.record("\(what): \(text ?? "missing"), expected \(expected)", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(value - expected) <= Self.tolerance, "\(what): \(value), expected \(expected)", sourceLocation: sourceLocation)
    }
}

/// A row of rejects.csv, by where it was read.
struct RejectKey: Hashable, Comparable, CustomStringConvertible {
    var file: String
    var sheet: String
    var line: Int
    var description: String { sheet.isEmpty ? "\(file):\(line)" : "\(file) sheet '\(sheet)':\(line)" }
    static func < (a: RejectKey, b: RejectKey) -> Bool { (a.file, a.sheet, a.line) < (b.file, b.sheet, b.line) }
}

// MARK: expected.json

struct OfficeExpected: Decodable, Sendable {
    var suppressBelow: Int
    var units: [String]
    var factors: [String]
    var items: [String]
    var totals: Totals
    var files: [ExpectedFile]
    var cells: [ExpectedCell]

    enum CodingKeys: String, CodingKey {
        case suppressBelow = "suppress_below", units, factors, items, totals, files, cells
    }

    struct Totals: Decodable, Sendable {
        var files: Int
        var rowsWritten: Int
        var dataRows: Int
        var accepted: Int
        var rejected: Int
        var duplicate: Int
        var conflict: Int
        var skipped: Int

        enum CodingKeys: String, CodingKey {
            case files, rowsWritten = "rows_written", dataRows = "data_rows", accepted, rejected, duplicate, conflict, skipped
        }
    }
}

struct PlantedRow: Decodable, Sendable {
    var line: Int
    var formID: String
    var why: String?

    enum CodingKeys: String, CodingKey {
        case line, formID = "form_id", why
    }
}

struct ExpectedSheet: Decodable, Sendable {
    var name: String
    var rowsWritten: Int
    var titleRows: Int
    var headerRows: Int
    var footerRows: Int
    var dataRows: Int
    var accepted: Int
    var rejected: Int
    var duplicate: Int
    var conflict: Int
    var skipped: Int
    var rejects: [PlantedRow]
    var duplicates: [PlantedRow]
    /// [unit, period] of the unit x quarter cells whose paper forms this sheet holds.
    var cells: [[String]]

    enum CodingKeys: String, CodingKey {
        case name, rowsWritten = "rows_written", titleRows = "title_rows", headerRows = "header_rows", footerRows = "footer_rows"
        case dataRows = "data_rows", accepted, rejected, duplicate, conflict, skipped, rejects, duplicates, cells
    }
}

struct ExpectedFile: Decodable, Sendable {
    var path: String
    var channel: String
    var sheets: [ExpectedSheet]
    /// The header row of each sheet (0 for JSON Lines).
    var headerRows: Int
    var rowsWritten: Int
    var dataRows: Int
    var accepted: Int
    var rejected: Int
    var duplicate: Int
    var conflict: Int
    var skipped: Int
    /// JSON Lines files only (workbooks list them per sheet).
    var rejects: [PlantedRow]?
    var duplicates: [PlantedRow]?
    var cells: [[String]]?

    enum CodingKeys: String, CodingKey {
        case path, channel, sheets, headerRows = "header_rows", rowsWritten = "rows_written", dataRows = "data_rows"
        case accepted, rejected, duplicate, conflict, skipped, rejects, duplicates, cells
    }
}

struct ExpectedCell: Decodable, Sendable {
    var scope: String
    var unit: String
    var period: String
    var forms: Int
    var items: [String: ItemValues]
    var factors: [String: FactorValues]
    var index: Double?
    var flags: Flags

    var key: String { "\(scope),\(unit),\(period)" }

    struct ItemValues: Decodable, Sendable {
        var n: Int
        var satisfied: Int
        var p: Double?
    }

    struct FactorValues: Decodable, Sendable {
        /// Forms with at least one answer to the factor's items.
        var forms: Int
        var index: Double?
    }

    struct Flags: Decodable, Sendable {
        var factorQ: [String]
        var itemQ: [String]
        var indexNa: Bool
        var indexU: Bool

        enum CodingKeys: String, CodingKey {
            case factorQ = "factor_q", itemQ = "item_q", indexNa = "index_na", indexU = "index_u"
        }
    }
}

// MARK: the run, made once per test process

struct StoredFile: Sendable, CustomStringConvertible {
    var status: String
    var read: Int
    var accepted: Int
    var rejected: Int
    var duplicate: Int
    var conflict: Int
    var skipped: Int
    var description: String {
        "\(status), read \(read): \(accepted) accepted, \(rejected) rejected, \(duplicate) duplicates, \(conflict) conflicts; \(skipped) skipped"
    }
}

struct OfficeRun: Sendable {
    var root: URL
    var survey: URL
    var logs: URL
    var expected: OfficeExpected
    var result: ProcessResult

    /// The test venv's python (`make test-venv`; `SIPAS_TEST_VENV` names another venv).
    static func python() throws -> String {
        let venv = ProcessInfo.processInfo.environment["SIPAS_TEST_VENV"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent(".venv-test")
        let python = venv.appendingPathComponent("bin/python").path
        return try #require(FileManager.default.isExecutableFile(atPath: python) ? python : nil,
                            "no python in \(venv.path): run `make test-venv` (openpyxl is pinned in TEST_PY_PACKAGES)")
    }

    /// Generates the survey into a fresh temporary folder and runs the pipeline on it.
    static func make() async throws -> OfficeRun {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-office-\(UUID().uuidString)")
        let survey = root.appendingPathComponent("office")
        let logs = root.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let expectedURL = root.appendingPathComponent("expected.json")
        let generator = repositoryRoot.appendingPathComponent("fixtures/office/generate.py").path
        let generated = try await ChildProcess(
            executable: try python(), arguments: [generator, survey.path, "--expected", expectedURL.path], logs: logs, name: "generate"
        ).wait(timeout: 600)
        try #require(generated.termination == .exited(0), "fixtures/office/generate.py failed: \(generated)")
        let expected = try JSONDecoder().decode(OfficeExpected.self, from: try Data(contentsOf: expectedURL))
        let result = try await ChildProcess(
            executable: try PipelineExecutable.url().path, arguments: ["run", survey.path], logs: logs, name: "run"
        ).wait(timeout: 900)
        return OfficeRun(root: root, survey: survey, logs: logs, expected: expected, result: result)
    }

    /// work/estimates.csv (every value, suppressed or not), key → value text.
    func estimates() throws -> [String: String] {
        try readEstimates(survey.appendingPathComponent("work/estimates.csv").path)
    }

    /// source_files of work/pipeline.sqlite, read with the sqlite3 shell (read-only).
    func sourceFiles() async throws -> [String: StoredFile] {
        let tool = try #require(findTool("sqlite3"), "sqlite3 is not installed (Debian package sqlite3; `make test` installs it)")
        let database = survey.appendingPathComponent("work/pipeline.sqlite").path
        let sql = "SELECT path, status, rows_read, rows_accepted, rows_rejected, rows_duplicate, rows_conflict, rows_skipped FROM source_files ORDER BY path"
        let answer = try await runTool(tool, ["-readonly", "-separator", "\t", database, sql], logs: logs)
        try #require(answer.termination == .exited(0), "sqlite3: \(answer)")
        var files: [String: StoredFile] = [:]
        for line in answer.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 8 else {
                Issue.record("sqlite3 printed \(line)")
                continue
            }
            let n = f[2...].map { Int($0) ?? -1 }
            files[f[0]] = StoredFile(status: f[1], read: n[0], accepted: n[1], rejected: n[2], duplicate: n[3], conflict: n[4], skipped: n[5])
        }
        return files
    }

    /// work/rejects.csv as its header and rows of fields.
    func rejects() throws -> (header: [String], rows: [[String]]) {
        let text = try String(contentsOf: survey.appendingPathComponent("work/rejects.csv"), encoding: .utf8)
        let records = parseCSV(text)
        return (records.first ?? [], Array(records.dropFirst()))
    }
}

actor OfficeRunCache {
    static let shared = OfficeRunCache()
    private var task: Task<OfficeRun, any Error>?

    func value() async throws -> OfficeRun {
        if let task { return try await task.value }
        let made = Task { try await OfficeRun.make() }
        task = made
        return try await made.value
    }
}

/// RFC 4180 CSV: quoted fields (with `""` for a quote) may hold commas and line ends; a
/// blank line is no record.
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var iterator = Array(text.unicodeScalars).makeIterator()
    var pending: Unicode.Scalar? = nil
    func next() -> Unicode.Scalar? {
        if let p = pending {
            pending = nil
            return p
        }
        return iterator.next()
    }
    func endRecord() {
        record.append(field)
        field = ""
        if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
        record = []
    }
    while let c = next() {
        if quoted {
            if c == "\"" {
                if let d = next() {
                    if d == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = d }
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(c)
            }
            continue
        }
        switch c {
        case "\"": quoted = true
        case ",":
            record.append(field)
            field = ""
        case "\r":
            if let d = next(), d != "\n" { pending = d }
            endRecord()
        case "\n": endRecord()
        default: field.unicodeScalars.append(c)
        }
    }
    if !field.isEmpty || !record.isEmpty { endRecord() }
    return records
}
