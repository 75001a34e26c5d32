import Foundation

/// Work on both cores, in order: `produce` runs on a second thread and hands its items, in
/// batches, to the calling thread, which `consume`s each as it comes (the thread that owns
/// the database and the files). The queue holds at most `capacity` batches, so memory stays
/// a few thousand items whatever the number made. A failure on either side stops the other:
/// a consumer's error cancels the producer (its next `put` throws `Cancelled`); a producer's
/// error arrives after the items it made were consumed. The ingest reads a file on one core
/// and stores its forms on the other (`PipelinedSink`); the stats stage computes estimates on
/// one and stores and writes them on the other.
public final class BatchHandoff<Item>: @unchecked Sendable {
    public struct Cancelled: Error {}

    // Internal rather than private so that `put` and `run` can be inlined, and specialised
    // for the item type, in the modules that use them: a generic copy of each item through
    // its value witness cost the stats stage about 2 % of its instructions.
    @usableFromInline let batchSize: Int
    @usableFromInline let capacity: Int
    @usableFromInline var batch: [Item] = []
    @usableFromInline let condition = NSCondition()
    @usableFromInline var queue: [[Item]] = []
    @usableFromInline var finished = false
    @usableFromInline var cancelled = false
    @usableFromInline var failure: Error?

    @usableFromInline init(batchSize: Int, capacity: Int) {
        self.batchSize = batchSize
        self.capacity = capacity
        batch.reserveCapacity(batchSize)
    }

    // MARK: the producer's side

    @inlinable public func put(_ item: Item) throws {
        batch.append(item)
        if batch.count >= batchSize { try flush() }
    }

    @usableFromInline func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        if batch.isEmpty { return }
        queue.append(batch)
        batch = []
        batch.reserveCapacity(batchSize)
        condition.broadcast()
    }

    @usableFromInline func finish(_ error: Error?) {
        if !(error is Cancelled) { try? flush() }
        condition.lock()
        finished = true
        failure = error is Cancelled ? nil : error
        condition.broadcast()
        condition.unlock()
    }

    // MARK: the consumer's side

    @usableFromInline func next() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if queue.isEmpty { return nil }
        let first = queue.removeFirst()
        condition.broadcast()
        return first
    }

    @usableFromInline func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `produce` on a second thread, `consume` here on every item it `put`, in order;
    /// returns what `produce` returned once both are done, or throws the first failure.
    @inlinable public static func run<Result>(
        batchSize: Int = 2048, capacity: Int = 4,
        produce: (BatchHandoff<Item>) throws -> Result, consume: (Item) throws -> Void
    ) throws -> Result {
        let handoff = BatchHandoff(batchSize: batchSize, capacity: capacity)
        return try withoutActuallyEscaping(produce) { produce in
            let box = ProducerBox(produce: produce)
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                do {
                    box.result = try box.produce!(handoff)
                    handoff.finish(nil)
                } catch {
                    handoff.finish(error)
                }
                // Let go of `produce` before the caller wakes: the Thread object may outlive
                // this closure for a moment, and a `produce` still held when the call returns
                // is one that escaped (withoutActuallyEscaping traps on it).
                box.produce = nil
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
            // The producer is joined before this returns or throws: `produce` never outlives the call.
            do {
                while let items = handoff.next() {
                    for item in items { try consume(item) }
                }
            } catch {
                handoff.cancel()
                done.wait()
                throw error
            }
            done.wait()
            if let failure = handoff.failure { throw failure }
            return box.result!
        }
    }

    /// The producer and its result, touched by one thread at a time (the producer's until it
    /// signals, the caller's after).
    @usableFromInline final class ProducerBox<Result>: @unchecked Sendable {
        @usableFromInline var produce: ((BatchHandoff<Item>) throws -> Result)?
        @usableFromInline var result: Result?
        @usableFromInline init(produce: @escaping (BatchHandoff<Item>) throws -> Result) { self.produce = produce }
    }
}
