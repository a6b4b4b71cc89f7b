import Curves
import Hessian
import Models
import Theory

// The words the reports use for the numerics' enums and settings: display prose lives here, the
// enums themselves carry identifiers only.

extension LensLLMSelection.Fit {
    /// "shared exponent", "shrunk-exponent lines".
    public var label: String {
        switch self {
        case .sharedExponent: return "shared exponent"
        case .shrunkExponents: return "shrunk-exponent lines"
        }
    }
}

extension LensLLMSelection.Design {
    /// What the design predicts with, in words.
    public var summary: String {
        switch self {
        case .shared: return "shared exponent alone"
        case .shrunk: return "shrunk exponents alone"
        case .choice: return "the fit with the smaller held-back error"
        case .average: return "both fits averaged by held-back likelihood"
        }
    }
}

extension LensLLMSelection.Degradation {
    /// What the prediction fell back to, in a few words.
    public var label: String {
        switch self {
        case .sharedExponentUndetermined: return "fallback: shrunk-exponent lines, too few power-phase points for the shared exponent"
        }
    }

    /// Why the prediction uses less than its design, in a sentence.
    public var sentence: String {
        switch self {
        case .sharedExponentUndetermined(let points, let candidates):
            return "the shared-exponent fit needs at least \(2 * candidates + 2) power-phase points for \(candidates) candidates "
                + "(2M + 1 parameters and one residual) and these have \(points): the prediction uses the shrunk-exponent lines alone"
        }
    }
}

extension PredictionAccuracy.Predictor {
    public var label: String {
        switch self {
        case .lensllmJoint: return "lensllm (joint)"
        case .lensllmCurve: return "lensllm (curve)"
        case .rectified: return "rectified"
        }
    }
}

extension GeneralizationBound.LossBoundSource {
    public var label: String {
        switch self {
        case .given: return "given"
        case .uniformGuess: return "2 log V, twice a uniform guess's loss"
        }
    }
}

extension CorollaryOne.Sign {
    public var label: String {
        switch self {
        case .positive: return "positive"
        case .negative: return "negative"
        case .undetermined: return "undetermined (the interval contains 0)"
        }
    }
}

extension QuadraticForm.Stop {
    /// As the bound's report and JSON name it.
    public var label: String {
        switch self {
        case .tolerance: return "tolerance"
        case .stepCap: return "step cap"
        case .invariant: return "invariant"
        }
    }
}

extension CorollaryStudy.FineTuningSettings {
    /// In words: "4 epochs, batch 8, AdamW at learning rate 0.001, weight decay 0.01, Float32".
    public var summary: String {
        let length: String = switch self.length {
        case .steps(let s): "\(s) steps"
        case .epochs(let e): "\(e == e.rounded() ? String(Int(e)) : String(e)) epochs"
        }
        return "\(length), batch \(batchSize), AdamW at learning rate \(learningRate), weight decay \(weightDecay), \(float64 ? "Float64" : "Float32")"
    }
}

extension ModelDescription {
    /// The family as reports name it: GPT-2 for transformers' "gpt2", the model_type as it is otherwise.
    public var familyName: String { family == "gpt2" ? "GPT-2" : family }
}
