import _CGSL

/// Sample statistics and distribution functions from GSL.
public enum Statistics {
    /// Pearson's correlation coefficient r = cov(x, y) / (σₓ σᵧ) (GSL `gsl_stats_correlation`).
    /// NaN when either sample is constant or has fewer than two values (no correlation is defined).
    /// - Complexity: O(n).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "correlation needs paired samples")
        guard x.count >= 2 else { return .nan }
        GSL.initialise()
        return gsl_stats_correlation(x, 1, y, 1, x.count)
    }

    public static func mean(_ x: [Double]) -> Double {
        GSL.initialise()
        return gsl_stats_mean(x, 1, x.count)
    }

    /// Population standard deviation √(Σ (xᵢ − x̄)² / n) (numpy's `std` with ddof 0).
    public static func populationStandardDeviation(_ x: [Double]) -> Double {
        GSL.initialise()
        let m = gsl_stats_mean(x, 1, x.count)
        return (gsl_stats_variance_with_fixed_mean(x, 1, x.count, m)).squareRoot()
    }

    /// The p-quantile of x by linear interpolation between order statistics (sorted copy; GSL
    /// `gsl_stats_quantile_from_sorted_data`). - Precondition: x not empty, 0 ≤ p ≤ 1.
    public static func quantile(_ x: [Double], _ p: Double) -> Double {
        precondition(!x.isEmpty && (0...1).contains(p))
        GSL.initialise()
        let sorted = x.sorted()
        return gsl_stats_quantile_from_sorted_data(sorted, 1, sorted.count, p)
    }

    /// Median of x (sorted copy; GSL `gsl_stats_median_from_sorted_data`).
    public static func median(_ x: [Double]) -> Double {
        GSL.initialise()
        let sorted = x.sorted()
        return gsl_stats_median_from_sorted_data(sorted, 1, sorted.count)
    }

    /// Upper tail Q(F; ν₁, ν₂) of the F distribution: the p-value of an F statistic.
    public static func fDistributionUpperTail(_ f: Double, _ nu1: Double, _ nu2: Double) -> Double {
        GSL.initialise()
        return gsl_cdf_fdist_Q(f, nu1, nu2)
    }

    /// The quantile x with P(χ²_ν ≤ x) = p.
    public static func chiSquaredQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        GSL.initialise()
        return gsl_cdf_chisq_Pinv(p, nu)
    }

    /// The quantile x with P(Z ≤ x) = p for the standard normal Z (GSL `gsl_cdf_ugaussian_Pinv`).
    public static func normalQuantile(_ p: Double) -> Double {
        GSL.initialise()
        return gsl_cdf_ugaussian_Pinv(p)
    }

    /// The quantile x with P(T_ν ≤ x) = p for Student's t with ν degrees of freedom.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        GSL.initialise()
        return gsl_cdf_tdist_Pinv(p, nu)
    }
}
