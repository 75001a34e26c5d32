import Stats
import SurveyModel

/// The technical report's section on each factor's reliability: Cronbach's α of the year
/// for all units and each unit, and what a low or negative α may mean, item by item.
struct ReliabilitySection: Encodable {
    var heading: String
    var intro: String
    var caption: String
    var headers: [IDName]
    var rows: [ReliabilityRow]
    var findingsHeading: String
    var findingsNote: String
    var findings: [TextLine]
    var hasFindings: Bool
}

struct ReliabilityRow: Encodable {
    var name: String
    var total: Bool
    var values: [ReliabilityValue]
}

struct ReliabilityValue: Encodable {
    var alpha: String
    var n: String
    var low: Bool
}

extension HTMLReport {
    /// nil when no cell of the year has an α (no factor of two or more items).
    static func reliabilitySection(
        year: Period, units: [(code: UnitCode, name: String)], allName: String, published: PublishedEstimates,
        survey: SurveyDefinition, labels: Labels, numbers: TableNumbers
    ) -> ReliabilitySection? {
        let lang = labels.language
        let rules = survey.rules
        let factors = survey.factors.filter { f in survey.likertItems.filter { $0.factor == f.id }.count >= 2 }
        let cells = [(allUnitsCode, allName, Scope.allYear)] + units.map { ($0.code, $0.name, Scope.unitYear) }
        guard !factors.isEmpty,
            cells.contains(where: { published[$0.2, $0.0, year]?.reliability.isEmpty == false })
        else { return nil }
        func shown(_ r: ReliabilityFigures?) -> Double? {
            guard let r, let alpha = r.alpha, (r.forms ?? 0) >= rules.suppressBelow else { return nil }
            return alpha
        }
        func decimal(_ value: Double) -> String { NumberStyle.fixed(value, decimals: 2, language: lang) }
        // Judged as printed (two decimals), so that a printed 0,60 is never marked below 0,60.
        func printed(_ value: Double) -> Double { (value * 100).rounded() / 100 }
        var findings: [TextLine] = []
        let rows = cells.compactMap { code, name, scope -> ReliabilityRow? in
            guard let cell = published[scope, code, year], !cell.reliability.isEmpty else { return nil }
            return ReliabilityRow(name: name, total: scope == .allYear, values: factors.map { f in
                let r = cell.reliability[f.id]
                let alpha = shown(r)
                let low = alpha.map { printed($0) < printed(rules.lowAlpha) } ?? false
                if let alpha, low {
                    // The question that holds the factor together least (the lowest item-rest
                    // r), and the α without it when that is higher.
                    let items = survey.likertItems.filter { $0.factor == f.id }
                    let weakest = items.compactMap { item in cell.itemDetails[item.id]?.itemRest.map { (item, $0) } }.min { $0.1 < $1.1 }
                    findings.append(TextLine(text: labels.lowAlphaFinding(
                        unit: name, factor: f.id, alpha: decimal(alpha), n: NumberStyle.count(r?.forms ?? 0, language: lang),
                        weakest: weakest.map { item, rest in
                            let without = cell.itemDetails[item.id]?.alphaIfDeleted
                            return (item.id, decimal(rest), without.flatMap { printed($0) > printed(alpha) ? decimal($0) : nil })
                        })))
                }
                return ReliabilityValue(
                    alpha: alpha.map(decimal) ?? "–", n: "n = " + NumberStyle.count(r?.forms ?? 0, language: lang), low: low)
            })
        }
        return ReliabilitySection(
            heading: labels.reliabilityHeading, intro: labels.reliabilityIntro(threshold: decimal(rules.lowAlpha), minimum: rules.suppressBelow),
            caption: numbers.caption(labels.reliabilityCaption(labels.periodName(year))),
            headers: factors.map { IDName(id: $0.id, name: lang == .vi ? $0.nameVi : $0.nameEn) },
            rows: rows, findingsHeading: labels.lowAlphaHeading(decimal(rules.lowAlpha)), findingsNote: labels.lowAlphaNote,
            findings: findings, hasFindings: !findings.isEmpty)
    }
}

extension Labels {
    var reliabilityHeading: String { t("Độ tin cậy của các yếu tố (Cronbach's α)", "Reliability of the factors (Cronbach's α)") }
    func reliabilityCaption(_ year: String) -> String {
        t("Hệ số Cronbach's α của từng yếu tố, \(year)", "Cronbach's α of each factor, \(year)")
    }
    func reliabilityIntro(threshold: String, minimum: Int) -> String {
        t("Cronbach's α cho biết các câu hỏi của một yếu tố có cùng đo một điều hay không, tính trên các phiếu trả lời đủ mọi câu hỏi của yếu tố (n). "
            + "α từ \(threshold) trở lên thường được coi là chấp nhận được; α thấp hơn hoặc âm được đánh dấu. Không tính khi dưới \(minimum) phiếu (–). "
            + "α không phải là mức hài lòng: một yếu tố có α thấp vẫn có chỉ số đúng, nhưng trung bình của các câu hỏi khó diễn giải như một thước đo.",
          "Cronbach's α says whether the questions of a factor measure one thing, over the forms that answered every question of the factor (n). "
            + "An α of \(threshold) or more is usually taken as acceptable; a lower or negative α is marked. None is shown below \(minimum) forms (–). "
            + "α is not satisfaction: a factor with a low α still has a correct index, but the mean of its questions is hard to read as one measure.")
    }
    func lowAlphaHeading(_ threshold: String) -> String { t("Yếu tố có α dưới \(threshold)", "Factors with α below \(threshold)") }
    var lowAlphaNote: String {
        t("α thấp có thể do các câu hỏi của yếu tố không cùng đo một khía cạnh, hoặc một câu được hiểu khác với dự định; "
            + "α âm nghĩa là các câu hỏi trái chiều nhau, thường do một câu được hỏi theo chiều ngược lại (cần đảo thang điểm) hoặc bị hiểu sai. "
            + "Nên xem lại câu hỏi tương quan yếu nhất với các câu còn lại (r) trước khi so sánh chỉ số của yếu tố.",
          "A low α may mean the questions of the factor do not measure one aspect, or one is read other than intended; "
            + "a negative α means the questions disagree, often because one is worded the other way round (its scale reversed) or misread. "
            + "Look at the question that correlates least with the rest (r) before comparing the factor's index.")
    }
    /// One flagged factor: where, how low, and which question holds it together least.
    func lowAlphaFinding(unit: String, factor: String, alpha: String, n: String, weakest: (item: String, rest: String, without: String?)?) -> String {
        var text = t("\(unit), yếu tố \(factor): α = \(alpha) (n = \(n))", "\(unit), factor \(factor): α = \(alpha) (n = \(n))")
        if let weakest {
            text += t("; câu \(weakest.item) tương quan yếu nhất với các câu còn lại (r = \(weakest.rest))",
                      "; question \(weakest.item) correlates least with the rest (r = \(weakest.rest))")
            if let without = weakest.without { text += t(", bỏ câu này α là \(without)", ", without it α is \(without)") }
        }
        return text + "."
    }
}
