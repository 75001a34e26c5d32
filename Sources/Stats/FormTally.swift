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
        var parts = ["tally-2"]
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
        fingerprint = parts.joined(separator: ";")
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
        tallies[i].sums.add(answers: likert, scales: layout.scales, groups: layout.groups, quality: quality, sign: sign)
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

extension AtomTally {
    /// Zig-zag LEB128 varints of every count: a few bytes per number.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        func put(_ value: Int64) {
            var z = UInt64(bitPattern: (value << 1) ^ (value >> 63))
            while z >= 0x80 {
                out.append(UInt8(z & 0x7f) | 0x80)
                z >>= 7
            }
            out.append(UInt8(z))
        }
        func put(_ values: [Int]) {
            put(Int64(values.count))
            for v in values { put(Int64(v)) }
        }
        func put(_ values: [Int128]) {
            put(Int64(values.count))
            for v in values {
                put(Int64(v >> 62))
                put(Int64(v - ((v >> 62) << 62)))
            }
        }
        put(2)  // format
        let s = sums
        put(Int64(s.itemCount))
        put(Int64(s.levelStride))
        put(Int64(s.forms))
        put(s.answered); put(s.satisfied); put(s.scoreSum); put(s.scoreSquares); put(s.levelCounts)
        put(s.bothAnswered); put(s.satisfiedAndAnswered); put(s.bothSatisfied)
        put(s.respondents); put(s.respondentSumFixed); put(s.respondentSquaresFixed)
        put(s.qualityAnswered); put(s.qualityFavourable)
        put(missing)
        put(Int64(straightLined))
        put(dayCounts)
        put(s.listwise)
        if s.hasPoints { put(s.pointSum); put(s.pointSquares); put(s.pointAndAnswered); put(s.bothPoints) }
        return out
    }

    /// Reads `encoded()`; nil when the bytes are not a tally of `layout`.
    public init?(decoding bytes: UnsafeRawBufferPointer, layout: TallyLayout) {
        var i = 0
        var failed = false
        func get() -> Int64 {
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
        func ints(_ expected: Int?) -> [Int] {
            let n = Int(get())
            guard n >= 0, n <= 1 << 24, expected == nil || expected == n else { failed = true; return [] }
            return (0..<n).map { _ in Int(get()) }
        }
        func wides(_ expected: Int) -> [Int128] {
            let n = Int(get())
            guard n == expected else { failed = true; return [] }
            return (0..<n).map { _ in
                let high = Int128(get())
                return (high << 62) + Int128(get())
            }
        }
        self.init(layout: layout)
        let j = layout.scales.itemCount
        guard get() == 2, get() == Int64(j), get() == Int64(layout.scales.stride) else { return nil }
        var s = sums
        s.forms = Int(get())
        s.answered = ints(j); s.satisfied = ints(j); s.scoreSum = ints(j); s.scoreSquares = ints(j)
        s.levelCounts = ints(j * layout.scales.stride)
        s.bothAnswered = ints(j * j); s.satisfiedAndAnswered = ints(j * j); s.bothSatisfied = ints(j * j)
        s.respondents = ints(layout.groups.isEmpty ? 0 : layout.groups.count + 1)
        s.respondentSumFixed = wides(s.respondents.count)
        s.respondentSquaresFixed = wides(s.respondents.count)
        s.qualityAnswered = ints(nil)
        s.qualityFavourable = ints(s.qualityAnswered.count)
        guard s.qualityAnswered.isEmpty || s.qualityAnswered.count == layout.qualityPositions.count else { return nil }
        sums = s
        missing = ints(layout.answeredCount)
        straightLined = Int(get())
        dayCounts = ints(Self.days)
        let listwise = ints(nil)
        guard listwise.isEmpty || listwise.count == ListwiseLayout(groups: layout.groups).count else { return nil }
        sums.listwise = listwise
        if layout.scales.withPoints && i < bytes.count {
            var p = sums
            p.pointSum = ints(j); p.pointSquares = ints(j); p.pointAndAnswered = ints(j * j); p.bothPoints = ints(j * j)
            sums = p
        }
        guard !failed, i == bytes.count else { return nil }
    }
}
