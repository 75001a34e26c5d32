import Foundation
import Ingest
import SurveyModel
import Testing

/// Archiving a file (issue 17): moved into `inbox/<channel>/archive/` (at any depth) or
/// renamed, a file is found by its bytes; its forms keep counting, nothing is read again and
/// nothing is missing.
@Suite("Archived and renamed inbox files")
struct ArchiveTests {
    func survey() throws -> TemporarySurvey {
        let s = try TemporarySurvey()
        try s.write("inbox/paper/a.csv", "form_id,unit,date,q01,q02,q03\na1,A,2025-01-02,5,5,5\na2,B,2025-01-03,4,4,4\na3,B,2025-01-03,9,4,4\n")
        try s.write("inbox/paper/b.csv", "form_id,unit,date,q01,q02,q03\nb1,A,2025-01-02,3,3,3\n")
        return s
    }

    @Test("a file moved into archive/ (any depth) or renamed keeps its forms and rejects; nothing is missing or read again",
          arguments: ["inbox/paper/archive/a.csv", "inbox/paper/archive/2025/Q1/a.csv", "inbox/paper/a-2025-Q1.csv"])
    func moved(to target: String) throws {
        let s = try survey()
        let first = try s.ingest()
        #expect(first.summary.counts.accepted == 3 && first.summary.counts.rejected == 1)
        try FileManager.default.createDirectory(
            at: s.root.appendingPathComponent(target).deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: s.root.appendingPathComponent("inbox/paper/a.csv"), to: s.root.appendingPathComponent(target))
        let (summary, db, outcomes) = try s.ingest()
        #expect(summary.filesMissing.isEmpty, "\(summary.filesMissing)")
        #expect(summary.filesMoved == ["inbox/paper/a.csv": target])
        #expect(summary.filesRead == 0)
        #expect(summary.counts.accepted == 3 && summary.counts.rejected == 1 && summary.counts.duplicates == 0)
        #expect(outcomes.map(\.path) == [target], "the reject now points at the file where it is")
        #expect(try db.sourceFiles().keys.sorted() == [target, "inbox/paper/b.csv"].sorted())
        // The night after: nothing to do.
        let again = try s.ingest()
        #expect(again.summary.filesRead == 0 && again.summary.filesMoved.isEmpty && !again.summary.changed)
    }

    @Test("a folder other than archive/ is still not read; a copy in archive/ beside the original counts nothing twice")
    func otherFolders() throws {
        let s = try survey()
        _ = try s.ingest()
        try FileManager.default.createDirectory(at: s.root.appendingPathComponent("inbox/paper/old"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: s.root.appendingPathComponent("inbox/paper/archive"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: s.root.appendingPathComponent("inbox/paper/a.csv"), to: s.root.appendingPathComponent("inbox/paper/old/a.csv"))
        try FileManager.default.copyItem(
            at: s.root.appendingPathComponent("inbox/paper/a.csv"), to: s.root.appendingPathComponent("inbox/paper/archive/a.csv"))
        let (summary, _, _) = try s.ingest()
        #expect(summary.counts.accepted == 3 && summary.counts.duplicates == 2, "\(summary.counts)")
        #expect(summary.files == 3)
    }
}
