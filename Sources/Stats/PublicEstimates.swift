import Foundation

import SurveyModel

/// The public copy of the estimates (`out/estimates.csv`): a suppressed estimate (flag `Q`)
/// keeps its rows and its flag, but every value computed from its answers is `NA`. Counts
/// stay (forms, answers, answers per level, satisfied and favourable counts): this is
/// suppression for reliability, not for confidentiality, so no complementary suppression
/// is needed (methodology, "Suppression"). The statistician's copy, `work/estimates.csv`,
/// keeps every value.
public enum PublicEstimates {
    /// Statistics that are counts of forms or answers, or flags: published for every estimate.
    public static let countStatistics: Set<String> = ["n", "n_rows", "satisfied", "favourable", "answers", "flag", "sum_w", "n_eff"]

}

/// The tidy rows in the order they are made (or read back from storage), on their way to
/// every output: each is taken into the typed figures the release renders from, and handed
/// on with the value the public copy shows. Whether a figure is suppressed is decided once
/// per cell (`Publication.judge`), when the cell's rows end; the `Q` flags say the same.
public struct EstimateStream {
    public private(set) var figures: EstimateFigures
    public let publication: Publication
    /// Rows handed on so far.
    public private(set) var count = 0
    private var judged: [CellKey: Set<String>] = [:]
    private var pending: [EstimateRow] = []
    private var pendingCell: CellKey?
    private let write: (EstimateRow, Double?) throws -> Void

    /// - Parameter write: receives each row and the value its public copy shows (nil: `NA`).
    public init(
        survey: SurveyDefinition, unitGroups: [UnitCode: String] = [:], lineage: UnitLineage? = nil,
        write: @escaping (EstimateRow, Double?) throws -> Void
    ) {
        figures = EstimateFigures(survey: survey)
        publication = Publication(survey: survey, unitGroups: unitGroups, lineage: lineage)
        self.write = write
    }

    public mutating func add(_ row: EstimateRow) throws {
        let place = figures.absorb(row)
        if isPendingCell(place) {
            pending.append(row)
            return
        }
        // The figures are handed to a judgement only when a cell ends: passing them per row
        // would copy (retain) every one of their fields for each of hundreds of thousands of rows.
        if pendingCell != nil { try flush(figures) }
        try route(row, place)
    }

    /// Whether `place` is the cell whose rows are waiting (most rows: a cell's rows come
    /// together). The key is looked at once: each pattern that binds it copies it.
    private func isPendingCell(_ place: EstimatePlace?) -> Bool {
        guard let pendingCell, case .cell(let key)? = place else { return false }
        return key == pendingCell
    }

    /// Hands `row` on, or keeps it until its cell is judged (no cell is waiting: the one
    /// that was has been judged); a cell that ended was judged before.
    private mutating func route(_ row: EstimateRow, _ place: EstimatePlace?) throws {
        switch place {
        case .cell(let key):
            if let suppressed = judged[key] {
                try pass(row, suppressed.contains(row.subject))
            } else {
                pendingCell = key
                pending.append(row)
            }
        case .comparison(let change):
            try pass(row, judged[change.cell]?.contains(row.subject) == true || judged[change.earlierCell]?.contains(row.subject) == true)
        case nil:
            try pass(row, false)
        }
    }

    /// Derives the publication's rows (aggregations, flags, targets, ranks) from the figures
    /// so far and hands them on as they are made (not held: at 200 units they are 400,000).
    public mutating func publish(population: [PopulationCount]) throws {
        try flush(figures)
        // The figures are taken out while the publication adds to them, so that each row can
        // be handed on (and its cell judged) from inside the derivation.
        var working = figures
        figures = EstimateFigures(survey: publication.survey)
        defer { figures = working }
        try publication.derive(&working, population: population) { row, place, current in
            if isPendingCell(place) {
                pending.append(row)
                return
            }
            if pendingCell != nil { try flush(current) }
            try route(row, place)
        }
    }

    /// Hands on the rows still waiting for their cell's judgement.
    public mutating func finish() throws { try flush(figures) }

    private mutating func flush(_ figures: EstimateFigures) throws {
        guard let key = pendingCell else { return }
        let suppressed = publication.judge(figures[key] ?? CellFigures(items: figures.itemPositions), scope: key.scope).suppressed
        judged[key] = suppressed
        // The waiting rows taken out, handed on as they lie, and their buffer put back for
        // the next cell: no row copied, no buffer made anew.
        var rows: [EstimateRow] = []
        swap(&rows, &pending)
        pendingCell = nil
        try rows.withUnsafeBufferPointer { buffer in
            for i in buffer.indices { try pass(buffer[i], suppressed.contains(buffer[i].subject)) }
        }
        rows.removeAll(keepingCapacity: true)
        swap(&rows, &pending)
    }

    private mutating func pass(_ row: EstimateRow, _ suppressed: Bool) throws {
        count += 1
        let hidden = suppressed && row.value != nil && !PublicEstimates.countStatistics.contains(row.statistic)
        try write(row, hidden ? nil : row.value)
    }
}
