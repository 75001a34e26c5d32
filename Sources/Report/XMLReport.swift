import Foundation
import Stats
import SurveyModel

/// Writes `report.xml` in the project's namespace (schema: `Resources/report.xsd`).
enum XMLReport {
    static let namespace = "urn:x-sipas-pipeline:report:1"

    /// The raised flags, space-separated (an xs:list), or nil.
    static func flagList(_ flags: EstimateFlags) -> String? {
        flags.isEmpty ? nil : flags.codes.joined(separator: " ")
    }

    static func render(_ input: ReportInput, view: ReportView) throws -> Data {
        let w = try XMLWriter()
        let survey = input.survey
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
        try w.attribute("confidenceLevel", NumberText.g12(rules.confidenceLevel))
        try w.attribute("itemInterval", rules.intervalMethod.rawValue)
        try w.attribute("indexMeasure", rules.indexMeasure.rawValue)
        try w.attribute("indexStandardError", rules.indexMeasure.linearisation)
        try w.attribute("indexInterval", rules.indexMeasure.linearisation + "_logit")
        try w.attribute("changeTest", rules.indexMeasure == .unweighted ? "lin_unweighted_wald_z" : "weighted_wald_z")
        try w.attribute("aggregation", rules.aggregation.rawValue)
        try w.attribute("rankingPolicy", rules.rankingPolicy.rawValue)
        if rules.publishPoints { try w.attribute("points", "true") }
        try w.attribute("target", rules.target.map { NumberText.g12($0) })
        try w.attribute("suppressBelow", String(rules.suppressBelow))
        try w.attribute("maxHalfWidth", NumberText.g12(rules.maxHalfWidth))
        try w.attribute("planMinimum", String(rules.planMinimum))
        try w.attribute("marginOfError", NumberText.g12(rules.marginOfError))
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
            } else if item.kind == .category, let scale = item.scale {
                try w.attribute("scale", scale.name)
                try w.attribute("scaleValues", scale.values.map(String.init).joined(separator: " "))
            }
            try w.attribute("favourable", item.favourable.map(String.init))
            try w.attribute("favourableAtMost", item.favourableAtMost.map(String.init))
            try w.element("text", [("lang", "vi")], text: item.textVi)
            try w.element("text", [("lang", "en")], text: item.textEn)
            if !item.favourableVi.isEmpty { try w.element("favourableLabel", [("lang", "vi")], text: item.favourableVi) }
            if !item.favourableEn.isEmpty { try w.element("favourableLabel", [("lang", "en")], text: item.favourableEn) }
            if item.kind == .category, let scale = item.scale {
                for (lang, labels) in [("vi", scale.labelsVi), ("en", scale.labelsEn)] where labels.count == scale.values.count {
                    for (value, label) in zip(scale.values, labels) {
                        try w.element("valueLabel", [("value", String(value)), ("lang", lang)], text: label)
                    }
                }
            }
            try w.end()
        }
        try w.end()

        if !survey.groups.isEmpty {
            try w.start("groups")
            for g in survey.groups {
                try w.start("group")
                try w.attribute("id", g.id)
                try w.element("name", [("lang", "vi")], text: g.nameVi)
                if !g.nameEn.isEmpty { try w.element("name", [("lang", "en")], text: g.nameEn) }
                try w.end()
            }
            try w.end()
        }

        try w.start("units")
        for unit in input.units {
            try w.start("unit")
            try w.attribute("code", unit.code.code)
            try w.attribute("group", unit.group)
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
        let published = view.published
        for key in published.keys {
            let cell = published.cells[key]!
            let period = key.period.description
            try w.start("cell")
            try w.attribute("scope", key.scope.rawValue)
            try w.attribute("unit", key.unit.code)
            try w.attribute("period", period)
            try w.attribute("domain", key.domain?.description)
            try w.attribute("forms", String(cell.forms))
            if key.scope == .unitQuarter {
                try w.attribute("belowPlanMinimum", cell.belowPlanMinimum ? "true" : "false")
            }
            try w.attribute("flags", flagList(cell.belowPlanMinimum ? .belowPlanMinimum : []))
            if cell.shortOfForms { try w.attribute("shortOfForms", "true") }
            // A suppressed index keeps its element and flag, never its value, SE or bounds; so
            // does one not computed for a factor without answers (M).
            for (id, e) in survey.factors.map({ ($0.id, cell.factors[$0.id]!) }) + [(overallIndexID, cell.index)]
            where e.value != nil || e.isSuppressed || e.flags.contains(.incomplete) {
                try w.element("index", [
                    ("id", id), ("method", e.method), ("value", NumberStyle.xml(e.value)), ("se", NumberStyle.xml(e.se)),
                    ("lower", NumberStyle.xml(e.lower)), ("upper", NumberStyle.xml(e.upper)),
                    ("flags", flagList(e.flags)), ("suppressed", e.isSuppressed ? "true" : nil),
                ])
            }
            for (id, e) in (survey.factors.map(\.id) + [overallIndexID]).compactMap({ id in cell.points[id].map { (id, $0) } }) {
                try w.element("points", [
                    ("id", id), ("value", NumberStyle.xml(e.value)), ("se", NumberStyle.xml(e.se)),
                    ("lower", NumberStyle.xml(e.lower)), ("upper", NumberStyle.xml(e.upper)),
                    ("flags", flagList(e.flags)), ("suppressed", e.isSuppressed ? "true" : nil),
                ])
            }
            if let rank = cell.rank {
                try w.element("rank", [
                    ("value", String(rank.position)), ("of", String(rank.of)), ("group", String(rank.tier)),
                    ("changeOnPreviousPeriod", rank.changeOnPrevious.map(String.init)),
                    ("changeOnPreviousYear", rank.changeOnYearAgo.map(String.init)),
                    ("inGroup", rank.inGroup.map { String($0.position) }), ("inGroupOf", rank.inGroup.map { String($0.of) }),
                    ("inGroupTier", rank.inGroup.map { String($0.tier) }),
                ])
            }
            if let target = rules.target, let status = cell.target {
                try w.element("target", [
                    ("value", NumberText.g12(target)),
                    ("met", status == .met || status == .significantlyMet ? "true" : "false"),
                    ("significantlyMet", status == .significantlyMet ? "true" : "false"),
                    ("significantlyMissed", status == .significantlyMissed ? "true" : "false"),
                ])
            }
            func proportion(_ e: Estimate) -> [(String, String?)] {
                [("p", NumberStyle.xml(e.value)), ("lower", NumberStyle.xml(e.lower)), ("upper", NumberStyle.xml(e.upper))]
            }
            for item in likert {
                let e = cell.items[item.id]!
                let detail = cell.itemDetails[item.id]
                let x = detail?.count ?? 0
                let mean = e.isSuppressed ? nil : detail?.meanScore
                let pts = cell.points[item.id]
                try w.element("item", [("id", item.id), ("n", String(e.n)), ("satisfied", String(x))] + proportion(e) + [
                    ("points", NumberStyle.xml(pts?.value)), ("pointsLower", NumberStyle.xml(pts?.lower)),
                    ("pointsUpper", NumberStyle.xml(pts?.upper)),
                    ("meanScore", NumberStyle.xml(mean)),
                    ("levels", survey.scale(of: item).values.map { value in
                        String(detail?.levels[value] ?? 0)
                    }.joined(separator: " ")),
                    ("flags", flagList(e.flags)),
                ])
            }
            for item in survey.qualityItems {
                let e = cell.items[item.id]!
                let x = cell.itemDetails[item.id]?.count ?? 0
                try w.element("quality", [("id", item.id), ("n", String(e.n)), ("favourable", String(x))] + proportion(e) + [
                    ("flags", flagList(e.flags)),
                ])
            }
            try w.end()
        }
        try w.end()

        try w.start("changes")
        for key in published.keys {
            let cell = published.cells[key]!
            var changes: [(String, Change)] = []
            for f in survey.factors { if let c = cell.factorChanges[f.id] { changes.append((f.id, c)) } }
            if let c = cell.changeOnPrevious { changes.append((overallIndexID, c)) }
            if let c = cell.changeOnYearAgo { changes.append((overallIndexID, c)) }
            for (id, change) in changes {
                let significant = change.isSignificant.map { $0 ? "true" : "false" }
                try w.element("change", [
                    ("scope", key.scope.rawValue), ("unit", key.unit.code), ("period", key.period.description),
                    ("versus", change.against.description), ("subject", id), ("diff", NumberStyle.xml(change.diff)),
                    ("lower", NumberStyle.xml(change.lower)), ("upper", NumberStyle.xml(change.upper)),
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
                ("unit", c.unit.code), ("period", c.period.description), ("name", c.check), ("subject", c.subject),
                ("status", c.status.rawValue), ("observed", NumberStyle.xml(c.observed)),
                ("required", NumberStyle.xml(c.required)),
            ], text: c.message)
        }
        try w.end()

        try w.end()
        return try w.finish()
    }
}

extension XMLReport: ReportOutput {
    static let file = ReleaseFile(
        name: "report.xml", stage: "report", vi: "báo cáo dạng XML, kiểm tra theo report.xsd",
        en: "the report as XML, validated against report.xsd", download: true)
    /// Validated against `report.xsd`: an invalid report is never returned.
    static func render(_ release: ReleaseContext) throws -> Data? {
        let xml = try render(release.input, view: release.view)
        let errors = try SchemaValidator.validate(xml, schemaPath: ReportRenderer.schemaPath)
        guard errors.isEmpty else { throw ReportError.validationFailed(errors) }
        return xml
    }
}
