import Foundation
import Stats
import SurveyModel

/// What the report shows, computed once from the estimates and shared by XML and HTML.
struct ReportView {
    /// The published figures, decoded once; every renderer reads them.
    let published: PublishedEstimates
    /// Every cell with estimates, sorted by scope, unit and period.
    var cells: [CellKey] { published.keys }
    /// The latest quarter with data.
    var latest: Period? { published.latestQuarter }

    init(_ input: ReportInput) {
        published = input.published
    }
}

/// The words of the report in one language.
struct Labels {
    let language: Language
    var confidenceLevel = 0.95

    func t(_ vi: String, _ en: String) -> String { language == .vi ? vi : en }

    var defaultTitle: String { t("Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)", "Satisfaction Index of Public Administrative Services (SIPAS)") }
    var headline: String { t("Kết quả quý", "Results for the quarter") }
    var unitColumn: String { t("Đơn vị", "Unit") }
    var indexColumn: String { t("Chỉ số SIPAS", "SIPAS index") }
    var intervalColumn: String {
        let level = NumberStyle.fixed(confidenceLevel * 100, decimals: confidenceLevel * 100 == (confidenceLevel * 100).rounded() ? 0 : 1, language: language)
        return t("Khoảng tin cậy \(level)%", "\(level)% confidence interval")
    }
    var formsColumn: String { t("Số phiếu hợp lệ", "Valid forms") }
    var changeColumn: String { t("So với quý trước (điểm phần trăm)", "Change on previous quarter (percentage points)") }
    var flagColumn: String { t("Ghi chú", "Flag") }
    func allUnits(_ aggregation: Aggregation) -> String {
        switch aggregation {
        case .pooled: t("Tất cả đơn vị (gộp phiếu)", "All units (pooled forms)")
        case .unitMean: t("Tất cả đơn vị (trung bình các đơn vị)", "All units (mean of units)")
        case .dossierWeighted: t("Tất cả đơn vị (gia quyền theo số hồ sơ)", "All units (weighted by dossiers)")
        }
    }
    var rankColumn: String { t("Xếp hạng", "Rank") }
    var qualityHeading: String { t("Chỉ tiêu chất lượng phục vụ", "Service quality indicators") }
    func targetColumn(_ target: String) -> String { t("Mục tiêu \(target)", "Target \(target)") }
    var targetSignificantlyMet: String { t("đạt, cao hơn mục tiêu có ý nghĩa thống kê", "met, significantly above the target") }
    var targetMet: String { t("đạt", "met") }
    var targetNotMet: String { t("chưa đạt", "not met") }
    var targetSignificantlyMissed: String { t("chưa đạt, thấp hơn mục tiêu có ý nghĩa thống kê", "missed, significantly below the target") }
    /// The tier of overlapping intervals, never called a group: units.csv groups are groups.
    func tier(_ n: Int) -> String { t("tầng \(n)", "tier \(n)") }
    func rankChange(_ change: Int) -> String {
        if change == 0 { return t("giữ hạng", "same rank") }
        return change > 0 ? t("tăng \(change) bậc", "up \(change)") : t("giảm \(-change) bậc", "down \(-change)")
    }
    var factorsHeading: String { t("Chỉ số thành phần theo yếu tố", "Factor indices") }
    var checksHeading: String { t("Kiểm tra mẫu khảo sát", "Sampling checks") }
    var methodHeading: String { t("Ghi chú phương pháp", "Methodology note") }
    var sourcesHeading: String { t("Nguồn dữ liệu", "Data sources") }
    var significant: String { t("có ý nghĩa thống kê", "significant") }
    var notSignificant: String { t("không có ý nghĩa thống kê", "not significant") }
    var noPrevious: String { t("chưa có quý trước", "no previous quarter") }
    var noChecksFailed: String { t("Không có kiểm tra nào không đạt trong quý này.", "No check failed in this quarter.") }
    var periodWord: String { t("Quý", "Quarter") }
    var releaseWord: String { t("Ngày công bố", "Released") }
    var dataThroughWord: String { t("Dữ liệu đến ngày", "Data up to") }
    var fileColumn: String { t("Tệp", "File") }
    var acceptedColumn: String { t("Nhận", "Accepted") }
    var rejectedColumn: String { t("Không hợp lệ", "Rejected") }
    var duplicateColumn: String { t("Trùng", "Duplicates") }
    var checkColumn: String { t("Kiểm tra", "Check") }
    var resultColumn: String { t("Kết quả", "Result") }
    func legend(_ rules: SurveyRules) -> String {
        let half = NumberStyle.fixed(rules.maxHalfWidth * 100, decimals: 0, language: language)
        return t("Ký hiệu: Q = không công bố số liệu vì dưới \(rules.suppressBelow) phiếu; U = độ tin cậy thấp (nửa khoảng tin cậy lớn hơn \(half) điểm phần trăm); I = số phiếu dưới mức tối thiểu \(rules.planMinimum) phiếu của kế hoạch (vẫn công bố, cần thận trọng khi diễn giải); M = không tính: có yếu tố không có câu trả lời nào (Chỉ số SIPAS cần đủ mọi yếu tố); N = thay đổi không có ý nghĩa thống kê. Các đơn vị cùng tầng có khoảng tin cậy chồng lên nhau: thứ hạng giữa chúng không khác biệt rõ. Dấu – = không xác định.",
          "Flags: Q = suppressed, fewer than \(rules.suppressBelow) forms; U = low reliability (interval half-width above \(half) percentage points); I = fewer forms than the plan minimum of \(rules.planMinimum) (published, interpret with care); M = not computed: a factor had no answer at all (the SIPAS index needs every factor); N = change not significant. Units in the same tier have overlapping intervals: their ranks do not differ clearly. A dash – means undefined.")
    }

    /// Administrative Vietnamese writes quarters in Roman numerals: "Quý IV/2024".
    static func roman(_ quarter: Int) -> String { ["I", "II", "III", "IV"][max(0, min(3, quarter - 1))] }

    /// A period as a label or at the start of a sentence ("Quý IV/2024", "2024 Q4").
    func periodName(_ p: Period) -> String {
        guard let q = p.quarter else { return t("Năm \(p.year)", "Year \(p.year)") }
        return t("Quý \(Self.roman(q))/\(p.year)", "\(p.year) Q\(q)")
    }

    /// A period inside a sentence ("quý IV/2024").
    func periodInText(_ p: Period) -> String {
        guard let q = p.quarter else { return t("năm \(p.year)", "\(p.year)") }
        return t("quý \(Self.roman(q))/\(p.year)", "\(p.year) Q\(q)")
    }

    func resultsHeading(_ p: Period) -> String { t("Kết quả \(periodInText(p))", "\(headline): \(periodName(p))") }

    func date(_ iso: String) -> String {
        guard language == .vi else { return iso }
        let parts = iso.split(separator: "-")
        guard parts.count == 3 else { return iso }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    /// - Parameter units: units.csv; when some unit has a life, how the figures follow it.
    func methodNote(_ survey: SurveyDefinition, units: [SurveyUnit] = []) -> [String] {
        let rules = survey.rules
        let and = t(" và ", " and ")
        let scales = survey.ratingScales.reduce(into: [AnswerScale]()) { seen, scale in
            if !seen.contains(where: { $0.name == scale.name }) { seen.append(scale) }
        }
        // One scale: "mức 4 và 5"; several: each scale with its values and satisfied levels.
        let satisfied: String
        if scales.count <= 1, let only = scales.first {
            satisfied = t("mức ", "") + only.satisfied.map(String.init).joined(separator: and)
        } else {
            satisfied = t("ở mức hài lòng của thang đo (", "counted as satisfied on the item's scale (") + scales.map { scale in
                let name = scale.name == "likert5" ? t("thang 5 mức", "the five-point scale") : t("thang \(scale.name)", "scale \(scale.name)")
                return "\(name) \(scale.valuesText): " + scale.satisfied.map(String.init).joined(separator: and)
            }.joined(separator: "; ") + ")"
        }
        let level = NumberStyle.fixed(rules.confidenceLevel * 100, decimals: 0, language: language)
        let e = NumberStyle.fixed(rules.marginOfError, decimals: 2, language: language)
        return [
            t("Tỷ lệ hài lòng của một câu hỏi là số câu trả lời \(satisfied) chia cho số câu trả lời hợp lệ; câu bỏ trống hoặc \"Không ý kiến\" không được tính. Chỉ số của một yếu tố là trung bình tỷ lệ hài lòng các câu hỏi của yếu tố; Chỉ số SIPAS là trung bình các chỉ số yếu tố, và chỉ được tính khi mọi yếu tố đều có câu trả lời (M). Một yếu tố có dưới \(rules.suppressBelow) phiếu trả lời không được công bố (Q), và chỉ số chứa nó được đánh dấu độ tin cậy thấp (U).",
              "An item's satisfaction rate is the number of answers \(satisfied) divided by the valid answers; blank and \"no opinion\" answers are left out. A factor index is the mean of its items' rates; the SIPAS index is the mean of the factor indices, computed only when every factor has answers (M). A factor answered on fewer than \(rules.suppressBelow) forms is suppressed (Q), and an index that averages it is flagged low reliability (U)."),
            t("Khoảng tin cậy \(level)% của chỉ số tính bằng tuyến tính hóa Taylor (các tỷ lệ trên cùng người trả lời không độc lập) trên thang logit, với bậc tự do bằng số phiếu trừ 1. Thay đổi được coi là có ý nghĩa khi khoảng tin cậy của chênh lệch không chứa 0.",
              "The \(level)% interval of an index comes from Taylor linearisation (rates over the same respondents are not independent), on the logit scale, with the number of forms minus one degrees of freedom. A change is significant when the interval of the difference excludes zero."),
            measureNote(rules),
            t("Kế hoạch yêu cầu tối thiểu \(rules.planMinimum) phiếu mỗi đơn vị mỗi quý; cỡ mẫu cần thiết theo công thức n ≥ N/(1 + N·e²) với e = \(e), N là số hồ sơ giải quyết trong kỳ.",
              "The plan requires at least \(rules.planMinimum) forms per unit and quarter; the sample-size rule is n ≥ N/(1 + N·e²) with e = \(e), N the dossiers handled in the period."),
            t("Ý kiến góp ý tự do không được công bố nguyên văn.", "Free-text comments are never published verbatim."),
        ] + (UnitLineage(units).isTrivial ? [] : [lineageNote])
    }

    /// How the figures follow units that merged, were renamed, split, started or ceased.
    var lineageNote: String {
        t("Đơn vị hợp nhất hoặc đổi tên được so sánh, với các kỳ trước khi thành lập, với các đơn vị tiền thân gộp lại (phiếu của các đơn vị tiền thân tính như phiếu của đơn vị); số liệu năm của đơn vị gồm cả phiếu của các đơn vị tiền thân trong năm đó. Đơn vị được chia tách từ một đơn vị cũ không được so sánh với đơn vị cũ. Đơn vị thôi hoạt động trong năm được trình bày riêng với số liệu một phần năm, không xếp hạng và không so sánh với năm trước. Xếp hạng và thay đổi thứ hạng tính trong số các đơn vị tồn tại vào cuối kỳ.",
          "A unit formed by a merger or a rename is compared, for periods before it existed, with its predecessors pooled (their forms counted as its own); its year figure includes its predecessors' forms of that year. A unit split from an earlier one is not compared with it. A unit that ceased during a year is shown apart with a part-year figure, neither ranked nor compared with the previous year. Ranks and rank changes are among the units that exist at the end of the period.")
    }
}

extension Labels {
    /// A check's name in the report's language.
    func checkName(_ check: String) -> String {
        switch check {
        case "plan_minimum": t("Số phiếu tối thiểu theo kế hoạch", "Plan minimum of forms")
        case "sample_size_rule": t("Cỡ mẫu theo số hồ sơ", "Sample-size rule")
        case "dates_in_window": t("Ngày ngoài thời gian khảo sát", "Dates outside the survey window")
        case "missing_share": t("Tỷ lệ câu bỏ trống", "Share of missing answers")
        case "straightlining": t("Trả lời đồng loạt một mức", "Straight-lining")
        case "duplicates": t("Phiếu trùng mã", "Duplicate form ids")
        case "repeated_dossier": t("Hồ sơ được đánh giá nhiều lần", "Dossier rated more than once")
        default: check
        }
    }

    /// What a check found, phrased from its numbers in the report's language.
    func checkFinding(_ c: CheckResult) -> String {
        let observed = c.observed ?? 0
        let required = c.required ?? 0
        let n = Int(observed), need = Int(required)
        switch c.check {
        case "plan_minimum":
            return t("\(n) phiếu hợp lệ, thiếu \(need - n) so với mức tối thiểu \(need) phiếu",
                     "\(n) valid forms, \(need - n) short of the plan minimum of \(need)")
        case "sample_size_rule":
            return t("\(n) phiếu; công thức n ≥ N/(1 + N·e²) cần \(need) phiếu, thiếu \(need - n)",
                     "\(n) forms; the rule n ≥ N/(1 + N·e²) needs \(need), \(need - n) short")
        case "dates_in_window":
            return t("\(n) phiếu có ngày ngoài thời gian khảo sát", "\(n) forms dated outside the survey window")
        case "missing_share":
            return t("\(NumberStyle.percent(observed, language: language)) số phiếu bỏ trống câu \(c.subject) (ngưỡng \(NumberStyle.percent(required, language: language)))",
                     "\(NumberStyle.percent(observed, language: language)) of forms left \(c.subject) blank (threshold \(NumberStyle.percent(required, language: language)))")
        case "straightlining":
            return t("\(NumberStyle.percent(observed, language: language)) số phiếu chọn cùng một mức cho mọi câu (ngưỡng \(NumberStyle.percent(required, language: language)))",
                     "\(NumberStyle.percent(observed, language: language)) of forms gave one identical answer to every question (threshold \(NumberStyle.percent(required, language: language)))")
        default:
            return c.message
        }
    }
}

extension Labels {
    /// Which index is published, how units are combined, and the target.
    func measureNote(_ rules: SurveyRules) -> String {
        let measure = rules.indexMeasure == .unweighted
            ? t("Chỉ số công bố là chỉ số không gia quyền (theo phiếu thu được).", "The published index is unweighted (as sampled).")
            : t("Chỉ số công bố được gia quyền theo số hồ sơ giải quyết của từng đơn vị và kênh (giấy, trực tuyến), khoảng tin cậy tính theo hậu phân tầng.",
                "The published index is weighted by the dossiers each unit handled per channel (paper, online); its interval accounts for the post-stratification.")
        let aggregation: String
        switch rules.aggregation {
        case .pooled: aggregation = t("Kết quả tất cả đơn vị gộp toàn bộ phiếu của các đơn vị.", "The all-units figure pools every unit's forms.")
        case .unitMean: aggregation = t("Kết quả tất cả đơn vị là trung bình cộng chỉ số của các đơn vị.", "The all-units figure is the simple mean of the unit indices.")
        case .dossierWeighted: aggregation = t("Kết quả tất cả đơn vị là trung bình chỉ số các đơn vị, gia quyền theo số hồ sơ.", "The all-units figure is the mean of the unit indices weighted by their dossiers.")
        }
        var target = ""
        if let goal = rules.target {
            let g = NumberStyle.percent(goal, language: language)
            target = " " + t("Mục tiêu \(g): đạt nếu chỉ số từ \(g) trở lên; đạt có ý nghĩa thống kê nếu cận dưới của khoảng tin cậy đạt \(g); chưa đạt có ý nghĩa thống kê nếu cận trên dưới \(g).",
                             "Target \(g): met when the index reaches \(g); significantly met when the interval's lower bound does; significantly missed when its upper bound is below \(g).")
        }
        return measure + " " + aggregation + target
    }
}

extension Labels {
    var headlineHeading: String { t("Tóm tắt", "Summary") }
    var trendHeading: String { t("Diễn biến tám quý gần nhất", "Trend over the last eight quarters") }
    var trendTitle: String { t("Chỉ số SIPAS của tất cả đơn vị theo quý, với khoảng tin cậy", "SIPAS index of all units by quarter, with its confidence interval") }
    func barTitle(_ period: String) -> String { t("Chỉ số SIPAS theo đơn vị, \(period), với khoảng tin cậy", "SIPAS index by unit, \(period), with confidence intervals") }
    var chartTableNote: String { t("Số liệu của biểu đồ có trong bảng.", "The chart's numbers are in the table.") }
    var suppressedNote: String { t("Q: không công bố (quá ít phiếu)", "Q: suppressed (too few forms)") }
    var samplingHeading: String { t("Số phiếu theo đơn vị và quý", "Forms per unit and quarter") }
    var failedChecksHeading: String { t("Kiểm tra không đạt trong quý", "Checks that failed this quarter") }
    func shortPeriod(_ p: Period) -> String {
        guard let q = p.quarter else { return String(p.year) }
        return t("Quý \(Self.roman(q))/\(p.year)", "\(p.year) Q\(q)")
    }
    /// `shortPeriod` in two lines for a narrow chart's axis: the quarter ("IV", "Q4") over the year.
    func axisTick(_ p: Period) -> (tick: String, group: String?) {
        guard let q = p.quarter else { return (String(p.year), nil) }
        return (t(Self.roman(q), "Q\(q)"), String(p.year))
    }
    func belowPlanShort(_ minimum: Int) -> String { t("dưới \(minimum)", "below \(minimum)") }
    func ruleShort(_ need: Int, met: Bool) -> String {
        met ? t("cần \(need): đạt", "needs \(need): met") : t("cần \(need): không đạt", "needs \(need): not met")
    }
    func samplingNote(_ rules: SurveyRules) -> String {
        let e = NumberStyle.fixed(rules.marginOfError, decimals: 2, language: language)
        return t("Mức tối thiểu của kế hoạch: \(rules.planMinimum) phiếu mỗi đơn vị mỗi quý. Cỡ mẫu cần thiết theo số hồ sơ N của quý: n ≥ N/(1 + N·e²), e = \(e). \"cần\" là cỡ mẫu cần thiết; ô có ghi chú \"dưới\" hoặc \"không đạt\" (chữ đậm) là không đạt.",
                 "Plan minimum: \(rules.planMinimum) forms per unit and quarter. Sample size needed for the quarter's N dossiers: n ≥ N/(1 + N·e²), e = \(e). \"needs\" is the sample size the rule needs; a note saying \"below\" or \"not met\" (in bold) marks a failure.")
    }
}

extension Labels {
    var tableWord: String { t("Biểu", "Table") }
    func target(_ status: TargetStatus) -> String {
        switch status {
        case .significantlyMet: targetSignificantlyMet
        case .met: targetMet
        case .notMet: targetNotMet
        case .significantlyMissed: targetSignificantlyMissed
        }
    }
    /// "thứ 2/18" / "2nd of 18", as ranks are published.
    func rank(_ position: Int, of count: Int) -> String {
        t("thứ \(position)/\(count)", "\(Self.ordinal(position)) of \(count)")
    }
    static func ordinal(_ n: Int) -> String {
        let tens = n % 100
        if (11...13).contains(tens) { return "\(n)th" }
        switch n % 10 {
        case 1: return "\(n)st"
        case 2: return "\(n)nd"
        case 3: return "\(n)rd"
        default: return "\(n)th"
        }
    }
    var changeOnPreviousQuarter: String { t("So với quý trước (điểm phần trăm)", "Change on previous quarter (percentage points)") }
    var changeOnYearAgo: String { t("So với cùng kỳ năm trước (điểm phần trăm)", "Change on the same quarter a year earlier (percentage points)") }
    var changeOnPreviousYear: String { t("So với năm trước (điểm phần trăm)", "Change on previous year (percentage points)") }
    var previousQuarterWord: String { t("quý trước", "the previous quarter") }
    var previousYearWord: String { t("năm trước", "the previous year") }
    var pointsWord: String { t("điểm phần trăm", "percentage points") }
    var noneWord: String { t("Không có.", "None.") }
    /// "Kết quả năm 2024" or, for a year not yet complete, "Kết quả năm 2024 (đến hết quý II/2024)".
    func yearHeading(_ year: Period, through quarter: Period?) -> String {
        guard let quarter else { return t("Kết quả năm \(year.year)", "Results for the year \(year.year)") }
        return t("Kết quả năm \(year.year) (đến hết \(periodInText(quarter)))", "Results for \(year.year) to date (through \(periodName(quarter)))")
    }
    func rankingCaption(_ heading: String) -> String {
        t("Chỉ số SIPAS và xếp hạng theo đơn vị: \(heading.prefix(1).lowercased() + heading.dropFirst())", "SIPAS index and ranking by unit: \(heading)")
    }
    func factorCaption(_ period: String) -> String { t("Chỉ số thành phần theo yếu tố, \(period)", "Factor indices, \(period)") }
    var trendCaption: String { t("Chỉ số SIPAS theo quý, với khoảng tin cậy", "SIPAS index by quarter, with confidence intervals") }
    func qualityCaption(_ period: String) -> String { t("Chỉ tiêu chất lượng phục vụ, \(period)", "Service quality indicators, \(period)") }
    func itemCaption(_ unit: String) -> String { t("Kết quả từng câu hỏi và yếu tố: \(unit)", "Every question and factor: \(unit)") }
    func unitTrendTitle(_ unit: String) -> String { t("Chỉ số SIPAS của \(unit) theo quý, với khoảng tin cậy", "SIPAS index of \(unit) by quarter, with its confidence interval") }
    func channelCaption(_ unit: String) -> String { t("Phiếu giấy và trực tuyến: \(unit)", "Paper and online: \(unit)") }
    func channelName(_ channel: Channel) -> String {
        channel == .paper ? t("Phiếu giấy (bộ phận một cửa)", "Paper (one-stop counter)") : t("Trực tuyến (cổng dịch vụ công)", "Online (public service portal)")
    }
    var channelColumn: String { t("Kênh", "Channel") }
    var unitAnnexHeading: String { t("Chi tiết theo đơn vị", "Detail by unit") }
    var questionColumn: String { t("Câu hỏi", "Question") }
    var factorColumn: String { t("Yếu tố", "Factor") }
    var satisfiedColumn: String { t("Tỷ lệ hài lòng", "Satisfied") }
    var answersColumn: String { t("Số trả lời", "Answers") }
    var downloadsHeading: String { t("Tệp số liệu", "Data files") }
    /// The files a release in `releaseLanguage` offers for download: the annex in the other
    /// language is one of `annex.en.docx`, `annex.vi.docx`.
    func downloads(releaseLanguage: Language) -> [(String, String)] {
        ReleaseFiles.all.filter { $0.download && $0.name != "annex.\(releaseLanguage.rawValue).docx" }
            .map { ($0.name, $0.description(in: language)) }
    }
    func belowTargetList(_ period: String) -> String { t("Đơn vị chưa đạt mục tiêu, \(period)", "Units below the target, \(period)") }
    func belowPlanList(_ period: String) -> String { t("Đơn vị chưa đủ số phiếu (kế hoạch hoặc cỡ mẫu), \(period)", "Units short of forms (plan minimum or sample-size rule), \(period)") }
    func moversList(_ period: String) -> String { t("Đơn vị thay đổi nhiều nhất so với quý trước, \(period)", "Units that moved most on the previous quarter, \(period)") }
    func overallRank(_ rank: String) -> String { t("chung: \(rank)", "overall: \(rank)") }
    func groupTotal(_ group: String) -> String { t("Cả nhóm: \(group)", "Whole group: \(group)") }
    /// "M: không có câu trả lời cho yếu tố A, B" (why a cell has no SIPAS index).
    func incompleteNote(_ factors: [String]) -> String {
        t("M: không có câu trả lời cho yếu tố \(factors.joined(separator: ", "))", "M: no answer for factor \(factors.joined(separator: ", "))")
    }
    /// "U: yếu tố F dưới 30 phiếu trả lời (Q)" (why an index is of low reliability).
    func thinFactorNote(_ factors: [String]) -> String {
        t("U: yếu tố \(factors.joined(separator: ", ")) có quá ít phiếu trả lời (Q)", "U: factor \(factors.joined(separator: ", ")) answered on too few forms (Q)")
    }
    /// A unit that ceased within the year, in that year's table.
    func ceasedPartYear(_ last: String) -> String {
        t("đã thôi hoạt động sau \(last): số liệu một phần năm, không xếp hạng", "ceased after \(last): part of the year, not ranked")
    }
    var notRankedShort: String { t("không xếp hạng: chưa đủ số phiếu", "not ranked: short of forms") }
    func rankingPolicy(_ rules: SurveyRules) -> String {
        let common = t("Xếp hạng theo Chỉ số SIPAS công bố; đơn vị bị che số liệu (Q) không được xếp hạng. ",
                       "Units are ranked by the published SIPAS index; suppressed units (Q) are not ranked. ")
        switch rules.rankingPolicy {
        case .mark:
            return common + t("Đơn vị có số phiếu dưới mức tối thiểu \(rules.planMinimum) phiếu của kế hoạch hoặc không đạt cỡ mẫu cần thiết vẫn được xếp hạng nhưng đánh dấu *: thứ hạng chỉ để tham khảo.",
                              "A unit with fewer forms than the plan minimum of \(rules.planMinimum), or short of the sample-size rule, is ranked with a mark *: its rank is indicative only.")
        case .exclude:
            return common + t("Đơn vị có số phiếu dưới mức tối thiểu \(rules.planMinimum) phiếu của kế hoạch hoặc không đạt cỡ mẫu cần thiết không được xếp hạng; chỉ số của đơn vị vẫn được công bố.",
                              "A unit with fewer forms than the plan minimum of \(rules.planMinimum), or short of the sample-size rule, is not ranked; its index is still published.")
        }
    }
    func unitSummary(quarter: String, quarterForms: Int, yearText: String, yearForms: Int, rank: String?, yearRank: String?) -> String {
        let q = NumberStyle.count(quarterForms, language: language), y = NumberStyle.count(yearForms, language: language)
        var text = t("Số phiếu hợp lệ \(quarter): \(q); \(yearText.prefix(1).lowercased() + yearText.dropFirst()): \(y).",
                     "Valid forms, \(quarter): \(q); \(yearText): \(y).")
        if let rank { text += t(" Xếp hạng \(quarter): \(rank).", " Rank, \(quarter): \(rank).") }
        if let yearRank { text += t(" Xếp hạng năm: \(yearRank).", " Rank for the year: \(yearRank).") }
        return text
    }
    var pointsColumn: String { t("Điểm SIPAS (thang 0–100)", "SIPAS points (0–100)") }
    func headline(points: (value: String, interval: String)? = nil, period: String, index: String, interval: String, change: String,
                  changeNote: String, previousWord: String, target: String, targetText: String?) -> String {
        var text = t("\(period): Chỉ số SIPAS của tất cả đơn vị là \(index) (khoảng tin cậy \(interval))",
                     "\(period): the SIPAS index of all units is \(index) (confidence interval \(interval))")
        if let points {
            text += t(", đạt \(points.value) điểm trên thang 100 (khoảng tin cậy \(points.interval) điểm)",
                      ", \(points.value) points out of 100 (confidence interval \(points.interval) points)")
        }
        if change != "–" {
            text += t(", thay đổi \(change) điểm phần trăm so với \(previousWord) (\(changeNote))",
                      ", a change of \(change) percentage points on \(previousWord) (\(changeNote))")
        }
        if let targetText, !target.isEmpty {
            text += t("; mục tiêu \(targetText): \(target)", "; target \(targetText): \(target)")
        }
        return text + "."
    }
}
