import _CGSL

/// Minimises f on [lower, upper] by Brent's method (GSL `gsl_min_fminimizer_brent`), given an
/// interior guess with f(guess) below both f(lower) and f(upper). Returns nil when the guess does
/// not bracket a minimum that way. It stops when the bracket is narrower than `tolerance` +
/// `relativeTolerance` |x| (`gsl_min_test_interval`).
/// - Complexity: at most `maxIterations` evaluations of f.
public func minimiseBrent(
    _ f: (Double) -> Double, lower: Double, guess: Double, upper: Double,
    tolerance: Double = 1e-10, relativeTolerance: Double = 0, maxIterations: Int = 100
) -> (x: Double, value: Double)? {
    GSL.initialise()
    return withoutActuallyEscaping(f) { f in
        var body = f
        return withUnsafeMutablePointer(to: &body) { pointer in
            var function = gsl_function(
                function: { x, params in
                    params!.assumingMemoryBound(to: ((Double) -> Double).self).pointee(x)
                },
                params: UnsafeMutableRawPointer(pointer))
            guard let s = gsl_min_fminimizer_alloc(lens_gsl_min_brent()) else { return nil }
            defer { gsl_min_fminimizer_free(s) }
            guard gsl_min_fminimizer_set(s, &function, guess, lower, upper) == GSL_SUCCESS else { return nil }
            for _ in 0..<maxIterations {
                guard gsl_min_fminimizer_iterate(s) == GSL_SUCCESS else { break }
                let a = gsl_min_fminimizer_x_lower(s), b = gsl_min_fminimizer_x_upper(s)
                if gsl_min_test_interval(a, b, tolerance, relativeTolerance) == GSL_SUCCESS { break }
            }
            return (gsl_min_fminimizer_x_minimum(s), gsl_min_fminimizer_f_minimum(s))
        }
    }
}

/// Minimises f over an ordered grid, then refines the best grid point by Brent's method between its
/// neighbours (`minimiseBrent`). A best point at either end of the grid, or one its neighbours tie,
/// is returned as it is: the minimum lies at or beyond the end, or on a plateau.
/// - Complexity: `grid.count` evaluations of f plus at most `maxIterations`.
public func minimiseOnGrid(
    _ f: (Double) -> Double, grid: [Double], tolerance: Double = 1e-10, relativeTolerance: Double = 0, maxIterations: Int = 100
) -> (x: Double, value: Double) {
    precondition(!grid.isEmpty, "an empty grid")
    let values = grid.map(f)
    let best = values.indices.min { values[$0] < values[$1] }!
    guard best > 0, best < grid.count - 1, values[best] < values[best - 1], values[best] < values[best + 1],
          let refined = minimiseBrent(f, lower: grid[best - 1], guess: grid[best], upper: grid[best + 1],
                                      tolerance: tolerance, relativeTolerance: relativeTolerance, maxIterations: maxIterations),
          refined.value <= values[best]
    else { return (grid[best], values[best]) }
    return refined
}
