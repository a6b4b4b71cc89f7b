import Curves

/// The page of the transition methods against known transitions (`TransitionAccuracy.SyntheticCheck`).
public enum TransitionAccuracyPage {
    public static func families(_ check: TransitionAccuracy.SyntheticCheck) -> [(name: String, rows: [TransitionAccuracy])] {
        [("LensLLM law (n* = F^(1/beta))", check.law), ("two-regime law (n* = the break)", check.twoRegime)]
    }

    /// The table alone.
    public static func table(_ check: TransitionAccuracy.SyntheticCheck) -> String { CurveTables.transitionAccuracy(families(check)) }

    public static func markdown(_ check: TransitionAccuracy.SyntheticCheck, command: String) -> String {
        """
        # Transition methods against known transitions

        Produced by `\(command)` (LensLLM toolkit): \(check.lawCurves) curves of the demo's family
        (LensLLM's law with 0.5% noise, seeds \(check.seeds.lowerBound)-\(check.seeds.upperBound), the transition
        at the crossover D^beta = F) and \(check.twoRegimeCurves) two-regime curves (0.5% noise, the transition at the break). Each
        method's located size against the truth, and how often its interval holds the truth (95% intervals for broken and
        law; for residual the gap between the sizes around its transition).

        \(table(check))
        The residual test (Algorithm 1) marks where a straight line in log-log stops fitting the points from the largest
        size down; with the floor E of LensLLM's law the curve bends everywhere, so it stops within the first few points
        and says nothing about D^beta = F. The two-regime law locates the break of curves that have one, and not the
        crossover of a law with a floor. The law method fits the law and reads its crossover.

        """
    }
}
