import Foundation
import Stats
import SurveyModel

/// `summary.xlsx`: the report's tables as a workbook for Excel and LibreOffice users, one
/// sheet per table of report.html (the latest quarter's ranking, factor indices, the trend,
/// quality items, forms against the plan minimum and the sample-size rule, failed checks,
/// input files), the methodology note, and the tidy table of summary.csv.
///
/// Headers, sheet names and labels are in the release's language; units are named as the
/// page names them. Figures are real numeric cells: shares as fractions shown `0.00%`,
/// changes in percentage points shown `0.00`, counts `#,##0`, so a spreadsheet shows them
/// with its own locale's decimal separator. A suppressed (Q) estimate is the text `Q`, with
/// no value, SE or bounds anywhere in the file. User text is always written as a string,
/// never as a formula. Each report table has its title in row 1 and its header in row 2
/// (both frozen); the tidy table has its header in row 1.
///
/// The bytes depend on the input only: the document's creation time is the release date
/// (00:00 UTC), and libxlsxwriter dates the zip entries 1980-01-01.
enum SummaryXLSX {
    static func render(_ input: ReportInput, view: ReportView, summary: SummaryTable) throws -> Data {
        let content = WorkbookContent(input, view: view, summary: summary)
        return try WorkbookFile.write(content.sheets, properties: content.properties)
    }
}

// MARK: - The workbook as values

/// One cell of a sheet.
enum SheetCell: Equatable {
    case text(String)
    case number(Double, NumberFormat)
    /// A suppressed estimate: the flag `Q`, never its value.
    case suppressed
    case empty

    /// A share in `0.00%`; empty when undefined.
    static func percent(_ value: Double?) -> SheetCell { number(value, .percent) }

    static func number(_ value: Double?, _ format: NumberFormat) -> SheetCell {
        guard let value, value.isFinite else { return .empty }
        return .number(value, format)
    }

    /// About how many characters the cell shows, for the column width.
    var displayWidth: Int {
        switch self {
        case .text(let text): text.count
        case .number(let value, let format): format.displayWidth(value)
        case .suppressed: 1
        case .empty: 0
        }
    }
}

/// The number formats of the workbook (Excel format codes, locale-neutral).
enum NumberFormat: CaseIterable {
    /// A share as a fraction: 0.8266 shows `82.66%` or `82,66%`.
    case percent
    /// A change in percentage points: 1.25 shows `1.25` or `1,25`.
    case points
    /// Forms and answers: `3,200` or `3.200`.
    case count
    /// Ranks and groups.
    case integer

    var code: String {
        switch self {
        case .percent: "0.00%"
        case .points: "0.00"
        case .count: "#,##0"
        case .integer: "0"
        }
    }

    func displayWidth(_ value: Double) -> Int {
        switch self {
        case .percent: 8
        case .points: 6
        case .count, .integer: max(3, String(Int(value)).count + 2)
        }
    }
}

/// One sheet: an optional title row, a header row, the rows, and notes under the table.
struct Sheet {
    var name: String
    var title: String?
    var header: [String]
    var rows: [[SheetCell]] = []
    /// Indices into `rows` of total rows (all units), shown bold.
    var totalRows: Set<Int> = []
    var notes: [String] = []
    /// A sheet of running text (the methodology note): one wide wrapped column.
    var isText = false
}

// MARK: - What the sheets hold

/// The sheets of a release, built from the estimates and checks as report.html shows them.
private struct WorkbookContent {
    let input: ReportInput
    let labels: Labels
    let figures: Figures
    let latest: Period?
    let unitNames: [UnitCode: String]
    /// summary.csv's table, the last sheet.
    let summary: SummaryTable

    init(_ input: ReportInput, view: ReportView, summary: SummaryTable) {
        self.input = input
        self.summary = summary
        labels = Labels(language: input.language, confidenceLevel: input.survey.rules.confidenceLevel)
        figures = Figures(published: view.published, labels: labels)
        latest = view.latest
        unitNames = Dictionary(input.units.map { ($0.code, $0.name(in: input.language)) }, uniquingKeysWith: { a, _ in a })
    }

    var sheets: [Sheet] {
        var sheets: [Sheet] = []
        if let latest {
            let order = unitOrder(latest)
            // The year first when it is complete, as on the page.
            let year = latest.yearPeriod
            let yearSheet = figures.has(CellKey(scope: .allYear, unit: allUnitsCode, period: year))
                ? ranking(year, ranked: unitOrder(year).withData, yearly: true, through: latest.quarter == 4 ? nil : latest) : nil
            if let yearSheet, latest.quarter == 4 { sheets.append(yearSheet) }
            sheets.append(ranking(latest, ranked: order.withData))
            if let yearSheet, latest.quarter != 4 { sheets.append(yearSheet) }
            sheets.append(factorSheet(latest, units: order.withData))
            sheets.append(trend(units: order.all))
            if !input.survey.qualityItems.isEmpty { sheets.append(quality(latest, units: order.all)) }
            if !input.survey.breakdownItems.isEmpty { sheets.append(breakdowns(year, units: order.all)) }
            sheets.append(sampling(units: order.all))
            sheets.append(failedChecks(latest))
        }
        sheets.append(sources())
        sheets.append(methodology())
        sheets.append(tidy())
        return sheets
    }

    var properties: WorkbookFile.Properties {
        let survey = input.survey
        let title = input.language == .vi ? HTMLReport.nonEmpty(survey.titleVi, labels.defaultTitle)
            : HTMLReport.nonEmpty(survey.titleEn, HTMLReport.nonEmpty(survey.titleVi, labels.defaultTitle))
        let agency = input.language == .vi ? survey.agencyVi : HTMLReport.nonEmpty(survey.agencyEn, survey.agencyVi)
        return WorkbookFile.Properties(
            title: title, company: agency, comments: "sipas-pipeline \(input.programVersion)",
            created: WorkbookFile.midnightUTC(input.releaseDate))
    }

    // MARK: unit order

    /// The published ranking's order, as on the page: units with data in the latest quarter by
    /// rank (unranked ones after, by code), then the units without data in units.csv's order.
    func unitOrder(_ latest: Period) -> (withData: [SurveyUnit], all: [SurveyUnit]) {
        let present = input.units.filter { figures.has(unitCell($0.code, latest)) }
        let ranked = present.sorted { a, b in
            let ra = figures.ranking(unitCell(a.code, latest)).rank ?? Int.max
            let rb = figures.ranking(unitCell(b.code, latest)).rank ?? Int.max
            return ra != rb ? ra < rb : a.code.code < b.code.code
        }
        let codes = Set(ranked.map(\.code))
        return (ranked, ranked + input.units.filter { !codes.contains($0.code) })
    }

    func unitCell(_ code: UnitCode, _ period: Period) -> CellKey {
        CellKey(scope: period.isQuarter ? .unitQuarter : .unitYear, unit: code, period: period)
    }
    func allCell(_ period: Period) -> CellKey {
        CellKey(scope: period.isQuarter ? .allQuarter : .allYear, unit: allUnitsCode, period: period)
    }
    func name(_ unit: SurveyUnit) -> String { unitNames[unit.code] ?? unit.code.code }
    var allUnitsName: String { labels.allUnits(input.survey.rules.aggregation) }

    /// The units' rows, then the all-units row (a total) when the period has one.
    func unitRows(_ units: [SurveyUnit], period: Period, total: String, _ row: (CellKey, String, String) -> [SheetCell]?)
        -> (rows: [[SheetCell]], totals: Set<Int>)
    {
        var rows = units.compactMap { row(unitCell($0.code, period), name($0), $0.code.code) }
        var totals: Set<Int> = []
        if let all = row(allCell(period), total, allUnitsCode.code) {
            totals.insert(rows.count)
            rows.append(all)
        }
        return (rows, totals)
    }

    // MARK: the report's tables

    /// The page's headline table: rank, unit, published SIPAS index with its interval, forms,
    /// change on the previous quarter, target status and flags.
    func ranking(_ latest: Period, ranked: [SurveyUnit], yearly: Bool = false, through: Period? = nil) -> Sheet {
        let target = input.survey.rules.target
        let points = input.survey.rules.publishPoints
        var header = [labels.rankColumn, labels.tierColumn, labels.rankChangeColumn, labels.unitColumn, labels.codeColumn,
                      labels.indexColumn, labels.lowerColumn, labels.upperColumn]
        if points { header += [labels.pointsColumn, labels.pointsLowerColumn, labels.pointsUpperColumn] }
        header += [labels.formsColumn, yearly ? labels.changeOnPreviousYear : labels.changeColumn, labels.significanceColumn]
        if let target { header.append(labels.targetColumn(NumberStyle.percent(target, language: input.language))) }
        header.append(labels.flagColumn)
        // With unit groups: each unit's group and its rank within it, and the groups' rows.
        let groups = input.survey.groups
        if !groups.isEmpty { header += [labels.unitGroupColumn, labels.rankInGroupColumn, labels.rankedInGroupColumn] }
        /// One row: a unit's, a group's or all units' (`groupName`: the group column's text).
        func row(_ cell: CellKey, _ name: String, _ code: String, groupName: String?) -> [SheetCell]? {
            guard figures.has(cell) else { return nil }
            let rank = figures.ranking(cell)
            let index = figures.index(cell, overallIndexID)
            let change = figures.change(cell)
            var row: [SheetCell] = [.number(rank.rank.map(Double.init), .integer), .number(rank.tier.map(Double.init), .integer),
                                    .number(rank.change.map(Double.init), .integer), .text(name),
                                    .text(cell.scope.isAllUnits ? "" : code)]
            row += index.cells
            if points { row += figures.points(cell) }
            row += [figures.forms(cell), change.points, .text(change.note)]
            if target != nil { row.append(.text(figures.target(cell))) }
            row.append(.text(figures.flags(cell)))
            if !groups.isEmpty {
                let inGroup = figures.published.cells[cell]?.rank?.inGroup
                row += [.text(groupName ?? ""), .number(inGroup.map { Double($0.position) }, .integer),
                        .number(inGroup.map { Double($0.of) }, .integer)]
            }
            return row
        }
        var (rows, totals) = unitRows(ranked, period: latest, total: allUnitsName) { cell, name, code in
            let group = input.units.first { $0.code.code == code }?.group.flatMap { id in groups.first { $0.id == id } }
            return row(cell, name, code, groupName: group?.name(in: input.language))
        }
        // The groups' aggregates before the all-units row.
        let groupScope: Scope = latest.isQuarter ? .groupQuarter : .groupYear
        let groupRows = groups.compactMap { group in
            row(CellKey(scope: groupScope, unit: UnitCode(group.id), period: latest), labels.groupTotal(group.name(in: input.language)),
                group.id, groupName: group.name(in: input.language))
        }
        if !groupRows.isEmpty {
            let at = totals.min() ?? rows.count
            rows.insert(contentsOf: groupRows, at: at)
            totals = Set(totals.map { $0 + groupRows.count } + (at..<(at + groupRows.count)))
        }
        var notes: [String] = []
        if !yearly, let headline = headline(latest) { notes.append(headline) }
        notes.append(labels.rankingPolicy(input.survey.rules))
        notes.append(labels.legend(input.survey.rules))
        return Sheet(name: yearly ? labels.yearRankingSheet : labels.rankingSheet,
                     title: yearly ? labels.yearHeading(latest, through: through) : labels.resultsHeading(latest), header: header,
                     rows: rows, totalRows: totals, notes: notes)
    }

    /// The page's one-sentence summary, from the all-units row.
    func headline(_ latest: Period) -> String? {
        let cell = allCell(latest)
        guard figures.has(cell) else { return nil }
        let lang = input.language
        let index = figures.index(cell, overallIndexID)
        let change = figures.change(cell)
        let interval = index.lower != nil && index.upper != nil
            ? "\(NumberStyle.percent(index.lower, language: lang)) – \(NumberStyle.percent(index.upper, language: lang))" : "–"
        return labels.headline(
            period: labels.periodName(latest), index: index.suppressed ? "Q" : NumberStyle.percent(index.value, language: lang),
            interval: interval, change: change.diff.map { NumberStyle.points($0, language: lang) } ?? "–",
            changeNote: change.note, previousWord: labels.previousQuarterWord, target: figures.target(cell),
            targetText: input.survey.rules.target.map { NumberStyle.percent($0, language: lang) })
    }

    /// Factor indices and the SIPAS index of the latest quarter.
    func factorSheet(_ latest: Period, units: [SurveyUnit]) -> Sheet {
        let factors = input.survey.factors
        let header = [labels.unitColumn, labels.codeColumn] + factors.map { "\($0.id): \(factorName($0))" } + [labels.indexColumn]
        let (rows, totals) = unitRows(units, period: latest, total: allUnitsName) { cell, name, code in
            guard figures.has(cell) else { return nil }
            return [.text(name), .text(cell.scope.isAllUnits ? "" : code)]
                + factors.map { figures.index(cell, $0.id).cells[0] } + [figures.index(cell, overallIndexID).cells[0]]
        }
        return Sheet(name: labels.factorsSheet, title: "\(labels.factorsHeading), \(labels.periodInText(latest))",
                     header: header, rows: rows, totalRows: totals)
    }

    func factorName(_ factor: Factor) -> String { input.language == .vi ? factor.nameVi : factor.nameEn }

    /// The year by respondent and procedure: per breakdown and value, all units then each
    /// unit, the forms, the SIPAS index with its interval and the factor indices.
    func breakdowns(_ year: Period, units: [SurveyUnit]) -> Sheet {
        let vi = input.language == .vi
        let factors = input.survey.factors
        let header = [labels.breakdownColumn, labels.groupValueColumn, labels.unitColumn, labels.codeColumn, labels.formsColumn,
                      labels.indexColumn, labels.lowerColumn, labels.upperColumn] + factors.map { "\($0.id): \(factorName($0))" }
        var rows: [[SheetCell]] = []
        var totals: Set<Int> = []
        for item in input.survey.breakdownItems {
            guard let scale = item.scale else { continue }
            let names = vi ? scale.labelsVi : (scale.labelsEn.isEmpty ? scale.labelsVi : scale.labelsEn)
            for (i, value) in scale.values.enumerated() {
                let label = names.count == scale.values.count ? names[i] : String(value)
                let domain = DomainKey(item: item.id, value: value)
                for (scope, code, name) in [(Scope.byAllYear, allUnitsCode, allUnitsName)] + units.map({ (Scope.byUnitYear, $0.code, self.name($0)) }) {
                    let key = CellKey(scope: scope, unit: code, period: year, domain: domain)
                    guard figures.has(key) else { continue }
                    if scope == .byAllYear { totals.insert(rows.count) }
                    rows.append([.text(vi ? item.textVi : HTMLReport.nonEmpty(item.textEn, item.textVi)), .text(label), .text(name),
                                 .text(scope == .byAllYear ? "" : code.code), figures.forms(key)]
                        + figures.index(key, overallIndexID).cells + factors.map { figures.index(key, $0.id).cells[0] })
                }
            }
        }
        return Sheet(name: labels.breakdownSheet, title: "\(labels.breakdownHeading), \(labels.periodName(year))",
                     header: header, rows: rows, totalRows: totals)
    }

    /// The published SIPAS index of the last eight quarters, per unit and for all units.
    func trend(units: [SurveyUnit]) -> Sheet {
        let quarters = Array(figures.published.quarters.suffix(8))
        let header = [labels.unitColumn, labels.codeColumn] + quarters.map(labels.shortPeriod)
        var rows: [[SheetCell]] = units.map { unit in
            [.text(name(unit)), .text(unit.code.code)] + quarters.map { figures.indexIfAny(unitCell(unit.code, $0)) }
        }
        rows.append([.text(allUnitsName), .text("")] + quarters.map { figures.indexIfAny(allCell($0)) })
        return Sheet(name: labels.trendSheet, title: labels.trendHeading, header: header, rows: rows,
                     totalRows: [rows.count - 1])
    }

    /// Quality items of the latest quarter, one row per unit and item: the favourable share
    /// with its interval and the number of answers.
    func quality(_ latest: Period, units: [SurveyUnit]) -> Sheet {
        let items = input.survey.qualityItems
        let header = [labels.unitColumn, labels.codeColumn, labels.indicatorColumn, labels.shareColumn, labels.lowerColumn,
                      labels.upperColumn, labels.answersColumn]
        var rows: [[SheetCell]] = []
        var totals: Set<Int> = []
        let targets = units.map { (unitCell($0.code, latest), name($0), $0.code.code) }
            + [(allCell(latest), labels.allUnits(.pooled), "")]
        for (cell, name, code) in targets where figures.has(cell) {
            for item in items {
                let shown = figures.quality(cell, item.id)
                if cell.scope.isAllUnits { totals.insert(rows.count) }
                rows.append([.text(name), .text(code), .text(qualityName(item))] + shown.cells + [.number(shown.n, .count)])
            }
        }
        return Sheet(name: labels.qualitySheet, title: "\(labels.qualityHeading), \(labels.periodInText(latest))",
                     header: header, rows: rows, totalRows: totals)
    }

    func qualityName(_ item: Item) -> String {
        input.language == .vi ? HTMLReport.nonEmpty(item.favourableVi, item.textVi) : HTMLReport.nonEmpty(item.favourableEn, item.textEn)
    }

    /// Forms per unit and quarter (the last eight) against the plan minimum and the sample-size rule.
    func sampling(units: [SurveyUnit]) -> Sheet {
        let quarters = Array(figures.published.quarters.suffix(8))
        let header = [labels.unitColumn, labels.codeColumn, labels.periodWord, labels.formsColumn, labels.planMinimumColumn,
                      labels.planResultColumn, labels.ruleNeedColumn, labels.ruleResultColumn]
        var rows: [[SheetCell]] = []
        for unit in units {
            for quarter in quarters {
                let checks = input.checks(of: unit.code, in: quarter)
                guard let plan = checks.first(where: { $0.check == "plan_minimum" }) else { continue }
                let rule = checks.first { $0.check == "sample_size_rule" }
                rows.append([
                    .text(name(unit)), .text(unit.code.code), .text(labels.shortPeriod(quarter)), .number(plan.observed, .count),
                    .number(plan.required, .count), .text(labels.status(plan.status)), .number(rule?.required, .count),
                    .text(rule.map { labels.status($0.status) } ?? ""),
                ])
            }
        }
        return Sheet(name: labels.samplingSheet, title: labels.samplingHeading, header: header, rows: rows)
    }

    /// The checks that failed in the latest quarter, as the page lists them.
    func failedChecks(_ latest: Period) -> Sheet {
        let failed = input.checks.filter { $0.period == latest && $0.status == .fail }
        var sheet = Sheet(name: labels.checksSheet, title: "\(labels.failedChecksHeading): \(labels.periodInText(latest))",
                          header: [labels.unitColumn, labels.codeColumn, labels.checkColumn, labels.resultColumn])
        sheet.rows = failed.map { [.text(unitNames[$0.unit] ?? $0.unit.code), .text($0.unit.code), .text(labels.checkName($0.check)), .text(labels.checkFinding($0))] }
        if failed.isEmpty { sheet.notes = [labels.noChecksFailed] }
        return sheet
    }

    /// The input files with their row counts and SHA-256.
    func sources() -> Sheet {
        var sheet = Sheet(name: labels.sourcesSheet, title: labels.sourcesHeading,
                          header: [labels.fileColumn, labels.acceptedColumn, labels.rejectedColumn, labels.duplicateColumn, "SHA-256"])
        sheet.rows = input.sources.map {
            [.text($0.path), .number(Double($0.accepted), .count), .number(Double($0.rejected), .count),
             .number(Double($0.duplicates), .count), .text($0.sha256)]
        }
        return sheet
    }

    /// The methodology note and the release's particulars, as running text.
    func methodology() -> Sheet {
        var lines = [properties.title]
        if !properties.company.isEmpty { lines.append(properties.company) }
        lines.append("\(labels.releaseWord): \(labels.date(input.releaseDate))")
        if let through = input.dataThrough { lines.append("\(labels.dataThroughWord): \(labels.date(through))") }
        lines += labels.methodNote(input.survey, units: input.units) + [labels.legend(input.survey.rules), "sipas-pipeline \(input.programVersion)"]
        return Sheet(name: labels.methodSheet, title: labels.methodHeading, header: [], rows: lines.map { [.text($0)] }, isText: true)
    }

    // MARK: the tidy table

    /// summary.csv's table (`SummaryTable`: the same columns in the same order), in the
    /// release's words, with real numbers and `Q`; the header in row 1.
    func tidy() -> Sheet {
        var sheet = Sheet(name: labels.tidySheet, title: nil, header: summary.columns.map(\.label))
        for row in summary.rows {
            sheet.rows.append(row.map { value -> SheetCell in
                switch value {
                case .text(let s), .allUnitsName(let s): .text(s)
                case .scope(let scope): .text(labels.scopeName(scope))
                case .period(let p): .text(labels.periodName(p))
                case .count(let n): .number(n.map(Double.init), .count)
                case .integer(let n): .number(n.map(Double.init), .integer)
                case .share(let v, let suppressed): suppressed ? .suppressed : .percent(v)
                case .change(let d): .number(d.map { $0 * 100 }, .points)
                case .significance(let s): .text(s.map { $0 ? labels.significant : labels.notSignificant } ?? "")
                case .score(let v, let suppressed): suppressed ? .suppressed : .number(v, .points)
                case .target(let t): .text(t.map(labels.target) ?? "")
                case .flags(let f): .text(f.codes.joined(separator: " "))
                case .method(let m): .text(labels.methodName(m))
                }
            })
        }
        return sheet
    }
}

// MARK: - Reading the published figures

/// The published figures of a cell: the only part of this file that reads estimates. A
/// suppressed (Q) estimate comes back marked suppressed and without its numbers, so no
/// value, SE or bound of it can reach a cell.
private struct Figures {
    let published: PublishedEstimates
    let labels: Labels

    init(published: PublishedEstimates, labels: Labels) {
        self.published = published
        self.labels = labels
    }

    /// A published share with its interval; the numbers are nil when suppressed.
    struct Shown {
        var value: Double?
        var lower: Double?
        var upper: Double?
        var suppressed = false
        var n: Double?

        init(_ e: Estimate?, n: Double? = nil) {
            value = e?.value
            lower = e?.lower
            upper = e?.upper
            suppressed = e?.isSuppressed ?? false
            self.n = n
        }

        /// Value, lower and upper bound: `Q` and two empty cells when suppressed.
        var cells: [SheetCell] {
            suppressed ? [.suppressed, .empty, .empty] : [.percent(value), .percent(lower), .percent(upper)]
        }
    }

    func cell(_ key: CellKey) -> PublishedCell? { published.cells[key] }
    func has(_ key: CellKey) -> Bool { cell(key) != nil }

    /// Accepted forms of the cell.
    func forms(_ key: CellKey) -> SheetCell { .number(cell(key).map { Double($0.forms) }, .count) }

    /// The published index (a factor or the SIPAS index) with its interval.
    func index(_ key: CellKey, _ subject: String) -> Shown {
        let c = cell(key)
        return Shown(subject == overallIndexID ? c?.index : c?.factors[subject])
    }

    /// The SIPAS index in points out of 100 with its interval (numbers `0.00`, not percent).
    func points(_ key: CellKey) -> [SheetCell] {
        guard let e = cell(key)?.points[overallIndexID] else { return [.empty, .empty, .empty] }
        if e.isSuppressed { return [.suppressed, .empty, .empty] }
        return [e.value, e.lower, e.upper].map { .number($0, .points) }
    }

    /// The trend's cell: the SIPAS index, `Q`, or empty where the cell has no forms.
    func indexIfAny(_ key: CellKey) -> SheetCell {
        has(key) ? index(key, overallIndexID).cells[0] : .empty
    }

    /// A quality item's favourable share with its interval and the number of answers (kept
    /// when suppressed: counts are not the estimate).
    func quality(_ key: CellKey, _ item: String) -> Shown {
        let e = cell(key)?.items[item]
        return Shown(e, n: e.map { Double($0.n) })
    }

    /// The SIPAS index's change on the previous period in percentage points, and whether it is
    /// significant (none when either period is suppressed: `PublishedCell` drops it).
    func change(_ key: CellKey) -> (points: SheetCell, diff: Double?, note: String) {
        guard let c = cell(key), !c.index.isSuppressed else { return (.empty, nil, "") }
        guard let change = c.changeOnPrevious, let diff = change.diff, diff.isFinite else { return (.empty, nil, labels.noPrevious) }
        let note = change.isSignificant.map { $0 ? labels.significant : labels.notSignificant } ?? labels.noPrevious
        return (.number(diff * 100, .points), diff, note)
    }

    /// Rank, units ranked, tier of overlapping intervals and rank change on the previous period (nil: not ranked).
    func ranking(_ key: CellKey) -> (rank: Int?, of: Int?, tier: Int?, change: Int?) {
        guard let r = cell(key)?.rank else { return (nil, nil, nil, nil) }
        return (r.position, r.of, r.tier, r.changeOnPrevious)
    }

    /// The target status in the page's words; empty without a target or when suppressed.
    func target(_ key: CellKey) -> String { cell(key)?.target.map(labels.target) ?? "" }

    /// The SIPAS index's flags, `Q U I` as on the page.
    func flags(_ key: CellKey) -> String { cell(key)?.flags.codes.joined(separator: " ") ?? "" }

}

// MARK: - The workbook's words

extension Labels {
    var rankingSheet: String { t("Xếp hạng", "Ranking") }
    var unitGroupColumn: String { t("Nhóm đơn vị", "Group of units") }
    var rankInGroupColumn: String { t("Xếp hạng trong nhóm", "Rank in the group") }
    var rankedInGroupColumn: String { t("Số đơn vị được xếp hạng trong nhóm", "Units ranked in the group") }
    var yearRankingSheet: String { t("Xếp hạng năm", "Ranking for the year") }
    var pointsLowerColumn: String { t("Cận dưới (điểm)", "Lower bound (points)") }
    var pointsUpperColumn: String { t("Cận trên (điểm)", "Upper bound (points)") }
    var factorsSheet: String { t("Yếu tố", "Factors") }
    var breakdownSheet: String { t("Theo đối tượng", "By respondent") }
    var breakdownColumn: String { t("Đặc điểm", "Attribute") }
    var groupValueColumn: String { t("Nhóm", "Group") }
    var trendSheet: String { t("Diễn biến", "Trend") }
    var qualitySheet: String { t("Chất lượng phục vụ", "Service quality") }
    var samplingSheet: String { t("Số phiếu", "Forms") }
    var checksSheet: String { t("Kiểm tra không đạt", "Failed checks") }
    var sourcesSheet: String { sourcesHeading }
    var methodSheet: String { methodHeading }
    var tidySheet: String { t("Bảng tổng hợp", "Summary table") }

    var codeColumn: String { t("Mã", "Code") }
    var tierColumn: String { t("Tầng (khoảng tin cậy chồng nhau)", "Tier (overlapping intervals)") }
    var rankChangeColumn: String { t("Thay đổi thứ hạng (dương = tăng bậc)", "Rank change (positive = up)") }
    var rankedColumn: String { t("Số đơn vị được xếp hạng", "Units ranked") }
    var lowerColumn: String { t("Cận dưới (\(intervalColumn.lowercased()))", "Lower bound (\(intervalColumn))") }
    var upperColumn: String { t("Cận trên (\(intervalColumn.lowercased()))", "Upper bound (\(intervalColumn))") }
    var significanceColumn: String { t("Ý nghĩa thống kê của thay đổi", "Significance of the change") }
    var changeOnPreviousColumn: String { t("So với kỳ trước (điểm phần trăm)", "Change on previous period (percentage points)") }
    var targetStatusColumn: String { t("Mục tiêu", "Target") }
    var indicatorColumn: String { t("Chỉ tiêu", "Indicator") }
    var shareColumn: String { t("Tỷ lệ", "Share") }
    var planMinimumColumn: String { t("Mức tối thiểu của kế hoạch", "Plan minimum") }
    var planResultColumn: String { t("Đạt mức tối thiểu", "Plan minimum met") }
    var ruleNeedColumn: String { t("Cỡ mẫu cần thiết n ≥ N/(1 + N·e²)", "Sample size needed, n ≥ N/(1 + N·e²)") }
    var ruleResultColumn: String { t("Đạt cỡ mẫu cần thiết", "Sample-size rule met") }
    var scopeColumn: String { t("Phạm vi", "Scope") }
    var periodColumn: String { t("Kỳ", "Period") }
    var methodColumn: String { t("Phương pháp tính chỉ số", "Index method") }

    func status(_ status: CheckResult.Status) -> String {
        switch status {
        case .pass: t("đạt", "met")
        case .warn: t("cảnh báo", "warning")
        case .fail: t("không đạt", "not met")
        }
    }

    func scopeName(_ scope: Scope) -> String {
        switch scope {
        case .unitQuarter: t("Đơn vị, quý", "Unit, quarter")
        case .unitYear: t("Đơn vị, năm", "Unit, year")
        case .allQuarter: t("Tất cả đơn vị, quý", "All units, quarter")
        case .allYear: t("Tất cả đơn vị, năm", "All units, year")
        case .groupQuarter: t("Nhóm đơn vị, quý", "Group of units, quarter")
        case .groupYear: t("Nhóm đơn vị, năm", "Group of units, year")
        case .unitQuarterPaper: t("Đơn vị, quý, phiếu giấy", "Unit, quarter, paper")
        case .unitQuarterOnline: t("Đơn vị, quý, trực tuyến", "Unit, quarter, online")
        case .unitYearPaper: t("Đơn vị, năm, phiếu giấy", "Unit, year, paper")
        case .unitYearOnline: t("Đơn vị, năm, trực tuyến", "Unit, year, online")
        case .byAllQuarter: t("Tất cả đơn vị, quý, theo nhóm người trả lời", "All units, quarter, by respondent group")
        case .byAllYear: t("Tất cả đơn vị, năm, theo nhóm người trả lời", "All units, year, by respondent group")
        case .byUnitQuarter: t("Đơn vị, quý, theo nhóm người trả lời", "Unit, quarter, by respondent group")
        case .byUnitYear: t("Đơn vị, năm, theo nhóm người trả lời", "Unit, year, by respondent group")
        }
    }

    func methodName(_ method: String) -> String {
        switch method {
        case "unweighted": t("không gia quyền", "unweighted")
        case "weighted": t("gia quyền theo số hồ sơ", "weighted by dossiers")
        case "unit_mean": t("trung bình các đơn vị", "mean of units")
        case "dossier_weighted": t("trung bình các đơn vị, gia quyền theo số hồ sơ", "mean of units weighted by dossiers")
        default: method
        }
    }
}

extension SummaryXLSX: ReportOutput {
    static let file = ReleaseFile(
        name: "summary.xlsx", stage: "report", vi: "bảng tổng hợp cho Excel (số thực, định dạng phần trăm)",
        en: "summary tables for Excel (real numbers, percent formats)", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? {
        try render(release.input, view: release.view, summary: release.summary)
    }
}
