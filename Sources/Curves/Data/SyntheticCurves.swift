import Foundation
import LinearAlgebra

/// Seeded synthetic loss curves with known structure, for tests and the demo (no downloaded data).
/// Noise is multiplicative: L̃ = L · exp(σ ε), ε ~ N(0, 1), so σ = 0.01 is "1% noise".
public enum SyntheticCurves {
    /// The benchmark's sizes: 200 · 2^j up to 1,638,400.
    public static let benchmarkSizes: [Double] = (0..<14).map { 200 * pow(2, Double($0)) }

    /// A continuous two-regime power law: log L = a + s₁ min(x − x_b, 0) + s₂ max(x − x_b, 0).
    public static func twoRegime(model: String, sizes: [Double] = benchmarkSizes, lossAtBreak: Double,
                                 breakSize: Double, slopeBefore: Double, slopeAfter: Double,
                                 noise: Double, seed: UInt64) -> LossCurve {
        var rng = SeededGenerator(seed: seed)
        let xb = log(breakSize)
        let losses = sizes.map { n -> Double in
            let x = log(n)
            let y = log(lossAtBreak) + slopeBefore * min(x - xb, 0) + slopeAfter * max(x - xb, 0)
            return exp(y + noise * rng.normal())
        }
        return LossCurve(model: model, sizes: sizes, losses: losses)
    }

    /// Points of a `PowerLaw` with noise; the zero-shot loss is the law at D = 0 (with noise too).
    public static func law(_ law: PowerLaw, model: String, sizes: [Double] = benchmarkSizes,
                           noise: Double, seed: UInt64, parameterCount: Double? = nil) -> LossCurve {
        var rng = SeededGenerator(seed: seed)
        let losses = sizes.map { law($0) * exp(noise * rng.normal()) }
        return LossCurve(model: model, sizes: sizes, losses: losses, zeroShot: law(0) * exp(noise * rng.normal()),
                         parameterCount: parameterCount)
    }

    /// A family of `count` candidate models whose curves follow LensLLM's law with a pre-power
    /// phase (F ≫ D^β at small D) and different exponents and floors, drawn from `seed`: the demo's
    /// input. Parameter counts grow with the model index.
    public static func candidates(count: Int, noise: Double = 0.005, seed: UInt64) -> [LossCurve] {
        candidateLaws(count: count, noise: noise, seed: seed).map(\.curve)
    }

    /// The same family with the law behind each curve, whose crossover D* = F^(1/β) lies between
    /// 1,000 and 21,000 samples: the truth the transition methods are checked against.
    public static func candidateLaws(count: Int, noise: Double = 0.005, seed: UInt64) -> [(law: PowerLaw, curve: LossCurve)] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let beta = 0.25 + 0.35 * rng.uniform()
            let e = 0.6 + 0.9 * rng.uniform()
            let f = pow(1000 + 20_000 * rng.uniform(), beta)
            let zeroShot = e + 1.5 + 2.5 * rng.uniform()
            let law = PowerLaw(b: (zeroShot - e) * f, beta: beta, e: e, f: f)
            return (law, Self.law(law, model: "synthetic-\(i + 1)", noise: noise, seed: rng.next(),
                                  parameterCount: 1e8 * pow(2, Double(i) / 2)))
        }
    }

    /// `count` two-regime curves (`twoRegime`) with their breaks, log-uniform between 1,000 and 100,000
    /// samples, a nearly flat first regime (slope −0.01 to −0.05) and a power phase of slope −0.2 to −0.4:
    /// the truth of the two-regime transition model, as `candidateLaws` is LensLLM's.
    public static func twoRegimeFamily(count: Int, noise: Double = 0.005, seed: UInt64) -> [(truth: Double, curve: LossCurve)] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let breakSize = 1000 * pow(100, rng.uniform())
            let before = -0.01 - 0.04 * rng.uniform(), after = -0.2 - 0.2 * rng.uniform()
            let curve = twoRegime(model: "two-regime-\(i + 1)", lossAtBreak: 1 + 2 * rng.uniform(), breakSize: breakSize,
                                  slopeBefore: before, slopeAfter: after, noise: noise, seed: rng.next())
            return (breakSize, curve)
        }
    }

    /// Curves as a wide CSV in the benchmark's layout.
    public static func wideCSV(_ curves: [LossCurve]) -> String {
        let sizes = curves.first?.sizes ?? []
        var text = "config name,0," + sizes.map(format).joined(separator: ",") + ",size\n"
        for c in curves {
            text += "\"\(c.model)\",\(c.zeroShot.map { "\($0)" } ?? ""),"
            text += c.losses.map { "\($0)" }.joined(separator: ",")
            text += ",\(c.parameterCount.map(format) ?? "")\n"
        }
        return text
    }
}
