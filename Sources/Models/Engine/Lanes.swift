import Foundation

/// Independent jobs run on up to `lanes` threads, each thread with a lane of its own (a workspace, a
/// worker's connection): jobs are taken in index order as threads come free, and each job's result is
/// stored at its index, so the results do not depend on the thread count or the scheduling, only on the
/// jobs (each of which must compute the same thing on any lane).
public enum Lanes {
    /// Runs `work(job, lane)` for every job in 0..<jobs on min(lanes, jobs) threads, `makeLane` called
    /// once per thread, in that thread. The first error thrown stops the remaining jobs and is rethrown.
    /// - Complexity: the jobs' work, over the threads.
    public static func run<Lane, Result, Failure: Error>(jobs: Int, lanes: Int, makeLane: () throws(Failure) -> Lane,
                                         _ work: (Int, Lane) throws(Failure) -> Result) throws(Failure) -> [Result] {
        guard jobs > 0 else { return [] }
        let threads = max(1, min(lanes, jobs))
        let state = State<Result, Failure>(jobs: jobs)
        func body(_: Int) {
            do throws(Failure) {
                let lane = try makeLane()
                while let job = state.next() { state.store(try work(job, lane), at: job) }
            } catch { state.fail(error) }
        }
        if threads == 1 { body(0) } else { withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: threads) { shared.value($0) }
        } }
        return try state.results()
    }

    /// The jobs' shared bookkeeping, behind a lock.
    private final class State<Result, Failure: Error>: @unchecked Sendable {
        private let lock = NSLock()
        private var nextJob = 0
        private var slots: [Result?]
        private var failure: Failure?

        init(jobs: Int) { slots = Array(repeating: nil, count: jobs) }

        func next() -> Int? {
            lock.withLock {
                guard failure == nil, nextJob < slots.count else { return nil }
                defer { nextJob += 1 }
                return nextJob
            }
        }
        func store(_ result: Result, at job: Int) { lock.withLock { slots[job] = result } }
        func fail(_ error: Failure) { lock.withLock { if failure == nil { failure = error } } }
        func results() throws(Failure) -> [Result] {
            if let failure { throw failure }
            return slots.map { $0! }
        }
    }

    private struct UncheckedBox<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }
}
