/// What kind of answer an item collects (methodology.md, "The instrument").
public enum ItemKind: String, Sendable, CaseIterable, Codable {
    /// 1 Rất không hài lòng ... 5 Rất hài lòng; blank and "Không ý kiến" are missing.
    case likert5
    /// A rating on a named scale (`scale = "NAME"`, `[scales.NAME]` in survey.toml).
    case likert
    /// A quality item with a favourable answer (yes).
    case yesno
    /// A count such as trips to the office; favourable when at most one.
    case count
    /// Free text: stored, counted, never published.
    case text
    /// An attribute of the respondent or the dossier (gender, age group, field of procedure):
    /// one of the codes of its scale (`scale = "NAME"`), read as a code or a label. Forms are
    /// broken down by it when `[estimates] breakdowns` names it.
    case category
}

/// One question of the instrument.
public struct Item: Sendable, Hashable, Codable {
    public var id: String
    /// The factor the item belongs to; nil for items outside the index (quality, text).
    public var factor: String?
    public var kind: ItemKind
    public var textVi: String
    public var textEn: String
    /// yesno items: the favourable answer (0 = no, 1 = yes).
    public var favourable: Int?
    /// count items: favourable when the count is at most this.
    public var favourableAtMost: Int?
    /// Quality items: the label of the published favourable share.
    public var favourableVi: String
    public var favourableEn: String
    /// Rating items: the answer scale (the built-in five-point one for `likert5`).
    public var scale: AnswerScale?
    /// Other names of the item's column (or portal answer key), as an office writes them
    /// (`"Câu 1"`, `"C1"`); matched like column names.
    public var aliases: [String] = []
    /// The channels whose forms ask the item (both by default): an online-only question has
    /// no column in paper files, and paper forms count as not asked rather than unanswered.
    public var channels: [Channel] = Channel.allCases
    /// `overall = true`: the rating of overall satisfaction, what key drivers explain. It may
    /// belong to no factor (then it is in no index, but its share is published).
    public var overall = false

    /// Whether the item is a rating that makes the indices (`likert5` or `likert`).
    public var isRating: Bool { kind == .likert5 || kind == .likert }

    /// Whether forms of `channel` ask the item.
    public func isAsked(on channel: Channel) -> Bool { channels.contains(channel) }

    public init(
        id: String, factor: String?, kind: ItemKind, textVi: String, textEn: String, favourable: Int? = nil,
        favourableAtMost: Int? = nil, favourableVi: String = "", favourableEn: String = "", scale: AnswerScale? = nil
    ) {
        self.scale = scale ?? (kind == .likert5 ? .fivePoint() : nil)
        self.id = id
        self.factor = factor
        self.kind = kind
        self.textVi = textVi
        self.textEn = textEn
        self.favourable = favourable
        self.favourableAtMost = favourableAtMost
        self.favourableVi = favourableVi
        self.favourableEn = favourableEn
    }

    /// Whether an answer of a quality item is favourable; nil for Likert and text items.
    public func isFavourable(_ answer: Int) -> Bool? {
        switch kind {
        case .yesno: answer == (favourable ?? 1)
        case .count: answer <= (favourableAtMost ?? 1)
        case .likert5, .likert, .text, .category: nil
        }
    }
}

/// The index the report publishes and ranks.
public enum IndexMeasure: String, Sendable, CaseIterable, Codable {
    /// Mean of item proportions over the respondents as sampled; interval `lin_unweighted_logit`.
    case unweighted
    /// With population weights; interval `lin_ps_logit` (needs population.csv).
    case weighted

    /// The `method` of the index in estimates.csv.
    public var indexMethod: String { rawValue }
    /// The method of its SE and the prefix of its interval methods.
    public var linearisation: String { self == .unweighted ? "lin_unweighted" : "lin_ps" }
}

/// How the all-units figures combine units.
public enum Aggregation: String, Sendable, CaseIterable, Codable {
    /// All units' respondents pooled (the reference's `ALL`).
    case pooled
    /// The simple mean of the unit indices.
    case unitMean = "unit_mean"
    /// Unit indices weighted by each unit's dossiers in the period.
    case dossierWeighted = "dossier_weighted"
}

/// How units short of forms (below the plan minimum, or failing the sample-size rule) are ranked.
/// `[publication] hold`: whether `run` holds back a release made on a damaged night.
public enum HoldPolicy: String, Sendable, CaseIterable, Codable {
    /// A night with a file wholly rejected or unreadable, or rejects above
    /// `max_rejected_share`, not seen in the published release, builds its release in
    /// `work/pending/` and leaves the published one as it is (`pipeline publish` after review).
    case damaged
    /// Every run publishes.
    case never
}

public enum RankingPolicy: String, Sendable, CaseIterable, Codable {
    /// Ranked with the others, marked `*` (their rank is indicative only).
    case mark
    /// Left out of the ranking.
    case exclude
}

/// A group of Likert items whose mean proportion is a factor index.
public struct Factor: Sendable, Hashable, Codable {
    public var id: String
    public var nameVi: String
    public var nameEn: String

    public init(id: String, nameVi: String, nameEn: String) {
        self.id = id
        self.nameVi = nameVi
        self.nameEn = nameEn
    }
}

/// Interval methods for an unweighted proportion (reference README, "Per question").
public enum IntervalMethod: String, Sendable, CaseIterable, Codable {
    case wald
    case wilson
    case agrestiCoull = "agresti_coull"
    case jeffreys
    case clopperPearson = "clopper_pearson"
}

/// Output language of the report.
public enum Language: String, Sendable, CaseIterable, Codable {
    case vi
    case en
}

/// The two ways a form reaches the agency; decided by the inbox folder it came from.
public enum Channel: String, Sendable, CaseIterable, Codable, Comparable {
    case paper
    case online

    public static func < (lhs: Channel, rhs: Channel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Statistical and quality rules; every default is methodology.md's.
public struct SurveyRules: Sendable, Hashable, Codable {
    /// Answers of the built-in five-point scale (`likert5` items) that count as satisfied;
    /// named scales carry their own.
    public var satisfied: Set<Int> = [4, 5]
    public var confidenceLevel: Double = 0.95
    /// The interval printed for item proportions in the report.
    public var intervalMethod: IntervalMethod = .wilson
    /// Valid forms required per unit and quarter.
    public var planMinimum: Int = 60
    /// e in the sample-size rule n >= N / (1 + N e^2).
    public var marginOfError: Double = 0.05
    /// The measured window; responses dated outside it are flagged by `check`.
    public var firstPeriod: Period?
    public var lastPeriod: Period?
    /// Per item and cell, missing answers over forms above this fails the check.
    public var maxMissingShare: Double = 0.20
    /// Per cell, forms with one identical answer on every Likert item above this share fail.
    public var maxStraightliningShare: Double = 0.25
    /// The share of rejected rows of the inbox above which a run reports that the input needs
    /// attention.
    public var maxRejectedShare: Double = 0.05
    public var language: Language = .vi
    public var indexMeasure: IndexMeasure = .unweighted
    public var aggregation: Aggregation = .pooled
    /// Units short of forms: ranked with a mark, or left out.
    public var rankingPolicy: RankingPolicy = .mark
    /// `[publication] hold`.
    public var hold: HoldPolicy = .damaged
    /// `[points] publish`: a 0-100 score per item, factor and index beside the satisfied share.
    public var publishPoints = false
    /// `[points] likert5`: the points of the built-in scale's five values (default 0, 25, ..., 100).
    public var likert5Points: [Double]?
    /// The target share for the SIPAS index (for example 0.90), if any.
    public var target: Double?
    /// The survey's time zone: portal timestamps with an offset or `Z` are dated in it.
    /// An IANA name (`Asia/Ho_Chi_Minh`) or a fixed offset (`+07:00`).
    public var timeZone: String = "Asia/Ho_Chi_Minh"
    /// Flag Q: an estimate on fewer forms (or a smaller effective n) is suppressed.
    public var suppressBelow: Int = 30
    /// Flag U: an interval half-width above this is low reliability.
    public var maxHalfWidth: Double = 0.10
    /// `[flags] low_alpha`: a factor whose Cronbach's α is below this is flagged in the
    /// technical report (a negative α always is).
    public var lowAlpha: Double = 0.6
    /// `[estimates] full`: every statistic and method of docs/statistics.md (all five item
    /// intervals, the index's Wald intervals), not only what the release publishes.
    public var fullEstimates = false
    /// `[estimates] breakdowns`: the category items whose values are domains of their own
    /// (figures for each value, all units and each unit, with the design's domain variance).
    public var breakdowns: [String] = []

    public init() {}
}

/// Column names of paper files (CSV, workbooks, HTML tables saved as .xls).
public struct PaperColumns: Sendable, Hashable, Codable {
    public var formID = "form_id"
    public var unit = "unit"
    public var date = "date"
    public var comment = "comment"
    /// Other names a column may carry, by key (`form_id` → ["Mã phiếu", "So phieu"]).
    public var aliases: [String: [String]] = [:]
    /// The workbook sheets to read, in this order (nil: every sheet, in workbook order).
    public var sheet: [String]?
    /// The code page of CSV files without a byte-order mark (any iconv name), or nil for UTF-8.
    public var encoding: String?
    public init() {}

    /// Every name of a column key, the configured one first.
    public func names(_ key: String, _ primary: String) -> [String] { [primary] + (aliases[key] ?? []) }
}

/// Field names of portal exports: JSON objects, or the columns of a portal table (CSV,
/// workbook, HTML table) where `answers` is unused and items are columns named by their ids.
public struct PortalFields: Sendable, Hashable, Codable {
    public var id = "id"
    public var unit = "unit"
    public var submittedAt = "submitted_at"
    public var dossierCode = "dossier_code"
    public var answers = "answers"
    public var comment = "comment"
    public var aliases: [String: [String]] = [:]
    /// As `PaperColumns.sheet`.
    public var sheet: [String]?
    public var encoding: String?
    public init() {}

    public func names(_ key: String, _ primary: String) -> [String] { [primary] + (aliases[key] ?? []) }
}

/// `[sdmx]` of survey.toml: what the SDMX messages (`sdmx.xml`, `sdmx-structure.xml`) say
/// about where the survey was made.
public struct SDMXSettings: Sendable, Hashable, Codable {
    /// `REF_AREA`: an ISO 3166-1 country code (`VN`, the default) or an ISO 3166-2 subdivision
    /// code (`VN-23`, Hà Tĩnh province).
    public var refArea: String = "VN"
    /// The area's name in the code list (default: Việt Nam / Viet Nam for `VN`, else the code).
    public var refAreaNameVi: String?
    public var refAreaNameEn: String?

    public init(refArea: String = "VN", refAreaNameVi: String? = nil, refAreaNameEn: String? = nil) {
        self.refArea = refArea
        self.refAreaNameVi = refAreaNameVi
        self.refAreaNameEn = refAreaNameEn
    }

    /// Whether `code` is an ISO 3166-1 alpha-2 code or an ISO 3166-2 subdivision code:
    /// two capital letters, optionally `-` and 1 to 3 capital letters or digits.
    public static func isAreaCode(_ code: String) -> Bool {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts[0].count == 2, parts[0].allSatisfy({ $0.isASCII && $0.isUppercase }) else { return false }
        guard parts.count == 2 else { return true }
        return (1...3).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    /// The SDMX identifier of a unit code or factor id. SDMX ids (`common:IDType`) allow
    /// letters, digits, `_`, `-`, `@` and `$`; a `.`, which units.csv and factor ids allow,
    /// becomes `_`. survey.toml and units.csv refuse two codes that become the same id.
    public static func identifier(_ code: String) -> String {
        String(code.map { $0 == "." ? "_" : $0 })
    }

    /// The code of the all-units total in the `UNIT` dimension (SDMX's usual code for a total).
    public static let totalCode = "_T"
}

/// The instrument and the rules of one survey: the parsed `survey.toml`.
public struct SurveyDefinition: Sendable, Hashable, Codable {
    public var titleVi: String
    public var titleEn: String
    public var agencyVi: String
    public var agencyEn: String
    public var factors: [Factor]
    public var items: [Item]
    public var rules: SurveyRules
    public var paperColumns: PaperColumns
    public var portalFields: PortalFields
    public var sdmx: SDMXSettings
    /// `[publication]`: the decision the report is attached to (all optional).
    public var annex = DecisionAnnex()
    /// `[[groups]]`: the groups units are ranked in (sở, ban, ngành; UBND cấp huyện; ...), in
    /// the order written; empty when units are ranked all together only.
    public var groups: [UnitGroup] = []

    public init(
        titleVi: String = "", titleEn: String = "", agencyVi: String = "", agencyEn: String = "",
        factors: [Factor], items: [Item], rules: SurveyRules = SurveyRules(),
        paperColumns: PaperColumns = PaperColumns(), portalFields: PortalFields = PortalFields(),
        sdmx: SDMXSettings = SDMXSettings()
    ) {
        self.sdmx = sdmx
        self.titleVi = titleVi
        self.titleEn = titleEn
        self.agencyVi = agencyVi
        self.agencyEn = agencyEn
        self.factors = factors
        self.items = items
        self.rules = rules
        self.paperColumns = paperColumns
        self.portalFields = portalFields
    }

    /// Items that carry an answer stored as a small integer (everything but text).
    public var answeredItems: [Item] { items.filter { $0.kind != .text } }

    /// Likert items, in instrument order: the ones that make the indices.
    public var likertItems: [Item] { items.filter(\.isRating) }

    /// The scale of a rating item: the built-in five-point scale with `[survey] satisfied`
    /// for `likert5`, its named scale for `likert`.
    public func scale(of item: Item) -> AnswerScale {
        if item.kind == .likert, let scale = item.scale { return scale }
        var five = AnswerScale.fivePoint(satisfied: rules.satisfied)
        five.points = rules.likert5Points
        return five
    }

    /// The scales of the rating items, in instrument order.
    public var ratingScales: [AnswerScale] { likertItems.map(scale(of:)) }

    /// The item of overall satisfaction (`overall = true`), if any.
    public var overallItem: Item? { items.first { $0.overall && $0.isRating } }

    /// Category items (respondent and dossier attributes), in instrument order.
    public var categoryItems: [Item] { items.filter { $0.kind == .category } }

    /// The category items forms are broken down by (`[estimates] breakdowns`), in that order.
    public var breakdownItems: [Item] { rules.breakdowns.compactMap { id in items.first { $0.id == id && $0.kind == .category } } }

    /// Yes/no and count items: published as favourable shares.
    public var qualityItems: [Item] { items.filter { $0.kind == .yesno || $0.kind == .count } }

    /// Likert items of one factor, in instrument order.
    public func likertItems(inFactor factorID: String) -> [Item] {
        items.filter { $0.isRating && $0.factor == factorID }
    }
}

/// An agency being measured (a row of units.csv).
public struct SurveyUnit: Sendable, Hashable, Codable {
    public var code: UnitCode
    public var nameVi: String
    public var nameEn: String
    /// The `group` column of units.csv: an id of survey.toml's `[[groups]]`, or nil.
    public var group: String?
    /// The `aliases` column of units.csv (`;`-separated): other ways offices write the unit
    /// in the unit column of their files (`Sở TP`, `So Tu phap`).
    public var aliases: [String] = []
    /// The `valid_from` and `valid_to` columns of units.csv: the first and last quarter the
    /// unit exists in (nil: since before the survey, until further notice). See `UnitLineage`.
    public var validFrom: Period?
    public var validTo: Period?
    /// The `predecessors` column (`;`-separated codes): the units this one continues.
    public var predecessors: [UnitCode] = []

    public init(
        code: UnitCode, nameVi: String, nameEn: String, group: String? = nil, aliases: [String] = [],
        validFrom: Period? = nil, validTo: Period? = nil, predecessors: [UnitCode] = []
    ) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.group = group
        self.aliases = aliases
        self.validFrom = validFrom
        self.validTo = validTo
        self.predecessors = predecessors
    }

    public func name(in language: Language) -> String {
        switch language {
        case .vi: nameVi
        case .en: nameEn.isEmpty ? nameVi : nameEn
        }
    }
}

/// Dossiers handled by a unit through a channel in a year or a quarter (population.csv).
public struct PopulationCount: Sendable, Hashable, Codable {
    public var unit: UnitCode
    public var channel: Channel
    public var period: Period
    public var dossiers: Double

    public init(unit: UnitCode, channel: Channel, period: Period, dossiers: Double) {
        self.unit = unit
        self.channel = channel
        self.period = period
        self.dossiers = dossiers
    }
}

/// `[publication]` of survey.toml: how the report is attached to a decision (*Phụ lục kèm
/// theo Quyết định ...*): issuing body, annex heading, decision line, place and date of issue,
/// signature block and recipients. Every key is optional; an empty one prints nothing.
public struct DecisionAnnex: Sendable, Hashable, Codable {
    public var issuingBodyVi = "", issuingBodyEn = ""
    /// `Phụ lục` / `Annex` (the heading over the decision line).
    public var annexTitleVi = "", annexTitleEn = ""
    /// `Kèm theo Quyết định số .../QĐ-UBND ngày ... của Ủy ban nhân dân tỉnh ...`.
    public var decisionVi = "", decisionEn = ""
    /// The place of issue (`Hà Tĩnh`), printed before the date.
    public var placeVi = "", placeEn = ""
    /// `yyyy-mm-dd`.
    public var issueDate: String?
    /// The signature block's title lines (`TM. ỦY BAN NHÂN DÂN`, `KT. CHỦ TỊCH`, `PHÓ CHỦ TỊCH`).
    public var signatureVi: [String] = [], signatureEn: [String] = []
    public var signer = ""
    /// `Nơi nhận:` lines.
    public var recipientsVi: [String] = [], recipientsEn: [String] = []

    public init() {}

    public var isEmpty: Bool { self == DecisionAnnex() }
}

/// A group of units ranked together (`[[groups]]` of survey.toml).
public struct UnitGroup: Sendable, Hashable, Codable {
    public var id: String
    public var nameVi: String
    public var nameEn: String

    public init(id: String, nameVi: String, nameEn: String) {
        self.id = id
        self.nameVi = nameVi
        self.nameEn = nameEn
    }

    public func name(in language: Language) -> String {
        language == .vi ? nameVi : (nameEn.isEmpty ? nameVi : nameEn)
    }
}
