import Stats
import SurveyModel

/// The technical report's section "by respondent and procedure": for each breakdown of
/// survey.toml (`[estimates] breakdowns`), the latest year's SIPAS and factor indices per
/// value of the category item for all units, and the SIPAS index per unit and value.
struct BreakdownSection: Encodable {
    var heading: String
    var intro: String
    var tables: [BreakdownTables]
}

struct BreakdownTables: Encodable {
    var id: String
    var title: String
    var caption: String
    var factorHeaders: [IDName]
    /// All units: one row per value.
    var rows: [BreakdownRow]
    var unitsCaption: String
    var valueHeaders: [IDName]
    /// Each unit (then all units): the SIPAS index per value.
    var unitRows: [ValuesRow]
    var note: String
}

struct BreakdownRow: Encodable {
    var name: String
    var forms: String
    var index: String
    var interval: String
    var factors: [ValueInterval]
    var flag: String
}

extension HTMLReport {
    static func breakdownSection(
        year: Period, units: [(code: UnitCode, name: String)], allName: String, published: PublishedEstimates,
        survey: SurveyDefinition, labels: Labels, numbers: TableNumbers
    ) -> BreakdownSection? {
        let lang = labels.language
        let items = survey.breakdownItems
        guard !items.isEmpty else { return nil }
        func percent(_ e: Estimate?) -> String { shownPercent(e, language: lang) }
        func interval(_ e: Estimate?) -> String {
            guard let e, !e.isSuppressed, let lo = e.lower, let hi = e.upper else { return "" }
            return "\(NumberStyle.percent(lo, language: lang)) – \(NumberStyle.percent(hi, language: lang))"
        }
        let tables = items.compactMap { item -> BreakdownTables? in
            guard let scale = item.scale else { return nil }
            let names = lang == .vi ? scale.labelsVi : (scale.labelsEn.isEmpty ? scale.labelsVi : scale.labelsEn)
            func valueName(_ i: Int) -> String { names.count == scale.values.count ? names[i] : String(scale.values[i]) }
            func cell(_ scope: Scope, _ unit: UnitCode, _ value: Int) -> PublishedCell? {
                published.cells[CellKey(scope: scope, unit: unit, period: year, domain: DomainKey(item: item.id, value: value))]
            }
            let rows = scale.values.indices.compactMap { i -> BreakdownRow? in
                guard let c = cell(.byAllYear, allUnitsCode, scale.values[i]) else { return nil }
                return BreakdownRow(
                    name: valueName(i), forms: NumberStyle.count(c.forms, language: lang), index: percent(c.index),
                    interval: interval(c.index),
                    factors: survey.factors.map { ValueInterval(value: percent(c.factors[$0.id]), interval: interval(c.factors[$0.id])) },
                    flag: c.index.flags.codes.joined(separator: " "))
            }
            guard !rows.isEmpty else { return nil }
            let all = published[.allYear, allUnitsCode, year]
            let answered = scale.values.compactMap { cell(.byAllYear, allUnitsCode, $0)?.forms }.reduce(0, +)
            let title = lang == .vi ? item.textVi : HTMLReport.nonEmpty(item.textEn, item.textVi)
            let unitRows = (units.map { ($0.code, $0.name, Scope.byUnitYear) } + [(allUnitsCode, allName, Scope.byAllYear)])
                .compactMap { code, name, scope -> ValuesRow? in
                    let cells = scale.values.map { cell(scope, code, $0) }
                    guard cells.contains(where: { $0 != nil }) else { return nil }
                    return ValuesRow(name: name, total: scope == .byAllYear, values: cells.map { c in
                        QualityValue(value: percent(c?.index), interval: interval(c?.index),
                                     n: "n = " + NumberStyle.count(c?.forms ?? 0, language: lang))
                    })
                }
            return BreakdownTables(
                id: "by-\(item.id)", title: title,
                caption: numbers.caption(labels.breakdownCaption(title, labels.periodName(year))),
                factorHeaders: survey.factors.map { IDName(id: $0.id, name: lang == .vi ? $0.nameVi : $0.nameEn) },
                rows: rows,
                unitsCaption: numbers.caption(labels.breakdownUnitsCaption(title, labels.periodName(year))),
                valueHeaders: scale.values.indices.map { IDName(id: String(scale.values[$0]), name: valueName($0)) },
                unitRows: unitRows,
                note: labels.breakdownNote(
                    answered: NumberStyle.count(answered, language: lang),
                    unanswered: NumberStyle.count(max(0, (all?.forms ?? 0) - answered), language: lang)))
        }
        guard !tables.isEmpty else { return nil }
        return BreakdownSection(heading: labels.breakdownHeading, intro: labels.breakdownIntro, tables: tables)
    }
}

extension Labels {
    var breakdownHeading: String { t("Theo đối tượng và lĩnh vực", "By respondent and procedure") }
    var breakdownIntro: String {
        t("Chỉ số của những người trả lời có cùng một đặc điểm (giới tính, nhóm tuổi, lĩnh vực thủ tục, ...): mỗi nhóm là một miền của cùng thiết kế mẫu, "
            + "nên khoảng tin cậy tính cả sự ngẫu nhiên của số người thuộc nhóm trong mẫu. Nhóm dưới ngưỡng công bố được che (Q). "
            + "Sự khác nhau giữa các nhóm là mối liên hệ, không phải nguyên nhân.",
          "The indices of the respondents who share one attribute (gender, age group, field of procedure, ...): each group is a domain of the same sample design, "
            + "so its interval also accounts for how many of the sample happen to be in the group. A group below the publication threshold is suppressed (Q). "
            + "Differences between groups are associations, not causes.")
    }
    func breakdownCaption(_ item: String, _ year: String) -> String {
        t("Chỉ số SIPAS và chỉ số thành phần theo \(item.lowercased()), tất cả đơn vị, \(year)",
          "SIPAS and factor indices by \(item.lowercased()), all units, \(year)")
    }
    func breakdownUnitsCaption(_ item: String, _ year: String) -> String {
        t("Chỉ số SIPAS theo đơn vị và \(item.lowercased()), \(year)", "SIPAS index by unit and \(item.lowercased()), \(year)")
    }
    func breakdownNote(answered: String, unanswered: String) -> String {
        t("\(answered) phiếu trả lời câu hỏi này; \(unanswered) phiếu để trống không thuộc nhóm nào.",
          "\(answered) forms answered this question; \(unanswered) left it blank and are in no group.")
    }
}
