import Foundation

/// A power-law tail p(x) ∝ x^−α for x ≥ x_min fitted to positive samples by maximum likelihood, with
/// x_min chosen by the Kolmogorov–Smirnov criterion (Clauset, Shalizi & Newman 2009, eq. 3.1 and
/// Sec. 3.3): for each candidate x_min among the samples, the k samples at or above it give
///
///     α̂ = 1 + k / Σ ln(x_i / x_min),    standard error (α̂ − 1) / √k,
///
/// and D = max_x |S(x) − P(x)|, S the tail's empirical distribution and P(x) = 1 − (x / x_min)^(1−α̂);
/// the x_min of least D is kept. This is how NLPmetrics / WeightWatcher fit the empirical spectral
/// density of a weight matrix (Martin, Peng & Mahoney 2021).
public struct PowerLawTail: Sendable, Equatable {
    public var alpha: Double
    public var standardError: Double
    public var lowerCutoff: Double
    /// k, the samples in the tail.
    public var tailCount: Int
    /// The Kolmogorov–Smirnov distance D at the chosen cutoff.
    public var distance: Double

    /// The fit, or nil when fewer than `minimumTail` samples are positive and finite or no cutoff
    /// leaves a tail with two distinct values.
    /// - Parameter minimumTail: the fewest samples a tail may have: below five, α̂'s standard error
    ///   exceeds half of α̂ − 1 and the KS distance of any fit is large by chance alone.
    /// - Complexity: O(n²) for n samples (each cutoff scans its tail).
    public static func fit(_ samples: [Double], minimumTail: Int = 5) -> PowerLawTail? {
        precondition(minimumTail >= 2)
        let x = samples.filter { $0 > 0 && $0.isFinite }.sorted()
        guard x.count >= minimumTail else { return nil }
        var best: PowerLawTail?
        for start in 0...(x.count - minimumTail) where start == 0 || x[start] != x[start - 1] {
            let tail = x[start...], xmin = x[start], k = Double(tail.count)
            let logSum = tail.reduce(0) { $0 + log($1 / xmin) }
            guard logSum > 0 else { continue }
            let alpha = 1 + k / logSum
            var distance = 0.0
            for (j, value) in tail.enumerated() {
                let model = 1 - pow(value / xmin, 1 - alpha)
                distance = max(distance, abs(Double(j + 1) / k - model), abs(Double(j) / k - model))
            }
            if best == nil || distance < best!.distance {
                best = PowerLawTail(alpha: alpha, standardError: (alpha - 1) / k.squareRoot(), lowerCutoff: xmin,
                                    tailCount: tail.count, distance: distance)
            }
        }
        return best
    }
}
