import Dispatch
import Foundation
import Testing

@testable import Report

/// `LibreOffice.convertToPDF` with a stand-in office (a shell script), called from one of
/// Dispatch's worker threads as the report's parallel rendering does: those threads block
/// every signal, and a child inherits its thread's blocked signals.
@Suite("LibreOffice's conversion: started with no signal blocked, stopped when the run is")
struct LibreOfficeTests {
    /// A folder of its own with an executable script `soffice`; the script's text gets
    /// `$MARK` replaced by the folder's path.
    func office(_ script: String) throws -> (folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sipas-office-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = folder.appendingPathComponent("soffice.txt")
        let path = folder.appendingPathComponent("soffice").path
        try script.replacingOccurrences(of: "$MARK", with: folder.path).write(to: source, atomically: true, encoding: .utf8)
        // Installed by a process of its own: a file this process had open for writing could be
        // inherited by a child spawned meanwhile, and exec'ing it fail with ETXTBSY.
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/install")
        install.arguments = ["-m", "755", source.path, path]
        try install.run()
        install.waitUntilExit()
        return (folder, path)
    }

    /// `body` on a Dispatch worker thread, waited for.
    func onWorkerThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        DispatchQueue.global().async {
            result = body()
            done.signal()
        }
        done.wait()
        return result!
    }

    @Test("the office starts with no signal blocked, though the conversion runs on a worker thread that blocks them all")
    func unblocked() throws {
        let (folder, path) = try office(#"""
            #!/bin/sh
            grep SigBlk /proc/$PPID/status > '$MARK/blocked'
            while [ $# -gt 0 ]; do [ "$1" = --outdir ] && out=$2; last=$1; shift; done
            printf '%%PDF-1.7\n%%%%EOF\n' > "$out/$(basename "$last" .docx).pdf"
            """#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = onWorkerThread { (try? LibreOffice.convertToPDF(Data("docx".utf8), name: "annex", office: path)) != nil }
        #expect(made)
        // What started the office: coreutils' timeout, which passes SIGTERM on to it. (The
        // office's own shell clears its mask, and blocks signals while it waits for a command.)
        let blocked = try String(contentsOf: folder.appendingPathComponent("blocked"), encoding: .utf8)
        #expect(blocked == "SigBlk:\t0000000000000000\n", "\(blocked)")
    }

    @Test("a conversion under way is stopped once the run is asked to stop, and the office with it")
    func stopped() async throws {
        let (folder, path) = try office("#!/bin/sh\necho $$ > '$MARK/pid'\nexec sleep 300\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        let start = ContinuousClock.now
        let outcome = onWorkerThread { () -> String in
            do {
                _ = try LibreOffice.convertToPDF(Data("docx".utf8), name: "annex", office: path) {
                    FileManager.default.fileExists(atPath: folder.appendingPathComponent("pid").path)
                }
                return "converted"
            } catch {
                return "\(error)"
            }
        }
        #expect(outcome.contains("was stopped: the run was asked to stop"), "\(outcome)")
        #expect(ContinuousClock.now - start < .seconds(15), "waited for the office")
        let text = try String(contentsOf: folder.appendingPathComponent("pid"), encoding: .utf8)
        let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let deadline = ContinuousClock.now + .seconds(15)
        while kill(pid, 0) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(kill(pid, 0) != 0, "the office (pid \(pid)) still runs")
    }
}
