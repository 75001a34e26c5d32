import Mustache

/// What `report.html.mustache` shows, as typed view models: the template reads each
/// property by its name (swift-mustache looks properties up by reflection), so a property's
/// name is the template's key. An optional property that is nil is absent for the template
/// (a section over it is not shown, and its name is looked up in the enclosing sections).
struct PageView {
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
struct PageLabels {
    var unit, index, interval, forms, flag, factors, checks, method, sources, legend, file, accepted, rejected: String
    var duplicates, check, result, noChecksFailed, rank, quality, trend, chartTable, failedChecks, headline: String
    var annex, question, satisfied, answers, downloads, factor, channel, period: String
}

struct IDName {
    var id: String
    var name: String
}

struct TextLine {
    var text: String
}

struct Line {
    var line: String
}

struct Label {
    var label: String
}

struct Download {
    var file: String
    var what: String
}

/// The decision header and signature block (`[publication]`).
struct SourcesTable {
    var caption: String
    var rows: [SourceRow]
}

struct SourceRow {
    var path, sha, accepted, rejected, duplicates: String
}

/// The ranking of the year or of the quarter.
struct PeriodSection {
    var id: String
    var heading: String
    var tables: [RankingTable]
    var changeHeading: String
    var hasYearAgo: Bool
    var yearAgoHeading: String?
    var chart: String?
}

struct RankingTable {
    var tableId: String
    var group: String?
    var rows: [RankingRow]
    var caption: String?
}

/// A ranking-table row of a cell (a unit, a group or all units).
struct RankingRow {
    var name, code: String
    var total: Bool
    var rank: String
    var caution: Bool
    var rankNote, index, interval, points, pointsInterval, forms, change, changeNote, yearAgo, yearAgoNote, target, flag: String
    var flagged: Bool
    var factors: [ValueInterval]
}

struct ValueInterval {
    var value: String
    var interval: String
}

struct ListView {
    var title: String
    var items: [TextLine]
    var empty: Bool
    var none: String
}

struct TrendRow {
    var name: String
    var total: Bool
    var values: [ValueInterval]
}

struct ValuesRow {
    var name: String
    var total: Bool
    var values: [QualityValue]
}

struct QualityValue {
    var value, interval, n: String
}

struct SamplingRow {
    var name: String
    var values: [SamplingValue]
}

struct SamplingValue {
    var forms: String
    var note: String
    /// A Bool: the template's section would fire on an empty string too.
    var fail: Bool
}

struct FailedCheck {
    var unit, check, message: String
}

/// A unit's part of the page's annex: every question and factor, quarter and year.
struct UnitAnnex {
    var code, name, summary, channelCaption: String
    var channels: [ChannelRow]
    var itemCaption, quarterHeading, yearHeading: String
    var factors: [FactorAnnexRow]
    var items: [ItemAnnexRow]
    var chart: String
}

struct ChannelRow {
    var channel, period, forms, index, interval, points, flag: String
}

struct AnnexFigure {
    var value, interval, n, flag: String
}

struct FactorAnnexRow {
    var id, name: String
    var quarter: AnnexFigure
    var year: AnnexFigure
    var isIndex: Bool
}

struct ItemAnnexRow {
    var id, text: String
    var quarter: AnnexFigure
    var year: AnnexFigure
}

/// The view models as the template engine reads them: each value's properties by name,
/// found by reflection once per value instead of once per lookup (a page of 200 units
/// looks names up millions of times). Nested view models and arrays of them are converted
/// alike; a nil optional is left out, so the template looks its name up in the enclosing
/// sections, as for any absent key.
struct TemplateValue: MustacheParent {
    let properties: [String: Any]

    func child(named name: String) -> Any? { properties[name] }

    static func of(_ value: Any) -> Any? {
        if value is String || value is Bool || value is Int || value is Double { return value }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { of($0.value) }
        case .collection:
            return mirror.children.compactMap { of($0.value) }
        case .struct:
            var properties: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label, let converted = of(child.value) else { continue }
                properties[label] = converted
            }
            return TemplateValue(properties: properties)
        default:
            return value
        }
    }
}
