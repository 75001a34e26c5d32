import SurveyModel

/// The reliability and sampling flags of a published figure (methodology § flags).
public struct EstimateFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `Q`: too few forms; the value is not published.
    public static let suppressed = EstimateFlags(rawValue: 1)
    /// `U`: low reliability (half-width above the maximum, or no interval).
    public static let lowReliability = EstimateFlags(rawValue: 2)
    /// `I`: the cell has fewer forms than the plan minimum (published with care).
    public static let belowPlanMinimum = EstimateFlags(rawValue: 4)

    /// `M`: not computed because part of it had no answer at all: a factor no form of the
    /// cell answered, or the SIPAS index of a cell with such a factor (an index over fewer
    /// factors than the instrument is not the index). No value, interval, rank or target.
    public static let incomplete = EstimateFlags(rawValue: 8)

    /// The codes as written in every output, in a fixed order: `Q U I M`.
    public var codes: [String] {
        [(EstimateFlags.suppressed, "Q"), (.lowReliability, "U"), (.belowPlanMinimum, "I"), (.incomplete, "M")]
            .filter { contains($0.0) }.map(\.1)
    }
}

/// One published figure: a share (an item's satisfied or favourable share, a factor or the
/// SIPAS index), with what every output shows beside it. A suppressed figure carries no
/// value, SE or bounds at all, so that no renderer can publish them by mistake.
public struct Estimate: Sendable, Hashable {
    public var value: Double?
    public var se: Double?
    public var lower: Double?
    public var upper: Double?
    /// Forms (cells) or answers (items) behind the figure.
    public var n: Int
    /// Kish's effective n when the figure is weighted.
    public var effectiveN: Double?
    /// The `method` of the value's row in `estimates.csv` (`unweighted`, `weighted`, `unit_mean`...).
    public var method: String
    public var flags: EstimateFlags

    public var isSuppressed: Bool { flags.contains(.suppressed) }
}

/// The change of a published figure against an earlier period.
public struct Change: Sendable, Hashable {
    public var against: Period
    public var diff: Double?
    public var lower: Double?
    public var upper: Double?
    public var pValue: Double?

    /// Whether the interval of the difference excludes 0; nil without an interval.
    public var isSignificant: Bool? {
        guard let lower, let upper else { return nil }
        return lower > 0 || upper < 0
    }
}

/// A unit's place in the ranking of its period.
public struct Rank: Sendable, Hashable {
    /// 1 is the highest index; ties share the better rank.
    public var position: Int
    /// Units ranked in the period.
    public var of: Int
    /// Tier of overlapping intervals (1 = those whose interval overlaps the leader's); not
    /// the unit's group (`inGroup`, units.csv `group`).
    public var tier: Int
    /// Places gained since the previous period (positive = up); nil when unranked then.
    public var changeOnPrevious: Int?
    /// Places gained since the same quarter a year earlier (quarters only).
    public var changeOnYearAgo: Int?
    /// The rank among the units of the unit's group (units.csv `group`), if it has one.
    public var inGroup: GroupRank?
}

/// A unit's rank among the units of its group.
public struct GroupRank: Sendable, Hashable {
    public var position: Int
    public var of: Int
    /// Tier of overlapping intervals within the group.
    public var tier: Int
}

/// How the SIPAS index of a cell stands against the target.
public enum TargetStatus: String, Sendable, CaseIterable {
    case significantlyMet = "significantly_met"
    case met
    case notMet = "not_met"
    case significantlyMissed = "significantly_missed"

    public var isMissed: Bool { self == .notMet || self == .significantlyMissed }
}

/// Everything published about one cell (a unit or all units, a quarter or a year).
public struct PublishedCell: Sendable {
    public var key: CellKey
    /// Valid forms of the cell.
    public var forms: Int
    /// The SIPAS index in the published measure.
    public var index: Estimate
    /// The factor indices, in the survey's factor order.
    public var factors: [String: Estimate]
    /// Every rating question's satisfied share and every quality item's favourable share
    /// (unweighted, with the configured interval), by item id.
    public var items: ByID<Estimate>
    public var rank: Rank?
    public var target: TargetStatus?
    /// The index's change against the previous period.
    public var changeOnPrevious: Change?
    /// The index's change against the same quarter a year earlier (quarters only).
    public var changeOnYearAgo: Change?
    /// Factor changes against the previous period, by factor id.
    public var factorChanges: [String: Change]
    /// Points out of 100 (`[points] publish`) of the index (`index`), each factor and each
    /// rating question, by id; empty when points are not published. Same flags as the share.
    public var points: [String: Estimate]

    /// Factors no form of the cell answered (flag M), in instrument order: why the cell has no
    /// SIPAS index.
    public var missingFactors: [String] { factorOrder.filter { factors[$0]?.flags.contains(.incomplete) == true } }
    /// Factors suppressed (Q) for too few answering forms, in instrument order: why the index
    /// that averages them is of low reliability (U).
    public var suppressedFactors: [String] { factorOrder.filter { factors[$0]?.isSuppressed == true } }
    /// The factor ids in instrument order.
    public var factorOrder: [String] = []
    /// Every item's counts (answers, satisfied or favourable, answers per level) and, unless
    /// suppressed, its mean score, by item id.
    public var itemDetails = ByID<ItemFigures>(.none)
    /// Each factor's Cronbach's α (years), by factor id.
    public var reliability: [String: ReliabilityFigures] = [:]
    /// Each factor as a driver of overall satisfaction (years), by factor id, and the forms
    /// they are computed on.
    public var drivers: [String: DriverFigures] = [:]
    public var driverForms: Int?

    /// Whether a unit's quarter has fewer forms than the plan's minimum.
    public var belowPlanMinimum: Bool
    /// Whether the unit is short of forms for ranking (plan minimum or sample-size rule):
    /// ranked with a mark, or not ranked (`ranking_policy`).
    public var shortOfForms: Bool
    /// The cell's flags: the index's, and `I` for the cell.
    public var flags: EstimateFlags { index.flags.union(belowPlanMinimum ? .belowPlanMinimum : []) }
}

/// The published figures of a release, built once from the typed figures (the one source
/// every output renders from: HTML, XML, SDMX, CSV and Excel).
public struct PublishedEstimates: Sendable {
    public let cells: [CellKey: PublishedCell]
    /// Every cell, sorted by scope, unit and period.
    public let keys: [CellKey]
    public let quarters: [Period]
    public let years: [Period]

    /// From tidy rows (decoded first).
    public init(_ rows: [EstimateRow], survey: SurveyDefinition) {
        self.init(EstimateFigures(rows, survey: survey), survey: survey)
    }

    /// - Parameter lineage: the units' life: a unit's figures for periods in which it did not
    ///   exist at all (its predecessors pooled, the base of its changes in estimates.csv) are
    ///   not published as its own.
    public init(_ figures: EstimateFigures, survey: SurveyDefinition, lineage: UnitLineage? = nil) {
        let publication = Publication(survey: survey)
        var cells: [CellKey: PublishedCell] = [:]
        let lineage = lineage?.isTrivial == true ? nil : lineage
        for (key, cell) in figures.cells where cell.estimated {
            if let lineage, !key.scope.isAggregate, !lineage.exists(key.unit, in: key.period) { continue }
            cells[key] = Self.decode(key, cell, figures, publication, survey)
        }
        self.cells = cells
        self.keys = cells.keys.sorted()
        let periods = Set(cells.keys.map(\.period))
        self.quarters = periods.filter(\.isQuarter).sorted()
        self.years = periods.filter { !$0.isQuarter }.sorted()
    }

    /// The latest quarter with data.
    public var latestQuarter: Period? { quarters.last }

    public subscript(_ scope: Scope, _ unit: UnitCode, _ period: Period) -> PublishedCell? {
        cells[CellKey(scope: scope, unit: unit, period: period)]
    }

    /// A figure with its flags; a suppressed one loses its value, SE and bounds here.
    static func estimate(_ f: FigureValue, n: Int, effectiveN: Double?, method: String, flags: EstimateFlags) -> Estimate {
        if flags.contains(.suppressed) {
            return Estimate(value: nil, se: nil, lower: nil, upper: nil, n: n, effectiveN: effectiveN, method: method, flags: flags)
        }
        return Estimate(value: f.value, se: f.se, lower: f.lower, upper: f.upper, n: n, effectiveN: effectiveN, method: method, flags: flags)
    }

    static func decode(
        _ key: CellKey, _ cell: CellFigures, _ figures: EstimateFigures, _ publication: Publication, _ survey: SurveyDefinition
    ) -> PublishedCell {
        let forms = cell.forms
        func index(_ id: String) -> Estimate {
            let p = publication.publishedIndex(figures, key, id)
            // A factor stands on the forms that answered any of its items.
            let n = id == overallIndexID ? forms : (cell.indices[id]?.n ?? forms)
            return estimate(p.figure, n: n, effectiveN: p.estimator == .weighted ? cell.effectiveN : nil,
                            method: p.estimator.rawValue, flags: cell.flags(id))
        }
        var factors: [String: Estimate] = [:]
        for f in survey.factors { factors[f.id] = index(f.id) }
        let intervalMethod = survey.rules.intervalMethod.rawValue
        var items = ByID<Estimate>(cell.items.positions)
        var details = ByID<ItemFigures>(cell.items.positions)
        for id in publication.itemIDs {
            let figure = cell.items[id] ?? ItemFigures()
            let n = figure.n ?? 0
            var share = figure.share
            share.se = share.value.map { n > 0 ? ($0 * (1 - $0) / Double(n)).squareRoot() : 0 }
            let flags = cell.flags(id)
            items[id] = estimate(share, n: n, effectiveN: nil, method: intervalMethod, flags: flags)
            var detail = figure
            if flags.contains(.suppressed) {
                detail.share = FigureValue()
                detail.meanScore = nil
                detail.points = nil
                detail.itemRest = nil
                detail.alphaIfDeleted = nil
            }
            details[id] = detail
        }
        let overall = index(overallIndexID)
        func change(_ earlier: Period, _ id: String) -> Change? {
            let comparison = ComparisonKey(cell: key, earlier: earlier)
            let c = publication.publishedChange(figures, comparison, id)
            guard c.diff != nil else { return nil }
            // A change of a figure that is not published on either side is not published.
            let hidden = cell.flags(id).contains(.suppressed)
                || (figures[comparison.earlierCell]?.flags(id).contains(.suppressed) ?? false)
            if hidden { return nil }
            return Change(against: earlier, diff: c.diff, lower: c.lower, upper: c.upper, pValue: c.pValue)
        }
        var rank: Rank?
        let r = cell.rank
        if let position = r.position, let of = r.of {
            rank = Rank(
                position: Int(position), of: Int(of), tier: Int(r.tier ?? 0),
                changeOnPrevious: r.changeOnPrevious.map { Int($0) }, changeOnYearAgo: r.changeOnYearAgo.map { Int($0) })
            if let g = r.groupPosition, let gOf = r.groupOf {
                rank?.inGroup = GroupRank(position: Int(g), of: Int(gOf), tier: Int(r.groupTier ?? 0))
            }
        }
        var points: [String: Estimate] = [:]
        if survey.rules.publishPoints {
            for id in publication.indexIDs + publication.likertIDs {
                let isIndex = publication.indexIDs.contains(id)
                guard let figure = isIndex ? cell.indices[id]?.points : cell.items[id]?.points, figure.value != nil else { continue }
                let n = isIndex ? forms : (cell.items[id]?.n ?? 0)
                points[id] = estimate(figure, n: n, effectiveN: nil, method: "unweighted", flags: cell.flags(id))
            }
        }
        var factorChanges: [String: Change] = [:]
        for f in survey.factors { factorChanges[f.id] = change(key.period.previous, f.id) }
        var published = PublishedCell(
            key: key, forms: forms, index: overall, factors: factors, items: items, rank: rank,
            target: publication.targetStatus(cell),
            changeOnPrevious: change(key.period.previous, overallIndexID),
            changeOnYearAgo: key.period.isQuarter ? change(key.period.sameTimeLastYear, overallIndexID) : nil,
            factorChanges: factorChanges, points: points,
            belowPlanMinimum: key.scope == .unitQuarter && cell.flags(wholeCellSubject).contains(.belowPlanMinimum),
            shortOfForms: cell.rankCaution == 1)
        published.factorOrder = survey.factors.map(\.id)
        published.itemDetails = details
        // As in the public estimates.csv: a suppressed factor (Q) shows its n, not its α.
        for (id, figures) in cell.indices {
            guard var r = figures.reliability else { continue }
            if cell.flags(id).contains(.suppressed) { r.alpha = nil }
            published.reliability[id] = r
        }
        published.drivers = cell.indices.compactMapValues(\.driver)
        published.driverForms = cell.driverForms
        return published
    }
}
