import Foundation
import Ingest
import SurveyModel
import Testing

/// units.csv `valid_from`, `valid_to`, `predecessors` (issue 17): checked with their line,
/// and where the ingest counts a form of a unit outside its life.
@Suite("Units' life in units.csv and at ingest")
struct UnitLifeTests {
    func loadError(_ units: String) throws -> String {
        let s = try TemporarySurvey(units: units)
        do {
            _ = try SurveyFolder.load(s.root.path)
            Issue.record("the folder loaded; expected a configuration error")
            return ""
        } catch let error as IngestError {
            return String(describing: error)
        }
    }

    @Test("a life that cannot be is refused, naming the line and what was expected")
    func refused() throws {
        let header = "code,name_vi,name_en,valid_from,valid_to,predecessors\n"
        let cases: [(String, String)] = [
            ("A,a,a,2025,,\n", "units.csv:2: valid_from '2025' is not a quarter; expected one such as 2025-Q3"),
            ("A,a,a,,Q3-2025,\n", "units.csv:2: valid_to 'Q3-2025' is not a quarter"),
            ("A,a,a,2025-Q3,2025-Q2,\n", "units.csv:2: unit A ends (valid_to 2025-Q2) before it starts (valid_from 2025-Q3)"),
            ("A,a,a,,2025-Q2,\nB,b,b,,,A\n", "units.csv:3: unit B names predecessors but no valid_from"),
            ("A,a,a,,,\nB,b,b,2025-Q3,,A\n", "units.csv:3: predecessor A of B has no valid_to; expected the last quarter it existed"),
            ("A,a,a,,2025-Q3,\nB,b,b,2025-Q3,,A\n", "units.csv:3: predecessor A of B exists until 2025-Q3, not before B starts (2025-Q3)"),
            ("B,b,b,2025-Q3,,Z\n", "units.csv:2: predecessor 'Z' of B is not a unit of units.csv; keep a ceased unit's row"),
            ("B,b,b,2025-Q3,,B\n", "units.csv:2: unit B names itself among its predecessors"),
        ]
        for (rows, expected) in cases {
            let message = try loadError(header + rows)
            #expect(message.contains(expected), "\(rows): \(message)")
        }
    }

    @Test("a form of a ceased unit counts for its one successor; with several, none, or before a unit starts, it is a reject saying why")
    func placement() throws {
        // A and B merge into M from 2025-Q3; S splits into S1 and S2; C ceases with no successor.
        let units = """
            code,name_vi,name_en,valid_from,valid_to,predecessors
            A,Đơn vị A,Unit A,,2025-Q2,
            B,Đơn vị B,Unit B,,2025-Q2,
            M,Đơn vị M,Unit M,2025-Q3,,A;B
            S,Đơn vị S,Unit S,,2025-Q2,
            S1,Đơn vị S1,Unit S1,2025-Q3,,S
            S2,Đơn vị S2,Unit S2,2025-Q3,,S
            C,Đơn vị C,Unit C,,2025-Q2,

            """
        let s = try TemporarySurvey(units: units)
        try s.write("inbox/paper/forms.csv", """
            form_id,unit,date,q01,q02,q03
            f1,A,2025-06-30,5,5,5
            f2,A,2025-07-01,4,4,4
            f3,Đơn vị B,02/07/2025,3,3,3
            f4,M,2025-07-03,5,4,3
            f5,M,2025-06-03,5,4,3
            f6,S,2025-08-01,5,5,5
            f7,S1,2025-08-01,5,5,5
            f8,C,2025-08-01,5,5,5
            f9,C,2025-05-01,5,5,5

            """)
        let (summary, db, outcomes) = try s.ingest()
        // f1 (A before it ceased), f2 and f3 (A, B after: M), f4 (M), f7 (S1), f9 (C before it ceased).
        let placed = try s.acceptedForms(db).map { "\($0.unit) \($0.submittedOn)" }.sorted()
        #expect(placed == ["A 2025-06-30", "C 2025-05-01", "M 2025-07-01", "M 2025-07-02", "M 2025-07-03", "S1 2025-08-01"])
        let reasons = Dictionary(uniqueKeysWithValues: outcomes.compactMap { r in r.responseID.map { ($0, r.reason) } })
        #expect(reasons["f5"]?.contains("unit M does not exist yet in 2025-Q2 (units.csv valid_from)") == true, "\(reasons)")
        #expect(reasons["f6"]?.contains("unit S had ceased by 2025-Q3 and was split into S1, S2; expected the form to name one of them") == true, "\(reasons)")
        #expect(reasons["f8"]?.contains("unit C had ceased by 2025-Q3 (units.csv valid_to) and no unit continues it") == true, "\(reasons)")
        // Every row accounted for.
        #expect(summary.counts.accepted + summary.counts.rejected == 9)
    }
}

/// An instrument change reads every file again: it is refused while a file with forms is out
/// of the inbox, whatever the previous run recorded (issue 17).
@Suite("An instrument change never loses a file's forms")
struct InstrumentChangeTests {
    @Test("a file that left the inbox since the last run stops an instrument change (65), nothing dropped; --forget lets it go")
    func missingSinceLastRun() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03\na1,A,2025-01-02,5,5,5\na2,B,2025-01-03,4,4,4\n")
        try s.write("inbox/paper/b.csv", "form_id,unit,date,q01,q02,q03\nb1,A,2025-01-02,3,3,3\n")
        #expect(try s.ingest().summary.counts.accepted == 3)
        // In the same interval: a.csv leaves the inbox, and the instrument changes.
        try s.remove("inbox/paper/a.csv")
        try s.write("survey.toml", TemporarySurvey.surveyToml + "\naliases = [\"Câu 3\"]\n")
        do {
            _ = try s.ingest()
            Issue.record("the ingest ran; expected a refusal")
        } catch let error as IngestError {
            #expect("\(error)".contains("inbox/paper/a.csv"), "\(error)")
            #expect("\(error)".contains("their forms would be lost"), "\(error)")
            guard case .invalidConfiguration = error else { Issue.record("\(error)"); return }
        }
        // Nothing was dropped: with the old instrument back, the three forms still count.
        try s.write("survey.toml", TemporarySurvey.surveyToml)
        let kept = try s.ingest()
        #expect(kept.summary.counts.accepted == 3 && !kept.summary.rebuilt)
        // Forgetting it is the way on.
        try s.write("survey.toml", TemporarySurvey.surveyToml + "\naliases = [\"Câu 3\"]\n")
        let forgotten = try s.ingest(forget: ["inbox/paper/a.csv"])
        #expect(forgotten.summary.counts.accepted == 1)
        #expect(forgotten.summary.rebuilt)
    }

    @Test("a file with forms that cannot be read now (a FIFO in its place) stops an instrument change; nothing dropped")
    func unreadableNow() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03\na1,A,2025-01-02,5,5,5\na2,B,2025-01-03,4,4,4\n")
        #expect(try s.ingest().summary.counts.accepted == 2)
        try s.remove("inbox/paper/a.csv")
        #expect(mkfifo(s.root.appendingPathComponent("inbox/paper/a.csv").path, 0o644) == 0)
        try s.write("survey.toml", TemporarySurvey.surveyToml + "\naliases = [\"Câu 3\"]\n")
        do {
            _ = try s.ingest()
            Issue.record("the ingest ran; expected a refusal")
        } catch let error as IngestError {
            #expect("\(error)".contains("inbox/paper/a.csv cannot be read"), "\(error)")
            #expect("\(error)".contains("its 2 forms would be lost"), "\(error)")
        }
        try s.write("survey.toml", TemporarySurvey.surveyToml)
        #expect(try s.ingest().summary.counts.accepted == 2)
    }
}

/// units.csv is not the instrument (issue 17): a change reads again only the files whose
/// forms it could place otherwise.
@Suite("units.csv changes read again only what they can change")
struct UnitsChangeTests {
    func survey() throws -> TemporarySurvey {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03\na1,A,2025-01-02,5,5,5\na2,B,2025-01-03,4,4,4\n")
        try s.write("inbox/paper/c.csv", "form_id,unit,date,q01,q02,q03\nc1,C,2025-01-02,5,5,5\nc2,Đơn vị C,2025-01-02,4,4,4\n")
        try s.write("inbox/paper/d.csv", "form_id,unit,date,q01,q02,q03\nd1,B,2025-02-02,3,3,3\n")
        return s
    }

    @Test("adding a unit reads again only the files with forms rejected for their unit; they now count")
    func addUnit() throws {
        let s = try survey()
        let first = try s.ingest()
        #expect(first.summary.counts.accepted == 3 && first.summary.counts.rejected == 2)
        try s.write("units.csv", "code,name_vi,name_en\nA,Đơn vị A,Unit A\nB,Đơn vị B,Unit B\nC,Đơn vị C,Unit C\n")
        let (summary, _, _) = try s.ingest()
        #expect(!summary.rebuilt)
        #expect(summary.filesRead == 1, "only c.csv")
        #expect(summary.counts.accepted == 5 && summary.counts.rejected == 0)
        // Nothing else changes the night after.
        #expect(try s.ingest().summary.filesRead == 0)
    }

    @Test("a new alias reads again the files with unit rejects; a removed name the files of its unit; a new life the files of the units it concerns")
    func namesAndLives() throws {
        let s = try survey()
        _ = try s.ingest()
        // B's name changes (a spelling of B removed, another added): files with B's forms and unit rejects.
        try s.write("units.csv", "code,name_vi,name_en\nA,Đơn vị A,Unit A\nB,Đơn vị Bê,Unit B\n")
        let renamed = try s.ingest()
        #expect(renamed.summary.filesRead == 3 && !renamed.summary.rebuilt)
        // A ceases at 2024-Q4 and M continues it: the files with A's forms (and unit rejects).
        try s.write("units.csv", "code,name_vi,name_en,valid_from,valid_to,predecessors\nA,Đơn vị A,Unit A,,2024-Q4,\nB,Đơn vị Bê,Unit B,,,\nM,M,M,2025-Q1,,A\n")
        let merged = try s.ingest()
        #expect(merged.summary.filesRead == 2, "a.csv (A's forms) and c.csv (unit rejects), not d.csv")
        #expect(!merged.summary.rebuilt)
        let units = try s.acceptedForms(merged.db).map(\.unit).sorted()
        #expect(units == ["B", "B", "M"], "A's 2025 form counts for M")
    }
}

/// A merged unit often keeps one of the old names (issue 17): units whose lives do not
/// overlap may share a name, and a form naming it counts for the one that exists on its date.
@Suite("A name kept by a merged unit")
struct SharedNameTests {
    @Test("the name finds the unit that exists on the form's date; overlapping lives may not share it")
    func sharedName() throws {
        let units = """
            code,name_vi,name_en,valid_from,valid_to,predecessors
            SXD,Sở Xây dựng,Department of Construction,,2025-Q2,
            SGTVT,Sở Giao thông vận tải,Department of Transport,,2025-Q2,
            SXDGT,Sở Xây dựng,Department of Construction,2025-Q3,,SXD;SGTVT

            """
        let s = try TemporarySurvey(units: units)
        try s.write("inbox/paper/a.csv", """
            form_id,unit,date,q01,q02,q03
            f1,Sở Xây dựng,2025-06-30,5,5,5
            f2,sở xây dựng,2025-07-01,4,4,4
            f3,SXD,2025-08-01,4,4,4
            f4,Department of Transport,2025-08-01,4,4,4

            """)
        let (summary, db, _) = try s.ingest()
        #expect(summary.counts.accepted == 4)
        let placed = try s.acceptedForms(db).map { "\($0.unit) \($0.submittedOn)" }.sorted()
        #expect(placed == ["SXD 2025-06-30", "SXDGT 2025-07-01", "SXDGT 2025-08-01", "SXDGT 2025-08-01"])
        // Lives that overlap may not share a name.
        let overlapping = try TemporarySurvey(units: """
            code,name_vi,name_en,valid_from,valid_to,predecessors
            SXD,Sở Xây dựng,Department of Construction,,2025-Q3,
            SXDGT,Sở Xây dựng,Department of Construction,2025-Q3,,

            """)
        do {
            _ = try SurveyFolder.load(overlapping.root.path)
            Issue.record("loaded")
        } catch {
            #expect("\(error)".contains("units.csv:3: unit SXDGT: name_vi 'Sở Xây dựng' could mean unit SXD too"), "\(error)")
        }
    }
}
