import Foundation
import Ingest
import Logging
import Storage
import SurveyModel

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A minimal survey folder in a temporary directory: 3 Likert items in 2 factors, units A and B.
struct TemporarySurvey {
    let root: URL

    static let surveyToml = """
        [survey]
        plan_minimum = 2

        [[factors]]
        id = "F"
        name_vi = "Yếu tố F"
        name_en = "Factor F"

        [[factors]]
        id = "G"
        name_vi = "Yếu tố G"
        name_en = "Factor G"

        [[items]]
        id = "q01"
        factor = "F"
        kind = "likert5"

        [[items]]
        id = "q02"
        factor = "F"
        kind = "likert5"

        [[items]]
        id = "q03"
        factor = "G"
        kind = "likert5"
        """

    init(survey: String = TemporarySurvey.surveyToml, units: String = "code,name_vi,name_en\nA,Đơn vị A,Unit A\nB,Đơn vị B,Unit B\n") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-ingest-\(UUID().uuidString)")
        for dir in ["inbox/paper", "inbox/portal"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try write("survey.toml", survey)
        try write("units.csv", units)
    }

    func write(_ relative: String, _ text: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(relative))
    }

    func writeBytes(_ relative: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: root.appendingPathComponent(relative))
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(relative))
    }

    /// Runs ingest; returns the summary, the database and its rejects and duplicates.
    func ingest(forget: [String] = [], today: (year: Int, month: Int, day: Int)? = nil) throws
        -> (summary: IngestSummary, db: SurveyDatabase, outcomes: [RejectRecord])
    {
        let folder = try SurveyFolder.load(root.path)
        let ingester = Ingester(folder: folder, logger: quietLogger, today: today)
        let db = try ingester.openDatabase()
        let summary = try ingester.run(database: db, forget: forget)
        return (summary, db, try db.rejectsAndDuplicates())
    }

    func acceptedForms(_ db: SurveyDatabase) throws -> [StoredForm] {
        var forms: [StoredForm] = []
        try db.forEachAcceptedForm { forms.append($0) }
        return forms
    }
}
