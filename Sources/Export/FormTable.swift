import Foundation
import SurveyModel

/// The file formats of `pipeline export`, by the file's extension.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// SPSS system file (ReadStat).
    case sav
    /// Stata 14+ data file, format 118, UTF-8 (ReadStat).
    case dta
    /// CSV, UTF-8 with a byte-order mark (Excel shows Vietnamese), codes not labels.
    case csv

    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }
}

/// One variable of the exported table.
public struct ExportColumn: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Whole numbers (codes, answers, years), missing allowed; value labels when given.
        case integer(labels: [(value: Int32, label: String)], labelSet: String?)
        /// Text of at most `width` bytes.
        case text(width: Int)

        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case let (.integer(la, sa), .integer(lb, sb)):
                sa == sb && la.count == lb.count && zip(la, lb).allSatisfy { $0.value == $1.value && $0.label == $1.label }
            case let (.text(wa), .text(wb)): wa == wb
            default: false
            }
        }
    }

    /// Valid in SPSS and Stata (`VariableNames`).
    public var name: String
    /// The variable label: an item's text, at most 80 characters (Stata's limit).
    public var label: String
    public var kind: Kind

    public init(name: String, label: String, kind: Kind) {
        self.name = name
        self.label = label
        self.kind = kind
    }
}

/// A cell of a row: a whole number (nil = missing) or text.
public enum ExportValue: Sendable, Equatable {
    case integer(Int32?)
    case text(String)
}

/// The accepted forms as one table, one row per form: what `pipeline export` writes. The
/// columns come from survey.toml and units.csv (`FormTable.columns`); the rows stream from
/// the database.
public enum FormTable {
    /// What a row of the table is made from.
    public struct Form: Sendable {
        public var id: String
        public var unit: UnitCode
        public var channel: Channel
        /// yyyy-mm-dd.
        public var date: String
        public var period: Period
        /// One per answered item of `answeredItems`, nil when missing.
        public var answers: [Int?]
        public var comment: String?

        public init(id: String, unit: UnitCode, channel: Channel, date: String, period: Period, answers: [Int?], comment: String?) {
            self.id = id
            self.unit = unit
            self.channel = channel
            self.date = date
            self.period = period
            self.answers = answers
            self.comment = comment
        }
    }

    /// The widths of the text columns, measured over the forms first (SPSS and Stata fix a
    /// string variable's width before the first row).
    public struct Widths: Sendable {
        public var id = 1
        public var comment = 1
        public init(id: Int, comment: Int) {
            self.id = max(1, id)
            self.comment = max(1, comment)
        }
    }

    /// The table's columns: form id, unit code, unit (numbered in units.csv order, its name
    /// as value label), channel, year, quarter, period, date, every answered item (its text as
    /// variable label, its scale's labels as value labels), and the comment when asked for.
    public static func columns(
        survey: SurveyDefinition, units: [SurveyUnit], answeredItems: [String], language: Language, widths: Widths,
        withComments: Bool
    ) -> [ExportColumn] {
        let vi = language == .vi
        func t(_ a: String, _ b: String) -> String { vi ? a : b }
        var names = VariableNames()
        func column(_ id: String, _ label: String, _ kind: ExportColumn.Kind) -> ExportColumn {
            ExportColumn(name: names.make(id), label: VariableNames.label(label), kind: kind)
        }
        var columns = [
            column("form_id", t("Mã phiếu", "Form id"), .text(width: widths.id)),
            column("unit_code", t("Mã đơn vị", "Unit code"), .text(width: units.map(\.code.code.utf8.count).max() ?? 1)),
            column("unit", t("Đơn vị", "Unit"), .integer(
                labels: units.enumerated().map { (Int32($0.offset + 1), $0.element.name(in: language)) }, labelSet: names.labelSet("unit"))),
            column("channel", t("Kênh", "Channel"), .integer(
                labels: [(Int32(1), t("Phiếu giấy", "Paper")), (Int32(2), t("Trực tuyến", "Online"))], labelSet: names.labelSet("channel"))),
            column("year", t("Năm", "Year"), .integer(labels: [], labelSet: nil)),
            column("quarter", t("Quý", "Quarter"), .integer(labels: [], labelSet: nil)),
            column("period", t("Kỳ (quý)", "Period (quarter)"), .text(width: 7)),
            column("date", t("Ngày", "Date"), .text(width: 10)),
        ]
        let items = Dictionary(survey.items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for id in answeredItems {
            let item = items[id]
            let text = item.map { vi ? $0.textVi : ($0.textEn.isEmpty ? $0.textVi : $0.textEn) } ?? ""
            let label = text.isEmpty ? id : "\(id). \(text)"
            var labels: [(Int32, String)] = []
            var set: String?
            if let item, let scale = item.scale {
                let words = vi ? scale.labelsVi : (scale.labelsEn.isEmpty ? scale.labelsVi : scale.labelsEn)
                if words.count == scale.values.count {
                    labels = zip(scale.values, words).map { (Int32($0), $1) }
                    set = "scale_" + scale.name
                }
            } else if item?.kind == .yesno {
                labels = [(Int32(0), t("Không", "No")), (Int32(1), t("Có", "Yes"))]
                set = "yesno"
            }
            columns.append(column(id, label, .integer(labels: labels, labelSet: set.map { names.labelSet($0) })))
        }
        if withComments {
            columns.append(column("comment", t("Ý kiến góp ý", "Comment"), .text(width: widths.comment)))
        }
        return columns
    }

    /// A form's row, in the order of `columns`.
    public static func row(_ form: Form, unitNumbers: [UnitCode: Int32], withComments: Bool) -> [ExportValue] {
        var row: [ExportValue] = [
            .text(form.id), .text(form.unit.code), .integer(unitNumbers[form.unit]),
            .integer(form.channel == .paper ? 1 : 2), .integer(Int32(form.period.year)),
            .integer(form.period.quarter.map(Int32.init)), .text(form.period.description), .text(form.date),
        ]
        row += form.answers.map { .integer($0.map { Int32($0) }) }
        if withComments { row.append(.text(form.comment ?? "")) }
        return row
    }

    /// Unit code → its number in the table (units.csv order, from 1).
    public static func unitNumbers(_ units: [SurveyUnit]) -> [UnitCode: Int32] {
        Dictionary(units.enumerated().map { ($0.element.code, Int32($0.offset + 1)) }, uniquingKeysWith: { a, _ in a })
    }
}

/// Variable names valid in both SPSS and Stata: a letter first, then letters, digits and `_`,
/// at most 32 characters, not a reserved word, unique (a clash gets `_2`, `_3`...).
public struct VariableNames: Sendable {
    static let reserved: Set<String> = [
        // SPSS
        "ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH",
        // Stata
        "_ALL", "_B", "BYTE", "_COEF", "_CONS", "DOUBLE", "FLOAT", "IF", "IN", "INT", "LONG", "_N", "_PI", "_PRED", "_RC",
        "_SKIP", "STRL", "USING",
    ]
    private var used: Set<String> = []
    private var usedSets: Set<String> = []
    private var sets: [String: String] = [:]

    public init() {}

    public mutating func make(_ wanted: String) -> String {
        Self.unique(Self.valid(wanted), among: &used)
    }

    /// A value-label set's name (Stata: the same rules as a variable's), one per wanted name:
    /// two scales whose names clean to the same text get two sets.
    public mutating func labelSet(_ wanted: String) -> String {
        if let known = sets[wanted] { return known }
        let name = Self.unique(Self.valid(wanted), among: &usedSets)
        sets[wanted] = name
        return name
    }

    /// `name`, or `name_2`, `name_3`... (still at most 32 characters): the first not yet
    /// `used`, case aside; then used.
    static func unique(_ name: String, among used: inout Set<String>) -> String {
        var candidate = name
        var n = 2
        while used.contains(candidate.uppercased()) {
            let suffix = "_\(n)"
            candidate = String(name.prefix(32 - suffix.count)) + suffix
            n += 1
        }
        used.insert(candidate.uppercased())
        return candidate
    }

    static func valid(_ wanted: String) -> String {
        var out = ""
        for scalar in wanted.unicodeScalars {
            let ascii = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_")
            out.unicodeScalars.append(ascii ? scalar : "_")
        }
        if out.first.map({ !$0.isLetter }) ?? true { out = "v" + out }
        out = String(out.prefix(32))
        if reserved.contains(out.uppercased()) { out = String(("v_" + out).prefix(32)) }
        return out
    }

    /// A variable label: at most 80 characters (Stata), no line breaks.
    public static func label(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= 80 ? flat : String(flat.prefix(79)) + "…"
    }
}
