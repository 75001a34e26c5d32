import Foundation
import Storage
import SurveyModel


/// Reading and storing on both cores: the reader (parsing and validation) runs on a second
/// thread and hands its forms, in batches and in order, to the thread that owns the
/// database (inserts and sums). The queue holds at most a few batches, so memory stays a
/// few thousand forms whatever the file's size. A failure on either side stops the other:
/// a database error cancels the reader; a reader's error arrives after the forms it read.
final class PipelinedSink: FileSink, @unchecked Sendable {
    enum Operation {
        case accept(ResponseRecord)
        case reject(line: Int, position: Int, responseID: String?, reason: String)
        case skipped(Int)
        case unknownKey(String)
        case discard
        case content(sha256: String, bytes: Int)
        case sheet(String?, order: Int)
        case unreadTable(String)
        case datedAfterToday(String)
    }

    struct Cancelled: Error {}

    static let batchSize = 512
    static let queuedBatches = 4

    private var batch: [Operation] = []
    /// The file's sums, computed here on the reading thread (nil: the writer keeps none).
    let sums: FormTallyBuilder?
    private let condition = NSCondition()
    private var queue: [[Operation]] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false

    init(sums: FormTallyBuilder?) {
        self.sums = sums
        batch.reserveCapacity(Self.batchSize)
    }

    // MARK: the reader's side

    func accept(_ record: ResponseRecord) throws {
        sums?.add(record)
        try add(.accept(record))
    }
    func reject(line: Int, position: Int, responseID: String?, reason: String) throws {
        try add(.reject(line: line, position: position, responseID: responseID, reason: reason))
    }
    func noteSkipped(_ count: Int) { try? add(.skipped(count)) }
    func noteUnknownAnswerKey(_ key: String) { try? add(.unknownKey(key)) }
    func beginSheet(_ name: String?, order: Int) throws { try add(.sheet(name, order: order)) }
    func noteUnreadTable(_ description: String) { try? add(.unreadTable(description)) }
    func noteDatedAfterToday(_ isoDate: String) { try? add(.datedAfterToday(isoDate)) }
    /// The file's hash, computed on the reading thread before its first row.
    func noteContent(sha256: String, bytes: Int) throws { try add(.content(sha256: sha256, bytes: bytes)) }

    func discardRows() throws {
        sums?.reset()
        try add(.discard)
    }

    private func add(_ operation: Operation) throws {
        batch.append(operation)
        if batch.count >= Self.batchSize { try flush() }
    }

    private func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.queuedBatches && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        queue.append(batch)
        batch = []
        batch.reserveCapacity(Self.batchSize)
        condition.broadcast()
    }

    /// The reader is done (`error` nil) or failed.
    func finish(_ error: Error?) {
        if error == nil { try? flush() } else if !(error is Cancelled) { try? flush() }
        condition.lock()
        finished = true
        failure = error is Cancelled ? nil : error
        condition.broadcast()
        condition.unlock()
    }

    // MARK: the database's side

    /// The next batch, in order; nil when the reader is done.
    private func next() -> [Operation]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if queue.isEmpty { return nil }
        let first = queue.removeFirst()
        condition.broadcast()
        return first
    }

    private func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `read` on a second thread into this sink and applies what it produces to
    /// `writer` here; returns when both are done, throwing the first failure.
    static func run(into writer: SurveyDatabase.FileWriter, read: @escaping (PipelinedSink) throws -> Void) throws {
        let sink = PipelinedSink(sums: writer.detachTally())
        let done = DispatchSemaphore(value: 0)
        let reader = Handoff(value: read)
        let thread = Thread {
            do { try reader.value(sink); sink.finish(nil) } catch { sink.finish(error) }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        do {
            while let operations = sink.next() {
                for operation in operations {
                    switch operation {
                    case .accept(let record): try writer.accept(record)
                    case .reject(let line, let position, let id, let reason):
                        try writer.reject(line: line, position: position, responseID: id, reason: reason)
                    case .skipped(let count): writer.noteSkipped(count)
                    case .unknownKey(let key): writer.noteUnknownAnswerKey(key)
                    case .discard: try writer.discardRows()
                    case .content(let sha256, let bytes): writer.setContent(sha256: sha256, bytes: bytes)
                    case .sheet(let name, let order): try writer.beginSheet(name, order: order)
                    case .unreadTable(let description): writer.noteUnreadTable(description)
                    case .datedAfterToday(let date): writer.noteDatedAfterToday(date)
                    }
                }
            }
        } catch {
            sink.cancel()
            done.wait()
            throw error
        }
        done.wait()
        if let sums = sink.sums { writer.attachTally(sums) }
        if let failure = sink.failure { throw failure }
    }
}

/// Hands a value to another thread that the compiler cannot prove safe to share; used for
/// the reader, which only that thread touches while it runs.
struct Handoff<T>: @unchecked Sendable {
    let value: T
}
