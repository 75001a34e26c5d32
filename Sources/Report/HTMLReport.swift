import Foundation
import Mustache
import Stats
import SurveyModel

/// Renders `report.html` from `Resources/report.html.mustache`: one self-contained page.
enum HTMLReport {
    /// Numbered tables: "Biểu 1", "Table 2", ... in page order.
    final class TableNumbers {
        var next = 1
        let word: String
        init(word: String) { self.word = word }
        func caption(_ text: String) -> String {
            defer { next += 1 }
            return "\(word) \(next). \(text)"
        }
    }

    static func render(_ input: ReportInput, view: ReportView, template: PageTemplate) throws -> Data {
        let labels = Labels(language: input.language, confidenceLevel: input.survey.rules.confidenceLevel)
        let lang = input.language
        let rules = input.survey.rules
        let survey = input.survey
        let published = view.published
        let factors = survey.factors
        let numbers = TableNumbers(word: labels.tableWord)
        let pageLabels = PageLabels(
            unit: labels.unitColumn, index: labels.indexColumn, interval: labels.intervalColumn,
            forms: labels.formsColumn, flag: labels.flagColumn,
            factors: labels.factorsHeading, checks: labels.checksHeading, method: labels.methodHeading,
            sources: labels.sourcesHeading, legend: labels.legend(rules), file: labels.fileColumn,
            accepted: labels.acceptedColumn, rejected: labels.rejectedColumn,
            duplicates: labels.duplicateColumn, check: labels.checkColumn, result: labels.resultColumn,
            noChecksFailed: labels.noChecksFailed, rank: labels.rankColumn, quality: labels.qualityHeading,
            trend: labels.trendHeading, chartTable: labels.chartTableNote,
            failedChecks: labels.failedChecksHeading, headline: labels.headlineHeading,
            annex: labels.unitAnnexHeading, question: labels.questionColumn, satisfied: labels.satisfiedColumn,
            answers: labels.answersColumn, downloads: labels.downloadsHeading,
            factor: labels.factorColumn, channel: labels.channelColumn, period: labels.periodColumn)
        var page = PageView(
            lang: lang.rawValue,
            title: lang == .vi ? nonEmpty(survey.titleVi, labels.defaultTitle)
                : nonEmpty(survey.titleEn, nonEmpty(survey.titleVi, labels.defaultTitle)),
            agency: lang == .vi ? survey.agencyVi : nonEmpty(survey.agencyEn, survey.agencyVi),
            sipas: labels.defaultTitle,
            releaseLabel: labels.releaseWord,
            dataThroughLabel: labels.dataThroughWord,
            releaseDate: labels.date(input.releaseDate),
            programVersion: input.programVersion,
            labels: pageLabels,
            factorHeaders: factors.map { IDName(id: $0.id, name: lang == .vi ? $0.nameVi : $0.nameEn) },
            method: labels.methodNote(survey, units: input.units).map { TextLine(text: $0) },
            downloads: labels.downloads(releaseLanguage: input.releaseLanguage).map { Download(file: $0.0, what: $0.1) },
            dataThrough: input.dataThrough.map { labels.date($0) },
            sources: SourcesTable(caption: "", rows: []))
        guard let latest = view.latest else {
            page.hasData = false
            page.sources = sourcesTable(input, labels: labels, numbers: numbers)
            return template.render(try TemplateEncoder.value(of: page))
        }
        page.hasData = true
        let unitNames = Dictionary(input.units.map { ($0.code, $0.name(in: lang)) }, uniquingKeysWith: { a, _ in a })
        // Tables of a period list the units that exist at its end; a unit that ceased within
        // a year is shown apart in that year's tables, part-year and not ranked.
        let lineage = UnitLineage(input.units)
        func ceasedWithin(_ scope: Scope, _ period: Period, among codes: [UnitCode]) -> [UnitCode] {
            guard scope == .unitYear else { return [] }
            return codes.filter { code in
                published[scope, code, period] != nil && !lineage.existsAtEnd(of: period, code)
                    && input.units.first { $0.code == code }?.exists(in: period) == true
            }
        }
        func ceasedRow(_ code: UnitCode, _ scope: Scope, _ period: Period) -> RankingRow? {
            guard let cell = published[scope, code, period] else { return nil }
            var row = rankingRow(cell, name: name(code), total: false)
            let last = input.units.first { $0.code == code }?.validTo
            row.rankNote = labels.ceasedPartYear(last.map { labels.periodInText($0) } ?? "")
            row.change = "–"
            row.changeNote = ""
            return row
        }
        func name(_ code: UnitCode) -> String { unitNames[code] ?? code.code }
        let year = latest.yearPeriod
        let yearComplete = latest.quarter == 4

        // One unit order everywhere: the quarter's published ranking, then units without one.
        /// Units with a cell in the period, by rank (overall, or `inGroup`), unranked ones after, by code.
        func ranked(_ scope: Scope, _ period: Period, among codes: [UnitCode]? = nil, inGroup: Bool = false) -> [UnitCode] {
            func position(_ code: UnitCode) -> Int {
                let rank = published[scope, code, period]?.rank
                return (inGroup ? rank?.inGroup?.position : rank?.position) ?? Int.max
            }
            return (codes ?? input.units.map(\.code)).filter { published[scope, $0, period] != nil && lineage.existsAtEnd(of: period, $0) }.sorted { a, b in
                let ra = position(a), rb = position(b)
                return ra != rb ? ra < rb : a < b
            }
        }
        let quarterOrder = ranked(.unitQuarter, latest)
        let chartTarget = rules.target.map { SVGChart.Target(share: $0, label: labels.targetColumn(NumberStyle.percent($0, language: lang))) }
        let unitOrder = quarterOrder + input.units.map(\.code).filter { !quarterOrder.contains($0) }

        func percent(_ e: Estimate?) -> String { shownPercent(e, language: lang) }
        func interval(_ e: Estimate?) -> String {
            guard let e, let lo = e.lower, let hi = e.upper else { return "–" }
            return "\(NumberStyle.percent(lo, language: lang)) – \(NumberStyle.percent(hi, language: lang))"
        }
        /// Points out of 100, never with a % sign: "90,16".
        func score(_ e: Estimate?) -> String {
            guard let e else { return "–" }
            return e.isSuppressed ? "Q" : e.value.map { NumberStyle.fixed($0, decimals: 2, language: lang) } ?? "–"
        }
        func scoreInterval(_ e: Estimate?) -> String {
            guard let e, let lo = e.lower, let hi = e.upper else { return "" }
            return "\(NumberStyle.fixed(lo, decimals: 2, language: lang)) – \(NumberStyle.fixed(hi, decimals: 2, language: lang))"
        }
        func change(_ c: Change?) -> (text: String, note: String) {
            guard let c, c.diff != nil else { return ("–", "") }
            let note = c.isSignificant.map { $0 ? labels.significant : labels.notSignificant } ?? ""
            return (NumberStyle.points(c.diff, language: lang), note)
        }
        func targetText(_ t: TargetStatus?) -> String { t.map(labels.target) ?? "" }

        /// A ranking-table row of a cell.
        func rankingRow(_ cell: PublishedCell, name: String, total: Bool, inGroup: Bool = false) -> RankingRow {
            let previous = change(cell.changeOnPrevious)
            let yearAgo = change(cell.changeOnYearAgo)
            var rankNote: [String] = []
            var rankText = cell.rank.map { labels.rank($0.position, of: $0.of) } ?? "–"
            if inGroup, let rank = cell.rank, let g = rank.inGroup {
                // Within its group first, as provinces publish; the overall rank beside it.
                rankText = labels.rank(g.position, of: g.of)
                rankNote.append(labels.tier(g.tier))
                rankNote.append(labels.overallRank(labels.rank(rank.position, of: rank.of)))
            } else if let rank = cell.rank {
                rankNote.append(labels.tier(rank.tier))
                if let moved = rank.changeOnPrevious { rankNote.append(labels.rankChange(moved)) }
            }
            let flags = cell.flags.codes.joined(separator: " ")
            if cell.rank == nil && cell.shortOfForms && !cell.index.isSuppressed { rankNote.append(labels.notRankedShort) }
            // Why an index is missing (M) or of low reliability because of a thin factor.
            if !cell.missingFactors.isEmpty { rankNote.append(labels.incompleteNote(cell.missingFactors)) }
            if !cell.index.isSuppressed, !cell.suppressedFactors.isEmpty { rankNote.append(labels.thinFactorNote(cell.suppressedFactors)) }
            return RankingRow(
                name: name, code: cell.key.unit.code, total: total,
                rank: rankText,
                caution: cell.shortOfForms && cell.rank != nil, rankNote: rankNote.joined(separator: "; "),
                index: percent(cell.index), interval: interval(cell.index),
                points: score(cell.points[overallIndexID]), pointsInterval: scoreInterval(cell.points[overallIndexID]),
                forms: NumberStyle.count(cell.forms, language: lang),
                change: previous.text, changeNote: previous.note,
                yearAgo: yearAgo.text, yearAgoNote: yearAgo.note,
                target: targetText(cell.target), flag: flags, flagged: !flags.isEmpty,
                factors: factors.map { ValueInterval(value: percent(cell.factors[$0.id]), interval: interval(cell.factors[$0.id])) })
        }
        /// The ranking tables of a period: one for all units, or one per group (each with the
        /// group's aggregate, the last one also with all units').
        func rankingTables(_ scope: Scope, _ period: Period, id: String) -> [RankingTable] {
            guard !survey.groups.isEmpty else { return [RankingTable(tableId: id, rows: rankingRows(scope, period))] }
            let groupScope: Scope = scope == .unitQuarter ? .groupQuarter : .groupYear
            let allScope: Scope = scope == .unitQuarter ? .allQuarter : .allYear
            var tables: [RankingTable] = []
            for group in survey.groups {
                let members = Set(input.units.filter { $0.group == group.id }.map(\.code))
                let codes = ranked(scope, period, among: input.units.map(\.code).filter(members.contains), inGroup: true)
                var rows = codes.compactMap { code in
                    published[scope, code, period].map { rankingRow($0, name: name(code), total: false, inGroup: true) }
                }
                rows += ceasedWithin(scope, period, among: input.units.map(\.code).filter(members.contains))
                    .compactMap { ceasedRow($0, scope, period) }
                guard !rows.isEmpty else { continue }
                if let g = published[groupScope, UnitCode(group.id), period] {
                    rows.append(rankingRow(g, name: labels.groupTotal(group.name(in: lang)), total: true))
                }
                tables.append(RankingTable(tableId: "\(id)-\(group.id)", group: group.name(in: lang), rows: rows))
            }
            if let all = published[allScope, allUnitsCode, period], !tables.isEmpty {
                tables[tables.count - 1].rows.append(rankingRow(all, name: labels.allUnits(rules.aggregation), total: true))
            }
            return tables
        }
        func rankingRows(_ scope: Scope, _ period: Period) -> [RankingRow] {
            var rows = ranked(scope, period).compactMap { code in
                published[scope, code, period].map { rankingRow($0, name: name(code), total: false) }
            }
            rows += ceasedWithin(scope, period, among: input.units.map(\.code)).compactMap { ceasedRow($0, scope, period) }
            let allScope: Scope = scope == .unitQuarter ? .allQuarter : .allYear
            if let all = published[allScope, allUnitsCode, period] {
                rows.append(rankingRow(all, name: labels.allUnits(rules.aggregation), total: true))
            }
            return rows
        }

        // The year (first when it is complete: the decision is annual) and the quarter.
        var yearSection: PeriodSection? = nil
        if published[.allYear, allUnitsCode, year] != nil || published.keys.contains(where: { $0.scope == .unitYear && $0.period == year }) {
            yearSection = PeriodSection(
                id: "year", heading: labels.yearHeading(year, through: yearComplete ? nil : latest),
                tables: rankingTables(.unitYear, year, id: "year"),
                changeHeading: labels.changeOnPreviousYear, hasYearAgo: false)
        }
        var quarterSection = PeriodSection(
            id: "quarter", heading: labels.resultsHeading(latest),
            tables: rankingTables(.unitQuarter, latest, id: "quarter"), changeHeading: labels.changeOnPreviousQuarter,
            hasYearAgo: true, yearAgoHeading: labels.changeOnYearAgo)
        // Bar chart of the quarter: each unit's published index with its interval.
        let bars = quarterOrder.compactMap { code -> SVGChart.Bar? in
            guard let cell = published[.unitQuarter, code, latest] else { return nil }
            return SVGChart.Bar(label: name(code), value: cell.index.value, lower: cell.index.lower, upper: cell.index.upper,
                                note: cell.index.isSuppressed ? labels.suppressedNote
                                    : cell.missingFactors.isEmpty ? nil : labels.incompleteNote(cell.missingFactors))
        }
        quarterSection.chart = SVGChart.bars(
            bars, id: "chart-units", title: labels.barTitle(labels.periodInText(latest)),
            description: bars.map { b in "\(b.label): " + (b.note ?? "\(NumberStyle.percent(b.value, language: lang)) (\(NumberStyle.percent(b.lower, language: lang)) – \(NumberStyle.percent(b.upper, language: lang)))") }
                .joined(separator: "; "),
            language: lang, target: chartTarget)
        var periodSections: [PeriodSection] = []
        if let yearSection, yearComplete { periodSections.append(yearSection) }
        periodSections.append(quarterSection)
        if let yearSection, !yearComplete { periodSections.append(yearSection) }
        for i in periodSections.indices {
            let caption = labels.rankingCaption(periodSections[i].heading)
            for j in periodSections[i].tables.indices {
                periodSections[i].tables[j].caption = numbers.caption(periodSections[i].tables[j].group.map { "\(caption) – \($0)" } ?? caption)
            }
        }
        page.periodSections = periodSections
        page.hasTarget = rules.target != nil
        page.hasPoints = rules.publishPoints
        page.pointsHeading = labels.pointsColumn
        page.targetHeading = rules.target.map { labels.targetColumn(NumberStyle.percent($0, language: lang)) } ?? ""

        // Summary: the year's and the quarter's headline, the ranking policy, and the lists a decision needs.
        var headlines: [String] = []
        let yearAll = published[.allYear, allUnitsCode, year]
        let quarterAll = published[.allQuarter, allUnitsCode, latest]
        func headline(_ cell: PublishedCell?, _ period: Period, partial: Bool) -> String? {
            guard let cell else { return nil }
            let c = change(cell.changeOnPrevious)
            let pts = cell.points[overallIndexID].flatMap { $0.isSuppressed ? nil : $0 }
            return labels.headline(
                points: pts.map { (score($0), scoreInterval($0)) },
                period: partial ? labels.yearHeading(period, through: latest) : labels.periodName(period),
                index: percent(cell.index), interval: interval(cell.index), change: c.text, changeNote: c.note,
                previousWord: period.isQuarter ? labels.previousQuarterWord : labels.previousYearWord,
                target: targetText(cell.target), targetText: rules.target.map { NumberStyle.percent($0, language: lang) })
        }
        if yearComplete, let h = headline(yearAll, year, partial: false) { headlines.append(h) }
        if let h = headline(quarterAll, latest, partial: false) { headlines.append(h) }
        if !yearComplete, let h = headline(yearAll, year, partial: true) { headlines.append(h) }
        page.headlines = headlines.map { TextLine(text: $0) }
        page.rankingPolicy = labels.rankingPolicy(rules)
        var lists: [ListView] = []
        let quarterCells = unitOrder.compactMap { published[.unitQuarter, $0, latest] }
        if rules.target != nil {
            let missed = quarterCells.filter { $0.target?.isMissed == true }
            lists.append(ListView(title: labels.belowTargetList(labels.periodInText(latest)),
                                  items: missed.map { TextLine(text: "\(name($0.key.unit)): \(percent($0.index)) (\(targetText($0.target)))") },
                                  empty: missed.isEmpty, none: labels.noneWord))
        }
        let short = quarterCells.filter(\.shortOfForms)
        lists.append(ListView(title: labels.belowPlanList(labels.periodInText(latest)),
                              items: short.map { cell -> TextLine in
                                  let checks = input.checks(of: cell.key.unit, in: latest).filter { $0.status == .fail
                                      && ($0.check == "plan_minimum" || $0.check == "sample_size_rule") }
                                  return TextLine(text: "\(name(cell.key.unit)): " + checks.map(labels.checkFinding).joined(separator: "; "))
                              },
                              empty: short.isEmpty, none: labels.noneWord))
        let movers = quarterCells.filter { $0.changeOnPrevious?.diff != nil }
            .sorted { abs($0.changeOnPrevious!.diff!) > abs($1.changeOnPrevious!.diff!) }.prefix(3)
        lists.append(ListView(title: labels.moversList(labels.periodInText(latest)),
                              items: movers.map { cell -> TextLine in
                                  let c = change(cell.changeOnPrevious)
                                  return TextLine(text: "\(name(cell.key.unit)): \(c.text) \(labels.pointsWord) (\(c.note))")
                              },
                              empty: movers.isEmpty, none: labels.noneWord))
        page.lists = lists

        // Factors of the quarter, with their intervals.
        page.factorCaption = numbers.caption(labels.factorCaption(labels.periodInText(latest)))
        page.factorRows = rankingRows(.unitQuarter, latest)

        // Trend over the last eight quarters: the chart of all units, and each unit's values with intervals.
        let quarters = Array(published.quarters.suffix(8))
        let trendPoints = quarters.map { q -> SVGChart.Point in
            let e = published[.allQuarter, allUnitsCode, q]?.index
            return SVGChart.Point(label: labels.shortPeriod(q), value: e?.value, lower: e?.lower, upper: e?.upper,
                                  tick: labels.axisTick(q).tick, group: labels.axisTick(q).group)
        }
        page.trendChart = SVGChart.trend(
            trendPoints, id: "chart-trend", title: labels.trendTitle,
            description: trendPoints.map { "\($0.label): \(NumberStyle.percent($0.value, language: lang))" }.joined(separator: "; "),
            language: lang, target: chartTarget)
        page.trendHeaders = quarters.map { Label(label: labels.shortPeriod($0)) }
        page.trendCaption = numbers.caption(labels.trendCaption)
        func trendRow(_ scope: Scope, _ unit: UnitCode, _ label: String) -> TrendRow {
            TrendRow(name: label, total: scope == .allQuarter,
                     values: quarters.map { q -> ValueInterval in
                         guard let cell = published[scope, unit, q], scope != .unitQuarter || lineage.exists(unit, in: q) else {
                             return ValueInterval(value: "–", interval: "")
                         }
                         return ValueInterval(value: percent(cell.index), interval: cell.index.isSuppressed ? "" : interval(cell.index))
                     })
        }
        page.trendRows = unitOrder.map { trendRow(.unitQuarter, $0, name($0)) }
            + [trendRow(.allQuarter, allUnitsCode, labels.allUnits(rules.aggregation))]

        // Quality items of the quarter.
        let quality = survey.qualityItems
        page.hasQuality = !quality.isEmpty
        if !quality.isEmpty { page.qualityCaption = numbers.caption(labels.qualityCaption(labels.periodInText(latest))) }
        page.qualityHeaders = quality.map { IDName(id: $0.id, name: lang == .vi ? nonEmpty($0.favourableVi, $0.textVi) : nonEmpty($0.favourableEn, $0.textEn)) }
        page.qualityRows = (unitOrder.map { (Scope.unitQuarter, $0, name($0)) } + [(Scope.allQuarter, allUnitsCode, labels.allUnits(.pooled))])
            .compactMap { scope, unit, label -> ValuesRow? in
                guard let cell = published[scope, unit, latest] else { return nil }
                return ValuesRow(name: label, total: scope == .allQuarter,
                                 values: quality.map { item -> QualityValue in
                                     let e = cell.items[item.id]
                                     return QualityValue(value: percent(e), interval: e?.isSuppressed == false ? interval(e) : "",
                                                         n: "n = " + NumberStyle.count(e?.n ?? 0, language: lang))
                                 })
            }

        // The year by respondent and procedure (`[estimates] breakdowns`).
        page.breakdowns = breakdownSection(
            year: year, units: unitOrder.map { ($0, name($0)) }, allName: labels.allUnits(.pooled), published: published,
            survey: survey, labels: labels, numbers: numbers)

        // What drives overall satisfaction: importance against performance.
        page.drivers = driverSection(year: year, published: published, survey: survey, labels: labels, numbers: numbers)

        // Each factor's Cronbach's α over the year.
        page.reliability = reliabilitySection(
            year: year, units: unitOrder.map { ($0, name($0)) }, allName: labels.allUnits(.pooled), published: published,
            survey: survey, labels: labels, numbers: numbers)

        // Sampling: forms per unit and quarter against the plan minimum and the sample-size rule.
        page.samplingCaption = numbers.caption(labels.samplingHeading)
        page.samplingRows = unitOrder.map { code -> SamplingRow in
            SamplingRow(name: name(code),
             values: quarters.map { q -> SamplingValue in
                 let checks = input.checks(of: code, in: q)
                 let plan = checks.first { $0.check == "plan_minimum" }
                 let rule = checks.first { $0.check == "sample_size_rule" }
                 var notes: [String] = []
                 if plan?.status == .fail { notes.append(labels.belowPlanShort(Int(plan?.required ?? 0))) }
                 if let rule { notes.append(labels.ruleShort(Int(rule.required ?? 0), met: rule.status != .fail)) }
                 return SamplingValue(forms: plan.map { NumberStyle.count(Int($0.observed ?? 0), language: lang) } ?? "–",
                                      note: notes.joined(separator: "; "),
                                      fail: plan?.status == .fail || rule?.status == .fail)
             })
        }
        page.samplingNote = labels.samplingNote(rules)
        let failed = input.checks.filter { $0.period == latest && $0.status == .fail }
        page.failedChecks = failed.map {
            FailedCheck(unit: name($0.unit), check: labels.checkName($0.check), message: labels.checkFinding($0))
        }
        page.hasFailedChecks = !failed.isEmpty
        if !failed.isEmpty { page.failedCaption = numbers.caption(labels.failedChecksHeading) }
        page.sources = sourcesTable(input, labels: labels, numbers: numbers)

        // The annex: per unit, every question and factor with its interval and flag, quarter and year.
        let likert = survey.likertItems
        page.units = unitOrder.map { code -> UnitAnnex in
            let q = published[.unitQuarter, code, latest]
            let y = published[.unitYear, code, year]
            func item(_ e: Estimate?) -> AnnexFigure {
                AnnexFigure(value: percent(e), interval: e?.isSuppressed == false ? interval(e) : "–",
                            n: NumberStyle.count(e?.n ?? 0, language: lang), flag: e?.flags.codes.joined(separator: " ") ?? "")
            }
            let points = quarters.map { p -> SVGChart.Point in
                let e = published[.unitQuarter, code, p]?.index
                return SVGChart.Point(label: labels.shortPeriod(p), value: e?.value, lower: e?.lower, upper: e?.upper,
                                      tick: labels.axisTick(p).tick, group: labels.axisTick(p).group)
            }
            return UnitAnnex(
                code: code.code, name: name(code),
                summary: labels.unitSummary(
                    quarter: labels.periodInText(latest), quarterForms: q?.forms ?? 0,
                    yearText: labels.yearHeading(year, through: yearComplete ? nil : latest), yearForms: y?.forms ?? 0,
                    rank: q?.rank.map { labels.rank($0.position, of: $0.of) }, yearRank: y?.rank.map { labels.rank($0.position, of: $0.of) }),
                channelCaption: numbers.caption(labels.channelCaption(name(code))),
                channels: [latest, year].flatMap { period in
                    Channel.allCases.sorted { $0 == .paper && $1 != .paper }.compactMap { channel -> ChannelRow? in
                        let scope = Scope.channelScope(quarterly: period.isQuarter, channel)
                        guard let c = published[scope, code, period] else { return nil }
                        return ChannelRow(channel: labels.channelName(channel), period: labels.periodName(period),
                                          forms: NumberStyle.count(c.forms, language: lang), index: percent(c.index),
                                          interval: c.index.isSuppressed ? "–" : interval(c.index),
                                          points: score(c.points[overallIndexID]), flag: c.index.flags.codes.joined(separator: " "))
                    }
                },
                itemCaption: numbers.caption(labels.itemCaption(name(code))),
                quarterHeading: labels.periodName(latest), yearHeading: labels.periodName(year),
                factors: factors.map { f in
                    FactorAnnexRow(id: f.id, name: lang == .vi ? f.nameVi : f.nameEn, quarter: item(q?.factors[f.id]),
                                   year: item(y?.factors[f.id]), isIndex: false)
                } + [FactorAnnexRow(id: "", name: labels.indexColumn, quarter: item(q?.index), year: item(y?.index), isIndex: true)],
                items: likert.map { it in
                    ItemAnnexRow(id: it.id, text: lang == .vi ? it.textVi : nonEmpty(it.textEn, it.textVi),
                                 quarter: item(q?.items[it.id]), year: item(y?.items[it.id]))
                },
                chart: SVGChart.trend(
                    points, id: "chart-trend-\(code)", title: labels.unitTrendTitle(name(code)),
                    description: points.map { "\($0.label): \(NumberStyle.percent($0.value, language: lang))" }.joined(separator: "; "),
                    language: lang, target: chartTarget))
        }
        return template.render(try TemplateEncoder.value(of: page))
    }

    static func sourcesTable(_ input: ReportInput, labels: Labels, numbers: TableNumbers) -> SourcesTable {
        let lang = input.language
        return SourcesTable(
            caption: numbers.caption(labels.sourcesHeading),
            rows: input.sources.map {
                SourceRow(path: $0.path, sha: String($0.sha256.prefix(16)), accepted: NumberStyle.count($0.accepted, language: lang),
                          rejected: NumberStyle.count($0.rejected, language: lang),
                          duplicates: NumberStyle.count($0.duplicates, language: lang))
            })
    }

    static func nonEmpty(_ a: String, _ b: String) -> String { a.isEmpty ? b : a }

    /// A published share as the tables print it: `Q` when suppressed, `–` when there is none.
    static func shownPercent(_ e: Estimate?, language: Language) -> String {
        guard let e else { return "–" }
        return e.isSuppressed ? "Q" : NumberStyle.percent(e.value, language: language)
    }
}

extension HTMLReport {
    /// The page's Mustache template (`Resources/report.html.mustache`), parsed once per
    /// process: on first use, or ahead on another thread (`ReportRenderer.prepare()`).
    static func template() throws -> PageTemplate { try parsedTemplate.get() }

    static let parsedTemplate = ParsedTemplate()

    /// The template parsed by whichever thread asks first; the others wait for it.
    final class ParsedTemplate: @unchecked Sendable {
        private let lock = NSLock()
        private var parsed: Result<PageTemplate, Error>?

        func get() throws -> PageTemplate {
            try lock.withLock {
                if let parsed { return try parsed.get() }
                let result = Result { () throws -> PageTemplate in
                    let text = try HTMLReport.templateText()
                    do { return try PageTemplate(text) } catch { throw ReportError.template("\(error)") }
                }
                parsed = result
                return try result.get()
            }
        }
    }

    /// The text of `Resources/report.html.mustache`.
    static func templateText() throws -> String {
        guard let url = Bundle.module.url(forResource: "report.html", withExtension: "mustache", subdirectory: "Resources"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw ReportError.template("Resources/report.html.mustache not found in \(Bundle.module.bundlePath)") }
        return text
    }
}

/// The page's template, parsed in pieces and rendered as their concatenation.
///
/// swift-mustache 2.1's parser counts the characters left in its text at every closing
/// delimiter, so parsing takes time in the square of the text's length (a tenth of a 20-unit
/// run for the 364 lines). The pieces are cut at line ends outside every section, before a
/// line that starts with text, where rendering the whole is rendering each piece in turn: the
/// same text around each tag, each tag's line whole in its piece.
struct PageTemplate {
    let pieces: [MustacheTemplate]

    /// Bytes after which a piece ends at the next line end outside every section.
    static let pieceLength = 2_000

    init(_ text: String) throws {
        _ = PageEscaping.registered
        // The page's escaping named before each piece's first byte: no line of its own,
        // nothing written.
        func parse(_ piece: String) throws -> MustacheTemplate {
            try MustacheTemplate(string: "{{% CONTENT_TYPE: \(PageEscaping.name) }}" + piece)
        }
        // A template that changes its delimiters, or that the cut leaves a piece of which does
        // not parse (a tag's text inside a comment, say), is parsed whole, as before.
        if !text.contains("{{="), let pieces = try? Self.cut(text).map(parse) {
            self.pieces = pieces
        } else {
            pieces = [try parse(text)]
        }
    }

    /// `text` cut at line ends outside every section, into pieces of about `pieceLength`.
    static func cut(_ text: String) -> [String] {
        var pieces: [String] = []
        var piece = ""
        var depth = 0
        // Long enough, and the last line ended outside every section: cut before the next line
        // that starts with text, after which the piece's leading pragma is not a line of its
        // own (a standalone tag's line end is not written).
        var due = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({ $0 + "\n" }) {
            if due, let first = line.first, !first.isWhitespace, !line.hasPrefix("{{") {
                pieces.append(piece)
                piece = ""
                due = false
            }
            piece += line
            var rest = line[...]
            while let open = rest.range(of: "{{") {
                let tag = rest[open.upperBound...]
                if tag.hasPrefix("#") || tag.hasPrefix("^") { depth += 1 }
                if tag.hasPrefix("/") { depth -= 1 }
                rest = tag
            }
            due = depth == 0 && piece.utf8.count >= pieceLength
        }
        // The split added a line end after the last line, which has none.
        piece.removeLast()
        pieces.append(piece)
        return pieces.filter { !$0.isEmpty }
    }

    /// The page's bytes: each piece's text copied once into a buffer of their joint size
    /// (the pages are megabytes at 200 units; a growing string would copy them again).
    func render(_ context: Any) -> Data {
        let texts = pieces.map { $0.render(context) }
        var page = Data(capacity: texts.reduce(0) { $0 + $1.utf8.count })
        for var text in texts { text.withUTF8 { page.append($0) } }
        return page
    }
}

/// The template engine's HTML escaping (`<`, `>`, `&`, `"`, `'`, character by character, as
/// swift-mustache 2.1 does), with text holding none of them handed back as it is: the
/// engine's own looks every character up in a dictionary, a tenth of a 20-unit run.
struct PageEscaping: MustacheContentType {
    static let name = "SIPAS_HTML"
    static let registered: Void = MustacheContentTypes.register(PageEscaping(), named: name)

    func escapeText(_ text: String) -> String {
        let plain = text.utf8.allSatisfy {
            $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "&") && $0 != UInt8(ascii: "\"")
                && $0 != UInt8(ascii: "'")
        }
        if plain { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for c in text {
            switch c {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(c)
            }
        }
        return escaped
    }
}
