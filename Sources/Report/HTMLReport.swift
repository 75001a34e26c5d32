import Foundation
import Mustache
import Stats
import SurveyModel

/// Renders `report.html` from `Resources/report.html.mustache`: one self-contained page.
enum HTMLReport {
    static func render(_ input: ReportInput, view: ReportView, template: MustacheTemplate) -> Data {
        let labels = Labels(language: input.language, confidenceLevel: input.survey.rules.confidenceLevel)
        let lang = input.language
        let rules = input.survey.rules
        let lookup = view.lookup
        let factors = input.survey.factors
        var context: [String: Any] = [
            "lang": lang.rawValue,
            "title": lang == .vi ? nonEmpty(input.survey.titleVi, labels.defaultTitle)
                : nonEmpty(input.survey.titleEn, nonEmpty(input.survey.titleVi, labels.defaultTitle)),
            "agency": lang == .vi ? input.survey.agencyVi : nonEmpty(input.survey.agencyEn, input.survey.agencyVi),
            "sipas": labels.defaultTitle,
            "releaseLabel": labels.releaseWord,
            "dataThroughLabel": labels.dataThroughWord,
            "releaseDate": labels.date(input.releaseDate),
            "programVersion": input.programVersion,
            "labels": [
                "unit": labels.unitColumn, "index": labels.indexColumn, "interval": labels.intervalColumn,
                "forms": labels.formsColumn, "change": labels.changeColumn, "flag": labels.flagColumn,
                "factors": labels.factorsHeading, "checks": labels.checksHeading, "method": labels.methodHeading,
                "sources": labels.sourcesHeading, "legend": labels.legend(rules), "file": labels.fileColumn,
                "accepted": labels.acceptedColumn, "rejected": labels.rejectedColumn,
                "duplicates": labels.duplicateColumn, "check": labels.checkColumn, "result": labels.resultColumn,
                "noChecksFailed": labels.noChecksFailed, "rank": labels.rankColumn, "quality": labels.qualityHeading,
                "trend": labels.trendHeading, "sampling": labels.samplingHeading, "chartTable": labels.chartTableNote,
                "failedChecks": labels.failedChecksHeading, "headline": labels.headlineHeading,
            ],
            "factorHeaders": factors.map { ["id": $0.id, "name": lang == .vi ? $0.nameVi : $0.nameEn] },
            "method": labels.methodNote(input.survey).map { ["text": $0] },
            "sources": input.sources.map {
                ["path": $0.path, "sha": String($0.sha256.prefix(16)), "accepted": NumberStyle.count($0.accepted, language: lang),
                 "rejected": NumberStyle.count($0.rejected, language: lang),
                 "duplicates": NumberStyle.count($0.duplicates, language: lang)]
            },
        ]
        // Set only when known: an empty string would still open a Mustache section.
        if let through = input.dataThrough { context["dataThrough"] = labels.date(through) }
        guard let latest = view.latest else {
            context["hasData"] = false
            return Data(template.render(context).utf8)
        }
        context["hasData"] = true
        context["periodHeading"] = labels.resultsHeading(latest)
        let period = latest.description
        let previous = latest.previous
        let unitNames = Dictionary(input.units.map { ($0.code, $0.name(in: lang)) }, uniquingKeysWith: { a, _ in a })

        let publication = Publication(survey: input.survey)
        func shown(_ scope: Scope, _ unit: String, _ subject: String, _ value: Double?) -> String {
            lookup.flagged(scope, unit, period, subject, "Q") ? "Q" : NumberStyle.percent(value, language: lang)
        }
        func flags(_ scope: Scope, _ unit: String, _ subject: String) -> String {
            ["Q", "U", "I"].filter { lookup.flagged(scope, unit, period, $0 == "I" ? "ALL" : subject, $0) }.joined(separator: " ")
        }
        func row(scope: Scope, unit: String, name: String) -> [String: Any]? {
            guard lookup.has(scope, unit, period) else { return nil }
            let forms = Int(lookup.value(scope, unit, period, "ALL", "n_rows", "count") ?? 0)
            let published = publication.publishedIndex(lookup, scope, unit, period, overallIndexID)
            let suppressed = lookup.flagged(scope, unit, period, overallIndexID, "Q")
            let label = "\(latest) vs \(previous)"
            let (diff, dLower, dUpper, _) = publication.publishedChange(lookup, scope, unit, label, overallIndexID)
            var changeNote = labels.noPrevious
            if diff != nil, let dLower, let dUpper {
                changeNote = (dLower > 0 || dUpper < 0) ? labels.significant : labels.notSignificant
            }
            let flagText = flags(scope, unit, overallIndexID)
            let target: String
            switch publication.targetStatus(lookup, scope, unit, period) {
            case .significantlyMet: target = labels.targetSignificantlyMet
            case .met: target = labels.targetMet
            case .notMet: target = labels.targetNotMet
            case .significantlyMissed: target = labels.targetSignificantlyMissed
            case nil: target = ""
            }
            var rank = "–"
            var rankNote = ""
            if let r = lookup.value(scope, unit, period, overallIndexID, "rank", rules.indexMeasure.indexMethod) {
                rank = String(Int(r))
                let tier = lookup.value(scope, unit, period, overallIndexID, "rank_group", "interval_overlap").map { Int($0) }
                var notes: [String] = []
                if let tier { notes.append(labels.tier(tier)) }
                if let change = lookup.value(scope, unit, period, overallIndexID, "rank_change", "previous_period") {
                    notes.append(labels.rankChange(Int(change)))
                }
                rankNote = notes.joined(separator: "; ")
            }
            return [
                "name": name, "code": unit, "rank": rank, "rankNote": rankNote,
                "index": suppressed ? "Q" : NumberStyle.percent(published.value, language: lang),
                "interval": !suppressed && published.lower != nil && published.upper != nil
                    ? "\(NumberStyle.percent(published.lower, language: lang)) – \(NumberStyle.percent(published.upper, language: lang))" : "–",
                "forms": NumberStyle.count(forms, language: lang),
                "change": diff == nil || suppressed ? "–" : NumberStyle.points(diff, language: lang),
                "changeNote": suppressed ? "" : changeNote,
                "target": target,
                "flag": flagText,
                "flagged": !flagText.isEmpty,
                "factors": factors.map {
                    ["value": shown(scope, unit, $0.id, publication.publishedIndex(lookup, scope, unit, period, $0.id).value)]
                },
            ]
        }
        var rows: [[String: Any]] = []
        for unit in input.units {
            if let r = row(scope: .unitQuarter, unit: unit.code, name: unitNames[unit.code] ?? unit.code) { rows.append(r) }
        }
        // Ranked units first, by rank; the others (suppressed) after, by code.
        rows.sort { a, b in
            let ra = Int(a["rank"] as! String) ?? Int.max, rb = Int(b["rank"] as! String) ?? Int.max
            return ra != rb ? ra < rb : (a["code"] as! String) < (b["code"] as! String)
        }
        context["rows"] = rows
        // One unit order everywhere: the published ranking, then units without one.
        let rankedCodes = rows.map { $0["code"] as! String }
        let byCode = Dictionary(input.units.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let orderedUnits = rankedCodes.compactMap { byCode[$0] } + input.units.filter { !rankedCodes.contains($0.code) }
        context["allRow"] = row(scope: .allQuarter, unit: allUnitsCode, name: labels.allUnits(rules.aggregation)) ?? false
        context["hasTarget"] = rules.target != nil
        context["targetHeading"] = rules.target.map { labels.targetColumn(NumberStyle.percent($0, language: lang)) } ?? ""
        let quality = input.survey.qualityItems
        context["hasQuality"] = !quality.isEmpty
        context["qualityHeaders"] = quality.map { ["id": $0.id, "name": lang == .vi ? nonEmpty($0.favourableVi, $0.textVi) : nonEmpty($0.favourableEn, $0.textEn)] }
        var qualityRows: [[String: Any]] = []
        for (scope, unit, name) in orderedUnits.map({ (Scope.unitQuarter, $0.code, unitNames[$0.code] ?? $0.code) })
            + [(Scope.allQuarter, allUnitsCode, labels.allUnits(.pooled))]
        where lookup.has(scope, unit, period) {
            qualityRows.append([
                "name": name, "total": scope == .allQuarter,
                "values": quality.map { item -> [String: String] in
                    let method = rules.intervalMethod.rawValue
                    let p = lookup.value(scope, unit, period, item.id, "p", "unweighted")
                    let lo = lookup.value(scope, unit, period, item.id, "p_lower", method)
                    let hi = lookup.value(scope, unit, period, item.id, "p_upper", method)
                    let suppressed = lookup.flagged(scope, unit, period, item.id, "Q")
                    let n = Int(lookup.value(scope, unit, period, item.id, "n", "count") ?? 0)
                    return [
                        "value": suppressed ? "Q" : NumberStyle.percent(p, language: lang),
                        "interval": suppressed || lo == nil ? "" : "\(NumberStyle.percent(lo, language: lang)) – \(NumberStyle.percent(hi, language: lang))",
                        "n": "n = " + NumberStyle.count(n, language: lang),
                    ]
                },
            ])
        }
        context["qualityRows"] = qualityRows
        // Headline: the all-units SIPAS index of the period in one sentence.
        if let all = context["allRow"] as? [String: Any] {
            context["headline"] = labels.headline(
                period: labels.periodName(latest), index: all["index"] as! String, interval: all["interval"] as! String,
                change: all["change"] as! String, changeNote: all["changeNote"] as! String, target: all["target"] as! String,
                targetText: rules.target.map { NumberStyle.percent($0, language: lang) })
        }
        // Bar chart: each unit's published index with its interval (suppressed: "Q", no bar).
        let bars = rows.map { r in
            let code = r["code"] as! String
            let p = publication.publishedIndex(lookup, .unitQuarter, code, period, overallIndexID)
            let hidden = lookup.flagged(.unitQuarter, code, period, overallIndexID, "Q")
            return SVGChart.Bar(label: r["name"] as! String, value: p.value, lower: p.lower, upper: p.upper,
                                note: hidden ? labels.suppressedNote : nil)
        }
        context["barChart"] = SVGChart.bars(
            bars, id: "chart-units", title: labels.barTitle(labels.periodInText(latest)),
            description: bars.map { b in "\(b.label): " + (b.note ?? "\(NumberStyle.percent(b.value, language: lang)) (\(NumberStyle.percent(b.lower, language: lang)) – \(NumberStyle.percent(b.upper, language: lang)))") }
                .joined(separator: "; "),
            language: lang)
        // Trend over the last eight quarters: all units (band = interval), and a table per unit.
        let quarters = lookup.quarters.sorted().suffix(8)
        let trendPoints = quarters.map { q -> SVGChart.Point in
            let p = publication.publishedIndex(lookup, .allQuarter, allUnitsCode, q.description, overallIndexID)
            return SVGChart.Point(label: labels.shortPeriod(q), value: p.value, lower: p.lower, upper: p.upper)
        }
        context["trendChart"] = SVGChart.trend(
            trendPoints, id: "chart-trend", title: labels.trendTitle,
            description: trendPoints.map { "\($0.label): \(NumberStyle.percent($0.value, language: lang))" }.joined(separator: "; "),
            language: lang)
        context["trendHeaders"] = quarters.map { ["label": labels.shortPeriod($0)] }
        var trendRows: [[String: Any]] = []
        for (scope, unit, name) in orderedUnits.map({ (Scope.unitQuarter, $0.code, unitNames[$0.code] ?? $0.code) })
            + [(Scope.allQuarter, allUnitsCode, labels.allUnits(rules.aggregation))]
        {
            trendRows.append([
                "name": name, "total": scope == .allQuarter,
                "values": quarters.map { q -> [String: Any] in
                    let label = q.description
                    guard lookup.has(scope, unit, label) else { return ["value": "–"] }
                    if lookup.flagged(scope, unit, label, overallIndexID, "Q") { return ["value": "Q"] }
                    return ["value": NumberStyle.percent(publication.publishedIndex(lookup, scope, unit, label, overallIndexID).value, language: lang)]
                },
            ])
        }
        context["trendRows"] = trendRows
        // Sampling: forms per unit and quarter against the plan minimum and the sample-size rule.
        var sampling: [[String: Any]] = []
        for unit in orderedUnits {
            sampling.append([
                "name": unitNames[unit.code] ?? unit.code,
                "values": quarters.map { q -> [String: Any] in
                    let checks = input.checks.filter { $0.unit == unit.code && $0.period == q }
                    let plan = checks.first { $0.check == "plan_minimum" }
                    let rule = checks.first { $0.check == "sample_size_rule" }
                    let forms = Int(plan?.observed ?? 0)
                    var notes: [String] = []
                    if plan?.status == .fail { notes.append(labels.belowPlanShort(Int(plan?.required ?? 0))) }
                    if let rule {
                        notes.append(rule.status == .fail ? labels.ruleShort(Int(rule.required ?? 0), met: false)
                                                           : labels.ruleShort(Int(rule.required ?? 0), met: true))
                    }
                    return ["forms": plan == nil ? "–" : NumberStyle.count(forms, language: lang), "note": notes.joined(separator: "; "),
                            // A Bool: the template's section would fire on an empty string too.
                            "fail": plan?.status == .fail || rule?.status == .fail]
                },
            ])
        }
        context["samplingRows"] = sampling
        context["samplingNote"] = labels.samplingNote(rules)
        let failed = input.checks.filter { $0.period == latest && $0.status == .fail }
        context["failedChecks"] = failed.map {
            ["unit": unitNames[$0.unit] ?? $0.unit, "check": labels.checkName($0.check), "message": labels.checkFinding($0)]
        }
        context["hasFailedChecks"] = !failed.isEmpty
        return Data(template.render(context).utf8)
    }

    static func nonEmpty(_ a: String, _ b: String) -> String { a.isEmpty ? b : a }
}

/// Renders and validates a release's reports.
public enum ReportRenderer {
    public struct Rendered: Sendable {
        public var xml: Data
        /// The report in the release's language.
        public var html: Data
        /// The report in the other language, and that language.
        public var otherHTML: Data
        public var otherLanguage: Language
        public var sdmx: Data
        public var summary: Data
        /// `summary.xlsx`: the report's tables as a workbook.
        public var workbook: Data
    }

    /// The schema shipped with the program.
    public static var schemaPath: String {
        Bundle.module.url(forResource: "report", withExtension: "xsd", subdirectory: "Resources")?.path
            ?? Bundle.module.bundlePath + "/Resources/report.xsd"
    }

    static func template() throws -> MustacheTemplate {
        guard let url = Bundle.module.url(forResource: "report.html", withExtension: "mustache", subdirectory: "Resources"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw ReportError.template("Resources/report.html.mustache not found in \(Bundle.module.bundlePath)") }
        do { return try MustacheTemplate(string: text) } catch { throw ReportError.template("\(error)") }
    }

    /// Renders `report.xml` and `report.html`; the XML is validated against `report.xsd`
    /// and a failing validation throws: an invalid report is never returned.
    public static func render(_ input: ReportInput) throws -> Rendered {
        guard !input.estimates.isEmpty else { throw ReportError.noEstimates }
        let view = ReportView(input)
        let xml = try XMLReport.render(input, view: view)
        let errors = try SchemaValidator.validate(xml, schemaPath: schemaPath)
        guard errors.isEmpty else { throw ReportError.validationFailed(errors) }
        let template = try template()
        let html = HTMLReport.render(input, view: view, template: template)
        var other = input
        other.language = input.language == .vi ? .en : .vi
        let otherHTML = HTMLReport.render(other, view: view, template: template)
        let sdmx = try SDMXExport.render(input, view: view)
        let summary = SummaryCSV.render(input, view: view)
        let workbook = try SummaryXLSX.render(input, view: view)
        return Rendered(xml: xml, html: html, otherHTML: otherHTML, otherLanguage: other.language, sdmx: sdmx, summary: summary,
                        workbook: workbook)
    }
}
