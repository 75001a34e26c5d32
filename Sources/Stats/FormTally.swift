import SurveyModel

/// How a form becomes sums: which answered items are ratings (and their scales), which are
/// quality items (and their favourable answers), and the factors. Built once from survey.toml.
public struct TallyLayout: Sendable {
    public let answeredCount: Int
    let likertPositions: [Int]
    /// The rating items each channel's forms ask (paper, online): a form is straight-lined
    /// when it gives one answer to those, not to items its channel never asked.
    let channelLikertPositions: [[Int]]
    let qualityPositions: [Int]
    /// Stored value → level on item k's scale (0 = not on it), at `[k × 256 + value]`.
    let levelCodes: [UInt8]
    /// Stored value of quality item q → favourable, at `[q × 256 + value]`.
    let favourable: [Bool]
    public let scales: RatingScales
    /// Likert positions of each factor.
    public let groups: [[Int]]
    /// The breakdowns (`[estimates] breakdowns`): each category item's position among the
    /// answered items, and its stored value → domain slot (−1 for none), at `[value]`.
    let breakdowns: [(position: Int, slots: [Int])]
    /// The overall item's position among the rating items (`overall = true`), if any.
    public let overallPosition: Int?
    /// Domain slots: one per value of each breakdown, in order (`DomainKey` of each).
    public let domainKeys: [DomainKey]
    public var domainCount: Int { domainKeys.count }
    /// Changes whenever a form would add to other sums (a satisfied set, a factor's items, a
    /// favourable answer): sums kept under another layout must be computed again.
    public let fingerprint: String

    public init(survey: SurveyDefinition) {
        let answered = survey.answeredItems
        answeredCount = answered.count
        likertPositions = answered.indices.filter { answered[$0].isRating }
        let byChannel = [Channel.paper, .online].map { channel in
            answered.indices.filter { answered[$0].isRating && answered[$0].isAsked(on: channel) }
        }
        channelLikertPositions = byChannel
        qualityPositions = answered.indices.filter { answered[$0].kind == .yesno || answered[$0].kind == .count }
        scales = RatingScales(survey.ratingScales, withPoints: survey.rules.publishPoints)
        levelCodes = scales.levelCodes()
        var favourable = [Bool](repeating: false, count: qualityPositions.count * 256)
        for (q, j) in qualityPositions.enumerated() {
            for value in 0..<255 { favourable[q * 256 + value] = answered[j].isFavourable(value) == true }
        }
        self.favourable = favourable
        groups = IndexStructure(survey: survey).members
        let overallPosition = survey.likertItems.firstIndex { $0.overall }
        self.overallPosition = overallPosition
        var breakdowns: [(position: Int, slots: [Int])] = []
        var domainKeys: [DomainKey] = []
        for item in survey.breakdownItems {
            guard let position = answered.firstIndex(where: { $0.id == item.id }), let scale = item.scale else { continue }
            var slots = [Int](repeating: -1, count: 256)
            for value in scale.values where (0..<255).contains(value) {
                slots[value] = domainKeys.count
                domainKeys.append(DomainKey(item: item.id, value: value))
            }
            breakdowns.append((position, slots))
        }
        self.breakdowns = breakdowns
        self.domainKeys = domainKeys
        var parts = ["tally-3"]
        for (k, scale) in scales.scales.enumerated() {
            parts.append("r\(likertPositions[k]):\(scale.values.map { "\($0)\(scale.isSatisfied($0) ? "+" : "")" }.joined(separator: ","))")
        }
        for (q, j) in qualityPositions.enumerated() {
            parts.append("q\(j):" + (0..<255).filter { favourable[q * 256 + $0] }.prefix(64).map(String.init).joined(separator: ","))
        }
        parts.append("g:" + groups.map { $0.map(String.init).joined(separator: ",") }.joined(separator: "/"))
        parts.append("n:\(answeredCount)")
        // Items of one channel change which forms are straight-lined (only then: other
        // layouts keep their fingerprint).
        let all = likertPositions
        if byChannel.contains(where: { $0 != all }) {
            parts.append("c:" + byChannel.map { $0.map(String.init).joined(separator: ",") }.joined(separator: "/"))
        }
        if scales.withPoints {
            parts.append("p:" + scales.scales.map { scale in
                let (u, factor) = scale.pointUnits
                return u.map(String.init).joined(separator: ",") + "x\(factor)"
            }.joined(separator: "/"))
        }
        if let overallPosition { parts.append("o:\(overallPosition)") }
        if !domainKeys.isEmpty {
            parts.append("d:" + zip(breakdowns, survey.breakdownItems).map { "\($0.position)=" + ($1.scale?.values.map(String.init).joined(separator: ",") ?? "") }.joined(separator: "/"))
        }
        fingerprint = parts.joined(separator: ";")
    }
}

/// A domain of a breakdown: the forms whose category item `item` has the answer `value`.
public struct DomainKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var item: String
    public var value: Int
    public init(item: String, value: Int) {
        self.item = item
        self.value = value
    }
    public static func < (a: DomainKey, b: DomainKey) -> Bool { (a.item, a.value) < (b.item, b.value) }
    /// `gender=2`, as estimates.csv writes it after the unit (`ALL|gender=2`).
    public var description: String { "\(item)=\(value)" }
    /// Reads `description`.
    public init?(_ text: Substring) {
        guard let eq = text.firstIndex(of: "="), let value = Int(text[text.index(after: eq)...]) else { return nil }
        item = String(text[..<eq])
        self.value = value
    }
}

/// What `check` and `stats` need from the forms of one atom (unit × quarter × channel):
/// the Likert and quality sums, the unanswered counts per item, the straight-lined forms and
/// the forms per day (for the latest date). Every part is an exact integer sum, so tallies
/// of files merge in any order, and a form can be taken out again.
public struct AtomTally: Sendable, Equatable {
    public internal(set) var sums: CellSums
    /// Per answered item, forms that left it unanswered.
    public internal(set) var missing: [Int]
    /// Forms that gave one identical answer to at least five (or all) Likert items.
    public internal(set) var straightLined = 0
    /// Forms per day of the quarter, at `(month − first month) × 31 + day − 1`.
    public internal(set) var dayCounts: [Int]
    /// The sums of each domain the atom's forms fall in (`TallyLayout.domainKeys` slot →
    /// sums); empty without breakdowns.
    public internal(set) var domains: [Int: CellSums] = [:]

    static let days = 93

    public init(layout: TallyLayout) {
        sums = CellSums(itemCount: layout.scales.itemCount, groupCount: layout.groups.count, levelStride: layout.scales.stride)
        missing = Array(repeating: 0, count: layout.answeredCount)
        dayCounts = Array(repeating: 0, count: Self.days)
    }

    public var forms: Int { sums.forms }

    /// The latest date with a form, `yyyy-mm-dd`, in `quarter`.
    public func latestDate(in quarter: Period) -> String? {
        guard let slot = dayCounts.lastIndex(where: { $0 > 0 }) else { return nil }
        let month = ((quarter.quarter ?? 1) - 1) * 3 + 1 + slot / 31
        let day = slot % 31 + 1
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(quarter.year)-\(two(month))-\(two(day))"
    }

    public mutating func merge(_ other: AtomTally) {
        sums.merge(other.sums)
        for j in missing.indices { missing[j] += other.missing[j] }
        straightLined += other.straightLined
        for d in dayCounts.indices { dayCounts[d] += other.dayCounts[d] }
        for (slot, sums) in other.domains {
            if domains[slot] == nil { domains[slot] = sums } else { domains[slot]!.merge(sums) }
            if domains[slot]!.forms == 0 { domains[slot] = nil }
        }
    }
}

/// Per-atom tallies of a set of forms (one file's, or all of them).
public struct FormTally: Sendable {
    public let layout: TallyLayout
    private var index: [AtomKey: Int] = [:]
    private var keys: [AtomKey] = []
    private var tallies: [AtomTally] = []
    private var likert: [UInt8]
    private var quality: [UInt8]

    public var atoms: [AtomKey: AtomTally] { Dictionary(uniqueKeysWithValues: zip(keys, tallies)) }

    public init(layout: TallyLayout) {
        self.layout = layout
        likert = Array(repeating: 0, count: layout.likertPositions.count)
        quality = Array(repeating: 0, count: layout.qualityPositions.count)
    }

    public var isEmpty: Bool { keys.isEmpty }

    private mutating func slot(_ key: AtomKey) -> Int {
        if let i = index[key] { return i }
        index[key] = keys.count
        keys.append(key)
        tallies.append(AtomTally(layout: layout))
        return keys.count - 1
    }

    /// Adds one form (`sign` -1: takes it out).
    /// - Parameters:
    ///   - submittedOn: `yyyy-mm-dd`, inside `quarter`.
    ///   - answers: stored values, one per answered item, `missingAnswer` for none.
    public mutating func add(
        unit: UnitCode, quarter: Period, channel: Channel, submittedOn: String, answers: [UInt8], sign: Int = 1
    ) {
        let i = slot(AtomKey(unit: unit, quarter: quarter, channel: channel))
        for (k, j) in layout.likertPositions.enumerated() {
            let v = answers[j]
            likert[k] = v == missingAnswer ? 0 : layout.levelCodes[k &* 256 &+ Int(v)]
        }
        for (q, j) in layout.qualityPositions.enumerated() {
            let v = answers[j]
            quality[q] = v == missingAnswer ? 0 : (layout.favourable[q &* 256 &+ Int(v)] ? 2 : 1)
        }
        tallies[i].sums.add(answers: likert, scales: layout.scales, groups: layout.groups, quality: quality, overall: layout.overallPosition, sign: sign)
        for (position, slots) in layout.breakdowns {
            let v = answers[position]
            guard v != missingAnswer else { continue }
            let slot = slots[Int(v)]
            guard slot >= 0 else { continue }
            if tallies[i].domains[slot] == nil {
                tallies[i].domains[slot] = CellSums(itemCount: layout.scales.itemCount, groupCount: layout.groups.count, levelStride: layout.scales.stride)
            }
            tallies[i].domains[slot]!.add(answers: likert, scales: layout.scales, groups: layout.groups, quality: quality, overall: layout.overallPosition, sign: sign)
            if tallies[i].domains[slot]!.forms == 0 { tallies[i].domains[slot] = nil }
        }
        for j in 0..<layout.answeredCount where answers[j] == missingAnswer { tallies[i].missing[j] += sign }
        // Straight-lining: at least five Likert answers (or all, if fewer items), all identical,
        // among the items the form's channel asks.
        let asked = layout.channelLikertPositions[channel == .paper ? 0 : 1]
        var given = 0
        var first: UInt8 = missingAnswer
        var same = true
        for j in asked where answers[j] != missingAnswer {
            if given == 0 { first = answers[j] } else if answers[j] != first { same = false }
            given += 1
        }
        if given > 0, given >= min(5, asked.count), same { tallies[i].straightLined += sign }
        var date = submittedOn
        if let slot = date.withUTF8({ Self.daySlot($0, quarter: quarter) }) { tallies[i].dayCounts[slot] += sign }
    }

    /// `yyyy-mm-dd` → day slot of the quarter; nil for anything else.
    static func daySlot(_ b: UnsafeBufferPointer<UInt8>, quarter: Period) -> Int? {
        guard b.count == 10 else { return nil }
        func digit(_ i: Int) -> Bool { b[i] >= 48 && b[i] <= 57 }
        guard digit(5), digit(6), digit(8), digit(9) else { return nil }
        let month = Int(b[5] - 48) * 10 + Int(b[6] - 48)
        let day = Int(b[8] - 48) * 10 + Int(b[9] - 48)
        guard (1...31).contains(day) else { return nil }
        let offset = month - ((quarter.quarter ?? 1) - 1) * 3 - 1
        guard (0..<3).contains(offset) else { return nil }
        return offset * 31 + day - 1
    }

    /// Adds the tally of one atom (for example read back from storage).
    public mutating func merge(_ key: AtomKey, _ tally: AtomTally) {
        if let i = index[key] { tallies[i].merge(tally) } else {
            index[key] = keys.count
            keys.append(key)
            tallies.append(tally)
        }
    }

    public mutating func merge(_ other: FormTally) {
        for (key, tally) in zip(other.keys, other.tallies) { merge(key, tally) }
    }

    /// Drops atoms left with no form (after forms were taken out).
    public mutating func dropEmpty() {
        let kept = zip(keys, tallies).filter { $0.1.forms != 0 }
        keys = kept.map(\.0)
        tallies = kept.map(\.1)
        index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
    }
}

// MARK: - A compact byte form, for storage

/// Zig-zag LEB128 varints: a few bytes per number.
struct VarintWriter {
    var out: [UInt8] = []
    mutating func put(_ value: Int64) {
        var z = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while z >= 0x80 {
            out.append(UInt8(z & 0x7f) | 0x80)
            z >>= 7
        }
        out.append(UInt8(z))
    }
    mutating func put(_ values: [Int]) {
        put(Int64(values.count))
        for v in values { put(Int64(v)) }
    }
    mutating func put(_ values: [Int128]) {
        put(Int64(values.count))
        for v in values {
            put(Int64(v >> 62))
            put(Int64(v - ((v >> 62) << 62)))
        }
    }
    /// Every sum of a group of forms (the counts of `itemCount` and `levelStride` are the layout's).
    mutating func put(_ s: CellSums) {
        put(Int64(s.forms))
        put(s.answered); put(s.satisfied); put(s.scoreSum); put(s.scoreSquares); put(s.levelCounts)
        put(s.bothAnswered); put(s.satisfiedAndAnswered); put(s.bothSatisfied)
        put(s.respondents); put(s.respondentSumFixed); put(s.respondentSquaresFixed)
        put(s.qualityAnswered); put(s.qualityFavourable)
        put(s.listwise)
        put(Int64(s.driverForms)); put(s.driverSumFixed); put(s.driverProductFixed)
        put(s.hasPoints ? 1 : 0)
        if s.hasPoints { put(s.pointSum); put(s.pointSquares); put(s.pointAndAnswered); put(s.bothPoints) }
    }
}

/// Reads what `VarintWriter` wrote; `failed` once anything is out of place.
struct VarintReader {
    let bytes: UnsafeRawBufferPointer
    var i = 0
    var failed = false
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    var atEnd: Bool { i == bytes.count }

    mutating func get() -> Int64 {
        var z: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count, shift < 64 {
            let b = bytes[i]
            i += 1
            z |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))) }
            shift += 7
        }
        failed = true
        return 0
    }
    mutating func ints(_ expected: Int?) -> [Int] {
        let n = Int(get())
        guard n >= 0, n <= 1 << 24, expected == nil || expected == n else { failed = true; return [] }
        return (0..<n).map { _ in Int(get()) }
    }
    mutating func wides(_ expected: Int) -> [Int128] {
        let n = Int(get())
        guard n == expected else { failed = true; return [] }
        return (0..<n).map { _ in
            let high = Int128(get())
            return (high << 62) + Int128(get())
        }
    }
    /// The sums `put(_: CellSums)` wrote, under `layout`.
    mutating func sums(layout: TallyLayout) -> CellSums {
        let j = layout.scales.itemCount
        var s = CellSums(itemCount: j, groupCount: layout.groups.count, levelStride: layout.scales.stride)
        s.forms = Int(get())
        s.answered = ints(j); s.satisfied = ints(j); s.scoreSum = ints(j); s.scoreSquares = ints(j)
        s.levelCounts = ints(j * layout.scales.stride)
        s.bothAnswered = ints(j * j); s.satisfiedAndAnswered = ints(j * j); s.bothSatisfied = ints(j * j)
        s.respondents = ints(layout.groups.isEmpty ? 0 : layout.groups.count + 1)
        s.respondentSumFixed = wides(s.respondents.count)
        s.respondentSquaresFixed = wides(s.respondents.count)
        s.qualityAnswered = ints(nil)
        s.qualityFavourable = ints(s.qualityAnswered.count)
        if !(s.qualityAnswered.isEmpty || s.qualityAnswered.count == layout.qualityPositions.count) { failed = true }
        s.listwise = ints(nil)
        if !(s.listwise.isEmpty || s.listwise.count == ListwiseLayout(groups: layout.groups).count) { failed = true }
        s.driverForms = Int(get())
        let drivers = Int(get())
        let m = layout.groups.count + (layout.overallPosition == nil ? 0 : 1)
        if drivers != 0 && drivers != m { failed = true }
        s.driverSumFixed = (0..<max(0, min(drivers, m))).map { _ in (Int128(get()) << 62) + Int128(get()) }
        s.driverProductFixed = wides(s.driverSumFixed.isEmpty ? 0 : m * m)
        switch get() {
        case 0: break
        case 1 where layout.scales.withPoints:
            s.pointSum = ints(j); s.pointSquares = ints(j); s.pointAndAnswered = ints(j * j); s.bothPoints = ints(j * j)
        default: failed = true
        }
        return s
    }
}

extension AtomTally {
    /// Zig-zag LEB128 varints of every count: a few bytes per number.
    public func encoded() -> [UInt8] {
        var w = VarintWriter()
        w.out.reserveCapacity(1024)
        w.put(3)  // format
        w.put(Int64(sums.itemCount))
        w.put(Int64(sums.levelStride))
        w.put(sums)
        w.put(missing)
        w.put(Int64(straightLined))
        w.put(dayCounts)
        let kept = domains.filter { $0.value.forms != 0 }.sorted { $0.key < $1.key }
        w.put(Int64(kept.count))
        for (slot, domain) in kept {
            w.put(Int64(slot))
            w.put(domain)
        }
        return w.out
    }

    /// Reads `encoded()`; nil when the bytes are not a tally of `layout`.
    public init?(decoding bytes: UnsafeRawBufferPointer, layout: TallyLayout) {
        var r = VarintReader(bytes)
        self.init(layout: layout)
        guard r.get() == 3, r.get() == Int64(layout.scales.itemCount), r.get() == Int64(layout.scales.stride) else { return nil }
        sums = r.sums(layout: layout)
        missing = r.ints(layout.answeredCount)
        straightLined = Int(r.get())
        dayCounts = r.ints(Self.days)
        let count = Int(r.get())
        guard count >= 0, count <= layout.domainCount else { return nil }
        for _ in 0..<count {
            let slot = Int(r.get())
            guard (0..<layout.domainCount).contains(slot), domains[slot] == nil else { return nil }
            domains[slot] = r.sums(layout: layout)
        }
        guard !r.failed, r.atEnd else { return nil }
    }
}
