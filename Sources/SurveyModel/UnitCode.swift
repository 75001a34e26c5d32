/// Who a figure is about: a unit's code from units.csv, the one identity of a unit through
/// the ingest, the statistics and every output (a cell of a group or of all units carries
/// the group's id or `ALL`, its scope says which). Where a unit's history will live: a unit
/// merged into another or renamed (issue 17) is a relation between codes, not a string
/// compared in a dozen places.
public struct UnitCode: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The code as units.csv writes it (the key of every file and table).
    public let code: String

    public init(_ code: String) { self.code = code }
    public init(stringLiteral value: String) { code = value }

    public init(from decoder: Decoder) throws { code = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    public var description: String { code }

    /// Byte order of the codes (the order of every table), not Unicode collation.
    public static func < (lhs: UnitCode, rhs: UnitCode) -> Bool { lhs.code.utf8.lexicographicallyPrecedes(rhs.code.utf8) }
}
