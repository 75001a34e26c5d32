import Foundation
import Testing

@testable import Ingest
import Stats
import Storage
import SurveyModel

/// `cell_sums` (Storage/TallyStore.swift), kept by the ingest form by form, against the sums
/// of the accepted forms computed from scratch after every step.
@Suite("Cell sums kept by the ingest equal the sums of the accepted forms")
struct CellSumsTests {
    static let header = IngestTests.header

    /// The sums of `db`'s accepted forms, from the forms themselves.
    static func fromScratch(_ s: TemporarySurvey, _ db: SurveyDatabase) throws -> [AtomKey: AtomTally] {
        var tally = FormTally(layout: TallyLayout(survey: try SurveyFolder.load(s.root.path).survey))
        for form in try s.acceptedForms(db) {
            tally.add(unit: UnitCode(form.unit), quarter: form.period, channel: form.channel, submittedOn: form.submittedOn, answers: form.answers)
        }
        return tally.atoms
    }

    @Test("duplicates, conflicts, a file that sorts first, a changed file and a forgotten one: the kept sums follow each status change")
    func followStatusChanges() throws {
        let s = try TemporarySurvey()
        func step(forget: [String] = [], accepted: Int) throws {
            let (summary, db, _) = try s.ingest(forget: forget)
            #expect(summary.accepted == accepted)
            let kept = try db.tallies().atoms
            #expect(kept == (try Self.fromScratch(s, db)))
            #expect(kept.values.reduce(0) { $0 + $1.forms } == accepted)
        }
        try s.write("inbox/paper/b.csv", Self.header + """
            P1,A,03/07/2024,5,4,3,
            P2,A,04/07/2024,2,2,2,
            P3,B,05/08/2024,4,4,,
            P4,B,06/09/2024,1,5,5,
            P2,A,04/07/2024,2,2,2,again

            """)
        try step(accepted: 4)
        // c.csv: an identical re-send of P3 (a duplicate in c) and another version of P4 (a
        // conflict: P4 leaves b's sums).
        try s.write("inbox/paper/c.csv", Self.header + "P3,B,05/08/2024,4,4,,\nP4,B,06/09/2024,1,1,1,\nP5,A,01/07/2024,3,3,3,\n")
        try step(accepted: 4)
        // a.csv sorts before b.csv: its copy of P1 counts, b's becomes the duplicate.
        try s.write("inbox/paper/a.csv", Self.header + "P1,A,03/07/2024,5,4,3,\n")
        try step(accepted: 4)
        // c.csv corrected: P4 agrees with b again, so b's P4 counts once more.
        try s.write("inbox/paper/c.csv", Self.header + "P3,B,05/08/2024,4,4,,\nP4,B,06/09/2024,1,5,5,\nP5,A,01/07/2024,3,3,3,\n")
        try step(accepted: 5)
        // a.csv taken out and forgotten: b's P1 counts again.
        try s.remove("inbox/paper/a.csv")
        try step(forget: ["inbox/paper/a.csv"], accepted: 5)
        // Nothing new: nothing changes.
        try step(accepted: 5)
        // P6 in a.csv and again in d.csv: a's counts, so d holds no sums for its unit and
        // quarter; a.csv taken out and forgotten: d's P6 counts, and d's sums for it appear.
        try s.write("inbox/paper/a.csv", Self.header + "P6,B,10/08/2024,4,4,4,\n")
        try s.write("inbox/paper/d.csv", Self.header + "P6,B,10/08/2024,4,4,4,\n")
        try step(accepted: 6)
        try s.remove("inbox/paper/a.csv")
        try step(forget: ["inbox/paper/a.csv"], accepted: 6)
    }

    @Test("sums kept under other rules (a satisfied set changed in survey.toml) are computed again, by the next stage or ingest")
    func layoutChange() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/p.csv", Self.header + "P1,A,03/07/2024,5,4,3,\nP2,B,03/07/2024,3,3,4,\n")
        let (_, before, _) = try s.ingest()
        let satisfiedBefore = try before.tallies().atoms.values.reduce(0) { $0 + $1.sums.satisfied.reduce(0, +) }
        #expect(satisfiedBefore == 3)
        try s.write("survey.toml", TemporarySurvey.surveyToml.replacingOccurrences(
            of: "plan_minimum = 2", with: "plan_minimum = 2\nsatisfied = [5]"))
        // A stage opens the database with the new rules: the sums are computed again.
        let folder = try SurveyFolder.load(s.root.path)
        let db = try Ingester(folder: folder, logger: quietLogger).openDatabase()
        let after = try db.tallies().atoms
        #expect(after.values.reduce(0) { $0 + $1.sums.satisfied.reduce(0, +) } == 1)
        #expect(after == (try Self.fromScratch(s, db)))
        // And an ingest with the new rules keeps them.
        try s.write("inbox/paper/q.csv", Self.header + "Q1,A,03/07/2024,5,5,5,\n")
        let (_, again, _) = try s.ingest()
        #expect(try again.tallies().atoms == (try Self.fromScratch(s, again)))
    }

    @Test("a file whose identity (inode, size, times) is unchanged is not hashed again; any write to it is seen")
    func identityShortcut() throws {
        let s = try TemporarySurvey()
        let path = s.root.appendingPathComponent("inbox/paper/p.csv").path
        try s.write("inbox/paper/p.csv", Self.header + "P1,A,03/07/2024,5,4,3,\n")
        func ingest() throws -> IngestSummary {
            var ingester = Ingester(folder: try SurveyFolder.load(s.root.path), logger: quietLogger)
            ingester.identitySettling = 0
            return try ingester.run(database: try ingester.openDatabase())
        }
        #expect(try ingest().filesRead == 1)
        #expect(try ingest().filesUnchanged == 1)
        let identity = try ingestedIdentity()
        #expect(!identity.isEmpty)
        // Rewritten with the same size and its modification time set back: the status-change
        // time still moves, so the file is read again.
        let mtime = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        usleep(20_000)
        try s.write("inbox/paper/p.csv", Self.header + "P1,A,03/07/2024,1,4,3,\n")
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        let changed = try ingest()
        #expect(changed.filesRead == 1)
        #expect(changed.counts.accepted == 1)
        // Touched, same bytes: not read; the new identity is remembered.
        usleep(20_000)
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
        let touched = try ingest()
        #expect(touched.filesRead == 0 && touched.filesUnchanged == 1)
        #expect(try ingestedIdentity() != identity)
        // A file changed moments ago gets no identity: it is hashed again next time.
        let fresh = Ingester(folder: try SurveyFolder.load(s.root.path), logger: quietLogger)
        try s.write("inbox/paper/p.csv", Self.header + "P1,A,03/07/2024,2,4,3,\n")
        _ = try fresh.run(database: try fresh.openDatabase())
        #expect(try ingestedIdentity() == "")

        func ingestedIdentity() throws -> String {
            let db = try Ingester(folder: try SurveyFolder.load(s.root.path), logger: quietLogger).openDatabase()
            return try db.sourceFiles()["inbox/paper/p.csv"]?.identity ?? "missing"
        }
    }
}
