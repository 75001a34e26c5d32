/// The ids of a survey's items in order, shared by every cell's tables (one dictionary per
/// release, not one per cell).
public final class IDPositions: Sendable, Hashable {
    public let ids: [String]
    let index: [String: Int]

    public init(_ ids: [String]) {
        self.ids = ids
        var index: [String: Int] = [:]
        for (i, id) in ids.enumerated() where index[id] == nil { index[id] = i }
        self.index = index
    }

    public static let none = IDPositions([])

    public static func == (lhs: IDPositions, rhs: IDPositions) -> Bool { lhs === rhs || lhs.ids == rhs.ids }
    public func hash(into hasher: inout Hasher) { hasher.combine(ids) }
}

/// Values by id, kept as an array in the ids' order: what a cell holds per item, in a few
/// bytes per item instead of a dictionary per cell.
public struct ByID<Value: Sendable & Hashable>: Sendable, Hashable {
    public let positions: IDPositions
    private var values: [Value?]

    public init(_ positions: IDPositions) {
        self.positions = positions
        values = Array(repeating: nil, count: positions.ids.count)
    }

    /// The value of an id; nil for an id without one or not among the positions (setting
    /// such an id does nothing).
    public subscript(_ id: String) -> Value? {
        get { positions.index[id].flatMap { values[$0] } }
        set { if let i = positions.index[id] { values[i] = newValue } }
    }

    /// Changes the value of an id in place, starting from `initial` when it has none.
    public mutating func update(_ id: String, initial: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        guard let i = positions.index[id] else { return }
        update(at: i, initial: initial(), body)
    }

    /// Changes the value at a position of `positions` in place, starting from `initial` when
    /// it has none.
    public mutating func update(at i: Int, initial: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        // Moved out of the buffer and back (`take` leaves nil): changed through `buffer[i]!`,
        // or through the array, it was copied out and in again, its arrays retained and
        // released, for every row of a cell.
        values.withUnsafeMutableBufferPointer { buffer in
            var value = buffer[i].take() ?? initial()
            body(&value)
            buffer[i] = value
        }
    }
}

/// Answers per scale value (`answers/level_<value>`), in the order they came.
public struct LevelCounts: Sendable, Hashable {
    private var pairs: [Int] = []
    public init() {}
    public subscript(_ value: Int) -> Int? {
        get {
            stride(from: 0, to: pairs.count, by: 2).first { pairs[$0] == value }.map { pairs[$0 + 1] }
        }
        set {
            if let i = stride(from: 0, to: pairs.count, by: 2).first(where: { pairs[$0] == value }) {
                if let newValue { pairs[i + 1] = newValue } else { pairs.removeSubrange(i...(i + 1)) }
            } else if let newValue {
                pairs += [value, newValue]
            }
        }
    }
}
