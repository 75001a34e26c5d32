import Foundation
import Stats
import SurveyModel

/// `sdmx.xml`: the published indices as an SDMX-ML 2.1 structure-specific data message of
/// ``SDMXDataStructure`` (`VN_SIPAS:DSD_SIPAS(1.0)`, shipped in `sdmx-structure.xml`), for
/// statistical exchange. One series per frequency (`Q` quarters, `A` years), unit (its code, `_T`
/// for all units) and indicator (`SIPAS`, the factors `F_A` ...), all in the one `REF_AREA` of
/// `[sdmx] ref_area`; observations by `TIME_PERIOD` (`2024-Q3`, `2024`), values in percent.
///
/// Each observation carries `OBS_STATUS` (`A`, `U` low reliability, `Q` suppressed), the
/// published interval as `LOWER_BOUND` / `UPPER_BOUND` and the valid forms as `N_OBS`, and
/// `SIPAS_FLAG = I` when the unit's quarter is below the plan minimum. A suppressed estimate
/// is not published: its observation has `OBS_STATUS = Q`, `CONF_STATUS = N` and no value,
/// bounds or n. The bytes depend on the inputs only (the header's date is the release date).
enum SDMXExport {
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"

    static func render(_ input: ReportInput, view: ReportView, structure: SDMXDataStructure) throws -> Data {
        let w = try XMLWriter()
        try w.start("StructureSpecificData", prefix: "message", namespace: SDMXDataStructure.messageNamespace)
        try w.attribute("common", prefix: "xmlns", SDMXDataStructure.commonNamespace)
        try w.attribute("ss", prefix: "xmlns", SDMXDataStructure.structureSpecificNamespace)
        try w.attribute("xsi", prefix: "xmlns", xsi)
        try w.attribute("ns1", prefix: "xmlns", SDMXDataStructure.dataNamespace)

        try SDMXDataStructure.header(w, id: "SIPAS_\(input.releaseDate.replacingOccurrences(of: "-", with: ""))",
                                     releaseDate: input.releaseDate, programVersion: input.programVersion)
        try w.start("Structure", prefix: "message")
        try w.attribute("structureID", SDMXDataStructure.structureID)
        try w.attribute("namespace", SDMXDataStructure.dataNamespace)
        try w.attribute("dimensionAtObservation", "TIME_PERIOD")
        try w.start("Structure", prefix: "common"); try w.start("URN"); try w.text(SDMXDataStructure.urn); try w.end(); try w.end()
        try w.end()
        try w.end()  // Header

        try w.start("DataSet", prefix: "message")
        try w.attribute("structureRef", prefix: "ss", SDMXDataStructure.structureID)
        try w.attribute("type", prefix: "xsi", "ns1:DataSetType")
        try w.attribute("dataScope", prefix: "ss", "DataStructure")
        let source = PublishedIndices(input, view)
        for series in source.series(structure: structure) {
            let observations = series.periods.compactMap { source.observation(series, $0, series.indicator) }
            guard !observations.isEmpty else { continue }
            try w.start("Series")
            try w.attribute("FREQ", series.frequency)
            try w.attribute("REF_AREA", structure.refArea)
            try w.attribute("UNIT", series.unitCode)
            try w.attribute("INDICATOR", series.indicatorCode)
            try w.attribute("UNIT_MEASURE", "PC")
            try w.attribute("UNIT_MULT", "0")
            for obs in observations {
                try w.start("Obs")
                try w.attribute("TIME_PERIOD", obs.period)
                if obs.suppressed {
                    // Suppression means not published: the status alone, no value, bounds or n.
                    try w.attribute("OBS_STATUS", "Q")
                    try w.attribute("CONF_STATUS", "N")
                } else {
                    try w.attribute("OBS_VALUE", percent(obs.value))
                    try w.attribute("OBS_STATUS", obs.lowReliability ? "U" : "A")
                    try w.attribute("LOWER_BOUND", percent(obs.lower))
                    try w.attribute("UPPER_BOUND", percent(obs.upper))
                    try w.attribute("N_OBS", obs.forms.map(String.init))
                }
                if obs.belowPlanMinimum { try w.attribute("SIPAS_FLAG", "I") }
                try w.end()
            }
            try w.end()
        }
        try w.end()  // DataSet
        try w.end()
        return try w.finish()
    }

    /// A share as percent with four decimals; nil stays nil (the attribute is left out).
    static func percent(_ share: Double?) -> String? {
        guard let share, share.isFinite else { return nil }
        return NumberText.fixed(share * 100, decimals: 4)
    }
}

// MARK: - reading the published indices (the only place SDMX touches the estimates)

/// The published figures the SDMX message sends, read from the estimates through these few
/// functions only.
struct PublishedIndices {
    struct Series {
        var scope: Scope
        var unit: UnitCode
        var frequency: String
        var unitCode: String
        var indicator: String
        var indicatorCode: String
        var periods: [Period]
    }

    struct Observation {
        var period: String
        var value: Double?
        var lower: Double?
        var upper: Double?
        var forms: Int?
        var suppressed: Bool
        var lowReliability: Bool
        var belowPlanMinimum: Bool
    }

    let input: ReportInput
    let view: ReportView

    init(_ input: ReportInput, _ view: ReportView) {
        self.input = input
        self.view = view
    }

    /// Quarters then years; units by their SDMX code with `_T` last; the SIPAS index, then
    /// the factors in survey.toml's order.
    func series(structure: SDMXDataStructure) -> [Series] {
        var result: [Series] = []
        let indicators = [overallIndexID] + input.survey.factors.map(\.id)
        // The periods of each scope and unit, in order (the cells are sorted).
        var periods: [Scope: [UnitCode: [Period]]] = [:]
        for cell in view.cells { periods[cell.scope, default: [:]][cell.unit, default: []].append(cell.period) }
        for (scopes, frequency) in [([Scope.unitQuarter, .allQuarter], "Q"), ([Scope.unitYear, .allYear], "A")] {
            let units = scopes.flatMap { scope in (periods[scope] ?? [:]).keys.map { (scope: scope, unit: $0) } }.map { entry in
                (scope: entry.scope, unit: entry.unit, code: structure.unitCodes[entry.unit] ?? SDMXSettings.identifier(entry.unit.code))
            }.sorted { a, b in
                (a.scope.isAllUnits ? 1 : 0, a.code) < (b.scope.isAllUnits ? 1 : 0, b.code)
            }
            for (scope, unit, code) in units {
                let periods = periods[scope]?[unit] ?? []
                for id in indicators {
                    result.append(Series(scope: scope, unit: unit, frequency: frequency, unitCode: code, indicator: id,
                                         indicatorCode: structure.indicatorCodes[id] ?? id, periods: periods))
                }
            }
        }
        return result
    }

    /// The published index of one cell with its flags; nil when there is nothing to send
    /// (no value and not suppressed).
    func observation(_ series: Series, _ period: Period, _ id: String) -> Observation? {
        guard let cell = view.published[series.scope, series.unit, period],
            let e = id == overallIndexID ? cell.index : cell.factors[id]
        else { return nil }
        guard e.isSuppressed || e.value != nil else { return nil }
        // A suppressed estimate carries no value or bounds (PublishedEstimates drops them).
        return Observation(
            period: period.description, value: e.value, lower: e.lower, upper: e.upper, forms: cell.forms,
            suppressed: e.isSuppressed, lowReliability: e.flags.contains(.lowReliability),
            belowPlanMinimum: cell.belowPlanMinimum)
    }
}

extension SDMXExport: ReportOutput {
    static let file = ReleaseFile(name: "sdmx.xml", stage: "report", vi: "dữ liệu SDMX-ML 2.1", en: "SDMX-ML 2.1 data", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? {
        try render(release.input, view: release.view, structure: release.sdmx)
    }
}
