import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Running the built `pipeline` executable as a child process, for the fault tests: where it
// is, how it ended (exit status or signal), what it printed, and the files it left.

/// How a child process ended.
enum Termination: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// Still running at the deadline; the test killed it.
    case timedOut

    var description: String {
        switch self {
        case .exited(let status): "exit \(status)"
        case .signaled(let signal): "killed by signal \(signal)\(signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : signal == SIGINT ? " (SIGINT)" : "")"
        case .timedOut: "still running at the deadline (killed by the test)"
        }
    }

    /// From a `waitpid` status (the WIFEXITED / WTERMSIG macros, which Swift does not import).
    init(waitStatus status: Int32) {
        if status & 0x7F == 0 {
            self = .exited((status >> 8) & 0xFF)
        } else {
            self = .signaled(status & 0x7F)
        }
    }
}

/// What a finished child process did.
struct ProcessResult: CustomStringConvertible {
    var termination: Termination
    var stdout: String
    var stderr: String
    var seconds: Double

    /// The last non-empty line of standard output (the pipeline's summary line).
    var summaryLine: String {
        stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    var description: String {
        "\(termination) after \(String(format: "%.2f", seconds)) s; last stdout line: \(summaryLine)\nstderr (end):\n\(stderr.suffix(1500))"
    }
}

enum ProcessSupportError: Error, CustomStringConvertible {
    case missingExecutable(tried: [String])
    case spawnFailed(String, Int32)

    var description: String {
        switch self {
        case .missingExecutable(let tried):
            "the pipeline executable was not found; build it first (`swift build`, or `swift test`, which builds it). Looked at:\n  "
                + tried.joined(separator: "\n  ")
        case .spawnFailed(let path, let code): "cannot start \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// The `pipeline` executable of the build being tested.
enum PipelineExecutable {
    /// Where to look, first match wins: `SIPAS_PIPELINE` if set, then the folder of the test
    /// bundle being run (the build products folder of whatever `--scratch-path` is in use),
    /// then `.build/debug` of the repository.
    static func candidates() -> [URL] {
        var urls: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["SIPAS_PIPELINE"], !explicit.isEmpty {
            urls.append(URL(fileURLWithPath: explicit))
        }
        var folders: [URL] = []
        if let first = CommandLine.arguments.first, !first.isEmpty {
            let runner = URL(fileURLWithPath: first).standardizedFileURL.resolvingSymlinksInPath()
            folders.append(runner.deletingLastPathComponent())
        }
        let bundle = Bundle.main.bundleURL.standardizedFileURL
        folders.append(bundle)
        folders.append(bundle.deletingLastPathComponent())
        if let executable = Bundle.main.executableURL {
            folders.append(executable.deletingLastPathComponent())
        }
        // On macOS the runner sits inside NAME.xctest/Contents/MacOS: the products folder is
        // the one holding the .xctest bundle.
        for folder in folders {
            var url = folder
            while url.path != "/" {
                if url.pathExtension == "xctest" {
                    folders.append(url.deletingLastPathComponent())
                    break
                }
                url.deleteLastPathComponent()
            }
        }
        urls += folders.map { $0.appendingPathComponent("pipeline") }
        urls.append(repositoryRoot.appendingPathComponent(".build/debug/pipeline"))
        return urls
    }

    /// The executable; throws (so the test fails, never skips) when there is none.
    static func url() throws -> URL {
        let tried = candidates()
        for url in tried {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: url.path)
            {
                return url
            }
        }
        throw ProcessSupportError.missingExecutable(tried: tried.map(\.path))
    }
}

/// A child process started with `posix_spawn`: standard input from /dev/null, standard
/// output and error into files, default signal dispositions and an empty signal mask (so
/// that SIGINT and SIGTERM reach it as they would from a shell), and the test's environment
/// without `SIPAS_FAULT` unless one is given.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let executable: String
    let stdoutPath: String
    let stderrPath: String
    let started = ContinuousClock.now
    private(set) var termination: Termination?

    init(executable: String, arguments: [String], environment: [String: String] = [:], logs: URL, name: String) throws {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        self.executable = executable
        stdoutPath = logs.appendingPathComponent("\(name).stdout").path
        stderrPath = logs.appendingPathComponent("\(name).stderr").path

        var env = ProcessInfo.processInfo.environment
        env["SIPAS_FAULT"] = nil
        for (key, value) in environment { env[key] = value }

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw ProcessSupportError.spawnFailed(executable, code) }
        pid = child
    }

    /// Reaps the child if it has ended (never blocks).
    @discardableResult
    func poll() -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { termination = Termination(waitStatus: status) }
        return termination
    }

    func send(_ signal: Int32) {
        if poll() == nil { kill(pid, signal) }
    }

    /// Waits for the end; past `timeout` seconds the child is killed and the result says
    /// `.timedOut`.
    func wait(timeout: Double) async -> ProcessResult {
        let deadline = started + .milliseconds(Int(timeout * 1000))
        while poll() == nil {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                termination = .timedOut
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let elapsed = ContinuousClock.now - started
        return ProcessResult(
            termination: termination!,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "",
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    deinit {
        // Never leave a child behind, even when a test throws before waiting.
        if poll() == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

/// Runs a program to its end (for helpers such as `sqlite3`).
func runTool(_ path: String, _ arguments: [String], logs: URL, timeout: Double = 30) async throws -> ProcessResult {
    let name = "\(URL(fileURLWithPath: path).lastPathComponent)-\(UUID().uuidString.prefix(8))"
    return try await ChildProcess(executable: path, arguments: arguments, logs: logs, name: name).wait(timeout: timeout)
}

/// The first executable of that name on PATH (or in the usual folders).
func findTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]
    return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

// MARK: files

/// Every regular file under a folder (hidden ones included), by path relative to it.
func filesUnder(_ folder: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard FileManager.default.fileExists(atPath: folder.path) else { return files }
    let base = folder.resolvingSymlinksInPath().path
    guard let walker = FileManager.default.enumerator(atPath: base) else { return files }
    while let relative = walker.nextObject() as? String {
        let path = base + "/" + relative
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
    }
    return files
}

/// Records which files differ between two sets of files (by name and content).
func expectSameFiles(
    _ actual: [String: Data], _ expected: [String: Data], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual != expected else { return }
    let missing = Set(expected.keys).subtracting(actual.keys).sorted()
    let extra = Set(actual.keys).subtracting(expected.keys).sorted()
    let differing = Set(actual.keys).intersection(expected.keys).filter { actual[$0] != expected[$0] }.sorted()
    var parts: [String] = []
    if !missing.isEmpty { parts.append("missing: \(missing.joined(separator: ", "))") }
    if !extra.isEmpty { parts.append("unexpected: \(extra.joined(separator: ", "))") }
    if !differing.isEmpty { parts.append("different bytes: \(differing.joined(separator: ", "))") }
    Issue.record("\(what): \(parts.joined(separator: "; "))", sourceLocation: sourceLocation)
}
