// `make bench`: builds a synthetic survey folder with many forms and times each stage.
// Prints numbers; asserts nothing. Usage: pipeline-bench [forms] (default 1 000 000).
import Foundation
import Logging
import Stages

let forms = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let root = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-bench-\(getpid())")
let fm = FileManager.default
try fm.createDirectory(at: root.appendingPathComponent("inbox/paper"), withIntermediateDirectories: true)
try fm.createDirectory(at: root.appendingPathComponent("inbox/portal"), withIntermediateDirectories: true)
defer { try? fm.removeItem(at: root) }

let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/example")
for name in ["survey.toml", "units.csv", "population.csv"] {
    try fm.copyItem(at: example.appendingPathComponent(name), to: root.appendingPathComponent(name))
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

// Synthetic forms: 4 units, 8 quarters, 80 % paper (CSV) and 20 % online (JSON Lines).
/// A seeded linear congruential generator: the same folder on every run.
struct LCG {
    var state: UInt64 = 12345
    mutating func callAsFunction(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }
}
nonisolated(unsafe) var random = LCG()
let units = ["STP", "SYT", "SXD", "SNV"]
let header = "form_id,unit,date,q01,q02,q03,q04,q05,q06,q07,q08,q09,q10,q11,q12,q13,q14,q15,q16,q17,q18,q19,q20,q21,q22,q23,q24,comment\n"
let generation = try seconds {
    for year in [2023, 2024] {
        for quarter in 1...4 {
            let perQuarter = forms / 8
            var paper = header
            var portal = ""
            paper.reserveCapacity(perQuarter * 80)
            for i in 0..<perQuarter {
                let unit = units[random(4)]
                let month = (quarter - 1) * 3 + 1 + random(3)
                let day = 1 + random(28)
                // q01-q22 Likert 1-5, q23 yes/no, q24 a count; -1 = no answer.
                let answers = (0..<22).map { _ in random(30) == 0 ? -1 : 1 + min(4, random(6)) }
                    + [random(30) == 0 ? -1 : (random(50) == 0 ? 1 : 0), random(30) == 0 ? -1 : random(4)]
                if i % 5 == 4 {
                    let pairs = answers.enumerated().filter { $0.element >= 0 }
                        .map { "\"q\(String(format: "%02d", $0.offset + 1))\": \($0.element)" }.joined(separator: ", ")
                    portal += "{\"id\": \"W\(year)\(quarter)-\(i)\", \"unit\": \"\(unit)\", \"submitted_at\": \"\(year)-\(String(format: "%02d", month))-\(String(format: "%02d", day))T09:30:00+07:00\", \"dossier_code\": \"HS-\(year)\(quarter)-\(i)\", \"answers\": {\(pairs)}}\n"
                } else {
                    let cells = answers.map { $0 < 0 ? "" : String($0) }.joined(separator: ",")
                    paper += "P\(year)\(quarter)-\(i),\(unit),\(String(format: "%02d", day))/\(String(format: "%02d", month))/\(year),\(cells),\n"
                }
            }
            try Data(paper.utf8).write(to: root.appendingPathComponent("inbox/paper/\(year)-Q\(quarter).csv"))
            try Data(portal.utf8).write(to: root.appendingPathComponent("inbox/portal/\(year)-Q\(quarter).jsonl"))
        }
    }
}
var inboxBytes = 0
for dir in ["inbox/paper", "inbox/portal"] {
    for name in try fm.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path) {
        inboxBytes += (try fm.attributesOfItem(atPath: root.appendingPathComponent("\(dir)/\(name)").path)[.size] as? Int) ?? 0
    }
}

let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
let pipeline = try Pipeline(folderPath: root.path, outPath: nil, logger: logger)
print("forms: \(forms), inbox: \(String(format: "%.1f", Double(inboxBytes) / 1e6)) MB (generated in \(String(format: "%.1f", generation)) s)")
var accepted = 0
let ingest = try seconds { accepted = try pipeline.ingest().ingest.accepted }
print(String(format: "ingest:    %7.2f s  %9.0f forms/s  (%d accepted)", ingest, Double(forms) / ingest, accepted))
let reingest = try seconds { _ = try pipeline.ingest() }
print(String(format: "re-ingest: %7.2f s  (unchanged files: hashing only)", reingest))
let check = try seconds { _ = try pipeline.check() }
print(String(format: "check:     %7.2f s  %9.0f forms/s", check, Double(forms) / check))
var rows = 0
let stats = try seconds { rows = try pipeline.stats().0.count }
print(String(format: "stats:     %7.2f s  %9.0f forms/s  (%d estimates)", stats, Double(forms) / stats, rows))
let report = try seconds { _ = try pipeline.report(language: nil, releaseDate: nil) }
print(String(format: "report:    %7.2f s", report))
print(String(format: "peak memory (max RSS): %.0f MB", peakMemoryMB()))
