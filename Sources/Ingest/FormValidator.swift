import Foundation
import SurveyModel

/// Raw values of one form, as read from either channel, before validation.
struct RawForm {
    var responseID: String?
    var unit: String?
    var date: String?
    var isTimestamp: Bool
    /// The field or column the date came from, for messages (`submitted_at`, `Ngày`).
    var dateField: String? = nil
    /// A workbook cell: a bare number in the date column is an Excel serial date.
    var dateMayBeSerial = false
    var dossierCode: String?
    var comment: String?
    /// One entry per answered item of the instrument, in order; nil = not given.
    var answers: [RawAnswer?]
}

enum RawAnswer {
    case text(String)
    case number(Double)
    case null
    case other(String)
}

/// Turns a raw form into a stored response, or into the reasons it is rejected.
struct FormValidator {
    let survey: SurveyDefinition
    let unitCodes: Set<String>
    let unitList: String
    let items: [Item]
    /// Item id → position in `items`.
    let itemIndex: [String: Int]
    /// `HeaderName.key` of an item id or alias → position: `Q01` and `Câu 1` find q01.
    let itemIndexByKey: [String: Int]
    /// `UnitName.key` of every unit code, name and alias → the unit's code: how a unit typed
    /// otherwise than its code is found (units.csv makes sure each key finds one unit).
    let unitByName: [String: String]
    /// Names that units of different lives share (a merged unit keeping an old name): the
    /// form's date decides which (`UnitLineage.exists`).
    let sharedUnitNames: [String: [String]]
    /// Per channel (paper, online), the positions of the items its forms do not ask: their
    /// answers are missing, whatever a file holds for them (usually none).
    let unaskedPositions: [[Int]]
    /// The units' life, when some unit has one (units.csv `valid_from`, `valid_to`,
    /// `predecessors`): a form of a ceased unit counts for its successor.
    let lineage: UnitLineage?
    /// The day of the ingest in the survey's time zone: a form cannot be dated after it.
    let today: (year: Int, month: Int, day: Int)?

    /// Seconds east of UTC of the survey's time zone at a UTC instant (in seconds).
    let zoneOffset: @Sendable (Int) -> Int

    // For the byte path (`record(_:path:line:channel:)`) and the loop over items, made once
    // rather than per form: the unit codes by their bytes, and each item's kind, scale and rule.
    let unitTable: ByteKeyTable
    /// The unit codes, by the values of `unitTable`.
    let unitStrings: [String]
    let answerRules: [AnswerRule]
    /// Per item, the spellings of its labels (as written, lower, upper, capitalised; NFC and
    /// NFD) with what `AnswerParser.parse` reads from each: the value, or -1 for no answer.
    let labelTables: [ByteKeyTable?]
    private let itemKinds: [ItemKind]
    /// Positions of category items: an answer there alone (gender, age) leaves a form blank.
    let categoryPositions: [Int]
    private let itemScales: [AnswerScale?]
    private let itemIDs: [String]

    init(survey: SurveyDefinition, units: [SurveyUnit], today: (year: Int, month: Int, day: Int)? = nil) {
        self.today = today
        let zone = survey.rules.timeZone
        if let fixed = TimeZones.fixedOffset(zone) {
            zoneOffset = { _ in fixed }
        } else if let tz = TimeZone(identifier: zone) {
            zoneOffset = { tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0))) }
        } else {
            zoneOffset = { _ in 7 * 3600 }
        }
        self.survey = survey
        let lineage = UnitLineage(units)
        self.lineage = lineage.isTrivial ? nil : lineage
        unitCodes = Set(units.map(\.code.code))
        unitList = units.map(\.code.code).sorted().joined(separator: ", ")
        items = survey.answeredItems
        itemIndex = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1.id, $0) })
        itemIndexByKey = Dictionary(
            items.enumerated().flatMap { k, item in ([item.id] + item.aliases).map { (HeaderName.key($0), k) } },
            uniquingKeysWith: { a, _ in a })
        var byName: [String: String] = [:]
        var shared: [String: [String]] = [:]
        for unit in units {
            for text in [unit.code.code, unit.nameVi, unit.nameEn] + unit.aliases where !text.isEmpty {
                let key = UnitName.key(text)
                if let other = byName[key], other != unit.code.code {
                    shared[key, default: [other]].append(unit.code.code)
                } else {
                    byName[key] = unit.code.code
                }
            }
        }
        for key in shared.keys { byName[key] = nil }
        // A code always finds its unit.
        for unit in units { byName[UnitName.key(unit.code.code)] = unit.code.code }
        unitByName = byName
        sharedUnitNames = shared.filter { byName[$0.key] == nil }
        let answered = items
        unaskedPositions = [Channel.paper, .online].map { channel in answered.indices.filter { !answered[$0].isAsked(on: channel) } }
        unitStrings = units.map(\.code.code)
        unitTable = ByteKeyTable(units.enumerated().map { (Array($1.code.code.utf8), $0) })
        answerRules = items.map(AnswerRule.init)
        // (One table per kind and scale: `AnswerParser.parse` reads an item by those alone.)
        var tables: [LabelTableKey: ByteKeyTable?] = [:]
        labelTables = items.map { item in
            let key = LabelTableKey(kind: item.kind, scale: item.scale)
            if let table = tables[key] { return table }
            let table = Self.labelTable(item)
            tables[key] = table
            return table
        }
        itemKinds = items.map(\.kind)
        let kinds = items.map(\.kind)
        categoryPositions = kinds.indices.filter { kinds[$0] == .category }
        itemScales = items.map(\.scale)
        itemIDs = items.map(\.id)
    }

    /// - Returns: the record, or every problem found in the row, joined by "; ".
    func validate(_ form: RawForm, path: String, line: Int, channel: Channel) -> Result<ResponseRecord, RowRejection> {
        var problems: [String] = []
        var id = form.responseID?.trimmedOfSpaces ?? ""
        if SurveyFolder.hasControlCharacters(id) || Self.hasLineBreakOrTab(id) {
            problems.append("form id contains control characters; expected printable text")
        } else {
            // Invisible characters and look-alike hyphens do not make another form (`FormID`).
            id = FormID.normalised(id)
            if id.isEmpty { problems.append("missing form id; expected a non-empty identifier") }
        }
        var unit = form.unit?.trimmedOfSpaces ?? ""
        var sharedCandidates: [String] = []
        if unit.isEmpty {
            problems.append("missing unit; expected one of \(unitList)")
        } else if !unitCodes.contains(unit) {
            // Typed otherwise: in another case, with spaces, by its name or an alias.
            if let code = unitByName[UnitName.key(unit)] {
                unit = code
            } else if let codes = sharedUnitNames[UnitName.key(unit)] {
                // Decided once the date is read, below.
                sharedCandidates = codes
            } else {
                problems.append("unknown unit '\(Self.visible(unit))'; expected one of \(unitList) (units.csv)")
            }
        }
        var date: (year: Int, month: Int, day: Int)?
        var datedAfterToday: String?
        let rawDate = form.date ?? ""
        if rawDate.trimmedOfSpaces.isEmpty {
            problems.append(form.isTimestamp
                ? "missing \(form.dateField ?? "submitted_at"); expected an ISO 8601 time such as 2024-07-03T10:22:11+07:00"
                : "missing \(form.dateField ?? "date"); expected dd/mm/yyyy or yyyy-mm-dd")
        } else {
            // The byte-level reading first (it decides only what the text one would read alike).
            let fast = rawDate.utf8.withContiguousStorageIfAvailable { bytes in
                let t = ByteText.trimmed(bytes)
                return form.isTimestamp ? AnswerParser.byteTimestamp(t, zoneOffset: zoneOffset) ?? AnswerParser.byteDate(t) : AnswerParser.byteDate(t)
            } ?? nil
            if let fast {
                date = fast
            } else if form.isTimestamp {
                // An offset is taken at face value for the zone's own offset at that time.
                date = AnswerParser.dateOfTimestamp(rawDate, zoneOffset: zoneOffset)
                    ?? (form.dateMayBeSerial ? AnswerParser.dateOfSerial(rawDate) : nil) ?? AnswerParser.date(rawDate)
            } else {
                date = AnswerParser.date(rawDate) ?? (form.dateMayBeSerial ? AnswerParser.dateOfSerial(rawDate) : nil)
            }
            if date == nil {
                let field = form.dateField.map { "\($0) " } ?? "date "
                if let why = AnswerParser.dateProblem(rawDate) {
                    problems.append("\(field)'\(Self.visible(rawDate))': \(why)")
                } else {
                    let expected = form.isTimestamp
                        ? "an ISO 8601 time such as 2024-07-03T10:22:11+07:00"
                        : "a real date as dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd or yyyy/mm/dd"
                    problems.append("\(field)'\(Self.visible(rawDate))' is not a date; expected \(expected)")
                }
            } else if let d = date, let today, (d.year, d.month, d.day) > (today.year, today.month, today.day) {
                problems.append("date '\(rawDate)' is after the day of the ingest (\(AnswerParser.isoDate(today))); expected the day the form was filled in")
                datedAfterToday = AnswerParser.isoDate(d)
                date = nil
            }
        }
        var answers: [Int?] = []
        answers.reserveCapacity(items.count)
        var anyAnswer = false
        // Bad answers grouped by what was written and what was expected, so that a row
        // with one wrong value in every column names it once, with the items it affects.
        var bad: [(shown: String, expected: String, items: [String])] = []
        // (By position: an `Item` copied per form and item costs more than the parse.)
        let unasked = unaskedPositions[channel == .paper ? 0 : 1]
        for position in 0..<itemKinds.count {
            var raw = position < form.answers.count ? form.answers[position] : nil
            if !unasked.isEmpty, unasked.contains(position) { raw = nil }
            let parsed: AnswerParser.Parsed
            switch raw {
            case nil, .null: parsed = .missing
            case .text(let s):
                // The byte-level reading first, as for a valid row; then the text one.
                let v = s.utf8.withContiguousStorageIfAvailable { answer($0, item: position) } ?? AnswerRule.undecided
                if v != AnswerRule.undecided {
                    parsed = v >= 0 ? .answer(v) : .missing
                } else {
                    let kind = itemKinds[position]
                    parsed = AnswerParser.parse(s, kind: kind, scale: kind == .likert || kind == .category ? itemScales[position] : nil)
                }
            case .number(let d):
                let v = d == d.rounded() && d >= 0 && d < 1000 ? answerRules[position].answer(number: Int(d)) : AnswerRule.undecided
                if v != AnswerRule.undecided {
                    parsed = v >= 0 ? .answer(v) : .missing
                } else {
                    let kind = itemKinds[position]
                    parsed = AnswerParser.parse(number: d, kind: kind, scale: kind == .likert || kind == .category ? itemScales[position] : nil)
                }
            case .other(let s): parsed = .invalid(expected: "a number or a label, found \(s)")
            }
            switch parsed {
            case .answer(let v):
                answers.append(v)
                if itemKinds[position] != .category { anyAnswer = true }
            case .missing:
                answers.append(nil)
            case .invalid(let expected):
                answers.append(nil)
                let shown = Self.shown(raw)
                if let k = bad.firstIndex(where: { $0.shown == shown && $0.expected == expected }) {
                    bad[k].items.append(itemIDs[position])
                } else {
                    bad.append((shown, expected, [itemIDs[position]]))
                }
            }
        }
        for group in bad {
            problems.append("\(group.items.joined(separator: ", ")): '\(group.shown)' is not an answer; expected \(group.expected)")
        }
        if problems.isEmpty && !anyAnswer {
            problems.append(categoryPositions.contains { answers[$0] != nil }
                ? "blank form: no question about the service answered, only who answered (a non-response, not counted)"
                : "blank form: no question answered (a non-response, not counted)")
        }
        // A unit that had ceased by the form's date: the form counts for the one unit that
        // continues it; with several (a split) or none, it is a reject naming them.
        var writtenUnit: UnitCode?
        if !sharedCandidates.isEmpty, let lineage, let date {
            // The unit of that name that exists on the form's date, else the last to have it.
            let quarter = Period(year: date.year, month: date.month)
            unit = sharedCandidates.first { lineage.exists(UnitCode($0), in: quarter) } ?? sharedCandidates.last!
        } else if !sharedCandidates.isEmpty {
            unit = sharedCandidates.last!
        }
        if problems.isEmpty, let lineage, let date {
            let quarter = Period(year: date.year, month: date.month)
            switch lineage.placement(of: UnitCode(unit), in: quarter) {
            case .itself: break
            case .successor(let successor):
                writtenUnit = UnitCode(unit)
                unit = successor.code
            case .ceased(let successors) where successors.isEmpty:
                problems.append("unit \(unit) had ceased by \(quarter) (units.csv valid_to) and no unit continues it; expected a unit that exists on the form's date")
            case .ceased(let successors):
                problems.append("unit \(unit) had ceased by \(quarter) and was split into \(successors.map(\.code).joined(separator: ", ")); expected the form to name one of them")
            case .notYet:
                problems.append("unit \(unit) does not exist yet in \(quarter) (units.csv valid_from); expected a unit that exists on the form's date")
            }
        }
        guard problems.isEmpty, let date else {
            return .failure(RowRejection(
                responseID: id.isEmpty ? nil : id, reason: problems.joined(separator: "; "), datedAfterToday: datedAfterToday))
        }
        let comment = form.comment?.trimmedOfSpaces
        let dossier = form.dossierCode.map { FormID.normalised($0.trimmedOfSpaces) }
        var record = ResponseRecord(
            path: path, line: line, responseID: id, channel: channel, unit: UnitCode(unit),
            submittedOn: AnswerParser.isoDate(date), period: Period(year: date.year, month: date.month),
            dossierCode: dossier?.isEmpty == false ? dossier : nil,
            comment: comment?.isEmpty == false ? comment : nil, answers: answers)
        record.writtenUnit = writtenUnit
        return .success(record)
    }

    /// The answer to item `k` written as `bytes`, when decided without `AnswerParser`: by
    /// the item's rule for digits, or as one of the spellings of its labels (see
    /// `labelTables`): the value, `AnswerRule.missing`, or `AnswerRule.undecided`.
    @inline(__always)
    func answer(_ bytes: UnsafeBufferPointer<UInt8>, item k: Int) -> Int {
        let v = answerRules[k].answer(bytes)
        guard v == AnswerRule.undecided else { return v }
        return labelAnswer(bytes, item: k)
    }

    @inline(never)
    func labelAnswer(_ bytes: UnsafeBufferPointer<UInt8>, item k: Int) -> Int {
        guard let table = labelTables[k], let v = table.find(bytes) else { return AnswerRule.undecided }
        return v
    }

    /// The spellings of an item's labels people type, each with what `AnswerParser.parse`
    /// reads from it exactly (so that a cell of those bytes is read alike without it).
    static func labelTable(_ item: Item) -> ByteKeyTable? {
        var words = ["Không ý kiến", "No opinion"]
        if let scale = item.scale { words += scale.labelsVi + scale.labelsEn }
        switch item.kind {
        case .likert5: words += AnswerParser.likertLabels.keys.sorted()
        case .yesno: words += AnswerParser.yesNoLabels.keys.sorted()
        case .count: words += (0...9).flatMap { ["\($0) lần", "\($0) lan", "\($0) lượt", "\($0) times"] }
        case .likert, .text, .category: break
        }
        var seen = Set<[UInt8]>()
        var entries: [(key: [UInt8], value: Int)] = []
        for word in words {
            let capitalised = word.prefix(1).uppercased() + word.dropFirst()
            for spelling in [word, word.lowercased(), word.uppercased(), capitalised] {
                for form in [spelling.precomposedStringWithCanonicalMapping, spelling.decomposedStringWithCanonicalMapping] {
                    let bytes = Array(form.utf8)
                    // Anything with spaces around is left to the parser.
                    guard !bytes.isEmpty, seen.insert(bytes).inserted, form.trimmedOfSpaces.utf8.count == bytes.count else { continue }
                    switch AnswerParser.parse(form, item: item) {
                    case .answer(let v): entries.append((bytes, v))
                    case .missing: entries.append((bytes, AnswerRule.missing))
                    case .invalid: break
                    }
                }
            }
        }
        return entries.isEmpty ? nil : ByteKeyTable(entries)
    }

    /// Whether the id holds a line feed, carriage return or tab, as Foundation's
    /// `String.contains` finds them (it does not find one a combining mark follows), asked
    /// only when such a byte is there at all.
    static func hasLineBreakOrTab(_ id: String) -> Bool {
        guard id.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return false }
        return id.contains("\n") || id.contains("\r") || id.contains("\t")
    }

    /// An answer as a reject reason shows it: control characters (a NUL, an escape) are
    /// written as `\u{0}` so that they can neither cut the reason short nor reach a terminal.
    static func shown(_ answer: RawAnswer?) -> String {
        switch answer {
        case .text(let s): return visible(s)
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .other(let s): return visible(s)
        case .null, nil: return ""
        }
    }

    static func visible(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

private struct LabelTableKey: Hashable {
    var kind: ItemKind
    var scale: AnswerScale?
}

struct RowRejection: Error {
    var responseID: String?
    var reason: String
    /// The form's date (`yyyy-mm-dd`) when it is rejected for being after the day of the
    /// ingest: a reason that passes with time, so the file is read again on that day.
    var datedAfterToday: String? = nil
}
