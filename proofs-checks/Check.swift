import Foundation

/// What a check concludes about one claim of the paper.
enum Verdict {
    /// The claim holds on every case measured.
    case holds
    /// A measured counterexample, with its numbers.
    case fails(String)
    /// Why the claim cannot be tested here, and what would make it testable.
    case notTestable(String)

    var word: String {
        switch self {
        case .holds: return "HOLDS"
        case .fails: return "FAILS"
        case .notTestable: return "NOT TESTABLE"
        }
    }

    var reason: String? {
        switch self {
        case .holds: return nil
        case .fails(let r), .notTestable(let r): return r
        }
    }
}

/// One check's outcome: the claim by the paper's name, what was tested on which data, the numbers it
/// measured, and the verdict line `<claim>: HOLDS | FAILS (counterexample) | NOT TESTABLE (why)`.
struct CheckResult {
    var claim: String
    var tests: String
    var data: String
    var measured: [String]
    var verdict: Verdict
    /// An algebraic fact (an identity or inequality that holds whatever the data): checked so that the
    /// derivation's steps are confirmed, but labelled and not counted as evidence for the paper's claims.
    var algebraic = false

    var verdictLine: String {
        "\(claim): \(verdict.word)" + (verdict.reason.map { " (\($0))" } ?? "") + (algebraic ? " [an algebraic fact, not evidence]" : "")
    }

    var markdown: String {
        var text = "## \(claim)\n\n**Tests**: \(tests)\n\n**Data**: \(data)\n\n"
        if !measured.isEmpty { text += measured.map { "    " + $0 }.joined(separator: "\n") + "\n\n" }
        return text + "**\(verdictLine)**\n\n"
    }
}

extension CheckResult {
    /// A check that needs shared evidence (the benchmark's entries, its predictive accuracy): NOT
    /// TESTABLE with the reason when the evidence is unavailable, else what `check` concludes from it.
    static func on<T>(_ evidence: Result<T, Evidence.Unavailable>, claim: String, tests: String,
                      _ check: (T) -> CheckResult) -> CheckResult {
        switch evidence {
        case .failure(let why): return CheckResult(claim: claim, tests: tests, data: "-", measured: [], verdict: .notTestable(why.reason))
        case .success(let value): return check(value)
        }
    }
}

/// A claim judged on each replicate of the study: FAILS when some seed fails (naming each), HOLDS when
/// every seed holds, NOT TESTABLE otherwise (with each undecided seed's reason).
func acrossSeeds(_ verdicts: [(seed: UInt64, verdict: Verdict)]) -> Verdict {
    func reasons(_ word: String) -> String {
        verdicts.filter { $0.verdict.word == word }.map { "seed \($0.seed): \($0.verdict.reason ?? "")" }.joined(separator: "; ")
    }
    if verdicts.contains(where: { $0.verdict.word == "FAILS" }) { return .fails(reasons("FAILS")) }
    if !verdicts.isEmpty && verdicts.allSatisfy({ $0.verdict.word == "HOLDS" }) { return .holds }
    return .notTestable(verdicts.isEmpty ? "no replicate" : reasons("NOT TESTABLE"))
}

/// Formats a number for a measured line.
func num(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)g", x) }
