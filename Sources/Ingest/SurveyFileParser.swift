import Foundation
import SurveyModel
import TOMLKit

/// Parses `survey.toml` (see docs/survey-toml.md).
///
/// Every problem is collected with the line it is about (a value: its key's line; a missing
/// key: its table's header) and thrown together, in line order.
enum SurveyFileParser {
    static let file = "survey.toml"
    /// The most items and factors survey.toml may define (10,000 items ended in an SQL error).
    static let maxItems = 200
    static let maxFactors = 50

    /// The parsed definition and where its keys are written, for checks made later with the
    /// other files (a weighted index needs population.csv).
    struct Parsed {
        var survey: SurveyDefinition
        var locator: TOMLLocator

        func line(_ path: TOMLPath) -> Int? { locator.nearestLine(of: path) }
    }

    static func parse(path: String) throws -> Parsed {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.missingInput(path: path, expected: "survey.toml describing the items, factors and rules")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IngestError.invalidConfiguration(file: file, line: nil, problem: "not valid UTF-8")
        }
        return try parse(text: text)
    }

    static func parse(text: String) throws -> Parsed {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw IngestError.invalidConfiguration(
                file: file, line: error.source.begin.line, problem: "not valid TOML: \(error.description)")
        }
        var reader = Reader(root: table, locator: TOMLLocator(text: text))
        for problem in SurveySchema.problems(in: table) { reader.fail(problem.path, problem.message) }
        let survey = reader.read()
        if !reader.problems.isEmpty {
            let ordered = reader.problems.enumerated().sorted { a, b in
                (a.element.line ?? .max, a.offset) < (b.element.line ?? .max, b.offset)
            }.map(\.element.error)
            throw ordered.count == 1 ? ordered[0] : IngestError.invalidConfigurations(ordered)
        }
        return Parsed(survey: survey, locator: reader.locator)
    }

    static let overallID = "index"

    /// A table of the file and its path: where its keys' lines are looked up.
    struct Section {
        var table: TOMLTable?
        var path: TOMLPath

        func child(_ key: String) -> Section { Section(table: table?[key]?.table, path: path + [.key(key)]) }
    }

    private struct Reader {
        let root: TOMLTable
        let locator: TOMLLocator
        var problems: [(line: Int?, error: IngestError)] = []

        mutating func fail(_ path: TOMLPath, _ problem: String) {
            let line = locator.nearestLine(of: path)
            problems.append((line, .invalidConfiguration(file: SurveyFileParser.file, line: line, problem: problem)))
        }

        /// A string with no character the reports cannot carry (``PlainText``).
        mutating func string(_ t: Section, _ key: String, _ fallback: String) -> String {
            guard let value = t.table?[key] else { return fallback }
            guard let s = value.string else {
                fail(t.path + [.key(key)], "\(key) must be a string")
                return fallback
            }
            if let problem = PlainText.problem(in: s, what: key) {
                fail(t.path + [.key(key)], problem)
                return fallback
            }
            return s
        }

        /// A column name, or a list of names (the first is the one shown; the others are
        /// aliases, such as `form_id = ["form_id", "Mã phiếu", "So phieu"]`).
        mutating func column(_ t: Section, _ key: String, _ fallback: String, aliases: inout [String: [String]]) -> String {
            guard let value = t.table?[key] else { return fallback }
            if value.string != nil { return string(t, key, fallback) }
            let raw = value.array.map { Array($0) } ?? []
            let names = raw.compactMap(\.string)
            guard !names.isEmpty, names.count == raw.count, names.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                fail(t.path + [.key(key)], "\(key) must be a column name or a list of names, such as [\"\(fallback)\", \"Mã phiếu\"]")
                return fallback
            }
            if let bad = names.compactMap({ PlainText.problem(in: $0, what: key) }).first {
                fail(t.path + [.key(key)], bad)
                return fallback
            }
            aliases[key] = Array(names.dropFirst())
            return names[0]
        }

        /// `encoding = "windows-1258"`: any name iconv knows.
        /// `sheet`: one name or a list of names, the sheets read and their order; nil when
        /// absent (every sheet is read).
        mutating func sheets(_ t: Section) -> [String]? {
            guard let value = t.table?["sheet"] else { return nil }
            if value.string != nil { return [string(t, "sheet", "")] }
            let raw = value.array.map { Array($0) } ?? []
            let names = raw.compactMap(\.string)
            guard !names.isEmpty, names.count == raw.count else {
                fail(t.path + [.key("sheet")], "sheet must be a sheet's name or a list of names, such as sheet = [\"Quý I\", \"Quý II\"]")
                return nil
            }
            if let bad = names.compactMap({ PlainText.problem(in: $0, what: "sheet") }).first {
                fail(t.path + [.key("sheet")], bad)
                return nil
            }
            var seen = Set<String>()
            if let twice = names.first(where: { !seen.insert($0.precomposedStringWithCanonicalMapping).inserted }) {
                fail(t.path + [.key("sheet")], "sheet names '\(twice)' twice; expected each sheet once")
                return nil
            }
            return names
        }

        mutating func encoding(_ t: Section) -> String? {
            guard t.table?["encoding"] != nil else { return nil }
            let name = string(t, "encoding", "")
            guard TextEncodingName.isKnown(name) else {
                fail(t.path + [.key("encoding")], "encoding '\(name)' is not a code page iconv knows; expected a name such as windows-1258, CP1258 or latin1 (see `iconv -l`)")
                return nil
            }
            return name
        }

        /// A whole number in `range`; a TOML float, nan or inf is an error, never a trap.
        mutating func integer(_ t: Section, _ key: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
            guard let value = t.table?[key] else { return fallback }
            guard let i = value.int, range.contains(i) else {
                fail(t.path + [.key(key)], "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return fallback
            }
            return i
        }

        mutating func share(_ t: Section, _ key: String, _ fallback: Double, above zero: Bool = false) -> Double {
            let v = number(t, key, fallback)
            guard v.isFinite, v <= 1, zero ? v > 0 : v >= 0 else {
                fail(t.path + [.key(key)], "\(key) must be a share from 0 to 1, such as 0.10")
                return fallback
            }
            return v
        }

        mutating func number(_ t: Section, _ key: String, _ fallback: Double) -> Double {
            guard let value = t.table?[key] else { return fallback }
            if let d = value.double { return d }
            if let i = value.int { return Double(i) }
            fail(t.path + [.key(key)], "\(key) must be a number")
            return fallback
        }

        mutating func read() -> SurveyDefinition {
            let top = Section(table: root, path: [])
            let survey = top.child("survey")
            func at(_ key: String) -> TOMLPath { survey.path + [.key(key)] }
            var rules = SurveyRules()
            if let satisfied = survey.table?["satisfied"] {
                let raw = satisfied.array.map { Array($0) } ?? []
                let values = raw.compactMap(\.int)
                if values.isEmpty || values.count != raw.count || values.contains(where: { !(1...5).contains($0) }) {
                    fail(at("satisfied"), "survey.satisfied must be a list of answers from 1 to 5, such as [4, 5]")
                } else {
                    rules.satisfied = Set(values)
                }
            }
            rules.confidenceLevel = number(survey, "confidence_level", rules.confidenceLevel)
            if !(rules.confidenceLevel > 0.5 && rules.confidenceLevel < 1) {
                fail(at("confidence_level"), "survey.confidence_level must lie between 0.5 and 1, such as 0.95")
            }
            let method = string(survey, "interval_method", rules.intervalMethod.rawValue)
            if let m = IntervalMethod(rawValue: method) { rules.intervalMethod = m } else {
                fail(at("interval_method"), "survey.interval_method '\(method)'; expected one of \(IntervalMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            rules.planMinimum = integer(survey, "plan_minimum", rules.planMinimum, 0...1_000_000)
            rules.marginOfError = number(survey, "margin_of_error", rules.marginOfError)
            if !(rules.marginOfError > 0 && rules.marginOfError < 1) {
                fail(at("margin_of_error"), "survey.margin_of_error must lie between 0 and 1, such as 0.05")
            }
            let language = string(survey, "language", rules.language.rawValue)
            if let l = Language(rawValue: language) { rules.language = l } else {
                fail(at("language"), "survey.language '\(language)'; expected vi or en")
            }
            for (key, keyPath) in [("first_period", \SurveyRules.firstPeriod), ("last_period", \SurveyRules.lastPeriod)] {
                guard survey.table?[key] != nil else { continue }
                let text = string(survey, key, "")
                if let p = Period(text), p.isQuarter { rules[keyPath: keyPath] = p } else {
                    fail(at(key), "survey.\(key) '\(text)'; expected a quarter such as 2024-Q1")
                }
            }
            let measure = string(survey, "index_measure", rules.indexMeasure.rawValue)
            if let m = IndexMeasure(rawValue: measure) { rules.indexMeasure = m } else {
                fail(at("index_measure"), "survey.index_measure '\(measure)'; expected unweighted or weighted")
            }
            let policy = string(survey, "ranking_policy", rules.rankingPolicy.rawValue)
            if let p = RankingPolicy(rawValue: policy) { rules.rankingPolicy = p } else {
                fail(at("ranking_policy"), "survey.ranking_policy '\(policy)'; expected mark (rank units short of forms with a mark *) or exclude (leave them out of the ranking)")
            }
            let aggregation = string(survey, "aggregation", rules.aggregation.rawValue)
            if let a = Aggregation(rawValue: aggregation) { rules.aggregation = a } else {
                fail(at("aggregation"), "survey.aggregation '\(aggregation)'; expected pooled, unit_mean or dossier_weighted")
            }
            if survey.table?["target"] != nil {
                let target = number(survey, "target", 0)
                if target > 0 && target < 1 { rules.target = target } else {
                    fail(at("target"), "survey.target must be a share between 0 and 1, such as 0.90")
                }
            }
            let flags = top.child("flags")
            rules.suppressBelow = integer(flags, "suppress_below", rules.suppressBelow, 0...1_000_000)
            rules.maxHalfWidth = share(flags, "max_half_width", rules.maxHalfWidth, above: true)
            rules.lowAlpha = share(flags, "low_alpha", rules.lowAlpha)
            let checks = top.child("checks")
            rules.maxMissingShare = share(checks, "max_missing_share", rules.maxMissingShare)
            rules.maxStraightliningShare = share(checks, "max_straightlining_share", rules.maxStraightliningShare)
            rules.maxRejectedShare = share(checks, "max_rejected_share", rules.maxRejectedShare)

            var paper = PaperColumns()
            let paperTable = top.child("columns").child("paper")
            paper.formID = column(paperTable, "form_id", paper.formID, aliases: &paper.aliases)
            paper.unit = column(paperTable, "unit", paper.unit, aliases: &paper.aliases)
            paper.date = column(paperTable, "date", paper.date, aliases: &paper.aliases)
            paper.comment = column(paperTable, "comment", paper.comment, aliases: &paper.aliases)
            paper.sheet = sheets(paperTable)
            paper.encoding = encoding(paperTable)
            var portal = PortalFields()
            let portalTable = top.child("columns").child("portal")
            portal.id = column(portalTable, "id", portal.id, aliases: &portal.aliases)
            portal.unit = column(portalTable, "unit", portal.unit, aliases: &portal.aliases)
            portal.submittedAt = column(portalTable, "submitted_at", portal.submittedAt, aliases: &portal.aliases)
            portal.dossierCode = column(portalTable, "dossier_code", portal.dossierCode, aliases: &portal.aliases)
            portal.answers = string(portalTable, "answers", portal.answers)
            portal.comment = column(portalTable, "comment", portal.comment, aliases: &portal.aliases)
            portal.sheet = sheets(portalTable)
            portal.encoding = encoding(portalTable)
            if survey.table?["time_zone"] != nil {
                let zone = string(survey, "time_zone", rules.timeZone)
                if TimeZones.offsetSeconds(zone, at: 0) != nil { rules.timeZone = zone } else {
                    fail(at("time_zone"), "survey.time_zone '\(zone)'; expected an IANA name such as Asia/Ho_Chi_Minh or an offset such as +07:00")
                }
            }

            readPoints(into: &rules)
            readEstimates(into: &rules)
            let sdmx = readSDMX()
            let scales = readScales()
            // Every column name, for items' aliases to stay apart from them.
            var columnNames: [(name: String, what: String)] = []
            for (key, name) in [("form_id", paper.formID), ("unit", paper.unit), ("date", paper.date), ("comment", paper.comment)] {
                columnNames += paper.names(key, name).map { ($0, "[columns.paper] \(key)") }
            }
            for (key, name) in [("id", portal.id), ("unit", portal.unit), ("submitted_at", portal.submittedAt),
                                ("dossier_code", portal.dossierCode), ("comment", portal.comment)] {
                columnNames += portal.names(key, name).map { ($0, "[columns.portal] \(key)") }
            }
            var (factors, items) = readInstrument(scales: scales, columnNames: columnNames)
            for i in items.indices where items[i].kind == .likert5 {
                var five = AnswerScale.fivePoint(satisfied: rules.satisfied)
                five.points = rules.likert5Points
                items[i].scale = five
            }
            var definition = SurveyDefinition(
                titleVi: string(survey, "title_vi", ""), titleEn: string(survey, "title_en", ""),
                agencyVi: string(survey, "agency_vi", ""), agencyEn: string(survey, "agency_en", ""),
                factors: factors, items: items, rules: rules, paperColumns: paper, portalFields: portal, sdmx: sdmx)
            definition.annex = readAnnex(top.child("publication"))
            let publication = top.child("publication")
            if publication.table?["hold"] != nil {
                let hold = string(publication, "hold", HoldPolicy.damaged.rawValue)
                if let h = HoldPolicy(rawValue: hold) { definition.rules.hold = h } else {
                    fail(publication.path + [.key("hold")], "publication.hold '\(hold)'; expected damaged (hold a damaged night's release in work/pending for review) or never")
                }
            }
            definition.groups = readGroups()
            definition.rules.breakdowns = readBreakdowns(items: items)
            return definition
        }

        /// `[estimates] breakdowns = ["gender", ...]`: category items, each once.
        mutating func readBreakdowns(items: [Item]) -> [String] {
            let section = Section(table: root, path: []).child("estimates")
            guard let value = section.table?["breakdowns"] else { return [] }
            let path = section.path + [.key("breakdowns")]
            let raw = value.array.map { Array($0) } ?? []
            let ids = raw.compactMap(\.string)
            guard value.array != nil, ids.count == raw.count else {
                fail(path, "estimates.breakdowns must be a list of category item ids, such as [\"gender\", \"age_group\"]")
                return []
            }
            var kept: [String] = []
            for id in ids {
                guard let item = items.first(where: { $0.id == id }), item.kind == .category else {
                    let categories = items.filter { $0.kind == .category }.map(\.id)
                    fail(path, "estimates.breakdowns: '\(id)' is not a category item"
                        + (categories.isEmpty ? "; define one with kind = \"category\"" : "; expected one of \(categories.joined(separator: ", "))"))
                    continue
                }
                if kept.contains(id) { fail(path, "estimates.breakdowns: '\(id)' is listed twice") } else { kept.append(id) }
            }
            return kept
        }

        /// `[[groups]]`: id (a code, not ALL or _T), name_vi, name_en.
        mutating func readGroups() -> [UnitGroup] {
            let values = root["groups"]?.array.map { Array($0) } ?? []
            let path: TOMLPath = [.key("groups")]
            var groups: [UnitGroup] = []
            for (i, value) in values.enumerated() {
                let entry = Section(table: value.table, path: path + [.index(i)])
                guard let t = value.table, let id = t["id"]?.string, SurveyFolder.isValidCode(id), id != "ALL", id != "_T" else {
                    fail(entry.path + [.key("id")], "groups[\(i + 1)] needs an id: 1-32 letters, digits, '_', '.' or '-' (not ALL or _T), such as id = \"SO\"")
                    continue
                }
                if groups.contains(where: { $0.id == id }) {
                    fail(entry.path + [.key("id")], "group id \(id) is used twice")
                    continue
                }
                groups.append(UnitGroup(id: id, nameVi: string(entry, "name_vi", id), nameEn: string(entry, "name_en", "")))
            }
            return groups
        }

        /// `[publication]`: strings, lists of strings, and the issue date.
        mutating func readAnnex(_ t: Section) -> DecisionAnnex {
            var a = DecisionAnnex()
            a.issuingBodyVi = string(t, "issuing_body_vi", ""); a.issuingBodyEn = string(t, "issuing_body_en", "")
            a.annexTitleVi = string(t, "annex_title_vi", ""); a.annexTitleEn = string(t, "annex_title_en", "")
            a.decisionVi = string(t, "decision_vi", ""); a.decisionEn = string(t, "decision_en", "")
            a.placeVi = string(t, "place_vi", ""); a.placeEn = string(t, "place_en", "")
            a.signer = string(t, "signer", "")
            a.signatureVi = lines(t, "signature_vi"); a.signatureEn = lines(t, "signature_en")
            a.recipientsVi = lines(t, "recipients_vi"); a.recipientsEn = lines(t, "recipients_en")
            if t.table?["issue_date"] != nil {
                let date = string(t, "issue_date", "")
                if date.utf8.count == 10, let parsed = AnswerParser.date(date), String(format: "%04d-%02d-%02d", parsed.year, parsed.month, parsed.day) == date {
                    a.issueDate = date
                } else {
                    fail(t.path + [.key("issue_date")], "publication.issue_date must be a date written yyyy-mm-dd, such as \"2025-01-15\"")
                }
            }
            return a
        }

        /// A list of strings (one printed line each); a single string is one line.
        mutating func lines(_ t: Section, _ key: String) -> [String] {
            guard let value = t.table?[key] else { return [] }
            if value.string != nil { return [string(t, key, "")] }
            let raw = value.array.map { Array($0) } ?? []
            let texts = raw.compactMap(\.string)
            guard texts.count == raw.count else {
                fail(t.path + [.key(key)], "\(key) must be a list of strings, such as [\"TM. ỦY BAN NHÂN DÂN\", \"CHỦ TỊCH\"]")
                return []
            }
            if let bad = texts.compactMap({ PlainText.problem(in: $0, what: key) }).first {
                fail(t.path + [.key(key)], bad)
                return []
            }
            return texts
        }

        /// Points out of 100, one per value of a scale: numbers from 0 to 100 with at most two
        /// decimals (kept as exact hundredths).
        mutating func points(_ t: Section, _ key: String, count: Int, what: String) -> [Double]? {
            guard let value = t.table?[key] else { return nil }
            let raw = value.array.map { Array($0) } ?? []
            let numbers = raw.compactMap { $0.double ?? $0.int.map(Double.init) }
            guard numbers.count == raw.count, numbers.count == count,
                numbers.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 100 && abs($0 * 100 - ($0 * 100).rounded()) < 1e-6 })
            else {
                fail(t.path + [.key(key)], "\(what): \(key) must be \(count) numbers from 0 to 100 (at most two decimals), the points of each value, such as [0, 25, 50, 75, 100]")
                return nil
            }
            return numbers
        }

        /// `[points]`: publish (a 0-100 score beside the satisfied share) and the built-in scale's points.
        mutating func readPoints(into rules: inout SurveyRules) {
            let section = Section(table: root, path: []).child("points")
            guard let table = section.table else { return }
            if let publish = table["publish"] {
                if let flag = publish.bool { rules.publishPoints = flag } else {
                    fail(section.path + [.key("publish")], "points.publish must be true or false")
                }
            }
            rules.likert5Points = points(section, "likert5", count: 5, what: "points")
        }

        /// `[estimates]`: `full = true` computes every statistic and method of
        /// docs/statistics.md, not only what the release publishes.
        mutating func readEstimates(into rules: inout SurveyRules) {
            let section = Section(table: root, path: []).child("estimates")
            guard let table = section.table, let full = table["full"] else { return }
            if let flag = full.bool { rules.fullEstimates = flag } else {
                fail(section.path + [.key("full")], "estimates.full must be true or false")
            }
        }

        /// `[sdmx]`: `ref_area`, an ISO 3166 code (default VN), and its optional names.
        mutating func readSDMX() -> SDMXSettings {
            let section = Section(table: root, path: []).child("sdmx")
            var settings = SDMXSettings()
            if section.table?["ref_area"] != nil {
                let code = string(section, "ref_area", settings.refArea)
                if SDMXSettings.isAreaCode(code) { settings.refArea = code } else {
                    fail(section.path + [.key("ref_area")], "sdmx.ref_area '\(code)'; expected an ISO 3166 code in capitals: a country such as VN or a province such as VN-23 (Hà Tĩnh)")
                }
            }
            let vi = string(section, "ref_area_name_vi", ""), en = string(section, "ref_area_name_en", "")
            settings.refAreaNameVi = vi.isEmpty ? nil : vi
            settings.refAreaNameEn = en.isEmpty ? nil : en
            return settings
        }

        /// `[scales.NAME]`: values (ascending whole numbers 0...100), satisfied (some of them),
        /// optional labels_vi / labels_en (one per value).
        mutating func readScales() -> [String: AnswerScale] {
            var scales: [String: AnswerScale] = [:]
            let top = Section(table: root, path: [])
            let section = top.child("scales")
            guard let table = section.table else { return [:] }
            for name in table.keys.sorted() {
                let entry = section.child(name)
                func at(_ key: String) -> TOMLPath { entry.path + [.key(key)] }
                guard entry.table != nil else { continue }
                guard SurveyFolder.isValidCode(name), name != "likert5" else {
                    fail(entry.path, "scale name '\(name)' must be letters, digits, '_', '.' or '-', and not likert5 (the built-in scale)")
                    continue
                }
                func integers(_ key: String) -> [Int]? {
                    guard let value = entry.table?[key] else { return nil }
                    let raw = value.array.map { Array($0) } ?? []
                    let ints = raw.compactMap(\.int)
                    guard !raw.isEmpty, ints.count == raw.count else { return [] }
                    return ints
                }
                guard let values = integers("values") else {
                    fail(entry.path, "scale \(name) needs values = [...], the answer codes in ascending order, such as [1, 2, 3, 4, 5, 6]")
                    continue
                }
                guard values.count >= 2, values.count <= AnswerScale.mostLevels,
                    values.allSatisfy({ (0...AnswerScale.largestValue).contains($0) }),
                    zip(values, values.dropFirst()).allSatisfy({ $0 < $1 })
                else {
                    fail(at("values"), "scale \(name): values must be 2 to \(AnswerScale.mostLevels) whole numbers from 0 to \(AnswerScale.largestValue) in ascending order, such as [0, 1, 2]")
                    continue
                }
                // A scale of categories (gender, age group) has none: a rating item that uses
                // such a scale is refused below.
                let satisfied = integers("satisfied") ?? []
                guard entry.table?["satisfied"] == nil || (!satisfied.isEmpty && satisfied.allSatisfy(values.contains) && Set(satisfied).count == satisfied.count) else {
                    fail(at("satisfied"), "scale \(name): satisfied must list some of its values \(values), each once")
                    continue
                }
                var labels: [String: [String]] = [:]
                for key in ["labels_vi", "labels_en"] {
                    guard let value = entry.table?[key] else { continue }
                    let raw = value.array.map { Array($0) } ?? []
                    let texts = raw.compactMap(\.string)
                    guard texts.count == raw.count, texts.count == values.count else {
                        fail(at(key), "scale \(name): \(key) must be \(values.count) labels, one per value")
                        continue
                    }
                    if let bad = texts.compactMap({ PlainText.problem(in: $0, what: "a label") }).first {
                        fail(at(key), "scale \(name): \(bad)")
                        continue
                    }
                    let folded = texts.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                    guard Set(folded).count == folded.count, !folded.contains("") else {
                        fail(at(key), "scale \(name): \(key) must be distinct, non-empty labels")
                        continue
                    }
                    labels[key] = texts
                }
                var scale = AnswerScale(
                    name: name, values: values, satisfied: satisfied, labelsVi: labels["labels_vi"] ?? [],
                    labelsEn: labels["labels_en"] ?? [])
                scale.points = points(entry, "points", count: values.count, what: "scale \(name)")
                scales[name] = scale
            }
            return scales
        }

        /// `[[items]] aliases = ["Câu 1", "C1"]`: other names of the item's column and answer
        /// key (a single string is one alias).
        mutating func itemAliases(_ entry: Section, id: String) -> [String] {
            guard let value = entry.table?["aliases"] else { return [] }
            let raw = value.string != nil ? [value] : value.array.map { Array($0) } ?? []
            let names = raw.compactMap(\.string)
            guard names.count == raw.count, names.allSatisfy({ !HeaderName.key($0).isEmpty }) else {
                fail(entry.path + [.key("aliases")], "item \(id): aliases must be a list of names, such as [\"Câu 1\", \"C1\"]")
                return []
            }
            if let bad = names.compactMap({ PlainText.problem(in: $0, what: "item \(id): an alias") }).first {
                fail(entry.path + [.key("aliases")], bad)
                return []
            }
            return names
        }

        /// `[[items]] channels = ["paper"]`: the channels whose forms ask the item (default both).
        mutating func itemChannels(_ entry: Section, id: String) -> [Channel] {
            guard let value = entry.table?["channels"] else { return Channel.allCases }
            let raw: [String?]
            if let one = value.string { raw = [one] } else if let array = value.array { raw = Array(array).map(\.string) } else { raw = [nil] }
            let channels = raw.compactMap { $0.flatMap(Channel.init(rawValue:)) }
            guard !channels.isEmpty, channels.count == raw.count, Set(channels).count == channels.count else {
                let shown = raw.map { $0.map { "'\($0)'" } ?? "a value that is not a string" }.joined(separator: ", ")
                fail(entry.path + [.key("channels")], "item \(id): channels [\(shown)]; expected a list of paper and online, each at most once, such as [\"online\"]")
                return Channel.allCases
            }
            return Channel.allCases.filter(channels.contains)
        }

        /// The `[[factors]]` and `[[items]]` entries; none if either is over its limit.
        /// - Parameter columnNames: every name of the form's own columns (`form_id`, `Mã phiếu`,
        ///   `submitted_at`, ...), which an item's alias may not take.
        mutating func readInstrument(scales: [String: AnswerScale], columnNames: [(name: String, what: String)]) -> ([Factor], [Item]) {
            let factorValues = root["factors"]?.array.map { Array($0) } ?? []
            let itemValues = root["items"]?.array.map { Array($0) } ?? []
            let factorsPath: TOMLPath = [.key("factors")]
            let itemsPath: TOMLPath = [.key("items")]
            var overLimit = false
            if factorValues.count > maxFactors {
                fail(factorsPath + [.index(maxFactors)], "defines \(factorValues.count) factors; the limit is \(maxFactors) (this is factor \(maxFactors + 1))")
                overLimit = true
            }
            if itemValues.count > maxItems {
                fail(itemsPath + [.index(maxItems)], "defines \(itemValues.count) items; the limit is \(maxItems) (this is item \(maxItems + 1))")
                overLimit = true
            }
            if overLimit { return ([], []) }

            var factors: [Factor] = []
            var factorPaths: [String: TOMLPath] = [:]
            for (i, value) in factorValues.enumerated() {
                let entry = Section(table: value.table, path: factorsPath + [.index(i)])
                guard let t = value.table, let id = t["id"]?.string, SurveyFolder.isValidCode(id) else {
                    fail(entry.path + [.key("id")], "factors[\(i + 1)] needs an id (letters or digits)")
                    continue
                }
                if factors.contains(where: { $0.id == id }) || id.lowercased() == overallID || id.uppercased() == "ALL" {
                    fail(entry.path + [.key("id")], "factor id \(id) is used twice or is reserved")
                }
                if let other = factors.first(where: { $0.id != id && SDMXSettings.identifier($0.id) == SDMXSettings.identifier(id) }) {
                    fail(entry.path + [.key("id")], "factor ids \(other.id) and \(id) are the same SDMX code F_\(SDMXSettings.identifier(id)) ('.' becomes '_'); rename one")
                }
                factorPaths[id] = factorPaths[id] ?? entry.path
                factors.append(Factor(id: id, nameVi: string(entry, "name_vi", id), nameEn: string(entry, "name_en", id)))
            }
            var items: [Item] = []
            var itemPaths: [String: TOMLPath] = [:]
            let reserved: Set<String> = [
                "path", "line", "file_sha256", "response_id", "channel", "unit", "submitted_on", "period",
                "dossier_code", "comment", "status", overallID, "all",
            ]
            let idPattern = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_]{0,31}$")
            for (i, value) in itemValues.enumerated() {
                let entry = Section(table: value.table, path: itemsPath + [.index(i)])
                func at(_ key: String) -> TOMLPath { entry.path + [.key(key)] }
                guard let t = value.table, let id = t["id"]?.string else {
                    fail(at("id"), "items[\(i + 1)] needs an id")
                    continue
                }
                guard idPattern.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil, !reserved.contains(id) else {
                    fail(at("id"), "item id '\(id)' must be lower-case letters, digits or '_', start with a letter, and not be a reserved name")
                    continue
                }
                if items.contains(where: { $0.id == id }) { fail(at("id"), "item id \(id) is used twice") }
                let kindText = string(entry, "kind", "likert5")
                guard let kind = ItemKind(rawValue: kindText) else {
                    fail(at("kind"), "item \(id): kind '\(kindText)'; expected likert5, likert, yesno, count, text or category")
                    continue
                }
                let factor = t["factor"]?.string
                let overall = t["overall"]?.bool ?? false
                if t["overall"] != nil && t["overall"]?.bool == nil { fail(at("overall"), "item \(id): overall must be true or false") }
                if overall && !(kind == .likert5 || kind == .likert) {
                    fail(at("overall"), "item \(id): only a rating item (likert5, likert) can be the overall satisfaction")
                }
                if overall && items.contains(where: \.overall) {
                    fail(at("overall"), "item \(id): another item is already overall = true; expected one")
                }
                // The overall rating may stand outside the factors (in no index).
                if (kind == .likert5 || kind == .likert) && !(overall && factor == nil) {
                    guard let factor, factors.contains(where: { $0.id == factor }) else {
                        fail(at("factor"), "item \(id): a \(kind.rawValue) item needs a factor that [[factors]] defines")
                        continue
                    }
                }
                var scale: AnswerScale?
                let scaleName = t["scale"]?.string
                switch kind {
                case .likert, .category:
                    guard let scaleName else {
                        fail(entry.path, "item \(id): a \(kind.rawValue) item needs scale = \"NAME\" naming a [scales.NAME] table"
                             + (kind == .category ? " with its values and labels (satisfied is not needed)" : ""))
                        continue
                    }
                    guard let found = scales[scaleName] else {
                        let known = scales.keys.sorted()
                        fail(at("scale"), "item \(id): no [scales.\(scaleName)] table" + (known.isEmpty ? "; define it" : "; expected one of \(known.joined(separator: ", "))"))
                        continue
                    }
                    if kind == .likert && found.satisfied.isEmpty {
                        fail(at("scale"), "item \(id): scale \(scaleName) has no satisfied = [...]; a likert item needs the values counted as satisfied")
                        continue
                    }
                    scale = found
                default:
                    if t["scale"] != nil {
                        fail(at("scale"), kind == .likert5
                            ? "item \(id): likert5 uses the built-in five-point scale; write kind = \"likert\" to use scale \(scaleName ?? "")"
                            : "item \(id): only likert and category items have a scale")
                    }
                }
                var item = Item(
                    id: id, factor: factor, kind: kind, textVi: string(entry, "text_vi", id), textEn: string(entry, "text_en", id),
                    favourableVi: string(entry, "favourable_vi", ""), favourableEn: string(entry, "favourable_en", ""), scale: scale)
                if kind == .yesno { item.favourable = integer(entry, "favourable", 1, 0...1) }
                if kind == .count { item.favourableAtMost = integer(entry, "favourable_at_most", 1, 0...250) }
                if !item.isRating && factor != nil {
                    fail(at("factor"), "item \(id): only rating items (likert5, likert) belong to a factor")
                }
                item.overall = overall
                item.aliases = itemAliases(entry, id: id)
                item.channels = itemChannels(entry, id: id)
                itemPaths[id] = itemPaths[id] ?? entry.path
                items.append(item)
            }
            // An alias is matched like a column name (`HeaderName`): one that another item's id or
            // alias, or a column of the form, also matches would make a header or an answer key
            // mean two things.
            var owners: [String: String] = [:]
            for (name, what) in columnNames { owners[HeaderName.key(name)] = owners[HeaderName.key(name)] ?? "the column \(what)" }
            for item in items { owners[HeaderName.key(item.id)] = "item \(item.id)" }
            for item in items {
                for alias in item.aliases {
                    let key = HeaderName.key(alias)
                    if let owner = owners[key], owner != "item \(item.id)" {
                        fail((itemPaths[item.id] ?? itemsPath) + [.key("aliases")],
                             "item \(item.id): alias '\(alias)' also names \(owner) (names match in any case, with spaces or underscores); expected an alias no other item or column has")
                    } else {
                        owners[key] = "item \(item.id)"
                    }
                }
            }
            for factor in factors where items.contains(where: { $0.id.lowercased() == factor.id.lowercased() }) {
                fail((factorPaths[factor.id] ?? factorsPath) + [.key("id")], "factor id \(factor.id) is also an item id; expected distinct ids")
            }
            if items.filter(\.isRating).isEmpty {
                fail(itemsPath, "the instrument needs at least one [[items]] entry of kind likert5 or likert")
            }
            for factor in factors where !items.contains(where: { $0.factor == factor.id && $0.isRating }) {
                fail(factorPaths[factor.id] ?? factorsPath, "factor \(factor.id) has no rating item (likert5 or likert)")
            }
            return (factors, items)
        }
    }
}
