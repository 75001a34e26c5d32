import Foundation
import Ingest
import Stages
import Testing

/// `pipeline init` (issue 17): a survey folder to start from, valid as written, never
/// written over an existing one.
@Suite("pipeline init")
struct InitTests {
    @Test("the template loads: the five factors and their questions, groups, units with a 2025 merger; a first form is read")
    func template() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-init-\(UUID().uuidString)/survey")
        let written = try SurveyFolderTemplate.write(to: root.path)
        #expect(written.contains("survey.toml") && written.contains("units.csv") && written.contains("population.csv"))
        let folder = try SurveyFolder.load(root.path)
        #expect(folder.survey.factors.count == 5)
        #expect(folder.survey.likertItems.count == 22)
        #expect(folder.survey.groups.map(\.id) == ["SO", "XA"])
        #expect(folder.units.first { $0.code == "SXDGT" }?.predecessors == ["SXD", "SGTVT"])
        #expect(try String(contentsOf: root.appendingPathComponent("survey.toml"), encoding: .utf8).hasPrefix("# TEMPLATE"))
        // Forms in, a run: a form of SXD dated after the merger counts for SXDGT.
        let header = "form_id,unit,date," + (1...24).map { String(format: "q%02d", $0) }.joined(separator: ",") + ",comment\n"
        let answers = Array(repeating: "4", count: 22).joined(separator: ",") + ",0,1,"
        try (header + "a1,SXD,2025-06-02,\(answers)\na2,SXD,2025-07-02,\(answers)\na3,STP,2025-07-02,\(answers)\n")
            .write(to: root.appendingPathComponent("inbox/paper/2025.csv"), atomically: true, encoding: .utf8)
        let outcome = try Pipeline(folderPath: root.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        #expect(outcome.ingest.counts.accepted == 3 && outcome.published)
        // Never over an existing survey folder.
        do {
            try SurveyFolderTemplate.write(to: root.path)
            Issue.record("init wrote over a survey folder")
        } catch {
            #expect(ExitStatus.for(error) == .cannotWrite && "\(error)".contains("already holds survey.toml"), "\(error)")
        }
    }
}
