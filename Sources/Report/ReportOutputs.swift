import CLibXML2
import Foundation
import Mustache
import SurveyModel

/// What every file of the report stage renders from: the release's input and the view built
/// once from it (the typed published estimates, labels, ranking orders).
public struct ReleaseContext {
    public let input: ReportInput
    let view: ReportView
    /// The page template, read once for the pages in both languages.
    let template: PageTemplate
    /// The SDMX structure shared by the data message, the structure message and the schema.
    let sdmx: SDMXDataStructure
    /// The summary table, built once for summary.csv and summary.xlsx.
    let summary: SummaryTable
    /// What a renderer has to say about a file it made (the log's warnings).
    let warnings = Warnings()

    /// Renderers run on two threads: appended under a lock.
    final class Warnings: @unchecked Sendable {
        private let lock = NSLock()
        private var said: [String] = []
        var lines: [String] { lock.withLock { said } }
        func append(_ line: String) { lock.withLock { said.append(line) } }
    }

    init(_ input: ReportInput) throws {
        self.input = input
        view = ReportView(input)
        template = try HTMLReport.template()
        sdmx = SDMXDataStructure(survey: input.survey, units: input.units)
        summary = SummaryTable(input, view: view)
    }
}

/// One file of the report stage: its entry in the registry of release files and how it is
/// rendered from the release. Adding an output is a type conforming to this (in its
/// renderer's file) and one line in `ReportOutputs.all`; the pipeline, the manifest,
/// `report --help`, the page's downloads and `ReleaseFiles` all read that list.
protocol ReportOutput {
    static var file: ReleaseFile { get }
    /// The file's bytes, or nil when this release has no such file (the page in a language
    /// that is neither the release's nor its other one).
    static func render(_ release: ReleaseContext) throws -> Data?
}

/// The registry of the report stage's files, in manifest order.
enum ReportOutputs {
    static let all: [any ReportOutput.Type] = [
        SummaryCSV.self, SummaryXLSX.self, XMLReport.self, SDMXExport.self, SDMXStructureFile.self, SDMXSchemaFile.self,
        ReportPage.self, OtherLanguagePage.English.self, OtherLanguagePage.Vietnamese.self,
        AnnexDocx.self, AnnexDocx.English.self, AnnexDocx.Vietnamese.self, AnnexPDF.self,
    ]
}

/// `report.html`: the page in the release's language.
enum ReportPage: ReportOutput {
    static let file = ReleaseFile(name: "report.html", stage: "report", vi: "trang báo cáo", en: "the report page", download: false)
    static func render(_ release: ReleaseContext) throws -> Data? {
        try HTMLReport.render(release.input, view: release.view, template: release.template)
    }
}

/// `report.en.html` or `report.vi.html`: the page in the other language; a release holds
/// exactly one of them.
enum OtherLanguagePage {
    static func render(_ release: ReleaseContext, in language: Language) throws -> Data? {
        guard release.input.language != language else { return nil }
        var other = release.input
        other.language = language
        return try HTMLReport.render(other, view: release.view, template: release.template)
    }

    enum English: ReportOutput {
        static let file = ReleaseFile(
            name: "report.en.html", stage: "report", vi: "trang báo cáo tiếng Anh", en: "the report page in English", download: false)
        static func render(_ release: ReleaseContext) throws -> Data? { try OtherLanguagePage.render(release, in: .en) }
    }

    enum Vietnamese: ReportOutput {
        static let file = ReleaseFile(
            name: "report.vi.html", stage: "report", vi: "trang báo cáo tiếng Việt", en: "the report page in Vietnamese", download: false)
        static func render(_ release: ReleaseContext) throws -> Data? { try OtherLanguagePage.render(release, in: .vi) }
    }
}

/// Renders and validates a release's reports.
public enum ReportRenderer {
    /// The report stage's files of one release, in registry order.
    public struct Rendered: Sendable {
        public let files: [(name: String, data: Data)]
        /// The page's other language.
        public let otherLanguage: Language
        /// Files that could not be made here, with why.
        public var notMade: [(name: String, reason: String)] = []

        public subscript(_ name: String) -> Data? { files.first { $0.name == name }?.data }

        // The files tests and callers read by role.
        public var xml: Data { self["report.xml"]! }
        /// The page in the release's language.
        public var html: Data { self["report.html"]! }
        /// The page in the other language.
        public var otherHTML: Data { self["report.\(otherLanguage.rawValue).html"]! }
        public var workbook: Data { self["summary.xlsx"]! }
        public var summary: Data { self["summary.csv"]! }
        public var sdmx: Data { self["sdmx.xml"]! }
    }

    /// Starts parsing the page's template on another thread, so that the report stage finds
    /// it ready (15 ms at 20 units, otherwise between the stats stage and the pages).
    public static func prepare() {
        Thread.detachNewThread { _ = try? HTMLReport.template() }
    }

    /// The schema shipped with the program.
    public static var schemaPath: String {
        Bundle.module.url(forResource: "report", withExtension: "xsd", subdirectory: "Resources")?.path
            ?? Bundle.module.bundlePath + "/Resources/report.xsd"
    }

    /// Every file of `ReportOutputs.all` this release has, collected (tests read them by role).
    public static func render(_ input: ReportInput) throws -> Rendered {
        var files: [(name: String, data: Data)] = []
        let summary = try render(input) { name, data in
            if let data { files.append((name, data)) }
        }
        let order = Dictionary(uniqueKeysWithValues: ReportOutputs.all.enumerated().map { ($1.file.name, $0) })
        files.sort { order[$0.name]! < order[$1.name]! }
        return Rendered(files: files, otherLanguage: summary.otherLanguage, notMade: summary.notMade)
    }

    /// What rendering a release came to, beside its files.
    public struct Summary: Sendable {
        /// The page's other language.
        public let otherLanguage: Language
        /// Files this release should have but could not be made here, with why (the annex's
        /// PDF without LibreOffice): the release is published without them and says so.
        public let notMade: [(name: String, reason: String)]
        /// What the log should warn of, about files that were made.
        public var warnings: [String] = []
    }

    /// Renders the registry's files on both cores, two at a time, handing each to `each` as
    /// soon as it is made (nil for a file this release does not have, or could not make), so
    /// a release never holds more than two rendered files in memory. `each` is called for one
    /// file at a time, in the order the files are done; what a file holds does not depend on
    /// which thread made it.
    @discardableResult
    public static func render(_ input: ReportInput, each: (_ name: String, _ data: Data?) throws -> Void) throws -> Summary {
        guard !input.published.keys.isEmpty else { throw ReportError.noEstimates }
        let release = try ReleaseContext(input)
        // Once, before two threads could both be the first to ask.
        xmlInitParser()
        return try withoutActuallyEscaping(each) { each in
            let work = ParallelRendering(release: release, each: each)
            DispatchQueue.concurrentPerform(iterations: 2) { _ in work.run() }
            // Not held past this call (withoutActuallyEscaping traps on a closure that escaped).
            work.each = nil
            if let failure = work.failure { throw failure.error }
            return Summary(
                otherLanguage: input.language == .vi ? .en : .vi,
                notMade: work.notMade.sorted { $0.index < $1.index }.map { ($0.name, $0.reason) },
                warnings: release.warnings.lines)
        }
    }

    /// The registry's files taken in turn by the threads that render them; what they share is
    /// touched under `lock` (the release itself is only read).
    private final class ParallelRendering: @unchecked Sendable {
        let release: ReleaseContext
        var each: ((_ name: String, _ data: Data?) throws -> Void)?
        let outputs = ReportOutputs.all
        let lock = NSLock()
        var next = 0
        var notMade: [(index: Int, name: String, reason: String)] = []
        var failure: (index: Int, error: Error)?

        init(release: ReleaseContext, each: @escaping (_ name: String, _ data: Data?) throws -> Void) {
            self.release = release
            self.each = each
        }

        /// Renders files until none is left or one failed.
        func run() {
            while true {
                lock.lock()
                let index = next
                next += 1
                let stop = failure != nil
                lock.unlock()
                guard index < outputs.count, !stop else { return }
                let output = outputs[index]
                var data: Data?
                var unavailable: String?
                do {
                    data = try output.render(release)
                } catch ReportError.rendererUnavailable(let reason) {
                    unavailable = reason
                } catch {
                    fail(index, error)
                    return
                }
                lock.lock()
                defer { lock.unlock() }
                if let unavailable { notMade.append((index, output.file.name, unavailable)) }
                guard failure == nil else { return }
                do { try each?(output.file.name, data) } catch { failure = (index, error) }
            }
        }

        private func fail(_ index: Int, _ error: Error) {
            lock.lock()
            defer { lock.unlock() }
            if failure.map({ index < $0.index }) ?? true { failure = (index, error) }
        }
    }

    /// The PDF renderer this machine has, as the manifest records it (a release made without
    /// one is made again once it is installed).
    public static var pdfRenderer: String { LibreOffice.availability }
}
