import Foundation
import Stats
import SurveyModel

/// What the decision annex says, in one language, built from the published release: the
/// heading lines, a few sentences of method, the ranking table of each unit group and the
/// factor indices (docs/publication-format.md). Every figure is the release's, printed as
/// every other output prints it; `AnnexDocument` lays it out.
struct AnnexContent {
    /// A row of a ranking table: a unit, its group's total or all units.
    struct RankingRow: Equatable {
        enum Kind: Equatable { case unit, group, allUnits }
        var kind: Kind
        /// STT: 1, 2, ... for units; empty for totals.
        var number: String
        var name: String
        var code: String
        /// `94,81%`, or `Q` (suppressed), or `–`.
        var index: String
        /// Points out of 100 (`90,16`) when published.
        var points: String?
        /// `thứ 2/8`, with `*` when short of forms; `–` unranked.
        var rank: String
        /// `+1,25†` (significant), `−0,40`, or `–`.
        var change: String
        /// `Đạt` / `Chưa đạt`, `†` when the distance from the target is significant.
        var target: String?
    }

    struct RankingTable {
        /// `I. Sở, ban, ngành`; nil without groups.
        var heading: String?
        var rows: [RankingRow]
    }

    /// A row of the factor table; `heading` rows carry a group's name across the table.
    struct FactorRow: Equatable {
        var kind: RankingRow.Kind
        var number: String
        var name: String
        var code: String
        var values: [String]
        var isGroupHeading = false
    }

    let language: Language
    let labels: Labels
    /// `Phụ lục`.
    var label: String
    /// The title in capitals, with the period.
    var title: String
    /// `(Kèm theo Quyết định số      /QĐ-UBND ngày ...)`.
    var decision: String
    /// The year, or the latest quarter while the year is incomplete.
    var period: Period
    var method: [String]
    var rankingHeading: String
    var tables: [RankingTable]
    var hasPoints: Bool
    var hasTarget: Bool
    var columns: (stt: String, unit: String, index: String, points: String, rank: String, change: String, target: String)
    /// Footnotes under the ranking tables: the marks used, ties, what a dash means.
    var notes: [String]
    var factorHeading: String
    /// `A. Tiếp cận dịch vụ hành chính công`, in instrument order.
    var factorNames: [String]
    var factorIDs: [String]
    var factorRows: [FactorRow]

    /// - Returns: nil when the release has no period with unit figures.
    init?(_ release: ReleaseContext, language: Language) {
        let input = release.input
        let published = release.view.published
        guard let latest = published.latestQuarter else { return nil }
        let survey = input.survey
        let rules = survey.rules
        let labels = Labels(language: language, confidenceLevel: rules.confidenceLevel)
        self.language = language
        self.labels = labels
        let yearComplete = latest.quarter == 4 && published[.allYear, allUnitsCode, latest.yearPeriod] != nil
        period = yearComplete ? latest.yearPeriod : latest
        let period = self.period
        let unitScope: Scope = period.isQuarter ? .unitQuarter : .unitYear
        let groupScope: Scope = period.isQuarter ? .groupQuarter : .groupYear
        let allScope: Scope = period.isQuarter ? .allQuarter : .allYear
        let annex = survey.annex
        label = labels.t(annex.annexTitleVi.isEmpty ? "Phụ lục" : annex.annexTitleVi,
                         HTMLReport.nonEmpty(annex.annexTitleEn, "Annex"))
        title = labels.annexTitle(period)
        let year = annex.issueDate.flatMap { Int($0.prefix(4)) } ?? Int(input.releaseDate.prefix(4)) ?? period.year + 1
        decision = labels.annexDecision(language == .vi ? annex.decisionVi : HTMLReport.nonEmpty(annex.decisionEn, ""),
                                        agency: language == .vi ? survey.agencyVi : HTMLReport.nonEmpty(survey.agencyEn, survey.agencyVi),
                                        year: year)
        hasPoints = rules.publishPoints
        hasTarget = rules.target != nil
        columns = (labels.t("STT", "No."), labels.unitColumn, labels.t("Chỉ số SIPAS", "SIPAS index"),
                   labels.t("Điểm SIPAS", "SIPAS points"), labels.t("Xếp hạng", "Rank"),
                   labels.t("So với \(period.isQuarter ? "quý trước" : "năm \(period.year - 1)") (điểm %)",
                            "Change on \(period.isQuarter ? "previous quarter" : String(period.year - 1)) (points)"),
                   rules.target.map { labels.targetColumn(Self.shortPercent($0, language)) } ?? "")

        let lineage = UnitLineage(input.units)
        let names = Dictionary(input.units.map { ($0.code, $0.name(in: language)) }, uniquingKeysWith: { a, _ in a })
        func percent(_ e: Estimate?) -> String {
            guard let e else { return "–" }
            return e.isSuppressed ? "Q" : NumberStyle.percent(e.value, language: language)
        }
        var marks = Set<String>()
        func row(_ cell: PublishedCell, kind: RankingRow.Kind, number: String, name: String, ceased: Bool = false) -> RankingRow {
            var rank = "–"
            if kind == .unit && !ceased {
                if let r = cell.rank {
                    let position = r.inGroup.map { ($0.position, $0.of) } ?? (r.position, r.of)
                    rank = labels.rank(position.0, of: position.1)
                    if cell.shortOfForms { rank += "*"; marks.insert("*") }
                } else if cell.shortOfForms && !cell.index.isSuppressed {
                    rank = labels.t("không xếp hạng*", "not ranked*")
                    marks.insert("*")
                }
            }
            var change = "–"
            if !ceased, let c = cell.changeOnPrevious, c.diff != nil {
                change = NumberStyle.points(c.diff, language: language)
                if c.isSignificant == true { change += "†"; marks.insert("†") }
            }
            var target: String?
            if rules.target != nil {
                target = cell.target.map { status -> String in
                    switch status {
                    case .significantlyMet: marks.insert("†t"); return labels.t("Đạt†", "Met†")
                    case .met: return labels.t("Đạt", "Met")
                    case .notMet: return labels.t("Chưa đạt", "Not met")
                    case .significantlyMissed: marks.insert("†t"); return labels.t("Chưa đạt†", "Not met†")
                    }
                } ?? "–"
            }
            if cell.index.isSuppressed { marks.insert("Q") }
            let points = rules.publishPoints ? cell.points[overallIndexID].map { e -> String in
                e.isSuppressed ? "Q" : e.value.map { NumberStyle.fixed($0, decimals: 2, language: language) } ?? "–"
            } ?? "–" : nil
            return RankingRow(kind: kind, number: number, name: name, code: cell.key.unit.code, index: percent(cell.index),
                              points: points, rank: rank, change: change, target: target)
        }
        /// Units of the period in rank order (within the group when there are groups), then
        /// unranked ones by code; a unit that ceased within the year last, part-year.
        func members(_ codes: [UnitCode]) -> (ranked: [PublishedCell], ceased: [PublishedCell]) {
            let cells = codes.compactMap { published[unitScope, $0, period] }
            let existing = cells.filter { lineage.existsAtEnd(of: period, $0.key.unit) }.sorted { a, b in
                let pa = a.rank.map { $0.inGroup?.position ?? $0.position } ?? Int.max
                let pb = b.rank.map { $0.inGroup?.position ?? $0.position } ?? Int.max
                return pa != pb ? pa < pb : a.key.unit < b.key.unit
            }
            let ceased = cells.filter { cell in
                !lineage.existsAtEnd(of: period, cell.key.unit)
                    && input.units.first { $0.code == cell.key.unit }?.exists(in: period) == true
            }
            return (existing, ceased)
        }
        func rows(_ codes: [UnitCode]) -> [RankingRow] {
            let (ranked, ceased) = members(codes)
            var out = ranked.enumerated().map { i, cell in
                row(cell, kind: .unit, number: String(i + 1), name: names[cell.key.unit] ?? cell.key.unit.code)
            }
            for cell in ceased {
                var r = row(cell, kind: .unit, number: String(out.count + 1), name: names[cell.key.unit] ?? cell.key.unit.code, ceased: true)
                let last = input.units.first { $0.code == cell.key.unit }?.validTo
                r.rank = labels.ceasedPartYear(last.map { labels.periodInText($0) } ?? "")
                out.append(r)
            }
            return out
        }
        let allCodes = input.units.map(\.code)
        var tables: [RankingTable] = []
        if survey.groups.isEmpty {
            tables = [RankingTable(heading: nil, rows: rows(allCodes))]
        } else {
            for (i, group) in survey.groups.enumerated() {
                let codes = input.units.filter { $0.group == group.id }.map(\.code)
                var groupRows = rows(codes)
                guard !groupRows.isEmpty else { continue }
                if let g = published[groupScope, UnitCode(group.id), period] {
                    groupRows.append(row(g, kind: .group, number: "", name: labels.t("Cả nhóm", "Whole group")))
                }
                tables.append(RankingTable(heading: "\(Labels.romanNumeral(i + 1)). \(group.name(in: language))", rows: groupRows))
            }
        }
        if let all = published[allScope, allUnitsCode, period], !tables.isEmpty {
            tables[tables.count - 1].rows.append(row(all, kind: .allUnits, number: "", name: labels.allUnits(rules.aggregation)))
        }
        self.tables = tables
        rankingHeading = labels.t("1. Chỉ số SIPAS và xếp hạng các đơn vị", "1. SIPAS index and ranking of units")

        var notes: [String] = []
        notes.append(labels.t(
            survey.groups.isEmpty ? "Xếp hạng theo Chỉ số SIPAS làm tròn đến hai chữ số thập phân, như được in; các đơn vị có cùng giá trị in ra được xếp đồng hạng (thứ hạng tiếp theo bỏ qua số hạng tương ứng)."
                : "Xếp hạng trong nhóm theo Chỉ số SIPAS làm tròn đến hai chữ số thập phân, như được in; các đơn vị có cùng giá trị in ra được xếp đồng hạng (thứ hạng tiếp theo bỏ qua số hạng tương ứng).",
            survey.groups.isEmpty ? "Units are ranked by the SIPAS index rounded to two decimals, as printed; units printed with the same value share a rank (the next rank is skipped)."
                : "Units are ranked within their group by the SIPAS index rounded to two decimals, as printed; units printed with the same value share a rank (the next rank is skipped)."))
        if marks.contains("*") {
            notes.append(rules.rankingPolicy == .mark
                ? labels.t("(*) Đơn vị chưa đủ số phiếu (dưới mức tối thiểu \(rules.planMinimum) phiếu của kế hoạch hoặc chưa đạt cỡ mẫu cần thiết): thứ hạng chỉ để tham khảo.",
                           "(*) Short of forms (below the plan minimum of \(rules.planMinimum), or below the sample-size rule): the rank is indicative only.")
                : labels.t("(*) Đơn vị chưa đủ số phiếu (dưới mức tối thiểu \(rules.planMinimum) phiếu của kế hoạch hoặc chưa đạt cỡ mẫu cần thiết): không xếp hạng, chỉ số vẫn được công bố.",
                           "(*) Short of forms (below the plan minimum of \(rules.planMinimum), or below the sample-size rule): not ranked; the index is still published."))
        }
        if marks.contains("†") || marks.contains("†t") {
            notes.append(labels.t("(†) Khác biệt có ý nghĩa thống kê: khoảng tin cậy \(Self.level(rules, language)) của chênh lệch không chứa 0 (thay đổi), hoặc cả khoảng tin cậy của chỉ số nằm trên hay dưới mục tiêu.",
                                  "(†) Statistically significant: the \(Self.level(rules, language)) interval of the difference excludes zero (change), or the index's whole interval lies above or below the target."))
        }
        if marks.contains("Q") {
            notes.append(labels.t("Q: không công bố vì dưới \(rules.suppressBelow) phiếu.", "Q: not published, fewer than \(rules.suppressBelow) forms."))
        }
        notes.append(labels.t("Dấu –: không có số liệu hoặc không so sánh được.", "A dash –: no figure, or nothing to compare with."))
        self.notes = notes

        // Factor indices: the same units in the same order, with the totals.
        factorHeading = labels.t("2. Chỉ số thành phần theo yếu tố, \(labels.periodInText(period)) (%)",
                                 "2. Factor indices, \(labels.periodInText(period)) (%)")
        factorIDs = survey.factors.map(\.id)
        factorNames = survey.factors.map { "\($0.id). " + (language == .vi ? $0.nameVi : HTMLReport.nonEmpty($0.nameEn, $0.nameVi)) }
        var factorRows: [FactorRow] = []
        func factors(_ cell: PublishedCell?) -> [String] {
            survey.factors.map { f in
                guard let e = cell?.factors[f.id] else { return "–" }
                return e.isSuppressed ? "Q" : e.value.map { NumberStyle.fixed($0 * 100, decimals: 2, language: language) } ?? "–"
            }
        }
        for table in tables {
            if let heading = table.heading {
                factorRows.append(FactorRow(kind: .group, number: "", name: heading, code: "", values: [], isGroupHeading: true))
            }
            for r in table.rows {
                let scope: Scope = r.kind == .unit ? unitScope : r.kind == .group ? groupScope : allScope
                // A row's code is its cell's: a unit's, a group's id, or all units'.
                factorRows.append(FactorRow(kind: r.kind, number: r.number, name: r.name, code: r.code,
                                            values: factors(published[scope, UnitCode(r.code), period])))
            }
        }
        self.factorRows = factorRows

        let forms = published[allScope, allUnitsCode, period]?.forms
            ?? tables.flatMap(\.rows).filter { $0.kind == .unit }.compactMap { published[unitScope, UnitCode($0.code), period]?.forms }.reduce(0, +)
        let unitCount = tables.flatMap(\.rows).filter { $0.kind == .unit }.count
        method = labels.annexMethod(survey, period: period, forms: forms, units: unitCount)
    }

    /// A target as people write it: `90%`, `92,5%`.
    static func shortPercent(_ share: Double, _ language: Language) -> String {
        let percent = share * 100
        let decimals = percent == percent.rounded() ? 0 : (percent * 10 == (percent * 10).rounded() ? 1 : 2)
        return NumberStyle.fixed(percent, decimals: decimals, language: language) + "%"
    }

    static func level(_ rules: SurveyRules, _ language: Language) -> String {
        NumberStyle.fixed(rules.confidenceLevel * 100, decimals: 0, language: language) + "%"
    }
}

extension Labels {
    static func romanNumeral(_ n: Int) -> String {
        let table: [(Int, String)] = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
        var n = n, out = ""
        for (value, letters) in table {
            while n >= value { out += letters; n -= value }
        }
        return out
    }

    /// The annex's title line, in capitals, with its period.
    func annexTitle(_ period: Period) -> String {
        let when: String
        if let q = period.quarter {
            when = t("QUÝ \(Self.roman(q)) NĂM \(period.year)", "\(period.year) Q\(q)")
        } else {
            when = t("NĂM \(period.year)", String(period.year))
        }
        return t("KẾT QUẢ CHỈ SỐ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC ĐỐI VỚI SỰ PHỤC VỤ CỦA CƠ QUAN HÀNH CHÍNH NHÀ NƯỚC \(when)",
                 "RESULTS OF THE SATISFACTION INDEX OF PUBLIC ADMINISTRATIVE SERVICES (SIPAS), \(when)")
    }

    /// The decision line in parentheses: the parenthesised part of `decision_vi`/`_en` when it
    /// has one, the whole of it otherwise, or the line with the number and date left blank.
    func annexDecision(_ configured: String, agency: String, year: Int) -> String {
        let text = configured.trimmingCharacters(in: .whitespaces)
        if let open = text.lastIndex(of: "("), let close = text.lastIndex(of: ")"), open < close {
            return String(text[open...close])
        }
        if !text.isEmpty { return "(\(text))" }
        let body = agency.isEmpty ? t("Ủy ban nhân dân tỉnh", "the Provincial People's Committee") : agency
        return t("(Kèm theo Quyết định số      /QĐ-UBND ngày      /     /\(year) của \(body))",
                 "(Attached to Decision No.      /QD-UBND of      /     /\(year) of \(body))")
    }

    /// Two or three sentences: what the index is, on how many forms, what the interval means.
    func annexMethod(_ survey: SurveyDefinition, period: Period, forms: Int, units: Int) -> [String] {
        let rules = survey.rules
        let and = t(" và ", " and ")
        let levels = Array(rules.satisfied).sorted().map(String.init).joined(separator: and)
        let level = NumberStyle.fixed(rules.confidenceLevel * 100, decimals: 0, language: language) + "%"
        let k = survey.factors.count
        var first = t("Chỉ số SIPAS là trung bình chỉ số của \(k) yếu tố; chỉ số mỗi yếu tố là trung bình tỷ lệ người trả lời hài lòng (mức \(levels)) ở các câu hỏi của yếu tố.",
                      "The SIPAS index is the mean of the \(k) factor indices; a factor index is the mean share of respondents satisfied (levels \(levels)) across the factor's questions.")
        if rules.indexMeasure == .weighted {
            first += t(" Chỉ số được gia quyền theo số hồ sơ giải quyết của từng đơn vị và kênh.",
                       " The index is weighted by the dossiers each unit handled per channel.")
        }
        let count = NumberStyle.count(forms, language: language)
        let second = t("Kết quả \(periodInText(period)) tính trên \(count) phiếu khảo sát hợp lệ của \(units) đơn vị.",
                       "The results for \(periodInText(period)) rest on \(count) valid survey forms from \(units) units.")
        let third = t("Mỗi chỉ số là ước lượng từ mẫu, có khoảng tin cậy \(level) (khoảng chứa giá trị thật với độ tin cậy \(level)); khoảng tin cậy, số phiếu và kết quả từng câu hỏi có trong báo cáo kỹ thuật kèm theo.",
                      "Each index is a sample estimate with a \(level) confidence interval (a range that holds the true value with \(level) confidence); the intervals, form counts and every question's results are in the technical report.")
        return [first, second, third]
    }
}
