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
        let w = XMLByteWriter()
        let survey = input.survey
        w.start("report", namespace: namespace)
        w.attribute("schemaVersion", "1")
        w.attribute("language", input.language.rawValue)
        w.attribute("releaseDate", input.releaseDate)
        w.attribute("dataThrough", input.dataThrough)
        w.attribute("latestPeriod", view.latest?.description)
        w.attribute("programVersion", input.programVersion)

        w.start("survey")
        for (name, vi, en) in [("title", survey.titleVi, survey.titleEn), ("agency", survey.agencyVi, survey.agencyEn)] {
            if !vi.isEmpty { w.element(name, [("lang", "vi")], text: vi) }
            if !en.isEmpty { w.element(name, [("lang", "en")], text: en) }
        }
        w.end()

        let rules = survey.rules
        w.start("method")
        w.attribute("confidenceLevel", NumberText.g12(rules.confidenceLevel))
        w.attribute("itemInterval", rules.intervalMethod.rawValue)
        w.attribute("indexMeasure", rules.indexMeasure.rawValue)
        w.attribute("indexStandardError", rules.indexMeasure.linearisation)
        w.attribute("indexInterval", rules.indexMeasure.linearisation + "_logit")
        w.attribute("changeTest", rules.indexMeasure == .unweighted ? "lin_unweighted_wald_z" : "weighted_wald_z")
        w.attribute("aggregation", rules.aggregation.rawValue)
        w.attribute("rankingPolicy", rules.rankingPolicy.rawValue)
        if rules.publishPoints { w.attribute("points", "true") }
        w.attribute("target", rules.target.map { NumberText.g12($0) })
        w.attribute("suppressBelow", String(rules.suppressBelow))
        w.attribute("maxHalfWidth", NumberText.g12(rules.maxHalfWidth))
        w.attribute("planMinimum", String(rules.planMinimum))
        w.attribute("marginOfError", NumberText.g12(rules.marginOfError))
        for answer in rules.satisfied.sorted() { w.element("satisfiedAnswer", text: String(answer)) }
        w.end()

        w.start("factors")
        for f in survey.factors {
            w.start("factor")
            w.attribute("id", f.id)
            w.element("name", [("lang", "vi")], text: f.nameVi)
            w.element("name", [("lang", "en")], text: f.nameEn)
            w.end()
        }
        w.end()

        w.start("items")
        for item in survey.items {
            w.start("item")
            w.attribute("id", item.id)
            w.attribute("factor", item.factor)
            w.attribute("kind", item.kind.rawValue)
            if item.isRating {
                let scale = survey.scale(of: item)
                w.attribute("scale", scale.name)
                w.attribute("scaleValues", scale.values.map(String.init).joined(separator: " "))
                w.attribute("satisfiedValues", scale.satisfied.map(String.init).joined(separator: " "))
            } else if item.kind == .category, let scale = item.scale {
                w.attribute("scale", scale.name)
                w.attribute("scaleValues", scale.values.map(String.init).joined(separator: " "))
            }
            w.attribute("favourable", item.favourable.map(String.init))
            w.attribute("favourableAtMost", item.favourableAtMost.map(String.init))
            w.element("text", [("lang", "vi")], text: item.textVi)
            w.element("text", [("lang", "en")], text: item.textEn)
            if !item.favourableVi.isEmpty { w.element("favourableLabel", [("lang", "vi")], text: item.favourableVi) }
            if !item.favourableEn.isEmpty { w.element("favourableLabel", [("lang", "en")], text: item.favourableEn) }
            if item.kind == .category, let scale = item.scale {
                for (lang, labels) in [("vi", scale.labelsVi), ("en", scale.labelsEn)] where labels.count == scale.values.count {
                    for (value, label) in zip(scale.values, labels) {
                        w.element("valueLabel", [("value", String(value)), ("lang", lang)], text: label)
                    }
                }
            }
            w.end()
        }
        w.end()

        if !survey.groups.isEmpty {
            w.start("groups")
            for g in survey.groups {
                w.start("group")
                w.attribute("id", g.id)
                w.element("name", [("lang", "vi")], text: g.nameVi)
                if !g.nameEn.isEmpty { w.element("name", [("lang", "en")], text: g.nameEn) }
                w.end()
            }
            w.end()
        }

        w.start("units")
        for unit in input.units {
            w.start("unit")
            w.attribute("code", unit.code.code)
            w.attribute("group", unit.group)
            w.element("name", [("lang", "vi")], text: unit.nameVi)
            if !unit.nameEn.isEmpty { w.element("name", [("lang", "en")], text: unit.nameEn) }
            w.end()
        }
        w.end()

        w.start("sources")
        for s in input.sources {
            w.element("source", [
                ("path", s.path), ("sha256", s.sha256), ("accepted", String(s.accepted)),
                ("rejected", String(s.rejected)), ("duplicates", String(s.duplicates)),
            ])
        }
        w.end()

        let likert = survey.likertItems
        let likertValues = likert.map { survey.scale(of: $0).values }
        let quality = survey.qualityItems
        let indexIDs = survey.factors.map(\.id) + [overallIndexID]
        /// An index's or its points' value, SE, interval and flags.
        func figure(_ e: Estimate) {
            w.attribute("value", number: e.value)
            w.attribute("se", number: e.se)
            w.attribute("lower", number: e.lower)
            w.attribute("upper", number: e.upper)
            w.attribute("flags", flagList(e.flags))
            w.attribute("suppressed", e.isSuppressed ? "true" : nil)
        }
        w.start("cells")
        let published = view.published
        for key in published.keys {
            let cell = published.cells[key]!
            let period = key.period.description
            w.start("cell")
            w.attribute("scope", key.scope.rawValue)
            w.attribute("unit", key.unit.code)
            w.attribute("period", period)
            w.attribute("domain", key.domain?.description)
            w.attribute("forms", String(cell.forms))
            if key.scope == .unitQuarter {
                w.attribute("belowPlanMinimum", cell.belowPlanMinimum ? "true" : "false")
            }
            w.attribute("flags", flagList(cell.belowPlanMinimum ? .belowPlanMinimum : []))
            if cell.shortOfForms { w.attribute("shortOfForms", "true") }
            // A suppressed index keeps its element and flag, never its value, SE or bounds; so
            // does one not computed for a factor without answers (M).
            // The many elements below are written attribute by attribute, numbers straight
            // into the document (an array of texts per element cost more than the writing).
            for (id, e) in survey.factors.map({ ($0.id, cell.factors[$0.id]!) }) + [(overallIndexID, cell.index)]
            where e.value != nil || e.isSuppressed || e.flags.contains(.incomplete) {
                w.start("index")
                w.attribute("id", id)
                w.attribute("method", e.method)
                figure(e)
                w.end()
            }
            for id in indexIDs {
                guard let e = cell.points[id] else { continue }
                w.start("points")
                w.attribute("id", id)
                figure(e)
                w.end()
            }
            if let rank = cell.rank {
                w.element("rank", [
                    ("value", String(rank.position)), ("of", String(rank.of)), ("group", String(rank.tier)),
                    ("changeOnPreviousPeriod", rank.changeOnPrevious.map(String.init)),
                    ("changeOnPreviousYear", rank.changeOnYearAgo.map(String.init)),
                    ("inGroup", rank.inGroup.map { String($0.position) }), ("inGroupOf", rank.inGroup.map { String($0.of) }),
                    ("inGroupTier", rank.inGroup.map { String($0.tier) }),
                ])
            }
            if let target = rules.target, let status = cell.target {
                w.element("target", [
                    ("value", NumberText.g12(target)),
                    ("met", status == .met || status == .significantlyMet ? "true" : "false"),
                    ("significantlyMet", status == .significantlyMet ? "true" : "false"),
                    ("significantlyMissed", status == .significantlyMissed ? "true" : "false"),
                ])
            }
            for (item, values) in zip(likert, likertValues) {
                let e = cell.items[item.id]!
                let detail = cell.itemDetails[item.id]
                let pts = cell.points[item.id]
                w.start("item")
                w.attribute("id", item.id)
                w.attribute("n", int: e.n)
                w.attribute("satisfied", int: detail?.count ?? 0)
                w.attribute("p", number: e.value)
                w.attribute("lower", number: e.lower)
                w.attribute("upper", number: e.upper)
                w.attribute("points", number: pts?.value)
                w.attribute("pointsLower", number: pts?.lower)
                w.attribute("pointsUpper", number: pts?.upper)
                w.attribute("meanScore", number: e.isSuppressed ? nil : detail?.meanScore)
                w.attribute("levels", ints: values.map { detail?.levels[$0] ?? 0 })
                w.attribute("flags", flagList(e.flags))
                w.end()
            }
            for item in quality {
                let e = cell.items[item.id]!
                w.start("quality")
                w.attribute("id", item.id)
                w.attribute("n", int: e.n)
                w.attribute("favourable", int: cell.itemDetails[item.id]?.count ?? 0)
                w.attribute("p", number: e.value)
                w.attribute("lower", number: e.lower)
                w.attribute("upper", number: e.upper)
                w.attribute("flags", flagList(e.flags))
                w.end()
            }
            w.end()
        }
        w.end()

        w.start("changes")
        for key in published.keys {
            let cell = published.cells[key]!
            var changes: [(String, Change)] = []
            for f in survey.factors { if let c = cell.factorChanges[f.id] { changes.append((f.id, c)) } }
            if let c = cell.changeOnPrevious { changes.append((overallIndexID, c)) }
            if let c = cell.changeOnYearAgo { changes.append((overallIndexID, c)) }
            for (id, change) in changes {
                let significant = change.isSignificant.map { $0 ? "true" : "false" }
                w.start("change")
                w.attribute("scope", key.scope.rawValue)
                w.attribute("unit", key.unit.code)
                w.attribute("period", key.period.description)
                w.attribute("versus", change.against.description)
                w.attribute("subject", id)
                w.attribute("diff", number: change.diff)
                w.attribute("lower", number: change.lower)
                w.attribute("upper", number: change.upper)
                w.attribute("pValue", number: change.pValue)
                w.attribute("significant", significant)
                w.attribute("flags", significant == "false" ? "N" : nil)
                w.end()
            }
        }
        w.end()

        w.start("checks")
        for c in input.checks {
            w.start("check")
            w.attribute("unit", c.unit.code)
            w.attribute("period", c.period.description)
            w.attribute("name", c.check)
            w.attribute("subject", c.subject)
            w.attribute("status", c.status.rawValue)
            w.attribute("observed", number: c.observed)
            w.attribute("required", number: c.required)
            w.text(c.message)
            w.end()
        }
        w.end()

        w.end()
        return w.finish()
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
