import ArgumentParser
import CommandLineInterface
import Foundation
import Stages
import Testing

/// Compares rendered output with `fixtures/golden/NAME`, byte for byte. Re-recording is an
/// explicit act: `SIPAS_RECORD_GOLDEN=1 swift test --filter GoldenTests` writes the files and
/// fails, so a recording run can never pass by accident.
func expectGolden(_ name: String, _ actual: Data, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = repositoryRoot.appendingPathComponent("fixtures/golden/\(name)")
    if ProcessInfo.processInfo.environment["SIPAS_RECORD_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url)
        Issue.record("recorded \(name); unset SIPAS_RECORD_GOLDEN and run again", sourceLocation: sourceLocation)
        return
    }
    guard let expected = FileManager.default.contents(atPath: url.path) else {
        Issue.record("no golden file \(name): record it with SIPAS_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
        return
    }
    guard expected != actual else { return }
    let a = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let e = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
    let got = line < a.count ? String(a[line]) : "(end of output)"
    let want = line < e.count ? String(e[line]) : "(end of golden)"
    Issue.record("\(name) differs from its golden file at line \(line + 1):\n  got:      \(got.prefix(300))\n  expected: \(want.prefix(300))",
                 sourceLocation: sourceLocation)
}

@Suite("Golden files of what people read")
struct GoldenTests {
    @Test("the example release: HTML in both languages, XML, SDMX, summary and checks")
    func exampleRelease() throws {
        let folder = try copyFixture("example")
        let outcome = try Pipeline(folderPath: folder.path, outPath: nil, logger: quietLogger).run(language: nil, releaseDate: nil)
        for name in ["report.html", "report.en.html", "report.xml", "sdmx.xml", "sdmx-structure.xml", "sdmx-schema.xsd", "summary.csv"] {
            try expectGolden("example/\(name)", Data(contentsOf: outcome.outDirectory.appendingPathComponent(name)))
        }
        try expectGolden("example/check-summary.txt", Data((CheckSummary.text(outcome.checks) + "\n").utf8))
    }

    @Test("--help of every command")
    func help() throws {
        for command in allCommands {
            let name = command._commandName
            let text = command == PipelineCommand.self
                ? PipelineCommand.helpMessage(columns: 100)
                : PipelineCommand.helpMessage(for: command, columns: 100)
            try expectGolden("help/\(name).txt", Data((text + "\n").utf8))
        }
    }
}
