import Foundation
import Stats
import SurveyModel

/// One inbox file as the report's provenance lists it.
public struct SourceSummary: Sendable, Hashable {
    public var path: String
    public var sha256: String
    public var accepted: Int
    public var rejected: Int
    public var duplicates: Int

    public init(path: String, sha256: String, accepted: Int, rejected: Int, duplicates: Int) {
        self.path = path
        self.sha256 = sha256
        self.accepted = accepted
        self.rejected = rejected
        self.duplicates = duplicates
    }
}

/// Everything a report is made from. Two equal inputs give byte-identical reports.
public struct ReportInput: Sendable {
    public var survey: SurveyDefinition
    public var units: [SurveyUnit]
    /// The published figures (built in memory by `run`, or decoded from stored rows).
    public var published: PublishedEstimates
    public var checks: [CheckResult] { didSet { checkIndex = Self.index(checks) } }
    /// The checks by unit and quarter, in their order (tables look a unit's quarter up, so
    /// that a province of many units is not a search of every check per unit).
    private(set) var checkIndex: [UnitCode: [Period: [CheckResult]]] = [:]
    /// The language of the page or annex being rendered.
    public var language: Language
    /// The release's own language (`report.html`, `annex.docx`), whichever page is rendered.
    public let releaseLanguage: Language
    public var sources: [SourceSummary]
    public var programVersion: String
    /// The release date given on the command line, or else the latest form date used.
    public var releaseDate: String
    /// The latest date of a form the estimates used (ISO), if known.
    public var dataThrough: String?
    /// Whether the run was asked to stop (SIGINT, SIGTERM): a LibreOffice conversion under
    /// way is stopped then, not waited for.
    public var shouldStop: @Sendable () -> Bool = { false }

    public init(
        survey: SurveyDefinition, units: [SurveyUnit], published: PublishedEstimates, checks: [CheckResult],
        language: Language, sources: [SourceSummary], programVersion: String, releaseDate: String,
        dataThrough: String? = nil
    ) {
        self.dataThrough = dataThrough
        self.survey = survey
        self.units = units
        self.published = published
        self.checks = checks
        checkIndex = Self.index(checks)
        self.language = language
        releaseLanguage = language
        self.sources = sources
        self.programVersion = programVersion
        self.releaseDate = releaseDate
    }
}

extension ReportInput {
    static func index(_ checks: [CheckResult]) -> [UnitCode: [Period: [CheckResult]]] {
        var index: [UnitCode: [Period: [CheckResult]]] = [:]
        for c in checks { index[c.unit, default: [:]][c.period, default: []].append(c) }
        return index
    }

    /// A unit's checks of a period, in the order of `checks`.
    func checks(of unit: UnitCode, in period: Period) -> [CheckResult] { checkIndex[unit]?[period] ?? [] }
}

/// Number formats of the publication: decimal comma and dot thousands in Vietnamese.
enum NumberStyle {
    /// `NumberText.fixed` with the language's decimal mark and thousands separator (every third
    /// digit of the whole part from the right), and `−` (U+2212) for a negative value that does
    /// not print as zero. Byte by byte: the pages print tens of thousands of numbers, and
    /// splitting and joining strings cost 6,000 instructions each.
    static func fixed(_ value: Double, decimals: Int, language: Language) -> String {
        var text = NumberText.fixed(value, decimals: decimals)
        return text.withUTF8 { utf8 -> String in
            let negative = utf8.first == UInt8(ascii: "-")
            let body = UnsafeBufferPointer(rebasing: utf8[(negative ? 1 : 0)...])
            let dot = body.firstIndex(of: UInt8(ascii: ".")) ?? body.endIndex
            let separator = language == .vi ? UInt8(ascii: ".") : UInt8(ascii: ",")
            var out: [UInt8] = []
            out.reserveCapacity(body.count + body.count / 3 + 4)
            // Printed as zero (every digit 0): no minus sign.
            if negative && body.contains(where: { $0 != UInt8(ascii: "0") && $0 != UInt8(ascii: ".") }) {
                out.append(contentsOf: [0xE2, 0x88, 0x92])
            }
            let wholeCount = dot - body.startIndex
            for i in body.startIndex..<dot {
                let position = i - body.startIndex
                if position > 0 && (wholeCount - position) % 3 == 0 { out.append(separator) }
                out.append(body[i])
            }
            if dot < body.endIndex {
                out.append(language == .vi ? UInt8(ascii: ",") : UInt8(ascii: "."))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: body[(dot + 1)...]))
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `82,66%` / `82.66%`.
    static func percent(_ share: Double?, language: Language) -> String {
        guard let share, share.isFinite else { return "–" }
        return fixed(share * 100, decimals: 2, language: language) + "%"
    }

    /// A change in percentage points with its sign: `+1,25` / `−0,40`.
    static func points(_ diff: Double?, language: Language) -> String {
        guard let diff, diff.isFinite else { return "–" }
        let text = fixed(abs(diff) * 100, decimals: 2, language: language)
        if text == fixed(0, decimals: 2, language: language) { return "±" + text }
        return (diff > 0 ? "+" : "−") + text
    }

    static func count(_ n: Int, language: Language) -> String {
        fixed(Double(n), decimals: 0, language: language)
    }

    /// The XML form: `%.12g`, nil for missing.
    static func xml(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        return NumberText.g12(value)
    }
}
