import Foundation
import SurveyModel
import TOMLKit

/// A survey folder on disk and its configuration, validated.
///
/// ```
/// survey.toml          the instrument and the rules
/// units.csv            code,name_vi,name_en
/// population.csv       unit,channel,period,dossiers   (optional)
/// inbox/paper/*.csv    forms typed in from paper
/// inbox/portal/*.jsonl, *.json   portal exports
/// work/                the working database and rejects.csv (made by the pipeline)
/// ```
public struct SurveyFolder: Sendable {
    public let root: URL
    public let survey: SurveyDefinition
    public let units: [SurveyUnit]
    public let population: [PopulationCount]

    public var workDirectory: URL { root.appendingPathComponent("work") }
    public var databasePath: String { workDirectory.appendingPathComponent("pipeline.sqlite").path }
    public var rejectsPath: String { workDirectory.appendingPathComponent("rejects.csv").path }
    public var paperInbox: URL { root.appendingPathComponent("inbox/paper") }
    public var portalInbox: URL { root.appendingPathComponent("inbox/portal") }

    /// Loads and validates `survey.toml`, `units.csv` and `population.csv`, reporting every
    /// problem found (not only the first).
    public static func load(_ path: String) throws -> SurveyFolder {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IngestError.missingInput(path: path, expected: "a survey folder with survey.toml, units.csv and inbox/")
        }
        let surveyPath = root.appendingPathComponent("survey.toml").path
        let survey = try SurveyFileParser.parse(path: surveyPath)
        let units = try loadUnits(root.appendingPathComponent("units.csv").path)
        let population = try loadPopulation(
            root.appendingPathComponent("population.csv").path, units: Set(units.map(\.code)))
        return SurveyFolder(root: root, survey: survey, units: units, population: population)
    }

    /// What ingest depends on besides the files: if it changes, every file is read again.
    public var ingestFingerprint: String {
        var parts = ["items:"] + survey.answeredItems.map { "\($0.id)=\($0.kind.rawValue)" }
        let p = survey.paperColumns
        let q = survey.portalFields
        parts += ["paper:\(p.formID),\(p.unit),\(p.date),\(p.comment)"]
        parts += ["portal:\(q.id),\(q.unit),\(q.submittedAt),\(q.dossierCode),\(q.answers),\(q.comment)"]
        parts += ["units:" + units.map(\.code).sorted().joined(separator: ",")]
        return parts.joined(separator: ";")
    }

    /// C0 control characters other than tab and line ends cannot appear in XML 1.0.
    static func hasControlCharacters(_ s: String) -> Bool {
        s.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r") || $0.value == 0x7F }
    }

    static let codePattern = try! NSRegularExpression(pattern: "^[A-Za-z0-9_.-]{1,32}$")

    static func isValidCode(_ code: String) -> Bool {
        codePattern.firstMatch(in: code, range: NSRange(code.startIndex..., in: code)) != nil
    }

    /// Reads a small configuration CSV: checks the header has `columns` (the first
    /// `required` of them mandatory) and every row's shape, then hands each row's values, in
    /// `columns` order (missing optional columns as ""), to `row`, which returns a problem or nil.
    /// Every problem is collected with its line; they are thrown together at the end.
    static func readConfigTable(
        _ path: String, columns: [String], required: Int, row: (_ values: [String]) -> String?
    ) throws {
        let file = (path as NSString).lastPathComponent
        var reader = try CSVReader(path: path)
        defer { reader.close() }
        let expected = columns.joined(separator: ",")
        guard let header = reader.next() else {
            throw IngestError.invalidConfiguration(file: file, line: 1, problem: "empty file; expected header \(expected)")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let positions = columns.map { names.firstIndex(of: $0) }
        guard positions.prefix(required).allSatisfy({ $0 != nil }) else {
            throw IngestError.invalidConfiguration(
                file: file, line: header.line, problem: "header must have columns \(expected); found \(names.joined(separator: ","))")
        }
        var errors: [IngestError] = []
        while let record = reader.next() {
            var problem = record.problem
            if problem == nil && record.fields.count != names.count {
                problem = "expected \(names.count) fields, found \(record.fields.count)"
            }
            if problem == nil {
                let values = positions.map { $0.map { record.fields[$0].trimmingCharacters(in: .whitespaces) } ?? "" }
                problem = row(values)
            }
            if let problem { errors.append(.invalidConfiguration(file: file, line: record.line, problem: problem)) }
        }
        if !errors.isEmpty { throw errors.count == 1 ? errors[0] : .invalidConfigurations(errors) }
    }

    static func loadUnits(_ path: String) throws -> [SurveyUnit] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw IngestError.missingInput(path: path, expected: "units.csv with header code,name_vi,name_en")
        }
        var units: [SurveyUnit] = []
        var seen = Set<String>()
        try readConfigTable(path, columns: ["code", "name_vi", "name_en"], required: 2) { f in
            guard isValidCode(f[0]), f[0] != "ALL" else {
                return "unit code '\(f[0])' must be 1-32 letters, digits, '_', '.' or '-', and not ALL"
            }
            guard seen.insert(f[0]).inserted else { return "unit code \(f[0]) appears twice" }
            guard !hasControlCharacters(f[1]) && !hasControlCharacters(f[2]) else {
                return "unit name contains control characters; expected printable text"
            }
            units.append(SurveyUnit(code: f[0], nameVi: f[1], nameEn: f[2]))
            return nil
        }
        if units.isEmpty {
            throw IngestError.invalidConfiguration(file: "units.csv", line: nil, problem: "no units; expected at least one row")
        }
        return units
    }

    static func loadPopulation(_ path: String, units: Set<String>) throws -> [PopulationCount] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var rows: [PopulationCount] = []
        var seen = Set<String>()
        try readConfigTable(path, columns: ["unit", "channel", "period", "dossiers"], required: 4) { f in
            guard units.contains(f[0]) else { return "unknown unit '\(f[0])'; expected a code from units.csv" }
            guard let channel = Channel(rawValue: f[1]) else { return "channel '\(f[1])'; expected paper or online" }
            guard let period = Period(f[2]) else {
                return "period '\(f[2])'; expected a year (2024) or a quarter (2024-Q3)"
            }
            guard let dossiers = Double(f[3]), dossiers >= 0, dossiers <= 1e12 else {
                return "dossiers '\(f[3])'; expected a number of dossiers from 0 to 10^12"
            }
            if let first = rows.first, first.period.isQuarter != period.isQuarter {
                return "period \(period) mixes years and quarters; expected every row by year or every row by quarter"
            }
            guard seen.insert("\(f[0])|\(channel)|\(period)").inserted else {
                return "unit \(f[0]), channel \(channel), period \(period) appears twice"
            }
            rows.append(PopulationCount(unit: f[0], channel: channel, period: period, dossiers: dossiers))
            return nil
        }
        return rows
    }
}

/// Parses `survey.toml` (see docs/survey-toml.md).
enum SurveyFileParser {
    static func parse(path: String) throws -> SurveyDefinition {
        let file = "survey.toml"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.missingInput(path: path, expected: "survey.toml describing the items, factors and rules")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IngestError.invalidConfiguration(file: file, line: nil, problem: "not valid UTF-8")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw IngestError.invalidConfiguration(
                file: file, line: error.source.begin.line, problem: "not valid TOML: \(error.description)")
        }
        var errors: [String] = []
        let surveyTable = table["survey"]?.table
        func string(_ t: TOMLTable?, _ key: String, _ fallback: String) -> String {
            guard let value = t?[key] else { return fallback }
            guard let s = value.string else { errors.append("\(key) must be a string"); return fallback }
            if SurveyFolder.hasControlCharacters(s) {
                errors.append("\(key) contains control characters; expected printable text")
                return fallback
            }
            return s
        }
        /// A whole number in `range`; a TOML float, nan or inf is an error, never a trap.
        func integer(_ t: TOMLTable?, _ key: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
            guard let value = t?[key] else { return fallback }
            guard let i = value.int, range.contains(i) else {
                errors.append("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return fallback
            }
            return i
        }
        func share(_ t: TOMLTable?, _ key: String, _ fallback: Double, above zero: Bool = false) -> Double {
            let v = number(t, key, fallback)
            guard v.isFinite, v <= 1, zero ? v > 0 : v >= 0 else {
                errors.append("\(key) must be a share from 0 to 1, such as 0.10")
                return fallback
            }
            return v
        }
        func number(_ t: TOMLTable?, _ key: String, _ fallback: Double) -> Double {
            guard let value = t?[key] else { return fallback }
            if let d = value.double { return d }
            if let i = value.int { return Double(i) }
            errors.append("\(key) must be a number")
            return fallback
        }
        var rules = SurveyRules()
        if let satisfied = surveyTable?["satisfied"] {
            let raw = satisfied.array.map { Array($0) } ?? []
            let values = raw.compactMap(\.int)
            if values.isEmpty || values.count != raw.count || values.contains(where: { !(1...5).contains($0) }) {
                errors.append("survey.satisfied must be a list of answers from 1 to 5, such as [4, 5]")
            } else {
                rules.satisfied = Set(values)
            }
        }
        rules.confidenceLevel = number(surveyTable, "confidence_level", rules.confidenceLevel)
        if !(rules.confidenceLevel > 0.5 && rules.confidenceLevel < 1) {
            errors.append("survey.confidence_level must lie between 0.5 and 1, such as 0.95")
        }
        let method = string(surveyTable, "interval_method", rules.intervalMethod.rawValue)
        if let m = IntervalMethod(rawValue: method) { rules.intervalMethod = m } else {
            errors.append("survey.interval_method '\(method)'; expected one of \(IntervalMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        rules.planMinimum = integer(surveyTable, "plan_minimum", rules.planMinimum, 0...1_000_000)
        rules.marginOfError = number(surveyTable, "margin_of_error", rules.marginOfError)
        if !(rules.marginOfError > 0 && rules.marginOfError < 1) {
            errors.append("survey.margin_of_error must lie between 0 and 1, such as 0.05")
        }
        let language = string(surveyTable, "language", rules.language.rawValue)
        if let l = Language(rawValue: language) { rules.language = l } else {
            errors.append("survey.language '\(language)'; expected vi or en")
        }
        for (key, keyPath) in [("first_period", \SurveyRules.firstPeriod), ("last_period", \SurveyRules.lastPeriod)] {
            guard surveyTable?[key] != nil else { continue }
            let text = string(surveyTable, key, "")
            if let p = Period(text), p.isQuarter { rules[keyPath: keyPath] = p } else {
                errors.append("survey.\(key) '\(text)'; expected a quarter such as 2024-Q1")
            }
        }
        let measure = string(surveyTable, "index_measure", rules.indexMeasure.rawValue)
        if let m = IndexMeasure(rawValue: measure) { rules.indexMeasure = m } else {
            errors.append("survey.index_measure '\(measure)'; expected unweighted or weighted")
        }
        let aggregation = string(surveyTable, "aggregation", rules.aggregation.rawValue)
        if let a = Aggregation(rawValue: aggregation) { rules.aggregation = a } else {
            errors.append("survey.aggregation '\(aggregation)'; expected pooled, unit_mean or dossier_weighted")
        }
        if surveyTable?["target"] != nil {
            let target = number(surveyTable, "target", 0)
            if target > 0 && target < 1 { rules.target = target } else {
                errors.append("survey.target must be a share between 0 and 1, such as 0.90")
            }
        }
        let flags = table["flags"]?.table
        rules.suppressBelow = integer(flags, "suppress_below", rules.suppressBelow, 0...1_000_000)
        rules.maxHalfWidth = share(flags, "max_half_width", rules.maxHalfWidth, above: true)
        let checks = table["checks"]?.table
        rules.maxMissingShare = share(checks, "max_missing_share", rules.maxMissingShare)
        rules.maxStraightliningShare = share(checks, "max_straightlining_share", rules.maxStraightliningShare)

        var paper = PaperColumns()
        let paperTable = table["columns"]?.table?["paper"]?.table
        paper.formID = string(paperTable, "form_id", paper.formID)
        paper.unit = string(paperTable, "unit", paper.unit)
        paper.date = string(paperTable, "date", paper.date)
        paper.comment = string(paperTable, "comment", paper.comment)
        var portal = PortalFields()
        let portalTable = table["columns"]?.table?["portal"]?.table
        portal.id = string(portalTable, "id", portal.id)
        portal.unit = string(portalTable, "unit", portal.unit)
        portal.submittedAt = string(portalTable, "submitted_at", portal.submittedAt)
        portal.dossierCode = string(portalTable, "dossier_code", portal.dossierCode)
        portal.answers = string(portalTable, "answers", portal.answers)
        portal.comment = string(portalTable, "comment", portal.comment)

        var factors: [Factor] = []
        for (i, value) in (table["factors"]?.array ?? TOMLArray()).enumerated() {
            guard let t = value.table, let id = t["id"]?.string, SurveyFolder.isValidCode(id) else {
                errors.append("factors[\(i + 1)] needs an id (letters or digits)")
                continue
            }
            if factors.contains(where: { $0.id == id }) || id.lowercased() == overallID || id.uppercased() == "ALL" {
                errors.append("factor id \(id) is used twice or is reserved")
            }
            factors.append(Factor(id: id, nameVi: string(t, "name_vi", id), nameEn: string(t, "name_en", id)))
        }
        var items: [Item] = []
        let reserved: Set<String> = [
            "path", "line", "file_sha256", "response_id", "channel", "unit", "submitted_on", "period",
            "dossier_code", "comment", "status", overallID, "all",
        ]
        let idPattern = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_]{0,31}$")
        for (i, value) in (table["items"]?.array ?? TOMLArray()).enumerated() {
            guard let t = value.table, let id = t["id"]?.string else {
                errors.append("items[\(i + 1)] needs an id")
                continue
            }
            guard idPattern.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil, !reserved.contains(id) else {
                errors.append("item id '\(id)' must be lower-case letters, digits or '_', start with a letter, and not be a reserved name")
                continue
            }
            if items.contains(where: { $0.id == id }) { errors.append("item id \(id) is used twice") }
            let kindText = string(t, "kind", "likert5")
            guard let kind = ItemKind(rawValue: kindText) else {
                errors.append("item \(id): kind '\(kindText)'; expected likert5, yesno, count or text")
                continue
            }
            let factor = t["factor"]?.string
            if kind == .likert5 {
                guard let factor, factors.contains(where: { $0.id == factor }) else {
                    errors.append("item \(id): a likert5 item needs a factor that [[factors]] defines")
                    continue
                }
            }
            var item = Item(
                id: id, factor: factor, kind: kind, textVi: string(t, "text_vi", id), textEn: string(t, "text_en", id),
                favourableVi: string(t, "favourable_vi", ""), favourableEn: string(t, "favourable_en", ""))
            if kind == .yesno { item.favourable = integer(t, "favourable", 1, 0...1) }
            if kind == .count { item.favourableAtMost = integer(t, "favourable_at_most", 1, 0...250) }
            if kind != .likert5 && factor != nil {
                errors.append("item \(id): only likert5 items belong to a factor")
            }
            items.append(item)
        }
        for factor in factors where items.contains(where: { $0.id.lowercased() == factor.id.lowercased() }) {
            errors.append("factor id \(factor.id) is also an item id; expected distinct ids")
        }
        if items.filter({ $0.kind == .likert5 }).isEmpty {
            errors.append("the instrument needs at least one [[items]] entry of kind likert5")
        }
        for factor in factors where !items.contains(where: { $0.factor == factor.id && $0.kind == .likert5 }) {
            errors.append("factor \(factor.id) has no likert5 item")
        }
        if !errors.isEmpty {
            throw IngestError.invalidConfigurations(errors.map { .invalidConfiguration(file: file, line: nil, problem: $0) })
        }
        return SurveyDefinition(
            titleVi: string(surveyTable, "title_vi", ""), titleEn: string(surveyTable, "title_en", ""),
            agencyVi: string(surveyTable, "agency_vi", ""), agencyEn: string(surveyTable, "agency_en", ""),
            factors: factors, items: items, rules: rules, paperColumns: paper, portalFields: portal)
    }

    static let overallID = "index"
}
