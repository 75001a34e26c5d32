import Mustache

/// What `report.html.mustache` shows, as typed view models: the template reads each
/// property by its name (`TemplateEncoder` turns a model into `TemplateNode`s through its
/// synthesized `Encodable`), so a property's name is the template's key. An optional property that is nil is absent for the template
/// (a section over it is not shown, and its name is looked up in the enclosing sections).
struct PageView: Encodable {
    var lang: String
    var title: String
    var agency: String
    var sipas: String
    var releaseLabel: String
    var dataThroughLabel: String
    var releaseDate: String
    var programVersion: String
    var labels: PageLabels
    var factorHeaders: [IDName]
    var method: [TextLine]
    var downloads: [Download]
    /// Set only when known: an empty string would still open a Mustache section.
    var dataThrough: String?
    var hasData = false
    var sources: SourcesTable

    // What the page shows about the data, when it has any (else absent, as below).
    var periodSections: [PeriodSection] = []
    var hasTarget = false
    var hasPoints = false
    var pointsHeading: String?
    var targetHeading: String?
    var headlines: [TextLine] = []
    var rankingPolicy: String?
    var lists: [ListView] = []
    var factorCaption: String?
    var factorRows: [RankingRow] = []
    var trendChart: String?
    var trendHeaders: [Label] = []
    var trendCaption: String?
    var trendRows: [TrendRow] = []
    var hasQuality = false
    var qualityCaption: String?
    var qualityHeaders: [IDName] = []
    var qualityRows: [ValuesRow] = []
    var samplingCaption: String?
    var samplingRows: [SamplingRow] = []
    var samplingNote: String?
    var failedChecks: [FailedCheck] = []
    var hasFailedChecks = false
    var failedCaption: String?
    var units: [UnitAnnex] = []
    var reliability: ReliabilitySection?
    var breakdowns: BreakdownSection?
    var drivers: DriverSection?
}

/// The page's words of tables and headings.
struct PageLabels: Encodable {
    var unit, index, interval, forms, flag, factors, checks, method, sources, legend, file, accepted, rejected: String
    var duplicates, check, result, noChecksFailed, rank, quality, trend, chartTable, failedChecks, headline: String
    var annex, question, satisfied, answers, downloads, factor, channel, period: String
}

struct IDName: Encodable {
    var id: String
    var name: String
}

struct TextLine: Encodable {
    var text: String
}

struct Line: Encodable {
    var line: String
}

struct Label: Encodable {
    var label: String
}

struct Download: Encodable {
    var file: String
    var what: String
}

/// The decision header and signature block (`[publication]`).
struct SourcesTable: Encodable {
    var caption: String
    var rows: [SourceRow]
}

struct SourceRow: Encodable {
    var path, sha, accepted, rejected, duplicates: String
}

/// The ranking of the year or of the quarter.
struct PeriodSection: Encodable {
    var id: String
    var heading: String
    var tables: [RankingTable]
    var changeHeading: String
    var hasYearAgo: Bool
    var yearAgoHeading: String?
    var chart: String?
}

struct RankingTable: Encodable {
    var tableId: String
    var group: String?
    var rows: [RankingRow]
    var caption: String?
}

/// A ranking-table row of a cell (a unit, a group or all units).
struct RankingRow: Encodable {
    var name, code: String
    var total: Bool
    var rank: String
    var caution: Bool
    var rankNote, index, interval, points, pointsInterval, forms, change, changeNote, yearAgo, yearAgoNote, target, flag: String
    var flagged: Bool
    var factors: [ValueInterval]
}

struct ValueInterval: Encodable {
    var value: String
    var interval: String
}

struct ListView: Encodable {
    var title: String
    var items: [TextLine]
    var empty: Bool
    var none: String
}

struct TrendRow: Encodable {
    var name: String
    var total: Bool
    var values: [ValueInterval]
}

struct ValuesRow: Encodable {
    var name: String
    var total: Bool
    var values: [QualityValue]
}

struct QualityValue: Encodable {
    var value, interval, n: String
}

struct SamplingRow: Encodable {
    var name: String
    var values: [SamplingValue]
}

struct SamplingValue: Encodable {
    var forms: String
    var note: String
    /// A Bool: the template's section would fire on an empty string too.
    var fail: Bool
}

struct FailedCheck: Encodable {
    var unit, check, message: String
}

/// A unit's part of the page's annex: every question and factor, quarter and year.
struct UnitAnnex: Encodable {
    var code, name, summary, channelCaption: String
    var channels: [ChannelRow]
    var itemCaption, quarterHeading, yearHeading: String
    var factors: [FactorAnnexRow]
    var items: [ItemAnnexRow]
    var chart: String
}

struct ChannelRow: Encodable {
    var channel, period, forms, index, interval, points, flag: String
}

struct AnnexFigure: Encodable {
    var value, interval, n, flag: String
}

struct FactorAnnexRow: Encodable {
    var id, name: String
    var quarter: AnnexFigure
    var year: AnnexFigure
    var isIndex: Bool
}

struct ItemAnnexRow: Encodable {
    var id, text: String
    var quarter: AnnexFigure
    var year: AnnexFigure
}

/// A view model as the template engine reads it, typed: text, flags and numbers as they are,
/// a model's properties by name, arrays as arrays. `.absent` stands for a nil optional (left
/// out of its model: the template looks its name up in the enclosing sections).
enum TemplateNode: MustacheCustomRepresentation {
    case text(String)
    case flag(Bool)
    case integer(Int)
    case number(Double)
    case object(TemplateObject)
    case list([TemplateNode])
    case absent

    /// What the engine renders, tests and iterates (`Any` is its interface).
    var representation: Any? {
        switch self {
        case .text(let text): text
        case .flag(let flag): flag
        case .integer(let number): number
        case .number(let number): number
        case .object(let object): object
        case .list(let elements): elements
        case .absent: nil
        }
    }
}

/// A view model's properties by name, as the template engine looks them up.
struct TemplateObject: MustacheParent {
    let properties: [String: TemplateNode]

    func child(named name: String) -> Any? { properties[name] }
}
