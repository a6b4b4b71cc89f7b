import Foundation
import Models
import Theory

/// eq. 9, F(Theta, t) = ||exp(-eta t Theta)(f0 - y)||^2 with Theta the m x m tangent kernel of eq. 8 over
/// the probe samples, against what the released code computes (`NTKTracker` in the authors' Code/train.py).
///
/// Reading of the released code (a code reading, stated, not a measurement): `compute_ntk_matrix(x, x)`
/// takes the gradients of one batch's mean loss with itself and sums their element-wise products: Theta
/// is a 0-d scalar, ||grad L_batch||^2, not the m x m kernel; f0 is the batch's logits; so the element-wise
/// and the matrix exponential coincide there, and `compute_test_loss` applies `torch.matmul` to that 0-d
/// tensor, which PyTorch refuses (matmul needs tensors of at least one dimension); `train()` never calls it.
/// What is measured: on the pretrained checkpoints (f0 before fine-tuning, as eq. 9 has it), eq. 9's F with
/// the m x m kernel, and the scalar the code forms, ||grad L_batch||^2 = 1^T Theta 1 / m^2 (the batch loss
/// is minus the mean of the per-sequence f_j, sequences of equal length), beside the kernel's trace and
/// spectrum, and the F that scalar would give, exp(-2 eta t theta) ||f0 - y||^2, against eq. 9's: they agree
/// only when the kernel acts on f0 - y as that scalar (m = 1, say), so the check can hold. The element-wise
/// exponential of the m x m kernel, a variant the code does not compute, is shown for comparison only.
/// eta = 0.01 as the released code sets it; t = 500.
func equationNine(_ e: Evidence) -> CheckResult {
    var measured: [String] = []
    var gaps: [String] = []
    let (eta, t) = (0.01, 500.0)
    var cases: [(name: String, parameters: GPT2Parameters, probes: TokenBatch)] = [
        ("toolkit pretrained GPT-2, 8 target sequences", e.transfer.pretrained, e.replicates[0].pool.prefix(8)),
    ]
    if let fixture = e.fixture, let parameters = try? GPT2Parameters.load(directory: fixture + "/pretrained"),
       let probes = try? TokenFile.read(path: fixture + "/tokens.json", split: "train", vocabulary: parameters.config.vocabulary) {
        cases.append(("PyTorch fixture, pretrained, its 4 training sequences", parameters, probes))
    }
    for (name, parameters, probes) in cases {
        let kernel = NeuralTangentKernel(engine: GPT2Engine(GPT2<Double>(parameters)), probes: probes)
        guard let offset = TangentKernelOffset(kernel: kernel) else {
            gaps.append("\(name): the kernel is not positive semi-definite")
            continue
        }
        let m = Double(kernel.sequences)
        let scalar = kernel.matrix.reduce(0, +) / (m * m)
        let matrix = offset.value(rate: eta, steps: t), elementwise = TangentKernelOffset.elementwise(kernel, rate: eta, steps: t)
        let spectrum = offset.eigenvalues
        measured.append("\(name): eq. 9's Theta is \(kernel.sequences) x \(kernel.sequences), eigenvalues \(num(spectrum.first ?? 0))..\(num(spectrum.last ?? 0)), "
                        + "tr \(num(spectrum.reduce(0, +))); F (eq. 9, matrix exponential) \(num(matrix)); the code's Theta, ||grad L_batch||^2 = \(num(scalar)) "
                        + "(a 0-d tensor); element-wise exponential of the kernel (not the code's) \(num(elementwise))")
        // Were the code's matmul a product by its scalar, its F would be exp(-2 eta t theta) ||f0 - y||^2; it equals
        // eq. 9's F when the kernel is that scalar times the identity on f0 - y (m = 1, say), and not otherwise.
        let scalarF = scalarOffset(scalar, projections: offset.projections, rate: eta, steps: t)
        measured.append("\(name): F with the code's scalar in place of the kernel, exp(-2 eta t theta) ||f0 - y||^2 = \(num(scalarF))")
        if !offsetsAgree(scalarF, matrix) {
            gaps.append("\(name): the code's scalar Theta \(num(scalar)) gives F = \(num(scalarF)) where eq. 9's \(kernel.sequences) x \(kernel.sequences) "
                        + "kernel (eigenvalues \(num(spectrum.first ?? 0))..\(num(spectrum.last ?? 0))) gives \(num(matrix))")
        }
    }
    return CheckResult(claim: "eq. 9 (the released code computes F(Theta, t))",
                       tests: "the statement (slides, eq. 10's (a)): \"F(Theta, t) is the adapted NTK-based test loss function on transformer\", "
                           + "eq. 9 F(Theta, t) = ||exp(-eta t Theta)(f0 - y)||^2 with Theta the tangent kernel of eq. 8; reading: Code/train.py's NTKTracker forms Theta as sum(g * g) over one batch loss's gradients, a 0-d scalar, and "
                           + "compute_test_loss calls torch.matmul on it (refused by PyTorch for a 0-d tensor; never called in train()); measured: that scalar, "
                           + "||grad L_batch||^2 = 1^T Theta 1 / m^2, against eq. 9's m x m kernel and its F (LAPACK eigen-decomposition, tested against a "
                           + "Taylor scaling-and-squaring exponential to 1e-10), eta = 0.01, t = 500, f0 from the pretrained checkpoint",
                       data: cases.map(\.name).joined(separator: "; "), measured: measured,
                       verdict: measured.isEmpty ? .notTestable("no checkpoint to measure")
                           : gaps.isEmpty ? .holds : .fails(gaps.joined(separator: "; ") + "; and as written the code's matmul of a 0-d tensor raises"))
}

/// The offset a scalar Θ = θ gives in eq. 9's place: exp(−2 η t θ) ‖f₀ − y‖², ‖f₀ − y‖² the sum of the
/// kernel's squared projections.
func scalarOffset(_ theta: Double, projections: [Double], rate eta: Double, steps t: Double) -> Double {
    exp(-2 * eta * t * theta) * projections.reduce(0, +)
}

/// Whether two offsets agree to 1e-6 relative (the verdict's test).
func offsetsAgree(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(a, b) }
