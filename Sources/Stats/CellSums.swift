import SurveyModel

/// Sufficient statistics of the Likert answers of one group of forms.
///
/// Every estimate of `estimates.csv` is a function of these sums, so `stats` keeps one
/// `CellSums` per unit × quarter × channel (an *atom*) and never holds the rows: memory is
/// proportional to the number of cells, and two batches merge by adding their sums.
///
/// For items j, k (r = answered, s = satisfied, y = the answer's value on the item's scale):
/// ```
/// answered[j]       = Σ r_j                 satisfied[j]  = Σ r_j s_j
/// scoreSum[j]       = Σ r_j y_j             scoreSquares[j] = Σ r_j y_j²
/// bothAnswered[j,k] = Σ r_j r_k             satisfiedAndAnswered[j,k] = Σ r_j r_k s_j
/// bothSatisfied[j,k] = Σ r_j r_k s_j s_k
/// ```
/// The cross-products give the linearised variance of a mean of item proportions
/// (`svycontrast` of `svytotal`s) without a second pass over the rows.
public struct CellSums: Sendable, Equatable {
    /// Number of Likert items J.
    public let itemCount: Int
    /// Forms in the group (blank forms never reach here: they are rejected at ingest).
    public internal(set) var forms = 0
    public internal(set) var answered: [Int]
    public internal(set) var satisfied: [Int]
    public internal(set) var scoreSum: [Int]
    public internal(set) var scoreSquares: [Int]
    /// J × `levelStride`, row-major: entry [j, ℓ] counts forms whose answer to item j is the
    /// ℓ-th value of its scale (ℓ = 1...L; column 0 is unused).
    public internal(set) var levelCounts: [Int]
    /// The most levels of any item's scale, plus one.
    public let levelStride: Int
    /// J × J, row-major.
    public internal(set) var bothAnswered: [Int]
    /// J × J, row-major; entry [j, k] counts forms satisfied on j that answered k.
    public internal(set) var satisfiedAndAnswered: [Int]
    /// J × J, row-major.
    public internal(set) var bothSatisfied: [Int]
    /// Respondent-level scores, one slot per factor and a last one for the overall index:
    /// forms with a score, Σ f and Σ f², where f is the share satisfied among the form's
    /// answered items of the factor, and the overall f is the mean of its factor scores.
    public internal(set) var respondents: [Int]
    /// Σ f and Σ f² in fixed point (units of 2⁻⁶²), so that sums are exact: the same in
    /// any order, and a form can be taken out again (`add(..., sign: -1)`) leaving the very
    /// sums of the forms that remain. Each form's f and f² are rounded once, to 2⁻⁶² (far
    /// below a double's own rounding of a running sum).
    var respondentSumFixed: [Int128]
    var respondentSquaresFixed: [Int128]
    public var respondentSum: [Double] { respondentSumFixed.map(Self.double(fixed:)) }
    public var respondentSquares: [Double] { respondentSquaresFixed.map(Self.double(fixed:)) }

    static let fixedScale = 4_611_686_018_427_387_904.0  // 2⁶²
    static func fixed(_ f: Double) -> Int128 { Int128(Int64((f * fixedScale).rounded())) }
    static func double(fixed: Int128) -> Double {
        // Two exact halves, so that the conversion is correctly rounded up to one step.
        let high = fixed >> 62
        let low = fixed - (high << 62)
        return Double(Int64(high)) + Double(Int64(low)) / fixedScale
    }
    /// Points (`[points] publish`), in each item's exact point units u (`AnswerScale.pointUnits`):
    /// Σ r_j u_j, Σ r_j u_j², Σ r_j r_k u_j (J × J) and Σ r_j r_k u_j u_k (J × J); empty
    /// without points, so that the satisfied share's sums cost nothing more.
    public internal(set) var pointSum: [Int] = []
    public internal(set) var pointSquares: [Int] = []
    public internal(set) var pointAndAnswered: [Int] = []
    public internal(set) var bothPoints: [Int] = []
    public var hasPoints: Bool { !pointSum.isEmpty }

    /// The same sums with the points in place of the satisfied indicator: `LinearisedIndex`
    /// over them gives mean point units per item and the linearised variance of any linear
    /// combination of them (a factor's or the index's points).
    public func pointsView() -> CellSums {
        var view = self
        view.satisfied = pointSum
        view.satisfiedAndAnswered = pointAndAnswered
        view.bothSatisfied = bothPoints
        return view
    }

    /// Cronbach's α sums of each factor over the forms that answered every item of it
    /// (listwise, as SPSS RELIABILITY): for factor g of k items, at `ListwiseLayout.offsets[g]`,
    /// the forms n, then Σ y_i (k), then Σ y_i y_j (k × k, row-major), y the answer's value on
    /// the item's scale; empty for sums kept without factors.
    public internal(set) var listwise: [Int] = []

    /// Key drivers' sums (`KeyDrivers`) over the forms with a score on every factor (and an
    /// answer to the overall item, when there is one): their number, Σ x and Σ x xᵀ of
    /// x = (f_1 ... f_G[, y]), y the overall answer mapped onto 0-1, in the fixed point of
    /// the respondent-level sums; empty for sums kept without factors.
    public internal(set) var driverForms = 0
    var driverSumFixed: [Int128] = []
    var driverProductFixed: [Int128] = []
    public var driverSum: [Double] { driverSumFixed.map(Self.double(fixed:)) }
    public var driverProducts: [Double] { driverProductFixed.map(Self.double(fixed:)) }

    /// Quality (yes/no, count) items: answers given and favourable answers.
    public internal(set) var qualityAnswered: [Int] = []
    public internal(set) var qualityFavourable: [Int] = []

    public init(itemCount: Int, groupCount: Int = 0, levelStride: Int = 6) {
        self.itemCount = itemCount
        self.levelStride = levelStride
        answered = Array(repeating: 0, count: itemCount)
        satisfied = answered
        scoreSum = answered
        scoreSquares = answered
        levelCounts = Array(repeating: 0, count: itemCount * levelStride)
        bothAnswered = Array(repeating: 0, count: itemCount * itemCount)
        satisfiedAndAnswered = bothAnswered
        bothSatisfied = bothAnswered
        respondents = Array(repeating: 0, count: groupCount == 0 ? 0 : groupCount + 1)
        respondentSumFixed = Array(repeating: 0, count: respondents.count)
        respondentSquaresFixed = respondentSumFixed
    }

    /// Adds one form. `answers[j]` is the level (1...L) of the answer on item j's scale, or 0
    /// for a missing answer; `scales` gives each level's value and whether it is satisfied.
    ///
    /// `quality[q]` is 0 for a missing answer, 1 unfavourable, 2 favourable. `sign` -1 takes
    /// a form added before out again (every sum is exact, so nothing of it remains).
    public mutating func add(
        answers: [UInt8], scales: RatingScales, groups: [[Int]] = [], quality: [UInt8] = [], overall: Int? = nil, sign: Int = 1
    ) {
        precondition(answers.count == itemCount, "answer vector does not match the instrument")
        precondition(scales.stride == levelStride, "scales do not match the sums")
        forms += sign
        if !quality.isEmpty {
            if qualityAnswered.isEmpty {
                qualityAnswered = Array(repeating: 0, count: quality.count)
                qualityFavourable = qualityAnswered
            }
            for (q, code) in quality.enumerated() where code != 0 {
                qualityAnswered[q] += sign
                if code == 2 { qualityFavourable[q] += sign }
            }
        }
        // The ingest's hot path (every accepted form): stack buffers and unchecked indexing.
        let n = itemCount
        let stride = levelStride
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * n + 1) { lists in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: n + 1) { happy in
                let present = lists.baseAddress!
                let happyItems = present + n
                var np = 0
                var nh = 0
                answers.withUnsafeBufferPointer { answers in
                    scales.values.withUnsafeBufferPointer { values in
                        scales.satisfied.withUnsafeBufferPointer { satisfiedLevel in
                            answered.withUnsafeMutableBufferPointer { answered in
                                satisfied.withUnsafeMutableBufferPointer { satisfied in
                                    scoreSum.withUnsafeMutableBufferPointer { scoreSum in
                                        scoreSquares.withUnsafeMutableBufferPointer { scoreSquares in
                                            levelCounts.withUnsafeMutableBufferPointer { levelCounts in
                                                for j in 0..<n {
                                                    let level = Int(answers[j])
                                                    happy[j] = false
                                                    guard level != 0 else { continue }
                                                    let slot = j &* stride &+ level
                                                    let y = values[slot]
                                                    present[np] = j
                                                    np &+= 1
                                                    answered[j] &+= sign
                                                    scoreSum[j] &+= sign &* y
                                                    scoreSquares[j] &+= sign &* y &* y
                                                    levelCounts[slot] &+= sign
                                                    if satisfiedLevel[slot] {
                                                        satisfied[j] &+= sign
                                                        happy[j] = true
                                                        happyItems[nh] = j
                                                        nh &+= 1
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                bothAnswered.withUnsafeMutableBufferPointer { both in
                    for a in 0..<np {
                        let row = present[a] &* n
                        for b in 0..<np { both[row &+ present[b]] &+= sign }
                    }
                }
                satisfiedAndAnswered.withUnsafeMutableBufferPointer { cross in
                    for a in 0..<nh {
                        let row = happyItems[a] &* n
                        for b in 0..<np { cross[row &+ present[b]] &+= sign }
                    }
                }
                bothSatisfied.withUnsafeMutableBufferPointer { both in
                    for a in 0..<nh {
                        let row = happyItems[a] &* n
                        for b in 0..<nh { both[row &+ happyItems[b]] &+= sign }
                    }
                }
                if scales.withPoints { addPoints(answers: answers, scales: scales, present: present, count: np, sign: sign) }
                guard !groups.isEmpty else { return }
                // Each factor's score f, kept for the key drivers' sums.
                withUnsafeTemporaryAllocation(of: Double.self, capacity: groups.count + 1) { scores in
                    let wide = Int128(sign)
                    var scoreTotal = 0.0
                    var scored = 0
                    for (g, members) in groups.enumerated() {
                        var given = 0
                        var good = 0
                        for j in members where answers[j] != 0 {
                            given += 1
                            if happy[j] { good += 1 }
                        }
                        guard given > 0 else { continue }
                        let f = Double(good) / Double(given)
                        scores[g] = f
                        respondents[g] += sign
                        respondentSumFixed[g] += wide * Self.fixed(f)
                        respondentSquaresFixed[g] += wide * Self.fixed(f * f)
                        scoreTotal += f
                        scored += 1
                    }
                    if scored > 0 {
                        let f = scoreTotal / Double(scored)
                        respondents[groups.count] += sign
                        respondentSumFixed[groups.count] += wide * Self.fixed(f)
                        respondentSquaresFixed[groups.count] += wide * Self.fixed(f * f)
                    }
                    addListwise(answers: answers, scales: scales, groups: groups, sign: sign)
                    // Key drivers: every factor scored, and the overall item answered if there is
                    // one. (The sums exist as soon as a form is added, as the listwise ones: sums
                    // of the same forms are equal however they were reached.)
                    if driverSumFixed.isEmpty {
                        let m = groups.count + (overall == nil ? 0 : 1)
                        driverSumFixed = Array(repeating: 0, count: m)
                        driverProductFixed = Array(repeating: 0, count: m * m)
                    }
                    guard scored == groups.count, overall.map({ answers[$0] != 0 }) ?? true else { return }
                    addDrivers(scores: scores, factors: groups.count, answers: answers, scales: scales, overall: overall, sign: sign)
                }
            }
        }
    }

    /// The key drivers' sums of a form with a score on every factor: `scores[0..<factors]`
    /// its factor scores; the overall answer, mapped onto 0-1, goes after them.
    private mutating func addDrivers(
        scores x: UnsafeMutableBufferPointer<Double>, factors g: Int, answers: [UInt8], scales: RatingScales, overall: Int?, sign: Int
    ) {
        let m = g + (overall == nil ? 0 : 1)
        driverForms += sign
        let wide = Int128(sign)
        if let overall {
            let values = scales.scales[overall].values
            let y = values[Int(answers[overall]) - 1], low = values.first!, high = values.last!
            x[g] = high > low ? Double(y - low) / Double(high - low) : 0
        }
        for a in 0..<m {
            driverSumFixed[a] += wide * Self.fixed(x[a])
            for b in 0..<m { driverProductFixed[a * m + b] += wide * Self.fixed(x[a] * x[b]) }
        }
    }

    /// The listwise sums of each factor the form answered completely.
    private mutating func addListwise(answers: [UInt8], scales: RatingScales, groups: [[Int]], sign: Int) {
        if listwise.isEmpty { listwise = Array(repeating: 0, count: ListwiseLayout(groups: groups).count) }
        var offset = 0
        listwise.withUnsafeMutableBufferPointer { sums in
            for members in groups {
                let k = members.count
                defer { offset &+= 1 &+ k &+ k &* k }
                guard members.allSatisfy({ answers[$0] != 0 }) else { continue }
                sums[offset] &+= sign
                for (a, i) in members.enumerated() {
                    let yi = scales.values[i &* scales.stride &+ Int(answers[i])]
                    sums[offset &+ 1 &+ a] &+= sign &* yi
                    let row = offset &+ 1 &+ k &+ a &* k
                    for (b, j) in members.enumerated() {
                        sums[row &+ b] &+= sign &* yi &* scales.values[j &* scales.stride &+ Int(answers[j])]
                    }
                }
            }
        }
    }

    /// The point sums of one form; `present[0..<count]` are its answered items.
    private mutating func addPoints(answers: [UInt8], scales: RatingScales, present: UnsafeMutablePointer<Int>, count: Int, sign: Int) {
        let n = itemCount
        if pointSum.isEmpty {
            pointSum = Array(repeating: 0, count: n)
            pointSquares = pointSum
            pointAndAnswered = Array(repeating: 0, count: n * n)
            bothPoints = pointAndAnswered
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: n + 1) { units in
            for a in 0..<count {
                let j = present[a]
                let u = scales.pointUnits[j &* scales.stride &+ Int(answers[j])]
                units[a] = u
                pointSum[j] &+= sign &* u
                pointSquares[j] &+= sign &* u &* u
            }
            pointAndAnswered.withUnsafeMutableBufferPointer { cross in
                bothPoints.withUnsafeMutableBufferPointer { both in
                    for a in 0..<count {
                        let row = present[a] &* n
                        let ua = units[a]
                        for b in 0..<count {
                            cross[row &+ present[b]] &+= sign &* ua
                            both[row &+ present[b]] &+= sign &* ua &* units[b]
                        }
                    }
                }
            }
        }
    }

    /// Adds another group's sums (same instrument).
    public mutating func merge(_ other: CellSums) {
        precondition(other.itemCount == itemCount && other.levelStride == levelStride, "cannot merge sums of different instruments")
        if respondents.isEmpty && !other.respondents.isEmpty {
            respondents = Array(repeating: 0, count: other.respondents.count)
            respondentSumFixed = Array(repeating: 0, count: other.respondents.count)
            respondentSquaresFixed = respondentSumFixed
        }
        precondition(other.respondents.isEmpty || other.respondents.count == respondents.count, "cannot merge different factor groupings")
        forms += other.forms
        for j in 0..<itemCount {
            answered[j] += other.answered[j]
            satisfied[j] += other.satisfied[j]
            scoreSum[j] += other.scoreSum[j]
            scoreSquares[j] += other.scoreSquares[j]
        }
        if qualityAnswered.isEmpty && !other.qualityAnswered.isEmpty {
            qualityAnswered = Array(repeating: 0, count: other.qualityAnswered.count)
            qualityFavourable = qualityAnswered
        }
        for q in other.qualityAnswered.indices {
            qualityAnswered[q] += other.qualityAnswered[q]
            qualityFavourable[q] += other.qualityFavourable[q]
        }
        for g in other.respondents.indices {
            respondents[g] += other.respondents[g]
            respondentSumFixed[g] += other.respondentSumFixed[g]
            respondentSquaresFixed[g] += other.respondentSquaresFixed[g]
        }
        if other.hasPoints {
            if !hasPoints {
                pointSum = Array(repeating: 0, count: itemCount)
                pointSquares = pointSum
                pointAndAnswered = Array(repeating: 0, count: itemCount * itemCount)
                bothPoints = pointAndAnswered
            }
            for j in 0..<itemCount {
                pointSum[j] += other.pointSum[j]
                pointSquares[j] += other.pointSquares[j]
            }
            for i in 0..<(itemCount * itemCount) {
                pointAndAnswered[i] += other.pointAndAnswered[i]
                bothPoints[i] += other.bothPoints[i]
            }
        }
        if driverSumFixed.isEmpty && !other.driverSumFixed.isEmpty {
            driverSumFixed = Array(repeating: 0, count: other.driverSumFixed.count)
            driverProductFixed = Array(repeating: 0, count: other.driverProductFixed.count)
        }
        driverForms += other.driverForms
        for i in other.driverSumFixed.indices { driverSumFixed[i] += other.driverSumFixed[i] }
        for i in other.driverProductFixed.indices { driverProductFixed[i] += other.driverProductFixed[i] }
        if listwise.isEmpty && !other.listwise.isEmpty { listwise = Array(repeating: 0, count: other.listwise.count) }
        precondition(other.listwise.isEmpty || other.listwise.count == listwise.count, "cannot merge different factor groupings")
        for i in other.listwise.indices { listwise[i] += other.listwise[i] }
        for i in 0..<(itemCount * levelStride) { levelCounts[i] += other.levelCounts[i] }
        for i in 0..<(itemCount * itemCount) {
            bothAnswered[i] += other.bothAnswered[i]
            satisfiedAndAnswered[i] += other.satisfiedAndAnswered[i]
            bothSatisfied[i] += other.bothSatisfied[i]
        }
    }
}

/// Where each factor's listwise sums sit in `CellSums.listwise`.
public struct ListwiseLayout: Sendable {
    /// Start of factor g's block: n, Σ y (k), Σ y yᵀ (k × k).
    public let offsets: [Int]
    public let count: Int

    public init(groups: [[Int]]) {
        var offsets: [Int] = []
        var next = 0
        for members in groups {
            offsets.append(next)
            next += 1 + members.count + members.count * members.count
        }
        self.offsets = offsets
        count = next
    }
}

/// Where a group of forms sits: unit × quarter × channel, the finest grouping `stats` keeps.
public struct AtomKey: Sendable, Hashable, Comparable {
    public var unit: UnitCode
    /// Always a quarter.
    public var quarter: Period
    public var channel: Channel

    public init(unit: UnitCode, quarter: Period, channel: Channel) {
        self.unit = unit
        self.quarter = quarter
        self.channel = channel
    }

    public static func < (lhs: AtomKey, rhs: AtomKey) -> Bool {
        (lhs.unit < rhs.unit || (lhs.unit == rhs.unit
            && (lhs.quarter < rhs.quarter || (lhs.quarter == rhs.quarter && lhs.channel < rhs.channel))))
    }
}

/// An atom's forms with one value of a breakdown's category item.
public struct DomainAtom: Sendable, Hashable, Comparable {
    public var atom: AtomKey
    public var domain: DomainKey
    public init(atom: AtomKey, domain: DomainKey) {
        self.atom = atom
        self.domain = domain
    }
    public static func < (a: DomainAtom, b: DomainAtom) -> Bool { a.atom < b.atom || (a.atom == b.atom && a.domain < b.domain) }
}

/// Streams forms into per-atom sums. Feed it every accepted form once, in any order.
public struct SumsAccumulator: Sendable {
    public let itemCount: Int
    public let scales: RatingScales
    /// Likert positions of each factor, for the respondent-level scores.
    private let groups: [[Int]]
    public private(set) var atoms: [AtomKey: CellSums] = [:]

    /// Items on the five-point scale.
    /// - Parameters:
    ///   - satisfiedAnswers: the answers counted as satisfied (default 4, 5).
    ///   - groups: the rating positions of each factor (empty: no respondent-level scores).
    public init(itemCount: Int, satisfiedAnswers: Set<Int>, groups: [[Int]] = []) {
        self.init(scales: RatingScales(Array(repeating: .fivePoint(satisfied: satisfiedAnswers), count: itemCount)), groups: groups)
    }

    /// Items on their own scales (one per rating item, in instrument order).
    public init(scales: RatingScales, groups: [[Int]] = []) {
        itemCount = scales.itemCount
        self.scales = scales
        self.groups = groups
    }

    /// - Parameters:
    ///   - answers: levels on each item's scale (1...L), 0 = missing; on the five-point
    ///     scale the level is the answer.
    ///   - quality: per quality item, 0 = missing, 1 = unfavourable, 2 = favourable.
    public mutating func add(_ key: AtomKey, answers: [UInt8], quality: [UInt8] = []) {
        if atoms[key] == nil { atoms[key] = CellSums(itemCount: itemCount, groupCount: groups.count, levelStride: scales.stride) }
        atoms[key]!.add(answers: answers, scales: scales, groups: groups, quality: quality)
    }

    /// Adds the atoms of another accumulator (for example a second batch of files).
    public mutating func merge(_ other: SumsAccumulator) {
        for (key, sums) in other.atoms {
            if atoms[key] == nil { atoms[key] = sums } else { atoms[key]!.merge(sums) }
        }
    }
}

/// Each rating item's scale as flat lookups by level (1...L; 0 = missing): the value a level
/// stands for (mean scores use it) and whether it counts as satisfied.
public struct RatingScales: Sendable, Equatable {
    public let scales: [AnswerScale]
    /// The most levels of any scale, plus one.
    public let stride: Int
    /// values[j × stride + level]
    let values: [Int]
    /// satisfied[j × stride + level]
    let satisfied: [Bool]
    /// Point units u at [j × stride + level], and each item's points per unit
    /// (`AnswerScale.pointUnits`); summed only `withPoints`.
    let pointUnits: [Int]
    public let pointFactors: [Double]
    public let withPoints: Bool

    public init(_ scales: [AnswerScale], withPoints: Bool = false) {
        self.scales = scales
        self.withPoints = withPoints
        let strideForPoints = (scales.map(\.levelCount).max() ?? 5) + 1
        var units = [Int](repeating: 0, count: scales.count * strideForPoints)
        var factors: [Double] = []
        for (j, scale) in scales.enumerated() {
            let (u, factor) = scale.pointUnits
            for i in u.indices { units[j * strideForPoints + i + 1] = u[i] }
            factors.append(factor)
        }
        pointUnits = units
        pointFactors = factors
        stride = (scales.map(\.levelCount).max() ?? 5) + 1
        var values = [Int](repeating: 0, count: scales.count * stride)
        var satisfied = [Bool](repeating: false, count: scales.count * stride)
        for (j, scale) in scales.enumerated() {
            for (i, value) in scale.values.enumerated() {
                values[j * stride + i + 1] = value
                satisfied[j * stride + i + 1] = scale.isSatisfied(value)
            }
        }
        self.values = values
        self.satisfied = satisfied
    }

    public var itemCount: Int { scales.count }

    /// Answer value → level code (0 for a value not on the scale or missing), item k's at
    /// `[k × 256 + value]`, for turning stored answers into the levels `CellSums.add` takes.
    public func levelCodes() -> [UInt8] {
        var table = [UInt8](repeating: 0, count: scales.count * 256)
        for (k, scale) in scales.enumerated() {
            for (i, value) in scale.values.enumerated() where value < 255 { table[k * 256 + value] = UInt8(i + 1) }
        }
        return table
    }
}
