import Foundation
import Testing

@testable import Ingest
import Storage
import SurveyModel

/// Category items (issue 19) read as people write them, on paper and on the portal.
@Suite("Category items: codes and labels, bad values, forms that say only who answered")
struct CategoryTests {
    static let survey = TemporarySurvey.surveyToml + """


        [scales.gioi_tinh]
        values = [1, 2]
        labels_vi = ["Nam", "Nữ"]
        labels_en = ["Male", "Female"]

        [[items]]
        id = "gioi_tinh"
        kind = "category"
        scale = "gioi_tinh"

        [estimates]
        breakdowns = ["gioi_tinh"]
        """

    @Test("codes, labels in any case and NFD are read; a value off the scale is a reject naming it; answers about who alone are blank")
    func reading() throws {
        let s = try TemporarySurvey(survey: Self.survey)
        let nfd = "Nữ".decomposedStringWithCanonicalMapping
        try s.write("inbox/paper/a.csv", """
            form_id,unit,date,q01,q02,q03,gioi_tinh,comment
            P1,A,03/07/2024,5,4,3,1,
            P2,A,04/07/2024,2,2,2,nữ,
            P3,B,05/08/2024,4,4,,\(nfd),
            P4,B,06/08/2024,4,4,4,MALE,
            P5,B,07/08/2024,4,4,4,,
            P6,B,08/08/2024,4,4,4,3,
            P7,B,09/08/2024,,,,2,

            """)
        try s.write("inbox/portal/b.jsonl", """
            {"id": "W1", "unit": "A", "submitted_at": "2024-07-10T09:00:00+07:00", "answers": {"q01": 5, "gioi_tinh": 2}}
            {"id": "W2", "unit": "A", "submitted_at": "2024-07-11T09:00:00+07:00", "answers": {"q01": 5, "gioi_tinh": "Nam"}}
            {"id": "W3", "unit": "A", "submitted_at": "2024-07-12T09:00:00+07:00", "answers": {"q01": 5, "gioi_tinh": 7}}
            {"id": "W4", "unit": "A", "submitted_at": "2024-07-13T09:00:00+07:00", "answers": {"gioi_tinh": 1}}

            """)
        let (summary, db, outcomes) = try s.ingest(today: (2024, 12, 1))
        #expect(summary.accepted == 7)
        let position = try #require(try SurveyFolder.load(s.root.path).survey.answeredItems.firstIndex { $0.id == "gioi_tinh" })
        // Each accepted form has a date of its own.
        var read: [String: UInt8] = [:]
        try db.forEachAcceptedForm { form in read[form.submittedOn] = form.answers[position] }
        #expect(read == ["2024-07-03": 1, "2024-07-04": 2, "2024-08-05": 2, "2024-08-06": 1, "2024-08-07": missingAnswer,
                         "2024-07-10": 2, "2024-07-11": 1])
        let reasons = Dictionary(outcomes.map { ($0.responseID ?? "", $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons["P6"]?.contains("'3' is not an answer; expected 1, 2 on scale gioi_tinh or a label (Nam, Nữ), or blank") == true, "\(reasons)")
        #expect(reasons["W3"]?.contains("on scale gioi_tinh") == true, "\(reasons)")
        #expect(reasons["P7"]?.contains("only who answered") == true, "\(reasons)")
        #expect(reasons["W4"]?.contains("only who answered") == true, "\(reasons)")
    }
}
