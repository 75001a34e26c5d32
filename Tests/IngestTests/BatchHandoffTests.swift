import Foundation
import Testing

@testable import Ingest

@Suite("two threads, one order: the stats stage's hand-off")
struct BatchHandoffTests {
    struct Boom: Error, Equatable { let at: Int }

    @Test("every item reaches the consumer once, in the order made, whatever the batch and queue sizes")
    func order() throws {
        for (batch, capacity, count) in [(1, 1, 0), (1, 1, 1), (3, 1, 100), (7, 2, 1000), (2048, 4, 10_000), (5, 4, 4)] {
            var seen: [Int] = []
            let made = try BatchHandoff<Int>.run(batchSize: batch, capacity: capacity) { handoff in
                for i in 0..<count { try handoff.put(i) }
                return count
            } consume: { seen.append($0) }
            #expect(made == count)
            #expect(seen == Array(0..<count), "batch \(batch), capacity \(capacity)")
        }
    }

    @Test("a producer's error arrives after the items it made were consumed")
    func producerFails() {
        var seen: [Int] = []
        #expect(throws: Boom(at: 57)) {
            try BatchHandoff<Int>.run(batchSize: 10, capacity: 2) { handoff in
                for i in 0..<57 { try handoff.put(i) }
                throw Boom(at: 57)
            } consume: { seen.append($0) }
        }
        #expect(seen == Array(0..<57))
    }

    @Test("a consumer's error stops the producer (its next put throws) and is the one thrown; no trap, however the threads race")
    func consumerFails() {
        // Repeated: the producer's thread must let go of its closure before the call returns,
        // whichever thread finishes first (a closure that escaped traps the process).
        for round in 0..<200 {
            let stoppedAt = Locked(0)
            #expect(throws: Boom(at: round % 50)) {
                try BatchHandoff<Int>.run(batchSize: 4, capacity: 1) { handoff in
                    do {
                        for i in 0..<100_000 { try handoff.put(i) }
                    } catch {
                        stoppedAt.set(1)
                        throw error
                    }
                    return 0
                } consume: { item in
                    if item == round % 50 { throw Boom(at: item) }
                }
            }
            #expect(stoppedAt.value == 1, "the producer was told to stop (round \(round))")
        }
    }

    final class Locked<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: T
        init(_ value: T) { stored = value }
        var value: T { lock.withLock { stored } }
        func set(_ value: T) { lock.withLock { stored = value } }
    }
}
