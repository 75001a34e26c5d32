import Foundation
import Ingest
import Storage
import SurveyModel
import Testing

/// Headers and values as people type them (issue 8).
@Suite("Headers and values as people type them")
struct ToleranceTests {
    @Test("column names match in any case, with spaces or underscores, NFC or NFD, and by aliases")
    func headerNames() throws {
        let s = try TemporarySurvey(survey: TemporarySurvey.surveyToml + """

            [columns.paper]
            form_id = ["form_id", "Mã phiếu", "So phieu"]
            date = ["date", "Ngày"]
            """)
        try s.write("inbox/paper/a.csv", "Form Id,UNIT,Date,Q01,q02, Q03 \nP1,A,03/07/2024,5,4,3\n")
        try s.write("inbox/paper/b.csv", "\("Mã phiếu".decomposedStringWithCanonicalMapping),Unit,Ngày,q01,q02,q03\nP2,A,03/07/2024,5,4,3\n")
        let (summary, _, outcomes) = try s.ingest()
        #expect(summary.accepted == 2, "\(outcomes)")
    }

    @Test("a missing column names what it expected and how names match")
    func missingColumnMessage() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "Mã,unit,date,q01,q02,q03\nP1,A,03/07/2024,5,4,3\n")
        let (_, _, outcomes) = try s.ingest()
        #expect(outcomes.first?.reason.contains("header lacks column(s) form_id") == true)
        #expect(outcomes.first?.reason.contains("aliases of [columns.paper]") == true)
        #expect(outcomes.count == 2)
    }

    @Test("title rows above the header are skipped and counted; the header may sit lower")
    func titleRows() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "BÁO CÁO KẾT QUẢ KHẢO SÁT,,,,,\nĐơn vị: A,,,,,\nform_id,unit,date,q01,q02,q03\nP1,A,03/07/2024,5,4,3\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 1 && outcomes.isEmpty)
        #expect(try db.sourceFiles()["inbox/paper/a.csv"]?.rowsSkipped == 2)
    }

    @Test("dates as people type them; two-digit years are refused with a reason", arguments: [
        ("03/07/2024", true), ("3/7/2024", true), ("03-07-2024", true), ("03.07.2024", true), ("2024-07-03", true),
        ("2024/07/03", true), ("03/07/2024 14:05", true), ("2024-07-03T14:05:00", true), ("03/07/24", false),
        ("31/06/2024", false),
    ])
    func dates(_ text: String, _ valid: Bool) throws {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03\nP1,A,\(text),5,4,3\n")
        let (summary, _, outcomes) = try s.ingest()
        #expect((summary.accepted == 1) == valid, "\(text): \(outcomes.map(\.reason))")
        if text == "03/07/24" { #expect(outcomes.first?.reason.contains("two-digit year '24' is ambiguous") == true) }
    }

    @Test("whole numbers written 4.0 and counts written 2 lần are answers")
    func numbers() throws {
        let s = try TemporarySurvey(survey: TemporarySurvey.surveyToml + "\n\n[[items]]\nid = \"q04\"\nkind = \"count\"\n")
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03,q04\nP1,A,03/07/2024,4.0,5,3,2 lần\nP2,A,03/07/2024,4.5,5,3,2\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 1)
        #expect(outcomes.first?.reason.contains("q01: '4.5' is not an answer") == true)
        #expect(try s.acceptedForms(db).first?.answers == [4, 5, 3, 2])
    }

    @Test("a portal time in UTC is dated in Vietnam: 23:30 Z on 30 June is 1 July, the next quarter")
    func timeZones() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/portal/a.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-06-30T23:30:00Z", "answers": {"q01": 5}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-06-30T23:30:00+07:00", "answers": {"q01": 5}}
            {"id": "W3", "unit": "A", "submitted_at": "2024-07-01T01:00:00+09:00", "answers": {"q01": 5}}
            """)
        let (_, db, _) = try s.ingest()
        let forms = try s.acceptedForms(db)
        #expect(forms.map(\.submittedOn) == ["2024-07-01", "2024-06-30", "2024-06-30"])
        #expect(forms.map(\.period.description) == ["2024-Q3", "2024-Q2", "2024-Q2"])
        // Another survey time zone.
        try s.write("survey.toml", TemporarySurvey.surveyToml.replacingOccurrences(of: "[survey]\n", with: "[survey]\ntime_zone = \"UTC\"\n"))
        let (_, db2, _) = try s.ingest()
        #expect(try s.acceptedForms(db2).map(\.submittedOn) == ["2024-06-30", "2024-06-30", "2024-06-30"])
    }

    @Test("portal answer keys match like headers; keys that name no item are reported, not dropped silently")
    func portalKeys() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/portal/a.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-03", "answers": {"Q01": 5, "q5": 4}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-03", "answers": {"Q02": 4, "q5": 1}}
            """)
        let (summary, db, _) = try s.ingest()
        #expect(summary.accepted == 2)
        #expect(try s.acceptedForms(db).map(\.answers) == [[5, missingAnswer, missingAnswer], [missingAnswer, 4, missingAnswer]])
        #expect(try db.sourceFiles()["inbox/portal/a.jsonl"]?.unknownAnswerKeys == "q5 (2)")
    }

    @Test("a missing portal date names the portal field")
    func portalDateMessage() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/portal/a.jsonl", #"{"id": "W1", "unit": "A", "answers": {"q01": 5}}"# + "\n")
        let (_, _, outcomes) = try s.ingest()
        #expect(outcomes.first?.reason.contains("missing submitted_at; expected an ISO 8601 time") == true)
    }

    @Test("a portal export as a table (CSV here) is read with [columns.portal]'s names, as online forms")
    func portalTable() throws {
        let s = try TemporarySurvey()
        try s.write("inbox/portal/export.csv", """
            ID,Unit,Submitted At,Dossier Code,Q01,Q02,Q03
            W1,A,2024-06-30T23:30:00Z,HS-1,5,4,
            W2,B,03/07/2024,HS-2,Hài lòng,,2
            """ + "\n")
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.accepted == 2, "\(outcomes)")
        let forms = try s.acceptedForms(db)
        #expect(forms.map(\.channel) == [.online, .online])
        #expect(forms.map(\.submittedOn) == ["2024-07-01", "2024-07-03"])
    }
}
