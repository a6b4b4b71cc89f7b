import Foundation
import LinearAlgebra

/// A predicted loss as a distribution of log L: location `mean`, scale `sd` and Student-t degrees of
/// freedom (the fit's residual ones), the predictive distribution of a new *measured* loss: the fit's
/// parameter uncertainty (delta method) plus the residual noise of one measurement. It measures how well
/// the points pin the law, not how wrong the law is far beyond them; the intervals selection reports are
/// calibrated instead (`ExtrapolationCalibration`).
public struct LogPrediction: Sendable, Equatable {
    public var mean: Double
    public var sd: Double
    public var degreesOfFreedom: Int

    public init(mean: Double, sd: Double, degreesOfFreedom: Int) {
        (self.mean, self.sd, self.degreesOfFreedom) = (mean, sd, degreesOfFreedom)
    }

    /// The weighted mixture of `parts`, matched in mean and variance (the Bayesian-model-averaging
    /// predictive variance: within-fit variance plus the spread between the fits), with the fewest
    /// degrees of freedom of the parts that carry weight.
    public static func mixture(_ parts: [(weight: Double, prediction: LogPrediction)]) -> LogPrediction {
        let mean = parts.reduce(0) { $0 + $1.weight * $1.prediction.mean }
        let second = parts.reduce(0) { $0 + $1.weight * ($1.prediction.sd * $1.prediction.sd + $1.prediction.mean * $1.prediction.mean) }
        let dof = parts.filter { $0.weight > 0 }.map(\.prediction.degreesOfFreedom).min() ?? 0
        return LogPrediction(mean: mean, sd: max(0, second - mean * mean).squareRoot(), degreesOfFreedom: dof)
    }

    /// For each candidate, the probability that its measured loss is the lowest, by `draws` Monte Carlo
    /// draws of independent Gaussians N(mean, sd²) from `seed`. Independence ignores the correlation a
    /// shared exponent induces, which makes the probabilities conservative (closer to even); the Gaussian
    /// stands in for the Student t, slightly narrower in the tails. Candidates that tie for the lowest
    /// draw (identical predictions without spread) share that draw's win equally.
    /// - Complexity: O(draws · M).
    public static func probabilityBest(_ predictions: [LogPrediction], draws: Int = 4000, seed: UInt64 = 1) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var wins = [Double](repeating: 0, count: predictions.count)
        var tied: [Int] = []
        for _ in 0..<draws {
            var lowest = Double.infinity
            tied.removeAll(keepingCapacity: true)
            for (i, p) in predictions.enumerated() {
                let draw = p.mean + (p.sd.isFinite ? p.sd : 0) * rng.normal()
                if draw < lowest { lowest = draw; tied = [i] } else if draw == lowest { tied.append(i) }
            }
            for i in tied { wins[i] += 1 / Double(tied.count) }
        }
        return wins.map { $0 / Double(draws) }
    }
}
