import Curves
import Foundation

/// `lens bench curves`: the full benchmark evaluation (every CSV of a directory, the published
/// budgets), timed per selection method and in all, against AtS measured in the same run.
public struct CurvesTiming: Sendable {
    public var directory: String
    public var rounds: Int

    public init(directory: String, rounds: Int) {
        (self.directory, self.rounds) = (directory, rounds)
    }

    public struct Result: Sendable {
        public var timing: CurvesTiming
        public var datasets: Int
        public var budgets: Int
        /// Best seconds per method, in `SelectionMethod.allCases` order.
        public var seconds: [(method: SelectionMethod, seconds: Double)]
        /// The best round's sum over the methods.
        public var total: Double
    }

    /// `progress` is told the rounds done and in all.
    public func run(progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(CurveError) -> Result {
        let p = BenchmarkProtocol()
        let methods = SelectionMethod.allCases
        var watches = methods.map { _ in Stopwatch() }
        var total = Stopwatch()
        for round in 0..<rounds {
            defer { progress?(round + 1, rounds) }
            try total.time { () throws(CurveError) in
                for (i, method) in methods.enumerated() {
                    try watches[i].time { () throws(CurveError) in _ = try p.run(directory: directory, methods: [method]) }
                }
            }
        }
        return Result(timing: self, datasets: try BenchmarkProtocol.files(in: directory).count, budgets: p.budgets.count,
                      seconds: zip(methods, watches).map { ($0, $1.best) }, total: total.best)
    }
}
