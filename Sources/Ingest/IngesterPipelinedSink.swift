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

    static let batchSize = 512
    static let queuedBatches = 4

    private let handoff: BatchHandoff<Operation>
    /// The file's sums, computed here on the reading thread (nil: the writer keeps none).
    let sums: FormTallyBuilder?

    private init(handoff: BatchHandoff<Operation>, sums: FormTallyBuilder?) {
        self.handoff = handoff
        self.sums = sums
    }

    // MARK: the reader's side

    func accept(_ record: ResponseRecord) throws {
        sums?.add(record)
        try handoff.put(.accept(record))
    }
    func reject(line: Int, position: Int, responseID: String?, reason: String) throws {
        try handoff.put(.reject(line: line, position: position, responseID: responseID, reason: reason))
    }
    func noteSkipped(_ count: Int) { try? handoff.put(.skipped(count)) }
    func noteUnknownAnswerKey(_ key: String) { try? handoff.put(.unknownKey(key)) }
    func beginSheet(_ name: String?, order: Int) throws { try handoff.put(.sheet(name, order: order)) }
    func noteUnreadTable(_ description: String) { try? handoff.put(.unreadTable(description)) }
    func noteDatedAfterToday(_ isoDate: String) { try? handoff.put(.datedAfterToday(isoDate)) }
    /// The file's hash, computed on the reading thread before its first row.
    func noteContent(sha256: String, bytes: Int) throws { try handoff.put(.content(sha256: sha256, bytes: bytes)) }

    func discardRows() throws {
        sums?.reset()
        try handoff.put(.discard)
    }

    // MARK: the database's side

    /// Runs `read` on a second thread into a sink and applies what it produces to `writer`
    /// here (`BatchHandoff`); returns when both are done, throwing the first failure.
    static func run(into writer: SurveyDatabase.FileWriter, read: (PipelinedSink) throws -> Void) throws {
        let sums = writer.detachTally()
        try BatchHandoff<Operation>.run(batchSize: batchSize, capacity: queuedBatches) { handoff in
            try read(PipelinedSink(handoff: handoff, sums: sums))
        } consume: { operation in
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
        if let sums { writer.attachTally(sums) }
    }
}

/// Hands a value to another thread that the compiler cannot prove safe to share; used for a
/// file's descriptor, which only the reading thread touches while it runs.
struct Handoff<T>: @unchecked Sendable {
    let value: T
}
