import Foundation

/// Wall-clock timing for the benchmarks: best-of-rounds, the statistic least disturbed by the
/// machine's other work (shared cores slow a run down, never speed it up).
struct Stopwatch {
    /// The best time seen so far, in seconds.
    private(set) var best = Double.infinity

    /// Runs `body`, keeps its time if it is the best so far, and returns what `body` made.
    @discardableResult
    mutating func time<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return result
    }
}
