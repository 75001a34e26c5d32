import Foundation
import Stats
import SurveyModel

/// The data structure definition (DSD) of the SDMX messages, described once: `sdmx.xml`
/// (the data), `sdmx-structure.xml` (the SDMX-ML 2.1 structure message: code lists, concept
/// scheme, DSD) and `sdmx-schema.xsd` (the DSD-specific schema of the structure-specific data)
/// are all written from this one value, so they cannot disagree.
///
/// `VN_SIPAS:DSD_SIPAS(1.0)`:
///
/// | component | kind | representation |
/// | --- | --- | --- |
/// | `FREQ` | dimension | `CL_FREQ`: `Q`, `A` (codes of SDMX's CL_FREQ) |
/// | `REF_AREA` | dimension | `CL_AREA`: the one area of `[sdmx] ref_area` (ISO 3166) |
/// | `UNIT` | dimension | `CL_SIPAS_UNIT`: units.csv, and `_T` for all units |
/// | `INDICATOR` | dimension | `CL_SIPAS_INDICATOR`: `SIPAS` and `F_<factor>` |
/// | `TIME_PERIOD` | time dimension | `2024-Q3`, `2024` |
/// | `OBS_VALUE` | primary measure | the published index in percent |
/// | `OBS_STATUS` | observation, mandatory | `CL_OBS_STATUS`: `A`, `U`, `Q` |
/// | `CONF_STATUS` | observation, conditional | `CL_CONF_STATUS`: `F`, `N` |
/// | `SIPAS_FLAG` | observation, conditional | `CL_SIPAS_FLAG`: `I` |
/// | `LOWER_BOUND`, `UPPER_BOUND` | observation, conditional | the published interval, percent |
/// | `N_OBS` | observation, conditional | valid forms behind the estimate |
/// | `UNIT_MEASURE` | series (by `INDICATOR`), mandatory | `CL_UNIT_MEASURE`: `PC` |
/// | `UNIT_MULT` | series (by `INDICATOR`), mandatory | `CL_UNIT_MULT`: `0` |
///
/// The status codes come from SDMX's cross-domain code lists (CL_OBS_STATUS 2.x,
/// CL_CONF_STATUS 1.x); the subsets here keep their ids and meanings:
/// - `OBS_STATUS = U` ("Low reliability") for our flag U (interval half-width above
///   `max_half_width`, or no interval at all). SDMX has a code for exactly this, so no code
///   of our own is needed; `E` (estimated) would be wrong, every value here is an estimate.
/// - A suppressed estimate (our flag Q: fewer forms than `suppress_below`) is
///   `OBS_STATUS = Q` ("Missing value; suppressed") with `CONF_STATUS = N` ("Not for
///   publication, restricted for internal use only") and no value, bounds or n. `N`, not one of
///   the "primary confidentiality" codes (`A` small counts, `O`, `T`, `G`, `M`) nor `C`: the value
///   is withheld because it is unreliable, not to protect respondents, so no secondary
///   (complementary) suppression follows from it. A published value carries no `CONF_STATUS`,
///   which means `F` (free).
/// - Our flag I (a unit's quarter below the plan minimum) has no SDMX code: OBS_STATUS `I`
///   means "imputed", which is why it is `SIPAS_FLAG = I`, our own attribute and code list.
struct SDMXDataStructure {
    static let agency = "VN_SIPAS"
    static let id = "DSD_SIPAS"
    static let version = "1.0"
    static let urn = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=\(agency):\(id)(\(version))"
    /// The namespace of the structure-specific data with `TIME_PERIOD` at the observation, as
    /// SDMX-ML 2.1 names it; the target namespace of `sdmx-schema.xsd`.
    static let dataNamespace = urn + ":ObsLevelDim:TIME_PERIOD"
    /// The `xs:ID` the data message's header gives the structure (`ss:structureRef` points at it).
    static let structureID = "\(agency)_\(id)_\(version.replacingOccurrences(of: ".", with: "_"))"
    static let conceptScheme = "CS_SIPAS"
    static let overallIndicator = "SIPAS"

    struct Text {
        var vi: String
        var en: String
    }

    struct Code {
        var id: String
        var name: Text
        var description: Text?
    }

    struct Codelist {
        var id: String
        var name: Text
        var description: Text?
        var codes: [Code]
    }

    struct Concept {
        var id: String
        var name: Text
        var description: Text?
    }

    enum Representation {
        case codelist(String)
        /// An SDMX text type: `Decimal`, `Integer`, `ObservationalTimePeriod`.
        case text(String)
    }

    enum Attachment {
        /// Reported on each series, depending on these dimensions.
        case series([String])
        /// Reported on each observation.
        case observation
    }

    struct Component {
        var id: String
        var representation: Representation
        /// Attributes only.
        var mandatory = false
        var attachment = Attachment.observation
    }

    let refArea: String
    let codelists: [Codelist]
    let concepts: [Concept]
    /// The series dimensions, in key order; `TIME_PERIOD` follows them.
    let dimensions: [Component]
    let timeDimension = Component(id: "TIME_PERIOD", representation: .text("ObservationalTimePeriod"))
    let attributes: [Component]
    let primaryMeasure = Component(id: "OBS_VALUE", representation: .text("Decimal"))
    /// The `UNIT` code of each unit code of units.csv.
    let unitCodes: [UnitCode: String]
    /// The `INDICATOR` code of each factor id and of the overall index (`index`).
    let indicatorCodes: [String: String]

    init(survey: SurveyDefinition, units: [SurveyUnit]) {
        let rules = survey.rules
        let sdmx = survey.sdmx
        refArea = sdmx.refArea
        let areaName = Text(
            vi: sdmx.refAreaNameVi ?? (sdmx.refArea == "VN" ? "Việt Nam" : sdmx.refArea),
            en: sdmx.refAreaNameEn ?? (sdmx.refArea == "VN" ? "Viet Nam" : sdmx.refArea))
        var unitCodes: [UnitCode: String] = [:]
        for unit in units { unitCodes[unit.code] = SDMXSettings.identifier(unit.code.code) }
        unitCodes[allUnitsCode] = SDMXSettings.totalCode
        self.unitCodes = unitCodes
        var indicatorCodes = [overallIndexID: Self.overallIndicator]
        for factor in survey.factors { indicatorCodes[factor.id] = "F_" + SDMXSettings.identifier(factor.id) }
        self.indicatorCodes = indicatorCodes

        let percent = rules.confidenceLevel * 100
        let level = NumberStyle.fixed(percent, decimals: percent == percent.rounded() ? 0 : 1, language: .en)
        let levelVi = NumberStyle.fixed(percent, decimals: percent == percent.rounded() ? 0 : 1, language: .vi)
        let half = NumberStyle.fixed(rules.maxHalfWidth * 100, decimals: 0, language: .en)
        codelists = [
            Codelist(
                id: "CL_FREQ", name: Text(vi: "Tần suất", en: "Frequency"),
                description: Text(vi: "Các mã của danh mục SDMX CL_FREQ dùng trong bộ dữ liệu này.", en: "The codes of SDMX's CL_FREQ this data set uses."),
                codes: [
                    Code(id: "A", name: Text(vi: "Hằng năm", en: "Annual")),
                    Code(id: "Q", name: Text(vi: "Hằng quý", en: "Quarterly")),
                ]),
            Codelist(
                id: "CL_AREA", name: Text(vi: "Địa bàn", en: "Reference area"),
                description: Text(vi: "Mã ISO 3166 của địa bàn khảo sát.", en: "The ISO 3166 code of the surveyed area."),
                codes: [Code(id: sdmx.refArea, name: areaName)]),
            Codelist(
                id: "CL_SIPAS_UNIT", name: Text(vi: "Đơn vị được đo lường", en: "Units measured"),
                description: Text(vi: "Các cơ quan trong units.csv; _T là tất cả đơn vị.", en: "The agencies of units.csv; _T is all units."),
                codes: units.map { Code(id: SDMXSettings.identifier($0.code.code), name: Text(vi: $0.nameVi, en: $0.nameEn.isEmpty ? $0.nameVi : $0.nameEn)) }
                    + [Code(id: SDMXSettings.totalCode, name: Text(vi: "Tất cả đơn vị", en: "All units"))]),
            Codelist(
                id: "CL_SIPAS_INDICATOR", name: Text(vi: "Chỉ số", en: "Indicator"),
                description: nil,
                codes: [Code(id: Self.overallIndicator, name: Text(vi: "Chỉ số SIPAS", en: "SIPAS index"),
                             description: Text(vi: "Trung bình các chỉ số yếu tố.", en: "The mean of the factor indices."))]
                    + survey.factors.map {
                        Code(id: "F_" + SDMXSettings.identifier($0.id), name: Text(vi: $0.nameVi, en: $0.nameEn.isEmpty ? $0.nameVi : $0.nameEn),
                             description: Text(vi: "Chỉ số yếu tố \($0.id): trung bình tỷ lệ hài lòng các câu hỏi của yếu tố.",
                                               en: "Factor \($0.id) index: the mean of its items' satisfaction rates."))
                    }),
            Codelist(
                id: "CL_OBS_STATUS", name: Text(vi: "Tình trạng quan sát", en: "Observation status"),
                description: Text(vi: "Các mã của danh mục SDMX CL_OBS_STATUS dùng trong bộ dữ liệu này.", en: "The codes of SDMX's CL_OBS_STATUS this data set uses."),
                codes: [
                    Code(id: "A", name: Text(vi: "Giá trị bình thường", en: "Normal value")),
                    Code(id: "U", name: Text(vi: "Độ tin cậy thấp", en: "Low reliability"),
                         description: Text(vi: "Nửa khoảng tin cậy lớn hơn \(half) điểm phần trăm, hoặc không có khoảng tin cậy (cờ U của báo cáo).",
                                           en: "The interval half-width is above \(half) percentage points, or there is no interval (the report's flag U).")),
                    Code(id: "Q", name: Text(vi: "Không có giá trị; không công bố", en: "Missing value; suppressed"),
                         description: Text(vi: "Dưới \(rules.suppressBelow) phiếu: không công bố vì độ tin cậy (cờ Q của báo cáo).",
                                           en: "Fewer than \(rules.suppressBelow) forms: suppressed for reliability (the report's flag Q).")),
                ]),
            Codelist(
                id: "CL_CONF_STATUS", name: Text(vi: "Tình trạng bảo mật", en: "Confidentiality status"),
                description: Text(vi: "Các mã của danh mục SDMX CL_CONF_STATUS dùng trong bộ dữ liệu này; không có thuộc tính nghĩa là F.",
                                  en: "The codes of SDMX's CL_CONF_STATUS this data set uses; an observation without the attribute is F."),
                codes: [
                    Code(id: "F", name: Text(vi: "Được công bố", en: "Free")),
                    Code(id: "N", name: Text(vi: "Không công bố, chỉ dùng nội bộ", en: "Not for publication, restricted for internal use only"),
                         description: Text(vi: "Không công bố vì độ tin cậy thấp, không phải vì bảo mật người trả lời.",
                                           en: "Withheld for low reliability, not to protect respondents.")),
                ]),
            Codelist(
                id: "CL_SIPAS_FLAG", name: Text(vi: "Ghi chú SIPAS", en: "SIPAS flag"),
                description: Text(vi: "Các cờ của báo cáo không có mã SDMX.", en: "The report's flags that have no SDMX code."),
                codes: [
                    Code(id: "I", name: Text(vi: "Dưới mức tối thiểu của kế hoạch", en: "Below the plan minimum"),
                         description: Text(vi: "Đơn vị có ít hơn \(rules.planMinimum) phiếu hợp lệ trong quý (vẫn công bố, cần thận trọng khi diễn giải).",
                                           en: "The unit has fewer than \(rules.planMinimum) valid forms in the quarter (published, interpret with care).")),
                ]),
            Codelist(
                id: "CL_UNIT_MEASURE", name: Text(vi: "Đơn vị đo", en: "Unit of measure"), description: nil,
                codes: [Code(id: "PC", name: Text(vi: "Phần trăm", en: "Percent"))]),
            Codelist(
                id: "CL_UNIT_MULT", name: Text(vi: "Hệ số nhân", en: "Unit multiplier"), description: nil,
                codes: [Code(id: "0", name: Text(vi: "Đơn vị", en: "Units"))]),
        ]
        let interval = Text(
            vi: "khoảng tin cậy \(levelVi)% của chỉ số công bố (tuyến tính hóa Taylor, thang logit), phần trăm",
            en: "the \(level)% confidence interval of the published index (Taylor linearisation, logit scale), percent")
        concepts = [
            Concept(id: "FREQ", name: Text(vi: "Tần suất", en: "Frequency")),
            Concept(id: "REF_AREA", name: Text(vi: "Địa bàn", en: "Reference area")),
            Concept(id: "UNIT", name: Text(vi: "Đơn vị được đo lường", en: "Unit measured"),
                    description: Text(vi: "Cơ quan hành chính được người dân đánh giá.", en: "The administrative agency rated by citizens.")),
            Concept(id: "INDICATOR", name: Text(vi: "Chỉ số", en: "Indicator")),
            Concept(id: "TIME_PERIOD", name: Text(vi: "Kỳ", en: "Time period")),
            Concept(id: "OBS_VALUE", name: Text(vi: "Giá trị", en: "Observation value"),
                    description: Text(vi: "Chỉ số công bố, phần trăm.", en: "The published index, in percent.")),
            Concept(id: "OBS_STATUS", name: Text(vi: "Tình trạng quan sát", en: "Observation status")),
            Concept(id: "CONF_STATUS", name: Text(vi: "Tình trạng bảo mật", en: "Confidentiality status")),
            Concept(id: "SIPAS_FLAG", name: Text(vi: "Ghi chú SIPAS", en: "SIPAS flag")),
            Concept(id: "LOWER_BOUND", name: Text(vi: "Cận dưới", en: "Lower bound"),
                    description: Text(vi: "Cận dưới của " + interval.vi + ".", en: "The lower bound of " + interval.en + ".")),
            Concept(id: "UPPER_BOUND", name: Text(vi: "Cận trên", en: "Upper bound"),
                    description: Text(vi: "Cận trên của " + interval.vi + ".", en: "The upper bound of " + interval.en + ".")),
            Concept(id: "N_OBS", name: Text(vi: "Số phiếu hợp lệ", en: "Valid forms"),
                    description: Text(vi: "Số phiếu hợp lệ của đơn vị và kỳ.", en: "The valid forms of the unit and period.")),
            Concept(id: "UNIT_MEASURE", name: Text(vi: "Đơn vị đo", en: "Unit of measure")),
            Concept(id: "UNIT_MULT", name: Text(vi: "Hệ số nhân", en: "Unit multiplier")),
        ]
        dimensions = [
            Component(id: "FREQ", representation: .codelist("CL_FREQ")),
            Component(id: "REF_AREA", representation: .codelist("CL_AREA")),
            Component(id: "UNIT", representation: .codelist("CL_SIPAS_UNIT")),
            Component(id: "INDICATOR", representation: .codelist("CL_SIPAS_INDICATOR")),
        ]
        attributes = [
            Component(id: "OBS_STATUS", representation: .codelist("CL_OBS_STATUS"), mandatory: true),
            Component(id: "CONF_STATUS", representation: .codelist("CL_CONF_STATUS")),
            Component(id: "SIPAS_FLAG", representation: .codelist("CL_SIPAS_FLAG")),
            Component(id: "LOWER_BOUND", representation: .text("Decimal")),
            Component(id: "UPPER_BOUND", representation: .text("Decimal")),
            Component(id: "N_OBS", representation: .text("Integer")),
            Component(id: "UNIT_MEASURE", representation: .codelist("CL_UNIT_MEASURE"), mandatory: true, attachment: .series(["INDICATOR"])),
            Component(id: "UNIT_MULT", representation: .codelist("CL_UNIT_MULT"), mandatory: true, attachment: .series(["INDICATOR"])),
        ]
    }

    var seriesAttributes: [Component] { attributes.filter { if case .series = $0.attachment { true } else { false } } }
    var observationAttributes: [Component] { attributes.filter { if case .observation = $0.attachment { true } else { false } } }

    func codelist(_ id: String) -> Codelist? { codelists.first { $0.id == id } }
}

// MARK: - sdmx-structure.xml

extension SDMXDataStructure {
    static let messageNamespace = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    static let structureNamespace = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
    static let commonNamespace = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
    static let structureSpecificNamespace = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"

    /// The SDMX-ML 2.1 structure message: the code lists, the concept scheme and the DSD.
    func structureMessage(releaseDate: String, programVersion: String) throws -> Data {
        let w = try XMLWriter()
        try w.start("Structure", prefix: "message", namespace: Self.messageNamespace)
        try w.attribute("structure", prefix: "xmlns", Self.structureNamespace)
        try w.attribute("common", prefix: "xmlns", Self.commonNamespace)
        try Self.header(w, id: "SIPAS_STRUCTURE_\(releaseDate.replacingOccurrences(of: "-", with: ""))",
                        releaseDate: releaseDate, programVersion: programVersion)
        try w.end()  // Header
        try w.start("Structures", prefix: "message")

        try w.start("Codelists", prefix: "structure")
        for list in codelists {
            try w.start("Codelist", prefix: "structure")
            try maintainable(w, id: list.id, kind: "codelist.Codelist")
            try Self.names(w, list.name, list.description)
            for code in list.codes {
                try w.start("Code", prefix: "structure")
                try w.attribute("id", code.id)
                try w.attribute("urn", "urn:sdmx:org.sdmx.infomodel.codelist.Code=\(Self.agency):\(list.id)(\(Self.version)).\(code.id)")
                try Self.names(w, code.name, code.description)
                try w.end()
            }
            try w.end()
        }
        try w.end()

        try w.start("Concepts", prefix: "structure")
        try w.start("ConceptScheme", prefix: "structure")
        try maintainable(w, id: Self.conceptScheme, kind: "conceptscheme.ConceptScheme")
        try Self.names(w, Text(vi: "Khái niệm của chỉ số SIPAS", en: "Concepts of the SIPAS index"), nil)
        for concept in concepts {
            try w.start("Concept", prefix: "structure")
            try w.attribute("id", concept.id)
            try w.attribute("urn", "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=\(Self.agency):\(Self.conceptScheme)(\(Self.version)).\(concept.id)")
            try Self.names(w, concept.name, concept.description)
            try w.end()
        }
        try w.end()
        try w.end()

        try w.start("DataStructures", prefix: "structure")
        try w.start("DataStructure", prefix: "structure")
        try maintainable(w, id: Self.id, kind: "datastructure.DataStructure")
        try Self.names(w, Text(vi: "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)", en: "Satisfaction Index of Public Administrative Services (SIPAS)"), nil)
        try w.start("DataStructureComponents", prefix: "structure")
        try w.start("DimensionList", prefix: "structure")
        try w.attribute("id", "DimensionDescriptor")
        for (i, dimension) in (dimensions + [timeDimension]).enumerated() {
            try w.start(dimension.id == timeDimension.id ? "TimeDimension" : "Dimension", prefix: "structure")
            try w.attribute("id", dimension.id)
            try w.attribute("position", String(i + 1))
            try component(w, dimension)
            try w.end()
        }
        try w.end()
        try w.start("AttributeList", prefix: "structure")
        try w.attribute("id", "AttributeDescriptor")
        for attribute in attributes {
            try w.start("Attribute", prefix: "structure")
            try w.attribute("id", attribute.id)
            try w.attribute("assignmentStatus", attribute.mandatory ? "Mandatory" : "Conditional")
            try component(w, attribute)
            try w.start("AttributeRelationship", prefix: "structure")
            switch attribute.attachment {
            case .series(let ids):
                for id in ids {
                    try w.start("Dimension", prefix: "structure")
                    try w.element("Ref", [("id", id)])
                    try w.end()
                }
            case .observation:
                try w.start("PrimaryMeasure", prefix: "structure")
                try w.element("Ref", [("id", primaryMeasure.id)])
                try w.end()
            }
            try w.end()
            try w.end()
        }
        try w.end()
        try w.start("MeasureList", prefix: "structure")
        try w.attribute("id", "MeasureDescriptor")
        try w.start("PrimaryMeasure", prefix: "structure")
        try w.attribute("id", primaryMeasure.id)
        try component(w, primaryMeasure)
        try w.end()
        try w.end()
        try w.end()  // DataStructureComponents
        try w.end()  // DataStructure
        try w.end()

        try w.end()  // Structures
        try w.end()
        return try w.finish()
    }

    /// The header both messages share, left open for the data message's `Structure`; the
    /// release date, never the clock.
    static func header(_ w: XMLWriter, id: String, releaseDate: String, programVersion: String) throws {
        try w.start("Header", prefix: "message")
        try w.start("ID", prefix: "message"); try w.text(id); try w.end()
        try w.start("Test", prefix: "message"); try w.text("false"); try w.end()
        try w.start("Prepared", prefix: "message"); try w.text("\(releaseDate)T00:00:00"); try w.end()
        try w.start("Sender", prefix: "message"); try w.attribute("id", "SIPAS_PIPELINE")
        try w.start("Name", prefix: "common"); try w.attribute("lang", prefix: "xml", "en"); try w.text("sipas-pipeline \(programVersion)"); try w.end()
        try w.end()
    }

    private func maintainable(_ w: XMLWriter, id: String, kind: String) throws {
        try w.attribute("id", id)
        try w.attribute("urn", "urn:sdmx:org.sdmx.infomodel.\(kind)=\(Self.agency):\(id)(\(Self.version))")
        try w.attribute("agencyID", Self.agency)
        try w.attribute("version", Self.version)
        try w.attribute("isFinal", "false")
    }

    /// `common:Name` (and `common:Description`) in Vietnamese and English.
    private static func names(_ w: XMLWriter, _ name: Text, _ description: Text?) throws {
        let parts: [(String, Text?)] = [("Name", name), ("Description", description)]
        for (element, text) in parts {
            guard let text else { continue }
            for (lang, value) in [("vi", text.vi), ("en", text.en)] {
                try w.start(element, prefix: "common"); try w.attribute("lang", prefix: "xml", lang); try w.text(value); try w.end()
            }
        }
    }

    /// A component's concept and representation.
    private func component(_ w: XMLWriter, _ component: Component) throws {
        try w.start("ConceptIdentity", prefix: "structure")
        try w.element("Ref", [
            ("id", component.id), ("maintainableParentID", Self.conceptScheme), ("maintainableParentVersion", Self.version),
            ("agencyID", Self.agency), ("package", "conceptscheme"), ("class", "Concept"),
        ])
        try w.end()
        try w.start("LocalRepresentation", prefix: "structure")
        switch component.representation {
        case .codelist(let id):
            try w.start("Enumeration", prefix: "structure")
            try w.element("Ref", [("id", id), ("version", Self.version), ("agencyID", Self.agency), ("package", "codelist"), ("class", "Codelist")])
            try w.end()
        case .text(let type):
            try w.start("TextFormat", prefix: "structure"); try w.attribute("textType", type); try w.end()
        }
        try w.end()
    }
}

// MARK: - sdmx-schema.xsd

extension SDMXDataStructure {
    /// The DSD-specific XML schema of `sdmx.xml`, as SDMX tools generate one for
    /// structure-specific data with `TIME_PERIOD` at the observation: in the namespace
    /// ``dataNamespace``, `DataSetType`, `SeriesType` and `ObsType` restrict the base types of
    /// `SDMXDataStructureSpecific.xsd`, every dimension and attribute an XML attribute of its
    /// level, every code list an enumeration. It imports the official SDMX-ML 2.1 schemas from
    /// `schemaDirectory` (default: the folder of the schema itself, as shipped).
    func dataSchema(schemaDirectory: String = "") throws -> Data {
        let xs = "http://www.w3.org/2001/XMLSchema"
        let w = try XMLWriter()
        try w.start("schema", prefix: "xs", namespace: xs)
        try w.attribute("xmlns", Self.dataNamespace)
        try w.attribute("ss", prefix: "xmlns", Self.structureSpecificNamespace)
        try w.attribute("common", prefix: "xmlns", Self.commonNamespace)
        try w.attribute("targetNamespace", Self.dataNamespace)
        try w.attribute("elementFormDefault", "qualified")
        try w.attribute("attributeFormDefault", "unqualified")
        func element(_ name: String, _ attributes: [(String, String?)]) throws {
            try w.start(name, prefix: "xs")
            for (k, v) in attributes { try w.attribute(k, v) }
            try w.end()
        }
        let prefix = schemaDirectory.isEmpty || schemaDirectory.hasSuffix("/") ? schemaDirectory : schemaDirectory + "/"
        try element("import", [("namespace", Self.commonNamespace), ("schemaLocation", prefix + "SDMXCommon.xsd")])
        try element("import", [("namespace", Self.structureSpecificNamespace), ("schemaLocation", prefix + "SDMXDataStructureSpecific.xsd")])

        func type(of component: Component) -> String {
            switch component.representation {
            case .codelist(let id): "\(id)Type"
            case .text("Decimal"): "xs:decimal"
            case .text("Integer"): "xs:int"
            case .text: "common:ObservationalTimePeriodType"
            }
        }
        func attribute(_ component: Component, required: Bool) throws {
            try element("attribute", [("name", component.id), ("type", type(of: component)), ("use", required ? "required" : "optional")])
        }
        func annotations() throws {
            try element("element", [("ref", "common:Annotations"), ("minOccurs", "0")])
        }

        // The data set: series only (no groups, no flat observations).
        try w.start("complexType", prefix: "xs"); try w.attribute("name", "DataSetType")
        try w.start("complexContent", prefix: "xs")
        try w.start("restriction", prefix: "xs"); try w.attribute("base", "ss:DataSetType")
        try w.start("sequence", prefix: "xs")
        try annotations()
        try element("element", [("name", "DataProvider"), ("type", "common:DataProviderReferenceType"), ("form", "unqualified"), ("minOccurs", "0")])
        try w.start("choice", prefix: "xs"); try w.attribute("minOccurs", "0")
        try element("element", [("name", "Series"), ("type", "SeriesType"), ("form", "unqualified"), ("maxOccurs", "unbounded")])
        try w.end()
        try w.end()
        try w.end(); try w.end(); try w.end()

        // A series: its key (every dimension but TIME_PERIOD) and the series attributes.
        try w.start("complexType", prefix: "xs"); try w.attribute("name", "SeriesType")
        try w.start("complexContent", prefix: "xs")
        try w.start("restriction", prefix: "xs"); try w.attribute("base", "ss:SeriesType")
        try w.start("sequence", prefix: "xs")
        try annotations()
        try element("element", [("name", "Obs"), ("type", "ObsType"), ("form", "unqualified"), ("minOccurs", "0"), ("maxOccurs", "unbounded")])
        try w.end()
        try element("attribute", [("name", "TIME_PERIOD"), ("type", "common:ObservationalTimePeriodType"), ("use", "prohibited")])
        try element("attribute", [("name", "REPORTING_YEAR_START_DAY"), ("type", "xs:gMonthDay"), ("use", "prohibited")])
        for dimension in dimensions { try attribute(dimension, required: true) }
        for component in seriesAttributes { try attribute(component, required: component.mandatory) }
        try w.end(); try w.end(); try w.end()

        // An observation: TIME_PERIOD, the value and the observation attributes.
        try w.start("complexType", prefix: "xs"); try w.attribute("name", "ObsType")
        try w.start("complexContent", prefix: "xs")
        try w.start("restriction", prefix: "xs"); try w.attribute("base", "ss:ObsType")
        try w.start("sequence", prefix: "xs")
        try annotations()
        try w.end()
        try element("attribute", [("name", "type"), ("type", "common:IDType"), ("use", "prohibited")])
        try element("attribute", [("name", "REPORTING_YEAR_START_DAY"), ("type", "xs:gMonthDay"), ("use", "prohibited")])
        try attribute(timeDimension, required: true)
        try attribute(primaryMeasure, required: false)
        for component in observationAttributes { try attribute(component, required: component.mandatory) }
        try w.end(); try w.end(); try w.end()

        // The code lists as enumerations.
        for list in codelists {
            try w.start("simpleType", prefix: "xs"); try w.attribute("name", "\(list.id)Type")
            try w.start("restriction", prefix: "xs"); try w.attribute("base", "xs:string")
            for code in list.codes { try element("enumeration", [("value", code.id)]) }
            try w.end(); try w.end()
        }
        try w.end()
        return try w.finish()
    }
}

/// `sdmx-structure.xml`: the SDMX structure message (code lists, concepts, the DSD).
enum SDMXStructureFile: ReportOutput {
    static let file = ReleaseFile(
        name: "sdmx-structure.xml", stage: "report", vi: "cấu trúc dữ liệu SDMX (DSD và danh mục mã)",
        en: "SDMX structure (DSD and code lists)", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? {
        try release.sdmx.structureMessage(releaseDate: release.input.releaseDate, programVersion: release.input.programVersion)
    }
}

/// `sdmx-schema.xsd`: the DSD-specific XML schema of `sdmx.xml` (it imports the official
/// SDMX-ML 2.1 schemas from its own folder).
enum SDMXSchemaFile: ReportOutput {
    static let file = ReleaseFile(
        name: "sdmx-schema.xsd", stage: "report", vi: "lược đồ XML riêng của DSD cho sdmx.xml",
        en: "the DSD-specific XML schema of sdmx.xml", download: true)
    static func render(_ release: ReleaseContext) throws -> Data? { try release.sdmx.dataSchema() }
}
