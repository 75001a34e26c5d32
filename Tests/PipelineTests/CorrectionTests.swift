import Foundation
import Stages
import Storage
import Testing

/// A corrected file (issue 17): conflicts name the rows that differ, and `pipeline replace`
/// puts the corrected file in the original's place in one step.
@Suite("A corrected file beside the original")
struct CorrectionTests {
    @Test("a corrected copy beside the original: the conflict points at the row that differs; replace makes it count alone, the original kept")
    func corrected() throws {
        let folder = try copyFixture("example")
        let originalURL = folder.appendingPathComponent("inbox/paper/2024-Q3.csv")
        let original = try Data(contentsOf: originalURL)
        var lines = String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        // The corrected copy: the second form's first answer typed again differently.
        var fields = lines[2].components(separatedBy: ",")
        let formID = fields[0]
        fields[3] = fields[3] == "5" ? "4" : "5"
        lines[2] = fields.joined(separator: ",")
        try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("inbox/paper/2024-Q3-corrected.csv"))
        // Also an identical third copy of the original, so the first other version by path is not the one that differs.
        try original.write(to: folder.appendingPathComponent("inbox/paper/2024-Q3-b.csv"))
        let pipeline = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger)
        let night = try pipeline.run(language: nil, releaseDate: nil)
        #expect(night.ingest.counts.conflicts == 3)
        let db = try SurveyDatabase.open(path: folder.appendingPathComponent("work/pipeline.sqlite").path, itemColumns: [], fingerprint: "")
        let conflicts = try db.rejectsAndDuplicates().filter { $0.outcome == .conflict && $0.responseID == formID }
        #expect(conflicts.count == 3)
        for c in conflicts where c.path != "inbox/paper/2024-Q3-corrected.csv" {
            #expect(c.reason.contains("also at inbox/paper/2024-Q3-corrected.csv:3"), "\(c.path): \(c.reason)")
        }
        // One step: the corrected file replaces the original.
        let first = try pipeline.replace("inbox/paper/2024-Q3.csv", with: "inbox/paper/2024-Q3-corrected.csv")
        #expect(first.ingest.counts.conflicts == 2, "the third copy still holds the old version")
        let verdict = try pipeline.replace("inbox/paper/2024-Q3-b.csv", with: "inbox/paper/2024-Q3-corrected.csv")
        #expect(verdict.ingest.counts.conflicts == 0)
        #expect(try Data(contentsOf: folder.appendingPathComponent("work/replaced/2024-Q3-b.csv")) == original)
        #expect(try Data(contentsOf: folder.appendingPathComponent("work/replaced/2024-Q3.csv")) == original)
        #expect(!FileManager.default.fileExists(atPath: originalURL.path))
        // The example's forms, each once.
        let after = try pipeline.run(language: nil, releaseDate: nil)
        #expect(after.ingest.counts.accepted == 3348 && after.ingest.counts.conflicts == 0)
        #expect(after.verdict.attention.isEmpty, "\(after.verdict.attention)")
    }
}
