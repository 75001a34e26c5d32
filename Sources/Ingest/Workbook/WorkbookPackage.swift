#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parts of an .xlsx package that say where things are and how numbers show: the
/// relationships, workbook.xml (sheets, date system), styles.xml (number formats) and the
/// shared-string table. Namespaces are ignored (local names only), so Strict OOXML reads too.
struct WorkbookPackage {
    let directory: ZipDirectory
    let limits: WorkbookLimits
    let budget: InflationBudget
    var file: String { directory.file }

    struct Relationship {
        var id: String
        /// The last segment of the type URI: `worksheet`, `sharedStrings`, `styles`, ...
        var type: String
        /// The target part name, resolved against the source part (`xl/worksheets/sheet1.xml`).
        var target: String
    }

    struct Sheet {
        var name: String
        var relationship: String
        var hidden: Bool
    }

    init(path: String, limits: WorkbookLimits) throws {
        directory = try ZipDirectory(path: path)
        self.limits = limits
        budget = InflationBudget(limit: limits.total)
    }

    /// A streaming reader over a part, or nil when the zip has no such entry.
    func open(_ part: String) throws -> XMLPartStream? {
        guard let entry = directory.entry(part) else { return nil }
        let pipe = try InflatingPipe(directory: directory, entry: entry, limits: limits, budget: budget)
        return try XMLPartStream(pipe: pipe, file: file)
    }

    /// The part the package's root relationships name as the main document.
    func workbookPart() throws -> String {
        let root = try relationships(ofPart: "")
        if let main = root.first(where: { $0.type == "officeDocument" }) { return main.target }
        if directory.entry("xl/workbook.xml") != nil { return "xl/workbook.xml" }
        throw TableReadError.missingPart(
            file: file, part: "xl/workbook.xml",
            expected: "a zip with the parts of an .xlsx workbook (this zip may be another kind of document)")
    }

    /// The relationships of `part` (from `<folder>/_rels/<name>.rels`); empty when there are none.
    func relationships(ofPart part: String) throws -> [Relationship] {
        let folder = part.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let name = part.split(separator: "/").last.map(String.init) ?? ""
        let relsPart = (folder.isEmpty ? "" : folder + "/") + "_rels/" + name + ".rels"
        guard let xml = try open(relsPart) else { return [] }
        var found: [Relationship] = []
        while try xml.read() {
            guard xml.isElement, xml.named("Relationship") else { continue }
            guard xml.attribute("TargetMode")?.lowercased() != "external",
                  let id = xml.attribute("Id"), let type = xml.attribute("Type"), let target = xml.attribute("Target")
            else { continue }
            let kind = type.split(separator: "/").last.map(String.init) ?? type
            found.append(Relationship(id: id, type: kind, target: Self.resolve(target, from: folder)))
        }
        return found
    }

    /// A relationship target as a part name: absolute (`/xl/x.xml`) from the package root,
    /// otherwise relative to the source part's folder; `.` and `..` segments and `%XX` escapes
    /// are resolved. A `..` above the root is dropped (it cannot name anything in the zip).
    static func resolve(_ target: String, from folder: String) -> String {
        let decoded = target.removingPercentEscapes()
        var segments: [Substring] = decoded.hasPrefix("/") ? [] : folder.split(separator: "/")
        for segment in decoded.split(separator: "/") {
            if segment == "." { continue }
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        return segments.joined(separator: "/")
    }

    /// The sheets in workbook order and whether dates count from 1904.
    func workbook(_ part: String) throws -> (sheets: [Sheet], date1904: Bool) {
        guard let xml = try open(part) else {
            throw TableReadError.missingPart(file: file, part: part, expected: "the workbook part its relationships name")
        }
        var sheets: [Sheet] = []
        var date1904 = false
        while try xml.read() {
            guard xml.isElement else { continue }
            if xml.named("workbookPr") {
                let value = xml.attribute("date1904")?.lowercased()
                date1904 = value == "1" || value == "true"
            } else if xml.named("sheet") {
                var name = "", relationship = "", state = ""
                xml.forEachAttribute { attribute, hasNamespace in
                    if strcmp(attribute, "name") == 0 && !hasNamespace { name = xml.value }
                    else if strcmp(attribute, "state") == 0 && !hasNamespace { state = xml.value }
                    else if strcmp(attribute, "id") == 0 && hasNamespace { relationship = xml.value }
                }
                sheets.append(Sheet(name: name, relationship: relationship, hidden: state == "hidden" || state == "veryHidden"))
            } else if xml.named("definedNames") || xml.named("calcPr") || xml.named("extLst") {
                try xml.skipElement()
            }
        }
        return (sheets, date1904)
    }

    /// How each cell style (the `s` of a cell, an index into `cellXfs`) shows numbers.
    func styles(_ part: String?) throws -> [CellText.Display] {
        guard let part, let xml = try open(part) else { return [] }
        var custom: [Int: CellText.Display] = [:]
        var displays: [CellText.Display] = []
        var section = ""
        while try xml.read() {
            if xml.isElement {
                if xml.named("numFmts") || xml.named("cellXfs") {
                    section = xml.named("numFmts") ? "numFmts" : "cellXfs"
                    if xml.isEmptyElement { section = "" }
                } else if xml.named("numFmt") && section == "numFmts" {
                    if let id = xml.attribute("numFmtId").flatMap(Int.init), let code = xml.attribute("formatCode") {
                        custom[id] = CellText.display(formatCode: code)
                    }
                } else if xml.named("xf") && section == "cellXfs" {
                    let id = xml.attribute("numFmtId").flatMap(Int.init) ?? 0
                    displays.append(custom[id] ?? CellText.display(builtIn: id))
                    try xml.skipElement()
                } else if xml.depth == 1 {
                    // fonts, fills, borders, dxfs (whose numFmts are for conditional formats), ...
                    try xml.skipElement()
                }
            } else if xml.isEndElement && (xml.named("numFmts") || xml.named("cellXfs")) {
                section = ""
            }
        }
        return displays
    }

    /// The shared-string table, each entry's text with its rich-text runs joined.
    func sharedStrings(_ part: String?) throws -> [String] {
        guard let part, let xml = try open(part) else { return [] }
        var strings: [String] = []
        while try xml.read() {
            guard xml.isElement, xml.named("si") else { continue }
            if strings.count == limits.sharedStrings {
                throw TableReadError.malformedPart(
                    file: file, part: part, line: nil,
                    problem: "it has more than \(limits.sharedStrings) strings, the most this reader holds in memory")
            }
            strings.append(CellText.unescaped(try xml.richText()))
        }
        return strings
    }
}

extension String {
    /// `%20` and other `%XX` escapes decoded as UTF-8; the text unchanged where an escape is bad.
    fileprivate func removingPercentEscapes() -> String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        let source = Array(utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "%"), i + 2 < source.count,
               let value = UInt8(String(decoding: source[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                i += 3
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
