/// The life of the units of units.csv: the quarters each exists in (`valid_from`,
/// `valid_to`) and the units it continues (`predecessors`). Built once from units.csv; the
/// ingest asks it where a form of a ceased unit belongs, the statistics which earlier forms
/// a unit is compared with, the checks and the report where a unit exists.
///
/// - A merger (several predecessors, each continued by this unit alone) and a rename (one
///   predecessor continued by this unit alone) are *continuations*: before its `valid_from`
///   the unit is its predecessors pooled, so its changes across the reorganisation are
///   published.
/// - A split (a predecessor continued by several units) is not: each successor is a new
///   scope, compared with nothing before its `valid_from` (docs/survey-toml.md says why).
public struct UnitLineage: Sendable {
    private let units: [UnitCode: SurveyUnit]
    /// unit → the units that name it among their predecessors, in units.csv order.
    public let successors: [UnitCode: [UnitCode]]

    public init(_ units: [SurveyUnit]) {
        var byCode: [UnitCode: SurveyUnit] = [:]
        var successors: [UnitCode: [UnitCode]] = [:]
        for unit in units {
            byCode[unit.code] = unit
            for predecessor in unit.predecessors { successors[predecessor, default: []].append(unit.code) }
        }
        self.units = byCode
        self.successors = successors
    }

    /// Whether any unit of units.csv has a life other than "always".
    public var isTrivial: Bool { units.values.allSatisfy { $0.validFrom == nil && $0.validTo == nil && $0.predecessors.isEmpty } }

    /// Whether `unit` exists in `quarter` (a unit not in units.csv does not).
    public func exists(_ unit: UnitCode, in quarter: Period) -> Bool {
        guard let u = units[unit] else { return false }
        return u.exists(in: quarter)
    }

    /// Whether `unit` exists at the end of `period`: in the quarter itself, or in a year's last
    /// quarter. Ranks are within the units that exist at the period's end.
    public func existsAtEnd(of period: Period, _ unit: UnitCode) -> Bool {
        exists(unit, in: period.isQuarter ? period : Period(year: period.year, quarter: 4))
    }

    /// The units that exist at the end of `period`: its structure, within which it ranks.
    public func structure(atEndOf period: Period) -> Set<UnitCode> {
        Set(units.keys.filter { existsAtEnd(of: period, $0) })
    }

    /// Whether `unit` exists in every quarter of `year`.
    public func existsThroughout(year: Int, _ unit: UnitCode) -> Bool {
        (1...4).allSatisfy { exists(unit, in: Period(year: year, quarter: $0)) }
    }

    /// Where a form of `unit` dated in `quarter` counts.
    public enum Placement: Sendable, Equatable {
        /// The unit exists then.
        case itself
        /// The unit had ceased; this one unit continues it then.
        case successor(UnitCode)
        /// The unit had ceased and several units continue it (a split), or none does.
        case ceased(successors: [UnitCode])
        /// The unit did not exist yet.
        case notYet
    }

    public func placement(of unit: UnitCode, in quarter: Period) -> Placement {
        guard let u = units[unit], !u.exists(in: quarter) else { return .itself }
        if let from = u.validFrom, quarter < from { return .notYet }
        let found = existingSuccessors(of: unit, in: quarter)
        return found.count == 1 ? .successor(found[0]) : .ceased(successors: found)
    }

    /// The units existing in `quarter` that continue `unit`, following successors of
    /// successors (a merged unit later renamed), in units.csv order, each once.
    public func existingSuccessors(of unit: UnitCode, in quarter: Period) -> [UnitCode] {
        var found: [UnitCode] = []
        var seen: Set<UnitCode> = [unit]
        var queue = successors[unit] ?? []
        while !queue.isEmpty {
            let next = queue.removeFirst()
            guard seen.insert(next).inserted else { continue }
            if exists(next, in: quarter) {
                found.append(next)
            } else {
                queue += successors[next] ?? []
            }
        }
        return found
    }

    /// Every unit that continues `unit`, directly or through others, each once.
    public func descendants(of unit: UnitCode) -> [UnitCode] {
        var found: [UnitCode] = []
        var queue = successors[unit] ?? []
        while !queue.isEmpty {
            let next = queue.removeFirst()
            guard next != unit, !found.contains(next) else { continue }
            found.append(next)
            queue += successors[next] ?? []
        }
        return found
    }

    /// Whether `unit`'s figure for `period` covers the whole period: the unit, or the
    /// predecessors it continues, exist in each of its quarters. A year of a unit that ceased
    /// or started (without predecessors it continues) within it is a part-year figure.
    public func isWhole(_ unit: UnitCode, _ period: Period) -> Bool {
        let quarters = period.isQuarter ? [period] : (1...4).map { Period(year: period.year, quarter: $0) }
        return quarters.allSatisfy { !sources(of: unit, in: $0).isEmpty }
    }

    /// The units whose forms of `quarter` are `unit`'s figures there: `unit` itself where it
    /// exists; before its `valid_from`, its continued predecessors' (pooled, each traced back
    /// the same way); nothing for a split's successor or a unit with no predecessors.
    public func sources(of unit: UnitCode, in quarter: Period) -> [UnitCode] {
        guard let u = units[unit] else { return [] }
        if u.exists(in: quarter) { return [unit] }
        guard let from = u.validFrom, quarter < from else { return [] }
        var found: [UnitCode] = []
        for predecessor in u.predecessors where successors[predecessor] == [unit] {
            for source in sources(of: predecessor, in: quarter) where !found.contains(source) { found.append(source) }
        }
        return found
    }

    /// Whether `unit` continues predecessors it is compared with across its `valid_from`
    /// (a merger or a rename, not a split).
    public func continuesPredecessors(_ unit: UnitCode) -> Bool {
        guard let u = units[unit] else { return false }
        return u.predecessors.contains { successors[$0] == [unit] }
    }
}

extension SurveyUnit {
    /// Whether the unit exists in `period`: a quarter from `validFrom` to `validTo` (both
    /// included); a year, in at least one of its quarters.
    public func exists(in period: Period) -> Bool {
        guard period.isQuarter else { return (1...4).contains { exists(in: Period(year: period.year, quarter: $0)) } }
        if let validFrom, period < validFrom { return false }
        if let validTo, validTo < period { return false }
        return true
    }
}
