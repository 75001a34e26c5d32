/// An answer scale: the codes a rating item takes, in ascending order, which of them count
/// as satisfied, and optional labels (accepted as answers, shown in reports).
///
/// The built-in five-point scale (`kind = "likert5"`) is 1 Rất không hài lòng ... 5 Rất hài
/// lòng with `[survey] satisfied`; named scales come from `[scales.NAME]` in survey.toml:
/// three levels for per-dossier portal ratings, 0/1/2 points of TT 01/2018, four-, six-,
/// seven- or ten-point scales, mixed in one instrument.
public struct AnswerScale: Sendable, Hashable, Codable {
    /// The name in survey.toml (`likert5` for the built-in scale).
    public var name: String
    /// The answer codes, ascending; mean scores use them.
    public var values: [Int]
    /// The codes counted as satisfied, ascending.
    public var satisfied: [Int]
    /// One label per value, or empty.
    public var labelsVi: [String]
    public var labelsEn: [String]
    /// Points out of 100 for each value (`points = [...]`), or nil for the linear map of the
    /// scale onto 0-100 (lowest value 0, highest 100).
    public var points: [Double]?

    /// The largest code a scale may use (answers are stored as small integers).
    public static let largestValue = 100
    /// The most levels a scale may have.
    public static let mostLevels = 21

    public init(name: String, values: [Int], satisfied: [Int], labelsVi: [String] = [], labelsEn: [String] = []) {
        self.name = name
        self.values = values
        self.satisfied = satisfied.sorted()
        self.labelsVi = labelsVi
        self.labelsEn = labelsEn
    }

    /// The built-in scale of `kind = "likert5"` items.
    public static func fivePoint(satisfied: Set<Int> = [4, 5]) -> AnswerScale {
        AnswerScale(
            name: "likert5", values: [1, 2, 3, 4, 5], satisfied: satisfied.sorted(),
            labelsVi: ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"],
            labelsEn: ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"])
    }

    public var levelCount: Int { values.count }

    /// The points of each value as exact integers u times one factor per scale: the linear
    /// map is u = value − lowest, factor 100 / (highest − lowest); configured points are
    /// hundredths of a point, factor 1/100. Sums of u stay exact integers.
    public var pointUnits: (units: [Int], factor: Double) {
        if let points { return (points.map { Int(($0 * 100).rounded()) }, 0.01) }
        guard let low = values.first, let high = values.last, high > low else { return (values.map { _ in 0 }, 0) }
        return (values.map { $0 - low }, 100 / Double(high - low))
    }

    /// The points of a value (0-100).
    public func points(of value: Int) -> Double? {
        guard let i = values.firstIndex(of: value) else { return nil }
        let (units, factor) = pointUnits
        return Double(units[i]) * factor
    }

    /// The 1-based level of an answer code, or nil when the scale has no such code.
    public func level(of value: Int) -> Int? { values.firstIndex(of: value).map { $0 + 1 } }

    public func isSatisfied(_ value: Int) -> Bool { satisfied.contains(value) }

    /// `1-5` for consecutive codes, else `0, 1, 2`-style lists.
    public var valuesText: String {
        guard let first = values.first, let last = values.last else { return "" }
        if values.count > 2 && values == Array(first...last) { return "\(first)-\(last)" }
        return values.map(String.init).joined(separator: ", ")
    }
}
