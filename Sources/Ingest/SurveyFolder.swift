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
    /// SHA-256 of the bytes of survey.toml, units.csv and population.csv ("none" when
    /// absent) as they were when read: what a stage records it was computed from is what it
    /// read, even if a file is edited while a run goes on (the next run then sees the edit).
    public let configurationDigests: [String: String]

    public var workDirectory: URL { root.appendingPathComponent("work") }
    /// The units' life: where each exists, which continue which (units.csv).
    public var lineage: UnitLineage { UnitLineage(units) }

    /// unit code → group id, for units.csv rows with a `group`.
    public var unitGroups: [UnitCode: String] {
        Dictionary(units.compactMap { u in u.group.map { (u.code, $0) } }, uniquingKeysWith: { a, _ in a })
    }
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
        // The files' digests before and after they are parsed: equal, they are the digests of
        // what was parsed; an edit in between is read again (a few tries, then refused).
        var tries = 0
        while true {
            let before = configurationDigests(root)
            let folder = try loadOnce(root, digests: before)
            if configurationDigests(root) == before { return folder }
            tries += 1
            if tries == 5 {
                throw IngestError.invalidConfiguration(
                    file: "survey.toml", line: nil,
                    problem: "survey.toml, units.csv or population.csv kept changing while it was read; run again once the edits are saved")
            }
        }
    }

    private static func loadOnce(_ root: URL, digests: [String: String]) throws -> SurveyFolder {
        let surveyPath = root.appendingPathComponent("survey.toml").path
        let parsed = try SurveyFileParser.parse(path: surveyPath)
        let units = try loadUnits(root.appendingPathComponent("units.csv").path, groups: parsed.survey.groups.map(\.id))
        let populationPath = root.appendingPathComponent("population.csv").path
        let population = try loadPopulation(populationPath, units: units)
        try checkPopulationNeeds(parsed, population: population, populationExists: FileManager.default.fileExists(atPath: populationPath))
        return SurveyFolder(root: root, survey: parsed.survey, units: units, population: population, configurationDigests: digests)
    }

    /// The names of the configuration files whose digests a stage records.
    public static let configurationFiles = ["survey.toml", "units.csv", "population.csv"]

    static func configurationDigests(_ root: URL) -> [String: String] {
        var digests: [String: String] = [:]
        for name in configurationFiles {
            let path = root.appendingPathComponent(name).path
            digests[name] = FileManager.default.contents(atPath: path).map { FileHash.sha256($0) } ?? "none"
        }
        return digests
    }

    /// A weighted index or a dossier-weighted aggregation needs dossier counts: without them
    /// every weighted figure would be missing, so the run is refused at the key that asks for it.
    static func checkPopulationNeeds(_ parsed: SurveyFileParser.Parsed, population: [PopulationCount], populationExists: Bool) throws {
        guard population.isEmpty else { return }
        let rules = parsed.survey.rules
        let lacking = populationExists ? "population.csv has no rows" : "there is no population.csv"
        let fix = "add population.csv with header unit,channel,period,dossiers and the dossiers of each unit, channel and period"
        var errors: [IngestError] = []
        if rules.indexMeasure == .weighted {
            errors.append(.invalidConfiguration(
                file: SurveyFileParser.file, line: parsed.line([.key("survey"), .key("index_measure")]),
                problem: "index_measure = \"weighted\" needs population.csv, but \(lacking); \(fix), or set index_measure = \"unweighted\""))
        }
        if rules.aggregation == .dossierWeighted {
            errors.append(.invalidConfiguration(
                file: SurveyFileParser.file, line: parsed.line([.key("survey"), .key("aggregation")]),
                problem: "aggregation = \"dossier_weighted\" needs population.csv, but \(lacking); \(fix), or set aggregation = \"pooled\" or \"unit_mean\""))
        }
        if !errors.isEmpty { throw errors.count == 1 ? errors[0] : .invalidConfigurations(errors) }
    }

    /// What ingest depends on besides the files: if it changes, every file is read again.
    public var ingestFingerprint: String {
        // A named scale's values and labels decide which answers are read (not its satisfied set).
        var parts = ["items:"] + survey.answeredItems.map { item in
            guard item.kind == .likert, let scale = item.scale else { return "\(item.id)=\(item.kind.rawValue)" }
            let labels = FileHash.sha256(Data((scale.labelsVi + ["|"] + scale.labelsEn).joined(separator: "\n").utf8)).prefix(16)
            return "\(item.id)=likert(\(scale.values.map(String.init).joined(separator: "/")) \(labels))"
        }
        let p = survey.paperColumns
        let q = survey.portalFields
        parts += ["paper:\(p.formID),\(p.unit),\(p.date),\(p.comment)"]
        parts += ["portal:\(q.id),\(q.unit),\(q.submittedAt),\(q.dossierCode),\(q.answers),\(q.comment)"]
        // Aliases, sheets, encodings and the time zone decide what is read, too.
        let reading = "\(p.aliases.sorted { $0.key < $1.key })|\(p.sheet?.joined(separator: "\u{1F}") ?? "")|\(p.encoding ?? "")|\(q.aliases.sorted { $0.key < $1.key })|\(q.sheet?.joined(separator: "\u{1F}") ?? "")|\(q.encoding ?? "")|\(survey.rules.timeZone)"
        if reading != "[]|||[]|||Asia/Ho_Chi_Minh" { parts += ["reading:" + FileHash.sha256(Data(reading.utf8)).prefix(16)] }
        // Items' aliases find their columns and answer keys; their channels say where they are
        // asked (an item of the other channel reads as no answer). Only when some item has them,
        // so that folders without them keep their fingerprint.
        let itemReading = survey.answeredItems.filter { !$0.aliases.isEmpty || $0.channels != Channel.allCases }
            .map { "\($0.id)=\($0.aliases.joined(separator: "\u{1F}"))|\($0.channels.map(\.rawValue).joined(separator: ","))" }
        if !itemReading.isEmpty {
            parts += ["item-reading:" + FileHash.sha256(Data(itemReading.joined(separator: "\n").utf8)).prefix(16)]
        }
        // (units.csv is not the instrument: `unitReading`.)
        return parts.joined(separator: ";")
    }

    /// How a form finds its unit in units.csv: each code, name and alias (`UnitName.key`)
    /// with the unit it finds, and each unit's life (where a form of a ceased unit counts).
    /// Not part of the instrument: when it changes, ingest reads again only the files whose
    /// forms it could place differently (`UnitReading.changes`).
    public var unitReading: UnitReading {
        var spellings: [String: String] = [:]
        var lives: [String: String] = [:]
        for u in units {
            for text in [u.code.code, u.nameVi, u.nameEn] + u.aliases where !text.isEmpty {
                // (A name units of different lives share finds each of them, by date.)
                let key = UnitName.key(text)
                if let found = spellings[key], !found.split(separator: "|").contains(Substring(u.code.code)) {
                    spellings[key] = found + "|" + u.code.code
                } else if spellings[key] == nil {
                    spellings[key] = u.code.code
                }
            }
            lives[u.code.code] = "\(u.validFrom?.description ?? "")..\(u.validTo?.description ?? "")<\(u.predecessors.map(\.code).joined(separator: ","))"
        }
        return UnitReading(spellings: spellings, lives: lives)
    }

    /// Whether `s` holds a character that is not plain text (``PlainText``): a control
    /// character XML 1.0 cannot carry, a noncharacter or a bidirectional control.
    static func hasControlCharacters(_ s: String) -> Bool {
        PlainText.firstForbiddenCharacter(in: s) != nil
    }

    /// The most units a survey folder may define.
    static let maxUnits = 100_000

    static let codePattern = try! NSRegularExpression(pattern: "^[A-Za-z0-9_.-]{1,32}$")

    static func isValidCode(_ code: String) -> Bool {
        codePattern.firstMatch(in: code, range: NSRange(code.startIndex..., in: code)) != nil
    }

    /// Reads a small configuration CSV: checks the header has `columns` (the first
    /// `required` of them mandatory) and every row's shape, then hands each row's values, in
    /// `columns` order (missing optional columns as ""), to `row`, which returns a problem or nil.
    /// Every problem is collected with its line; they are thrown together at the end. Rows
    /// beyond `limit` are not handed to `row`: they make one error naming the limit.
    static func readConfigTable(
        _ path: String, columns: [String], required: Int, limit: (rows: Int, noun: String)? = nil,
        lineOf: (Int) -> Void = { _ in }, row: (_ values: [String]) -> String?
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
        var records = 0
        var firstOverLimit: Int?
        while let record = reader.next() {
            records += 1
            if let limit, records > limit.rows {
                firstOverLimit = firstOverLimit ?? record.line
                continue
            }
            var problem = record.problem
            if problem == nil && record.fields.count != names.count {
                problem = "expected \(names.count) fields, found \(record.fields.count)"
            }
            if problem == nil {
                let values = positions.map { $0.map { trimmed(record.fields[$0]) } ?? "" }
                lineOf(record.line)
                problem = row(values)
            }
            if let problem { errors.append(.invalidConfiguration(file: file, line: record.line, problem: problem)) }
        }
        if let limit, let firstOverLimit {
            errors.append(.invalidConfiguration(
                file: file, line: firstOverLimit, problem: "defines \(records) \(limit.noun); the limit is \(limit.rows)"))
        }
        if !errors.isEmpty { throw errors.count == 1 ? errors[0] : .invalidConfigurations(errors) }
    }

    /// `text` without leading and trailing white space (`CharacterSet.whitespaces`); as it
    /// is, without Foundation, when it has none (nearly every field).
    static func trimmed(_ text: String) -> String {
        // An ASCII letter, digit or punctuation at both ends: nothing to trim.
        if let first = text.utf8.first, let last = text.utf8.last, first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F {
            return text
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return text }
        let space = CharacterSet.whitespaces
        if !space.contains(first) && !space.contains(last) { return text }
        return text.trimmingCharacters(in: space)
    }

    /// - Parameter groups: the ids of survey.toml's `[[groups]]`: with groups, every unit names
    /// one in a `group` column; without, the column must be absent or empty.
    ///
    /// The optional `aliases` column lists other ways offices write a unit, separated by `;`.
    /// A form's unit is found by its code, its names or an alias, as `UnitName.key` reads
    /// them; so a code, name or alias that two units share (`UnitName.key` alike) is refused
    /// here, at the line of the second, rather than resolved one way at ingest.
    static func loadUnits(_ path: String, groups: [String] = []) throws -> [SurveyUnit] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw IngestError.missingInput(path: path, expected: "units.csv with header code,name_vi,name_en")
        }
        var units: [SurveyUnit] = []
        var seen = Set<String>()
        // The unit codes of sdmx.xml, where '.' becomes '_' (SDMXSettings.identifier).
        var sdmxCodes: [String: String] = [:]
        // `UnitName.key` of every code, name and alias → the unit it finds and what it is there.
        var owners: [String: (code: String, what: String)] = [:]
        var lifeOf: [String: (from: Period?, to: Period?)] = [:]
        /// Whether two lives share no quarter.
        func disjoint(_ a: (from: Period?, to: Period?), _ b: (from: Period?, to: Period?)) -> Bool {
            if let end = a.to, let start = b.from, end < start { return true }
            if let end = b.to, let start = a.from, end < start { return true }
            return false
        }
        let known = Set(groups)
        let columns = ["code", "name_vi", "name_en", "group", "aliases", "valid_from", "valid_to", "predecessors"]
        var lines: [UnitCode: Int] = [:]
        var rowLine = 1
        try readConfigTable(path, columns: columns, required: 2, limit: (maxUnits, "units"), lineOf: { rowLine = $0 }) { f in
            let group = f[3].trimmingCharacters(in: .whitespaces)
            if known.isEmpty, !group.isEmpty {
                return "group '\(group)' but survey.toml declares no [[groups]]; add [[groups]] with id = \"\(group)\" and its names, or leave the column empty"
            }
            if !known.isEmpty, !known.contains(group) {
                return group.isEmpty ? "unit \(f[0]) has no group; expected one of \(groups.joined(separator: ", ")) (survey.toml [[groups]])"
                    : "unknown group '\(group)'; expected one of \(groups.joined(separator: ", ")) (survey.toml [[groups]])"
            }
            guard isValidCode(f[0]), f[0] != "ALL", f[0] != SDMXSettings.totalCode else {
                return "unit code '\(f[0])' must be 1-32 letters, digits, '_', '.' or '-', and not ALL or _T (the codes of all units)"
            }
            guard seen.insert(f[0]).inserted else { return "unit code \(f[0]) appears twice" }
            let sdmx = SDMXSettings.identifier(f[0])
            if let other = sdmxCodes[sdmx] {
                return "unit codes \(other) and \(f[0]) are the same SDMX code \(sdmx) ('.' becomes '_'); rename one"
            }
            sdmxCodes[sdmx] = f[0]
            for (column, name) in [("name_vi", f[1]), ("name_en", f[2])] {
                if let scalar = PlainText.firstForbiddenInName(name) {
                    return "unit name contains \(PlainText.describe(scalar)) (in \(column)); expected plain text"
                }
            }
            let aliases = f[4].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for alias in aliases {
                if let scalar = PlainText.firstForbiddenInName(alias) {
                    return "unit alias '\(alias)' contains \(PlainText.describe(scalar)); expected plain text"
                }
            }
            var life: (from: Period?, to: Period?) = (nil, nil)
            for (column, text) in [("valid_from", f[5]), ("valid_to", f[6])] where !text.isEmpty {
                guard let quarter = Period(text), quarter.isQuarter else {
                    return "\(column) '\(text)' is not a quarter; expected one such as 2025-Q3"
                }
                if column == "valid_from" { life.from = quarter } else { life.to = quarter }
            }
            if let from = life.from, let to = life.to, to < from {
                return "unit \(f[0]) ends (valid_to \(to)) before it starts (valid_from \(from))"
            }
            let predecessors = f[7].split(separator: ";").map { UnitCode($0.trimmingCharacters(in: .whitespaces)) }
                .filter { !$0.code.isEmpty }
            if !predecessors.isEmpty, life.from == nil {
                return "unit \(f[0]) names predecessors but no valid_from; expected the first quarter it exists, such as 2025-Q3"
            }
            var spellings = [(f[0], "code"), (f[1], "name_vi")]
            if !f[2].isEmpty { spellings.append((f[2], "name_en")) }
            spellings += aliases.map { ($0, "alias") }
            for (text, what) in spellings {
                let key = UnitName.key(text)
                // A name shared with a unit whose life does not overlap (a merged unit keeping
                // one of the old names) finds the one that exists on the form's date.
                if let owner = owners[key], owner.code != f[0],
                    what == "code" || owner.what == "code" || !disjoint(lifeOf[owner.code] ?? (nil, nil), life)
                {
                    return "unit \(f[0]): \(what) '\(text)' could mean unit \(owner.code) too (its \(owner.what), alike in case and spacing); "
                        + "expected each code, name and alias to name one unit (or units whose valid_from and valid_to do not overlap)"
                }
                owners[key] = owners[key] ?? (f[0], what)
            }
            lifeOf[f[0]] = life
            lines[UnitCode(f[0])] = rowLine
            units.append(SurveyUnit(
                code: UnitCode(f[0]), nameVi: f[1], nameEn: f[2], group: group.isEmpty ? nil : group, aliases: aliases,
                validFrom: life.from, validTo: life.to, predecessors: predecessors))
            return nil
        }
        if units.isEmpty {
            throw IngestError.invalidConfiguration(file: "units.csv", line: nil, problem: "no units; expected at least one row")
        }
        try checkLineage(units, lines: lines)
        return units
    }

    /// Each predecessor is a unit of units.csv, other than the unit, that ceased (`valid_to`)
    /// before its successor started (`valid_from`); so a lineage has no cycle.
    static func checkLineage(_ units: [SurveyUnit], lines: [UnitCode: Int]) throws {
        let byCode = Dictionary(units.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var errors: [IngestError] = []
        for unit in units {
            for predecessor in unit.predecessors {
                let problem: String?
                if predecessor == unit.code {
                    problem = "unit \(unit.code) names itself among its predecessors"
                } else if let before = byCode[predecessor] {
                    if let to = before.validTo, let from = unit.validFrom, to < from {
                        problem = nil
                    } else if before.validTo == nil {
                        problem = "predecessor \(predecessor) of \(unit.code) has no valid_to; expected the last quarter it existed, before \(unit.code)'s valid_from \(unit.validFrom.map(String.init(describing:)) ?? "")"
                    } else {
                        problem = "predecessor \(predecessor) of \(unit.code) exists until \(before.validTo!), not before \(unit.code) starts (\(unit.validFrom.map(String.init(describing:)) ?? "")); expected its valid_to earlier than the successor's valid_from"
                    }
                } else {
                    problem = "predecessor '\(predecessor)' of \(unit.code) is not a unit of units.csv; keep a ceased unit's row, with its valid_to"
                }
                if let problem { errors.append(.invalidConfiguration(file: "units.csv", line: lines[unit.code], problem: problem)) }
            }
        }
        if !errors.isEmpty { throw errors.count == 1 ? errors[0] : .invalidConfigurations(errors) }
    }

    /// population.csv's rows; a unit is found as in the inbox: by its code in any case, its
    /// names or an alias of units.csv (`UnitName.key`), and stored with its code.
    static func loadPopulation(_ path: String, units: [SurveyUnit]) throws -> [PopulationCount] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var codeOf: [String: UnitCode] = [:]
        // A name that units of different lives share (units.csv allows it) must be a code here.
        var shared: [String: [UnitCode]] = [:]
        for u in units {
            for text in [u.code.code, u.nameVi, u.nameEn] + u.aliases where !text.isEmpty {
                let key = UnitName.key(text)
                if let other = codeOf[key], other != u.code {
                    shared[key, default: [other]].append(u.code)
                } else {
                    codeOf[key] = u.code
                }
            }
        }
        for u in units { codeOf[UnitName.key(u.code.code)] = u.code }
        let codes = Dictionary(units.map { ($0.code.code, $0.code) }, uniquingKeysWith: { a, _ in a })
        var rows: [PopulationCount] = []
        struct Place: Hashable {
            var unit: UnitCode
            var channel: Channel
            var period: Period
        }
        var seen = Set<Place>()
        try readConfigTable(path, columns: ["unit", "channel", "period", "dossiers"], required: 4) { f in
            // A code as written finds its unit without normalising the text (most files).
            let exact = codes[f[0]]
            let key = exact == nil ? UnitName.key(f[0]) : ""
            if exact == nil, let several = shared[key] {
                return "'\(f[0])' names units \(several.map(\.code).joined(separator: " and ")) (of different years in units.csv); expected the unit's code"
            }
            guard let unit = exact ?? codeOf[key] else {
                return "unknown unit '\(f[0])'; expected a code, name or alias from units.csv"
            }
            guard let channel = Channel(rawValue: f[1]) else { return "channel '\(f[1])'; expected paper or online" }
            guard let period = Period(f[2]) else {
                return "period '\(f[2])'; expected a year (2024) or a quarter (2024-Q3)"
            }
            let dossiers: Double
            switch wholeDossiers(f[3]) {
            case .success(let count): dossiers = count
            case .failure(let problem): return problem.reason
            }
            if let first = rows.first, first.period.isQuarter != period.isQuarter {
                return "period \(period) mixes years and quarters; expected every row by year or every row by quarter"
            }
            guard seen.insert(Place(unit: unit, channel: channel, period: period)).inserted else {
                return "unit \(unit), channel \(channel), period \(period) appears twice"
            }
            rows.append(PopulationCount(unit: unit, channel: channel, period: period, dossiers: dossiers))
            return nil
        }
        return rows
    }

    /// Why a dossier count is refused.
    struct DossierProblem: Error {
        var reason: String
    }

    /// The dossiers of a population.csv row: a whole number from 0 to 10^12 written with digits
    /// only. Anything else is refused with the reason, because a count in a spreadsheet export
    /// is easily misread: `1.311` is 1311 in Vietnamese (thousands point) and 1.311 in English.
    static func wholeDossiers(_ text: String) -> Result<Double, DossierProblem> {
        let limit = 1_000_000_000_000
        let fix = "write the whole number of dossiers with digits only"
        func refuse(_ why: String) -> Result<Double, DossierProblem> { .failure(DossierProblem(reason: why)) }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        if text.isEmpty { return refuse("dossiers is empty; \(fix), such as 1311 (0 if there were none)") }
        if text.allSatisfy(isDigit) {
            let digits = text.drop { $0 == "0" }
            guard digits.count <= 13, let count = Int(digits.isEmpty ? "0" : String(digits)), count <= limit else {
                return refuse("dossiers '\(text)' is above the limit of 10^12; expected a number of dossiers from 0 to 10^12")
            }
            return .success(Double(count))
        }
        let digitsOnly = text.filter(isDigit)
        /// "1.311", "12.311.000": groups of three after a first group of one to three digits.
        func isGrouped(by separator: Character) -> Bool {
            let groups = text.split(separator: separator, omittingEmptySubsequences: false)
            return groups.count > 1 && (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 }
                && groups.allSatisfy { $0.allSatisfy(isDigit) }
        }
        if isGrouped(by: ".") {
            let decimal = text.replacingOccurrences(of: ".", with: "")
            return refuse("dossiers '\(text)' is ambiguous: \(decimal) with a Vietnamese thousands point or \(text) with a decimal point; \(fix), such as \(decimal)")
        }
        if isGrouped(by: ",") {
            let whole = text.replacingOccurrences(of: ",", with: "")
            let english = text.replacingOccurrences(of: ",", with: ".")
            return refuse("dossiers '\(text)' is ambiguous: \(whole) with a thousands comma or \(english) with a Vietnamese decimal comma; \(fix), such as \(whole)")
        }
        let spaces: Set<Character> = [" ", "\u{A0}", "\u{202F}", "\u{2009}", "'"]
        if text.contains(where: spaces.contains), text.allSatisfy({ isDigit($0) || spaces.contains($0) }) {
            return refuse("dossiers '\(text)' has a space between digits; \(fix), such as \(digitsOnly)")
        }
        if text.hasPrefix("-"), Double(text) != nil || text.dropFirst().allSatisfy(isDigit) {
            return refuse("dossiers '\(text)' is negative; expected a number of dossiers from 0 to 10^12")
        }
        if text.lowercased().contains("e"), let value = Double(text), value.isFinite {
            let example = value >= 0 && value <= Double(limit) && value == value.rounded() ? String(Int(value)) : "1311"
            return refuse("dossiers '\(text)' is in scientific notation; \(fix), such as \(example)")
        }
        for separator: Character in [".", ","] {
            let parts = text.split(separator: separator, omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(isDigit) }) {
                return refuse("dossiers '\(text)' has a decimal part; \(fix), such as \(parts[0])")
            }
        }
        return refuse("dossiers '\(text)' is not a whole number; \(fix), from 0 to 10^12, such as 1311")
    }
}
