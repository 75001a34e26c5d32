import Foundation
import Stats
import SurveyModel

/// `sdmx.xml`: the published indices as an SDMX-ML 2.1 structure-specific data message, for
/// statistical exchange. One series per unit (and `ALL`) and indicator (`SIPAS`, the
/// factors `F_A` ...), frequency `Q` or `A`; values in percent.
///
/// Dimensions `FREQ`, `REF_AREA` (the unit code), `INDICATOR`, `TIME_PERIOD` (`2024-Q3`,
/// `2024`); attributes `OBS_STATUS` from the SDMX code list CL_OBS_STATUS (`A` normal,
/// `U` low reliability, `Q` suppressed: no value is sent), `UNIT_MEASURE` `PC`, `UNIT_MULT` 0.
/// The data structure `VN_SIPAS:DSD_SIPAS(1.0)` is this project's own.
enum SDMXExport {
    static let message = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    static let common = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
    static let structureSpecific = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    static let dsdURN = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=VN_SIPAS:DSD_SIPAS(1.0)"

    static func render(_ input: ReportInput, view: ReportView) throws -> Data {
        let w = try XMLWriter()
        let lookup = view.lookup
        let publication = Publication(survey: input.survey)
        try w.start("StructureSpecificData", prefix: "message", namespace: message)
        try w.attribute("common", prefix: "xmlns", common)
        try w.attribute("ss", prefix: "xmlns", structureSpecific)
        try w.attribute("xsi", prefix: "xmlns", xsi)
        try w.attribute("ns1", prefix: "xmlns", dsdURN + ":ObsLevelDim:TIME_PERIOD")

        try w.start("Header", prefix: "message")
        try w.start("ID", prefix: "message"); try w.text("SIPAS_\(input.releaseDate.replacingOccurrences(of: "-", with: ""))"); try w.end()
        try w.start("Test", prefix: "message"); try w.text("false"); try w.end()
        // The release date, not the clock: the same inputs give the same bytes.
        try w.start("Prepared", prefix: "message"); try w.text("\(input.releaseDate)T00:00:00"); try w.end()
        try w.start("Sender", prefix: "message"); try w.attribute("id", "SIPAS_PIPELINE")
        try w.start("Name", prefix: "common"); try w.attribute("lang", prefix: "xml", "en"); try w.text("sipas-pipeline \(input.programVersion)"); try w.end()
        try w.end()
        try w.start("Structure", prefix: "message")
        try w.attribute("structureID", "VN_SIPAS_DSD_SIPAS_1_0")
        try w.attribute("namespace", dsdURN + ":ObsLevelDim:TIME_PERIOD")
        try w.attribute("dimensionAtObservation", "TIME_PERIOD")
        try w.start("Structure", prefix: "common"); try w.start("URN"); try w.text(dsdURN); try w.end(); try w.end()
        try w.end()
        try w.end()  // Header

        try w.start("DataSet", prefix: "message")
        try w.attribute("structureRef", prefix: "ss", "VN_SIPAS_DSD_SIPAS_1_0")
        try w.attribute("type", prefix: "xsi", "ns1:DataSetType")
        try w.attribute("dataScope", prefix: "ss", "DataStructure")
        let indicators = [(overallIndexID, "SIPAS")] + input.survey.factors.map { ($0.id, "F_\($0.id)") }
        for (scopes, frequency) in [([Scope.unitQuarter, .allQuarter], "Q"), ([Scope.unitYear, .allYear], "A")] {
            let units = Array(Set(view.cells.filter { scopes.contains($0.scope) }.map(\.unit))).sorted {
                ($0 == allUnitsCode ? 1 : 0, $0) < ($1 == allUnitsCode ? 1 : 0, $1)
            }
            for unit in units {
                let scope = unit == allUnitsCode ? scopes[1] : scopes[0]
                let periods = view.cells.filter { $0.scope == scope && $0.unit == unit }.map(\.period)
                for (id, code) in indicators {
                    try w.start("Series")
                    try w.attribute("FREQ", frequency)
                    try w.attribute("REF_AREA", unit)
                    try w.attribute("INDICATOR", code)
                    try w.attribute("UNIT_MEASURE", "PC")
                    try w.attribute("UNIT_MULT", "0")
                    for period in periods {
                        let label = period.description
                        let p = publication.publishedIndex(lookup, scope, unit, label, id)
                        guard let value = p.value else { continue }
                        let status = lookup.flagged(scope, unit, label, id, "Q") ? "Q"
                            : (lookup.flagged(scope, unit, label, id, "U") ? "U" : "A")
                        try w.start("Obs")
                        try w.attribute("TIME_PERIOD", label)
                        if status != "Q" { try w.attribute("OBS_VALUE", String(format: "%.4f", value * 100)) }
                        try w.attribute("OBS_STATUS", status)
                        try w.end()
                    }
                    try w.end()
                }
            }
        }
        try w.end()  // DataSet
        try w.end()
        return try w.finish()
    }
}
