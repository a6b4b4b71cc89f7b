import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// A test that takes more than a few seconds (a whole demo, a published benchmark, dense Hessians of
    /// real blocks). `LENS_SKIP_SLOW_TESTS=1 swift test` leaves these out, for a quick check while working;
    /// the full suite (CI) runs them all.
    public static var slow: Self {
        .enabled(if: ProcessInfo.processInfo.environment["LENS_SKIP_SLOW_TESTS"] == nil, "slow: LENS_SKIP_SLOW_TESTS is set")
    }
}
