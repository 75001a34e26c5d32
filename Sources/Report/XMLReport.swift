import Foundation
import Stats
import SurveyModel

/// Writes `report.xml` in the project's namespace (schema: `Resources/report.xsd`).
enum XMLReport {
    static let namespace = "urn:x-sipas-pipeline:report:1"

    /// The raised flags of an estimate, space-separated (an xs:list), or nil.
    static func flagList(_ lookup: EstimateLookup, _ cell: CellKey, _ period: String, _ subject: String) -> String? {
        let raised = ["Q", "U", "I"].filter { lookup.flagged(cell.scope, cell.unit, period, subject, $0) }
        return raised.isEmpty ? nil : raised.joined(separator: " ")
    }

    static func render(_ input: ReportInput, view: ReportView) throws -> Data {
        let w = try XMLWriter()
        let survey = input.survey
        let lookup = view.lookup
        try w.start("report", namespace: namespace)
        try w.attribute("schemaVersion", "1")
        try w.attribute("language", input.language.rawValue)
        try w.attribute("releaseDate", input.releaseDate)
        try w.attribute("dataThrough", input.dataThrough)
        try w.attribute("latestPeriod", view.latest?.description)
        try w.attribute("programVersion", input.programVersion)

        try w.start("survey")
        for (name, vi, en) in [("title", survey.titleVi, survey.titleEn), ("agency", survey.agencyVi, survey.agencyEn)] {
            if !vi.isEmpty { try w.element(name, [("lang", "vi")], text: vi) }
            if !en.isEmpty { try w.element(name, [("lang", "en")], text: en) }
        }
        try w.end()

        let rules = survey.rules
        try w.start("method")
        try w.attribute("confidenceLevel", EstimateRow.format(rules.confidenceLevel))
        try w.attribute("itemInterval", rules.intervalMethod.rawValue)
        try w.attribute("indexMeasure", rules.indexMeasure.rawValue)
        try w.attribute("indexStandardError", rules.indexMeasure.linearisation)
        try w.attribute("indexInterval", rules.indexMeasure.linearisation + "_logit")
        try w.attribute("changeTest", rules.indexMeasure == .unweighted ? "lin_unweighted_wald_z" : "weighted_wald_z")
        try w.attribute("aggregation", rules.aggregation.rawValue)
        try w.attribute("target", rules.target.map { EstimateRow.format($0) })
        try w.attribute("suppressBelow", String(rules.suppressBelow))
        try w.attribute("maxHalfWidth", EstimateRow.format(rules.maxHalfWidth))
        try w.attribute("planMinimum", String(rules.planMinimum))
        try w.attribute("marginOfError", EstimateRow.format(rules.marginOfError))
        for answer in rules.satisfied.sorted() { try w.element("satisfiedAnswer", text: String(answer)) }
        try w.end()

        try w.start("factors")
        for f in survey.factors {
            try w.start("factor")
            try w.attribute("id", f.id)
            try w.element("name", [("lang", "vi")], text: f.nameVi)
            try w.element("name", [("lang", "en")], text: f.nameEn)
            try w.end()
        }
        try w.end()

        try w.start("items")
        for item in survey.items {
            try w.start("item")
            try w.attribute("id", item.id)
            try w.attribute("factor", item.factor)
            try w.attribute("kind", item.kind.rawValue)
            if item.isRating {
                let scale = survey.scale(of: item)
                try w.attribute("scale", scale.name)
                try w.attribute("scaleValues", scale.values.map(String.init).joined(separator: " "))
                try w.attribute("satisfiedValues", scale.satisfied.map(String.init).joined(separator: " "))
            }
            try w.attribute("favourable", item.favourable.map(String.init))
            try w.attribute("favourableAtMost", item.favourableAtMost.map(String.init))
            try w.element("text", [("lang", "vi")], text: item.textVi)
            try w.element("text", [("lang", "en")], text: item.textEn)
            if !item.favourableVi.isEmpty { try w.element("favourableLabel", [("lang", "vi")], text: item.favourableVi) }
            if !item.favourableEn.isEmpty { try w.element("favourableLabel", [("lang", "en")], text: item.favourableEn) }
            try w.end()
        }
        try w.end()

        try w.start("units")
        for unit in input.units {
            try w.start("unit")
            try w.attribute("code", unit.code)
            try w.element("name", [("lang", "vi")], text: unit.nameVi)
            if !unit.nameEn.isEmpty { try w.element("name", [("lang", "en")], text: unit.nameEn) }
            try w.end()
        }
        try w.end()

        try w.start("sources")
        for s in input.sources {
            try w.element("source", [
                ("path", s.path), ("sha256", s.sha256), ("accepted", String(s.accepted)),
                ("rejected", String(s.rejected)), ("duplicates", String(s.duplicates)),
            ])
        }
        try w.end()

        let likert = survey.likertItems
        let indexIDs = survey.factors.map(\.id) + [overallIndexID]
        try w.start("cells")
        for cell in view.cells {
            let period = cell.period.description
            let forms = lookup.value(cell.scope, cell.unit, period, "ALL", "n_rows", "count").map { Int($0) } ?? 0
            try w.start("cell")
            try w.attribute("scope", cell.scope.rawValue)
            try w.attribute("unit", cell.unit)
            try w.attribute("period", period)
            try w.attribute("forms", String(forms))
            if cell.scope == .unitQuarter {
                try w.attribute("belowPlanMinimum", forms < rules.planMinimum ? "true" : "false")
            }
            try w.attribute("flags", flagList(lookup, cell, period, "ALL"))
            let publication = Publication(survey: survey)
            for id in indexIDs {
                let p = publication.publishedIndex(lookup, cell.scope, cell.unit, period, id)
                guard p.value != nil else { continue }
                let suppressed = lookup.flagged(cell.scope, cell.unit, period, id, "Q")
                try w.element("index", [
                    ("id", id), ("method", p.method), ("value", NumberStyle.xml(p.value)), ("se", NumberStyle.xml(p.se)),
                    ("lower", NumberStyle.xml(p.lower)), ("upper", NumberStyle.xml(p.upper)),
                    ("flags", flagList(lookup, cell, period, id)), ("suppressed", suppressed ? "true" : nil),
                ])
            }
            if let rank = lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank", rules.indexMeasure.indexMethod) {
                try w.element("rank", [
                    ("value", String(Int(rank))),
                    ("of", lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank_of", "units_ranked").map { String(Int($0)) }),
                    ("group", lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank_group", "interval_overlap").map { String(Int($0)) }),
                    ("changeOnPreviousPeriod", lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank_change", "previous_period").map { String(Int($0)) }),
                    ("changeOnPreviousYear", lookup.value(cell.scope, cell.unit, period, overallIndexID, "rank_change", "previous_year").map { String(Int($0)) }),
                ])
            }
            if let target = lookup.value(cell.scope, cell.unit, period, overallIndexID, "target", "configured") {
                func flag(_ statistic: String, _ method: String) -> String {
                    lookup.value(cell.scope, cell.unit, period, overallIndexID, statistic, method) == 1 ? "true" : "false"
                }
                try w.element("target", [
                    ("value", EstimateRow.format(target)), ("met", flag("target_met", "point")),
                    ("significantlyMet", flag("target_met", "lower_bound")),
                    ("significantlyMissed", flag("target_missed", "upper_bound")),
                ])
            }
            /// p with the configured interval, shared by Likert and quality items.
            func proportion(_ id: String) -> [(String, String?)] {
                let method = rules.intervalMethod.rawValue
                return [
                    ("p", NumberStyle.xml(lookup.value(cell.scope, cell.unit, period, id, "p", "unweighted"))),
                    ("lower", NumberStyle.xml(lookup.value(cell.scope, cell.unit, period, id, "p_lower", method))),
                    ("upper", NumberStyle.xml(lookup.value(cell.scope, cell.unit, period, id, "p_upper", method))),
                ]
            }
            for item in likert {
                let n = lookup.value(cell.scope, cell.unit, period, item.id, "n", "count").map { Int($0) } ?? 0
                let x = lookup.value(cell.scope, cell.unit, period, item.id, "satisfied", "count").map { Int($0) } ?? 0
                try w.element("item", [("id", item.id), ("n", String(n)), ("satisfied", String(x))] + proportion(item.id) + [
                    ("meanScore", NumberStyle.xml(lookup.value(cell.scope, cell.unit, period, item.id, "mean_score", "unweighted"))),
                    ("levels", survey.scale(of: item).values.map { value in
                        String(Int(lookup.value(cell.scope, cell.unit, period, item.id, "answers", "level_\(value)") ?? 0))
                    }.joined(separator: " ")),
                    ("flags", flagList(lookup, cell, period, item.id)),
                ])
            }
            for item in survey.qualityItems {
                let n = lookup.value(cell.scope, cell.unit, period, item.id, "n", "count").map { Int($0) } ?? 0
                let x = lookup.value(cell.scope, cell.unit, period, item.id, "favourable", "count").map { Int($0) } ?? 0
                try w.element("quality", [("id", item.id), ("n", String(n)), ("favourable", String(x))] + proportion(item.id) + [
                    ("flags", flagList(lookup, cell, period, item.id)),
                ])
            }
            try w.end()
        }
        try w.end()

        let publication = Publication(survey: survey)
        try w.start("changes")
        for cell in view.cells {
            let earlier = cell.period.previous
            let label = "\(cell.period) vs \(earlier)"
            for id in indexIDs {
                let change = publication.publishedChange(lookup, cell.scope, cell.unit, label, id)
                guard let diff = change.diff else { continue }
                let (lower, upper) = (change.lower, change.upper)
                let significant: String? = (lower != nil && upper != nil) ? ((lower! > 0 || upper! < 0) ? "true" : "false") : nil
                try w.element("change", [
                    ("scope", cell.scope.rawValue), ("unit", cell.unit), ("period", cell.period.description),
                    ("versus", earlier.description), ("subject", id), ("diff", NumberStyle.xml(diff)),
                    ("lower", NumberStyle.xml(lower)), ("upper", NumberStyle.xml(upper)),
                    ("pValue", NumberStyle.xml(change.pValue)),
                    ("significant", significant),
                    ("flags", significant == "false" ? "N" : nil),
                ])
            }
        }
        try w.end()

        try w.start("checks")
        for c in input.checks {
            try w.element("check", [
                ("unit", c.unit), ("period", c.period.description), ("name", c.check), ("subject", c.subject),
                ("status", c.status.rawValue), ("observed", NumberStyle.xml(c.observed)),
                ("required", NumberStyle.xml(c.required)),
            ], text: c.message)
        }
        try w.end()

        try w.end()
        return try w.finish()
    }
}
