// `make fuzz`: a seeded mutation fuzzer for each inbox reader (issue 8). Not a test.
//
//     pipeline-fuzz <csv|json|xlsx|html> [--seconds N] [--seed S] [--corpus DIR] [--survey DIR] [--keep-going]
//     pipeline-fuzz <reader> --replay FILE...
//
// Loads the seed corpus from fixtures/fuzz/<reader>/, then until N seconds have passed picks
// an input, mutates it, runs the reader on it in-process and checks its invariants (see
// InvariantChecker). A broken invariant or an undocumented error writes the input to
// <corpus>/crashes/<sha256>.bin and exits 1; an input over the time budget is a hang
// (exit 2); a trap (signal) leaves the input in <corpus>/crashes/signal-<pid>.bin. With
// --keep-going a failure is kept (the first input of each kind of failure) and the run goes on;
// the exit status is 1 if any failed.
// Exit 64: usage error.
import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var reader: FuzzedReader
    var seconds = 60.0
    var seed: UInt64 = 1
    var corpus: String
    var survey = "fixtures/example"
    var timeBudget = 10.0
    var replay: [String] = []
    /// Keep each failing input and go on (to run the full time past a known bug).
    var keepGoing = false
}

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pipeline-fuzz: \(message)\nusage: pipeline-fuzz <csv|json|xlsx|html> [--seconds N] [--seed S] [--corpus DIR] [--survey DIR] [--time-budget S] [--keep-going] [--replay FILE...]\n".utf8))
    exit(64)
}

func parseOptions(_ arguments: [String]) -> Options {
    guard let first = arguments.first, let reader = FuzzedReader(rawValue: first) else { usage("name a reader") }
    var options = Options(reader: reader, corpus: "fixtures/fuzz/\(reader.rawValue)")
    var rest = arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = rest.popFirst() else { usage("\(flag) needs a value") }
        return v
    }
    func number(_ flag: String) -> Double {
        guard let d = Double(value(flag)) else { usage("\(flag): a number") }
        return d
    }
    while let flag = rest.popFirst() {
        switch flag {
        case "--seconds": options.seconds = number(flag)
        case "--seed": options.seed = UInt64(number(flag))
        case "--corpus": options.corpus = value(flag)
        case "--survey": options.survey = value(flag)
        case "--time-budget": options.timeBudget = number(flag)
        case "--keep-going": options.keepGoing = true
        case "--replay": options.replay = Array(rest); rest = []
        default: usage("unknown option \(flag)")
        }
    }
    return options
}

// The temporary file each input is written to, and where a trap moves it (C strings made
// before any signal, since a handler may only call async-signal-safe functions).
nonisolated(unsafe) var inputPathC: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) var signalCrashPathC: UnsafeMutablePointer<CChar>?

func installCrashHandlers() {
    for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
        signal(sig) { sig in
            if let from = inputPathC, let to = signalCrashPathC { rename(from, to) }
            signal(sig, SIG_DFL)
            raise(sig)
        }
    }
}

/// When the current input started; a helper thread reports a hang when one runs too long.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var started: Date?
    private var bytes: [UInt8] = []

    func begin(_ input: [UInt8]) {
        lock.lock()
        started = Date()
        bytes = input
        lock.unlock()
    }

    func end() {
        lock.lock()
        started = nil
        lock.unlock()
    }

    private func hung(budget: Double) -> ([UInt8], Double)? {
        lock.lock()
        defer { lock.unlock() }
        guard let started else { return nil }
        let elapsed = Date().timeIntervalSince(started)
        return elapsed > budget ? (bytes, elapsed) : nil
    }

    func start(budget: Double, onHang: @escaping @Sendable ([UInt8], Double) -> Void) {
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                if let (bytes, elapsed) = self.hung(budget: budget) { onHang(bytes, elapsed) }
            }
        }
    }
}

func saveCrash(_ bytes: [UInt8], corpus: String) -> String {
    let folder = corpus + "/crashes"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let name = SHA256.hash(data: Data(bytes)).map { String(format: "%02x", $0) }.joined()
    let path = "\(folder)/\(name).bin"
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

func loadCorpus(_ options: Options) -> [FuzzInput] {
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: options.corpus)) ?? []).sorted()
    var inputs: [FuzzInput] = []
    for name in files where !name.hasPrefix(".") {
        let path = options.corpus + "/" + name
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else { continue }
        inputs.append(FuzzInput(bytes: Array(data), entries: options.reader == .xlsx ? Mutator.unzip(path) : nil))
    }
    return inputs
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
let checker: InvariantChecker
do {
    checker = try InvariantChecker(reader: options.reader, surveyFolder: options.survey)
} catch {
    usage("cannot load the survey folder \(options.survey): \(error)")
}
let pid = getpid()
let inputPath = NSTemporaryDirectory() + "sipas-fuzz-\(pid).\(options.reader.fileExtension)"
let scratchPath = NSTemporaryDirectory() + "sipas-fuzz-\(pid)-scratch.zip"

if !options.replay.isEmpty {
    var failed = false
    for file in options.replay {
        guard let data = FileManager.default.contents(atPath: file) else { usage("cannot read \(file)") }
        FileManager.default.createFile(atPath: inputPath, contents: data)
        for portal in [false, true] {
            let result = checker.check(path: inputPath, bytes: Array(data), portalLayout: portal)
            switch result {
            case .outcome(let o): print("\(file) (\(portal ? "portal" : "paper")): ok: \(o)")
            case .failure(let f): print("\(file) (\(portal ? "portal" : "paper")): FAILURE: \(f)"); failed = true
            }
        }
    }
    exit(failed ? 1 : 0)
}

var corpus = loadCorpus(options)
guard !corpus.isEmpty else { usage("no seed inputs in \(options.corpus)") }
try? FileManager.default.createDirectory(atPath: options.corpus + "/crashes", withIntermediateDirectories: true)
inputPathC = strdup(inputPath)
signalCrashPathC = strdup(options.corpus + "/crashes/signal-\(pid).bin")
installCrashHandlers()

let watchdog = Watchdog()
let corpusFolder = options.corpus
let budget = options.timeBudget
watchdog.start(budget: budget) { [corpusFolder, budget] bytes, elapsed in
    let path = saveCrash(bytes, corpus: corpusFolder)
    print("HANG: one input ran \(String(format: "%.1f", elapsed)) s (budget \(budget) s); kept in \(path)")
    exit(2)
}

var rng = FuzzRandom(seed: options.seed)
var mutator = Mutator(reader: options.reader)
var outcomes: [String: Int] = [:]
var executions = 0
var failures: [String: Int] = [:]
let start = Date()
print("pipeline-fuzz \(options.reader.rawValue): seed \(options.seed), \(corpus.count) seed inputs, \(options.seconds) s")
while Date().timeIntervalSince(start) < options.seconds {
    let base = rng.pick(corpus)
    let other = rng.pick(corpus)
    let input = options.reader == .xlsx
        ? mutator.mutateWorkbook(base, other: other, rng: &rng, scratch: scratchPath)
        : FuzzInput(bytes: mutator.mutate(base.bytes, other: other.bytes, rng: &rng))
    FileManager.default.createFile(atPath: inputPath, contents: Data(input.bytes))
    let portalLayout = rng.chance(0.5)
    watchdog.begin(input.bytes)
    let result = checker.check(path: inputPath, bytes: input.bytes, portalLayout: portalLayout)
    watchdog.end()
    executions += 1
    switch result {
    case .failure(let problem):
        let kind = InvariantChecker.shape(problem)
        failures[kind, default: 0] += 1
        if failures[kind] == 1 || !options.keepGoing {
            let path = saveCrash(input.bytes, corpus: options.corpus)
            print("FAILURE after \(executions) executions (\(portalLayout ? "portal" : "paper") layout): \(problem)\n  input kept in \(path)")
            print("  reproduce: pipeline-fuzz \(options.reader.rawValue) --replay \(path)")
            fflush(nil)
        }
        if !options.keepGoing { exit(1) }
    case .outcome(let signature):
        if outcomes[signature] == nil && corpus.count < 2000 { corpus.append(input) }
        outcomes[signature, default: 0] += 1
    }
    if executions % 5000 == 0 {
        let elapsed = Date().timeIntervalSince(start)
        print("  \(executions) executions, \(Int(Double(executions) / elapsed))/s, \(outcomes.count) distinct outcomes, corpus \(corpus.count)")
        fflush(nil)
    }
}
let elapsed = Date().timeIntervalSince(start)
print("done: \(options.reader.rawValue), \(String(format: "%.0f", elapsed)) s, \(executions) executions, \(Int(Double(executions) / elapsed))/s, \(outcomes.count) distinct outcomes, corpus \(corpus.count)")
for (signature, count) in outcomes.sorted(by: { $0.value > $1.value }).prefix(8) {
    print("  \(count)\t\(signature.prefix(160))")
}
for (kind, count) in failures.sorted(by: { $0.value > $1.value }) {
    print("  FAILED \(count)\t\(kind)")
}
try? FileManager.default.removeItem(atPath: inputPath)
try? FileManager.default.removeItem(atPath: scratchPath)
exit(failures.isEmpty ? 0 : 1)
