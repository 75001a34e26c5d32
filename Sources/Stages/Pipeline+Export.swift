import Export
import Foundation
import Ingest
import Storage
import SurveyModel

/// `pipeline export`: the accepted forms as one table for SPSS, Stata or a spreadsheet.
extension Pipeline {
    /// What an export wrote.
    public struct ExportSummary: Sendable {
        public let path: String
        public let format: ExportFormat
        public let forms: Int
        public let columns: Int
        /// Texts longer than the format's strings, cut (comments in Stata's 2045 bytes).
        public let textsCut: Int
    }

    /// Writes every accepted form, one row each, to `path` (`.sav`, `.dta` or `.csv` by its
    /// extension) with labels in `language` (the survey's by default); free-text comments
    /// only `withComments`. Reads the database under the folder's lock (a consistent set of
    /// forms), never writes into the release folder, and puts the file in place whole.
    public func export(to path: String, withComments: Bool, language: Language?) throws -> ExportSummary {
        guard let format = ExportFormat(path: path) else {
            throw StageError.cannotWrite(path: path, reason: "the file's extension names no export format: use .sav (SPSS), .dta (Stata) or .csv")
        }
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let folder = target.deletingLastPathComponent().resolvingSymlinksInPath().path
        if folder == outDirectory.resolvingSymlinksInPath().path {
            throw StageError.refusedExport(
                path: target.path, reason: "\(outDirectory.path) holds the release and nothing else (the next run would refuse it); write the export elsewhere, e.g. \(self.folder.workDirectory.path)")
        }
        let held = try lock()
        defer { withExtendedLifetime(held) {} }
        let db = try ingester().openDatabase()
        try requireCurrentInstrument(db)
        try requireSound(db)
        let language = language ?? self.folder.survey.rules.language
        let shape = try db.exportShape()
        let units = self.folder.units
        let columns = FormTable.columns(
            survey: self.folder.survey, units: units, answeredItems: db.itemColumns, language: language,
            widths: .init(id: shape.idBytes, comment: shape.commentBytes), withComments: withComments)
        let through = try db.meta("data_through").flatMap { $0.isEmpty ? nil : $0 } ?? "1970-01-01"
        let survey = self.folder.survey
        let title = language == .vi ? survey.titleVi : (survey.titleEn.isEmpty ? survey.titleVi : survey.titleEn)
        let writer = try FormFileWriter(
            path: target.path, format: format, columns: columns, rowCount: shape.forms, fileLabel: title,
            timestamp: Self.date(through))
        let numbers = FormTable.unitNumbers(units)
        var written = 0
        try db.forEachFormToExport { form in
            try stopIfRequested()
            let row = FormTable.row(
                FormTable.Form(
                    id: form.id, unit: UnitCode(form.unit), channel: form.channel, date: form.submittedOn, period: form.period,
                    answers: form.answers.map { $0 == missingAnswer ? nil : Int($0) }, comment: form.comment),
                unitNumbers: numbers, withComments: withComments)
            try writer.add(row)
            written += 1
        }
        guard written == shape.forms else {
            throw ExportError.readStat("\(written) forms read for \(shape.forms) counted")
        }
        try writer.finish()
        logger.info("export: \(written) forms, \(columns.count) variables, to \(target.path)")
        if writer.textsCut > 0 {
            logger.warning("export: \(writer.textsCut) text(s) longer than \(format == .dta ? "Stata's 2045 bytes" : "SPSS's 32767 bytes") cut in \(target.lastPathComponent); .csv keeps them whole")
        }
        return ExportSummary(path: target.path, format: format, forms: written, columns: columns.count, textsCut: writer.textsCut)
    }

    /// Midnight UTC of a yyyy-mm-dd date.
    static func date(_ iso: String) -> Date {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return Date(timeIntervalSince1970: 0) }
        var t = tm()
        t.tm_year = Int32(parts[0] - 1900)
        t.tm_mon = Int32(parts[1] - 1)
        t.tm_mday = Int32(parts[2])
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }
}
