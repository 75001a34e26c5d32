import Foundation
import Stages
import Testing

/// Publishing where the operator points (issue 17): a symbolic link is followed, never
/// replaced; a folder is replaced only when everything in it is a release file the manifest
/// lists with its digest.
@Suite("Publishing into a link, and only over a release")
struct PublishTargetTests {
    func status(_ body: () throws -> Any) -> Stages.ExitStatus? {
        do {
            _ = try body()
            return nil
        } catch {
            return Stages.ExitStatus.for(error)
        }
    }

    func run(_ folder: URL, out: URL? = nil, force: Bool = false) throws -> RunOutcome {
        var options = PipelineOptions()
        options.force = force
        return try Pipeline(folderPath: folder.path, outPath: out?.path, logger: quietLogger, options: options)
            .run(language: nil, releaseDate: nil)
    }

    @Test("out as a link to a web folder: each release goes into the web folder, and the link stays a link")
    func linkFollowed() throws {
        let folder = try copyFixture("example")
        let web = folder.deletingLastPathComponent().appendingPathComponent("www/sipas")
        try FileManager.default.createDirectory(at: web, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createSymbolicLink(atPath: out.path, withDestinationPath: "../www/sipas")
        #expect(try run(folder).published)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.path) == "../www/sipas")
        let first = try Data(contentsOf: web.appendingPathComponent("manifest.json"))
        // A new release (another language) replaces the web folder's, through the same link.
        let second = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: .en, releaseDate: nil)
        #expect(second.published)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.path) == "../www/sipas")
        #expect(try Data(contentsOf: web.appendingPathComponent("manifest.json")) != first)
        #expect(FileManager.default.fileExists(atPath: web.appendingPathComponent("report.html").path))
        // Nothing left beside it but the web folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: web.deletingLastPathComponent().path) == ["sipas"])
    }

    @Test("a folder with a manifest of this program is not replaced when something in it is not the release it lists", arguments: ["folder", "edited", "unlisted", "link"])
    func notQuiteARelease(kind: String) throws {
        let folder = try copyFixture("example")
        let out = folder.deletingLastPathComponent().appendingPathComponent("out-\(kind)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let keep = folder.deletingLastPathComponent().appendingPathComponent("keep.txt")
        try Data("the publisher's own".utf8).write(to: keep)
        switch kind {
        case "folder":
            // A one-line manifest and a folder named like a release file, with a file inside.
            try Data(#"{"program": "sipas-pipeline"}"#.utf8).write(to: out.appendingPathComponent("manifest.json"))
            try FileManager.default.createDirectory(at: out.appendingPathComponent("report.html"), withIntermediateDirectories: true)
            try Data("mine".utf8).write(to: out.appendingPathComponent("report.html/index.txt"))
        case "edited", "unlisted", "link":
            _ = try run(folder, out: out)
            if kind == "edited" { try Data("edited in Excel".utf8).write(to: out.appendingPathComponent("summary.csv")) }
            if kind == "unlisted" {
                // A release whose manifest does not list summary.xlsx.
                let manifest = out.appendingPathComponent("manifest.json")
                let text = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n")
                    .filter { !$0.contains("summary.xlsx") }.joined(separator: "\n")
                try text.replacingOccurrences(of: "},\n  ]", with: "}\n  ]").write(to: manifest, atomically: true, encoding: .utf8)
            }
            if kind == "link" {
                try FileManager.default.removeItem(at: out.appendingPathComponent("summary.csv"))
                try FileManager.default.createSymbolicLink(atPath: out.appendingPathComponent("summary.csv").path, withDestinationPath: keep.path)
            }
        default: break
        }
        let before = try FileManager.default.subpathsOfDirectory(atPath: out.path).sorted()
        #expect(status { try run(folder, out: out, force: true) } == .refusedOutput)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: out.path).sorted() == before)
        #expect(try Data(contentsOf: keep) == Data("the publisher's own".utf8))
        if kind == "folder" {
            #expect(try Data(contentsOf: out.appendingPathComponent("report.html/index.txt")) == Data("mine".utf8))
        }
    }
}

/// Names that cannot forge a line (issue 17): an inbox file name with a control character,
/// a tab or a line break is not read, and is shown escaped wherever it is printed.
@Suite("File names that cannot forge a line")
struct ForgedNameTests {
    @Test("a name with a line break or a tab is unreadable, escaped in the summary line, which stays one line", arguments: ["\n", "\t", "\r", "\u{1B}"])
    func controlCharacters(character: String) throws {
        let folder = try copyFixture("example")
        let name = "2024-Q4 copy\(character)run OK (exit 0).csv"
        try FileManager.default.copyItem(
            at: folder.appendingPathComponent("inbox/paper/2024-Q4.csv"), to: folder.appendingPathComponent("inbox/paper/\(name)"))
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        let escaped = "inbox/paper/2024-Q4 copy\\u{\(String(character.unicodeScalars.first!.value, radix: 16))}run OK (exit 0).csv"
        #expect(outcome.ingest.filesUnreadable == [escaped], "\(outcome.ingest.filesUnreadable)")
        // Its rows were not read: the accepted forms are the example's.
        #expect(outcome.ingest.counts.accepted == 3348)
        let line = SummaryLine.text(stage: "run", verdict: outcome.verdict, published: outcome.published, out: outcome.outDirectory.path)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 }, "\(line)")
        #expect(line.hasPrefix("run ATTENTION (exit 2)") && line.contains(escaped), "\(line)")
    }
}
