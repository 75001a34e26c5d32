import Stats
import SurveyModel

/// The technical report's importance–performance table: for all units over the latest year,
/// each factor's index (performance) beside its association with overall satisfaction
/// (importance), and which to improve first.
struct DriverSection: Encodable {
    var heading: String
    var intro: String
    var caption: String
    var hasBeta: Bool
    var betaHeading: String
    var rHeading: String
    var priorityHeading: String
    var indexHeading: String
    var rows: [DriverRow]
    var note: String
}

struct DriverRow: Encodable {
    var id: String
    var name: String
    var index: String
    var r: String
    var rInterval: String
    var beta: String
    var betaInterval: String
    var priority: String
    var first: Bool
}

extension HTMLReport {
    static func driverSection(
        year: Period, published: PublishedEstimates, survey: SurveyDefinition, labels: Labels, numbers: TableNumbers
    ) -> DriverSection? {
        let lang = labels.language
        guard let cell = published[.allYear, allUnitsCode, year], !cell.drivers.isEmpty, let forms = cell.driverForms else { return nil }
        let overall = survey.overallItem
        // Importance: the standardised coefficient with an overall item, else the correlation.
        func importance(_ d: DriverFigures?) -> Double? { overall != nil ? d?.beta : d?.r }
        let factors = survey.factors.filter { cell.drivers[$0.id] != nil }
        let importances = factors.compactMap { importance(cell.drivers[$0.id]) }.sorted()
        let performances = factors.compactMap { cell.factors[$0.id].flatMap { $0.isSuppressed ? nil : $0.value } }.sorted()
        func median(_ v: [Double]) -> Double? {
            guard !v.isEmpty else { return nil }
            return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
        let importanceMedian = median(importances)
        let performanceMedian = median(performances)
        func decimal(_ v: Double?) -> String { v.map { NumberStyle.fixed($0, decimals: 2, language: lang) } ?? "–" }
        func interval(_ lo: Double?, _ hi: Double?) -> String {
            guard let lo, let hi else { return "" }
            return "\(decimal(lo)) – \(decimal(hi))"
        }
        let rows = factors.map { f -> DriverRow in
            let d = cell.drivers[f.id]
            let e = cell.factors[f.id]
            var priority = ""
            var first = false
            if let i = importance(d), let p = e.flatMap({ $0.isSuppressed ? nil : $0.value }), let im = importanceMedian, let pm = performanceMedian {
                let high = i >= im, low = p <= pm
                first = high && low
                priority = high ? (low ? labels.improveFirst : labels.keepUp) : (low ? labels.improveLater : labels.lessInfluence)
            }
            return DriverRow(
                id: f.id, name: lang == .vi ? f.nameVi : f.nameEn,
                index: shownPercent(e, language: lang),
                r: decimal(d?.r), rInterval: interval(d?.rLower, d?.rUpper),
                beta: decimal(d?.beta), betaInterval: interval(d?.betaLower, d?.betaUpper),
                priority: priority, first: first)
        }
        let target = overall.map { lang == .vi ? $0.textVi : HTMLReport.nonEmpty($0.textEn, $0.textVi) }
        return DriverSection(
            heading: labels.driversHeading,
            intro: labels.driversIntro(target: target, forms: NumberStyle.count(forms, language: lang)),
            caption: numbers.caption(labels.driversCaption(labels.periodName(year))),
            hasBeta: overall != nil, betaHeading: labels.betaColumn, rHeading: overall == nil ? labels.restColumn : labels.rColumn,
            priorityHeading: labels.priorityColumn, indexHeading: labels.factorIndexColumn, rows: rows, note: labels.driversNote(withOverall: overall != nil))
    }
}

extension Labels {
    var driversHeading: String { t("Yếu tố nào tác động đến sự hài lòng chung", "What drives overall satisfaction") }
    func driversCaption(_ year: String) -> String {
        t("Mức độ quan trọng và kết quả của từng yếu tố, tất cả đơn vị, \(year)", "Importance and performance of each factor, all units, \(year)")
    }
    func driversIntro(target: String?, forms: String) -> String {
        if let target {
            return t("Mức độ quan trọng của một yếu tố là mức nó đi cùng với câu trả lời cho câu hỏi \"\(target)\": hệ số tương quan (r) và hệ số hồi quy chuẩn hóa (β, khi tính đồng thời cả các yếu tố), trên \(forms) phiếu có điểm ở mọi yếu tố và trả lời câu hỏi này. ",
                     "A factor's importance is how closely it goes with the answer to \"\(target)\": the correlation (r) and the standardised regression coefficient (β, all factors taken together), over \(forms) forms with a score on every factor and an answer to that question. ")
                + driversCaution
        }
        return t("Không có câu hỏi về sự hài lòng chung (overall = true trong survey.toml): mức độ quan trọng là tương quan (r) giữa điểm của yếu tố và trung bình điểm các yếu tố còn lại của cùng phiếu, trên \(forms) phiếu có điểm ở mọi yếu tố. ",
                 "There is no overall satisfaction question (overall = true in survey.toml): a factor's importance is the correlation (r) of its score with the mean of the form's other factor scores, over \(forms) forms with a score on every factor. ")
            + driversCaution
    }
    var driversCaution: String {
        t("Đây là mối liên hệ, không phải quan hệ nhân quả: một yếu tố quan trọng là nơi cải thiện có khả năng được người dân nhận thấy nhất, không phải bằng chứng rằng cải thiện nó sẽ nâng sự hài lòng.",
          "This is association, not cause: an important factor is where an improvement is most likely to be felt, not proof that improving it will raise satisfaction.")
    }
    var rColumn: String { t("Tương quan r (khoảng tin cậy)", "Correlation r (interval)") }
    var restColumn: String { t("Tương quan r với các yếu tố còn lại", "Correlation r with the other factors") }
    var betaColumn: String { t("Hệ số β chuẩn hóa (khoảng tin cậy)", "Standardised β (interval)") }
    var priorityColumn: String { t("Ưu tiên", "Priority") }
    var factorIndexColumn: String { t("Chỉ số của yếu tố (kết quả)", "Factor index (performance)") }
    var improveFirst: String { t("Cải thiện trước", "Improve first") }
    var keepUp: String { t("Duy trì", "Keep up") }
    var improveLater: String { t("Cải thiện sau", "Improve later") }
    var lessInfluence: String { t("Ít ảnh hưởng", "Less influence") }
    func driversNote(withOverall: Bool) -> String {
        t("Ưu tiên: mức độ quan trọng (\(withOverall ? "β" : "r")) từ trung vị trở lên và chỉ số từ trung vị trở xuống là \"cải thiện trước\"; quan trọng và chỉ số cao là \"duy trì\".",
          "Priority: importance (\(withOverall ? "β" : "r")) at or above the median and an index at or below the median is \"improve first\"; important with a high index is \"keep up\".")
    }
}
