/// The starting points of the multi-start least-squares fits of `Curves` (`PowerLaw.fit`,
/// `CorollaryShape`): one grid over the two quantities that make their costs
/// non-convex, the exponent β and the level at which a curve bends, its floor E or its offset F.
/// Each fit turns a grid point into its own parameters, completing the amplitudes in which it is
/// linear by least squares; `solveLeastSquares(_:starts:)` then screens the starts by cost and
/// polishes the best.
enum StartGrid {
    /// Exponents of data-scaling laws: fine-tuning and pre-training curves show β between about 0.05
    /// and 0.7 (Kaplan et al. 2020; Hestness et al. 2017; Lin et al. 2024), covered on a roughly
    /// geometric grid. Below 3/4, as the Corollary 1 shape's power term must be.
    static let exponents: [Double] = [0.05, 0.1, 0.2, 0.35, 0.5, 0.7]

    /// Floors E as fractions of the smallest measured loss (E must lie below every loss): from a
    /// curve far above its floor (0.05) to one nearly on it (0.9).
    static let floorFractions: [Double] = [0.05, 0.3, 0.6, 0.9]

    /// Offsets F as multiples of D^β at a curve's middle size: from a curve already in its power
    /// phase (10⁻³) through the transition (1) to one still in its pre-power phase (10).
    static let offsetMultiples: [Double] = [1e-3, 0.1, 1, 10]

    /// How many of the cheapest starts are polished: fits with several basins reach the lowest from
    /// one of the best few starts. Polishing only the best made the answer of the shared-exponent fit,
    /// when it was a joint Levenberg–Marquardt fit, depend on the grid (FLAN's lensllm PearCorr 65.3
    /// with one grid, 63.6 with another; 65.3 with both when four were polished).
    static let polished = 4

    /// Every combination of the axes' values, in order, each made a start by `start`.
    static func starts(_ axes: [[Double]], _ start: ([Double]) -> [Double]) -> [[Double]] {
        axes.reduce([[]]) { points, axis in points.flatMap { point in axis.map { point + [$0] } } }.map(start)
    }
}
