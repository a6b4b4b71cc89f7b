import Foundation
import Hessian
import Timings

// The text `lens bench` prints for each timing: the measurements, their ratios to the baseline measured
// in the same run, and what each ratio is expected to be.

extension BoundTiming.Result {
    public var text: String {
        let b = timing, c = b.config
        var lines = [
            "Certified h_i of Theorem 2 on GPT-2 n_layer \(c.layers), n_embd \(c.channels), vocab \(c.vocabulary), \(b.samples) training "
                + "sequences of \(c.maxPositions) tokens, " + (b.tolerance > 0 ? "forms to a relative width of \(b.tolerance), at most \(b.steps) Lanczos steps" : "\(b.steps) Lanczos steps") + " (pair: initialisation and \(b.fineTuningSteps) AdamW steps; seed \(b.seed))",
            String(format: "unit: one full HVP on one sequence's linearisation %.3f s (the linearisation itself %.3f s%@)", fullProduct, linearisation,
                   headCurvature ? ", with the output layer's curvature the products on the layers and ln_f use" : ""),
            "block-restricted products against it:",
        ]
        for (name, seconds) in restrictedProducts {
            lines.append("  " + name.rightPadded(12) + String(format: "%.3f s  (%.2f)", seconds, seconds / fullProduct))
        }
        lines.append(String(format: "naive plan (samples x blocks x steps full HVPs): %.0f HVP-equivalents, about %.1f h",
                            naiveEquivalents, naiveEquivalents * fullProduct / 3600))
        lines.append(String(format: "restricted products alone, every sample at %ld steps: %.0f HVP-equivalents (%.2f of naive)",
                            b.steps, restrictedOnlyEquivalents, restrictedOnlyEquivalents / naiveEquivalents))
        lines.append(String(format: "measured, restricted products%@ over %@ steps: %.0f s, %.0f HVP-equivalents (%.3f of naive), %ld products",
                            b.screening ? " and refinement of the largest upper end" : "", terms.schedule.map(String.init).joined(separator: ", "),
                            seconds, measuredEquivalents,
                            measuredEquivalents / naiveEquivalents, applications))
        let rest = max(seconds - productSeconds - linearisationSeconds, 0)
        lines.append(String(format: "  of the %.1f s: products %.2f s (applications x measured product time), linearisations %.2f s, Lanczos and certificates %.2f s (%.2f of the products)",
                            seconds, productSeconds, linearisationSeconds, rest, rest / max(productSeconds, .leastNormalMagnitude)))
        let stops = terms.stops
        lines.append("  forms stopped by the tolerance \(stops[.tolerance] ?? 0), by the step cap \(stops[.stepCap] ?? 0), on an invariant space \(stops[.invariant] ?? 0); steps taken: "
                     + terms.blocks.map { "\($0.block.name) \($0.perSample.map(\.steps).min() ?? 0)-\($0.perSample.map(\.steps).max() ?? 0)" }.joined(separator: ", "))
        lines.append("  samples run in full, per block: "
                     + terms.blocks.map { "\($0.block.name) \($0.fullRuns.count)" }.joined(separator: ", "))
        lines.append("  certified h_i: " + terms.blocks.map { String(format: "%@ %.4g (estimate %.4g)", $0.block.name, $0.certified, $0.estimate) }
            .joined(separator: ", "))
        if let parallel {
            lines.append(String(format: "on %ld threads (samples in parallel, each thread its own workspace): %.0f s, %.2f of the one-thread run above; Hessian terms %@",
                                b.lanes, parallel.seconds, parallel.seconds / seconds, parallel.identical ? "identical to the bit" : "DIFFERENT from the one-thread run"))
        }
        lines.append(String(format: "peak resident memory %.2f GB (estimated before the run, for the Hessian terms: %.2f GB)",
                            Double(peakMemory) / 1e9, Double(estimatedMemory) / 1e9))
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CurvesTiming.Result {
    public var text: String {
        let ats = seconds.first { $0.method == .ats }!.seconds
        var lines = ["Full benchmark evaluation: \(datasets) data sets x \(budgets) budgets x \(seconds.count) methods (best of \(timing.rounds))",
                     "method      seconds   x AtS"]
        for (method, s) in seconds {
            lines.append(method.rawValue.rightPadded(10) + String(format: " %8.4f  %6.1f", s, s / ats))
        }
        lines.append(String(format: "all methods %8.4f s", total))
        lines.append("For scale (not measured here): the reference Python implementation takes 477 s on this kind of machine at best.")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension EngineTiming.Result {
    public var text: String {
        let b = timing, c = b.config
        var lines = [
            "Block-restricted HVPs on one sequence: GPT-2 n_layer \(c.layers), n_embd \(c.channels), n_head \(c.heads), context \(c.maxPositions), "
                + "vocab \(c.vocabulary), Float64, \(parameters) parameters (best of \(b.rounds), the engines interleaved)",
            String(format: "torch worker: started and loaded the model in %.1f s; products agree with the native engine's to %.1e of their largest entry",
                   torchStart, agreement),
            "block         native s  HVP/s     torch s   HVP/s     torch / native",
        ]
        for (block, native, torch) in blocks {
            lines.append(block.rightPadded(12) + String(format: "%9.3f %7.2f %11.3f %7.2f %10.2f", native, 1 / native, torch, 1 / torch, torch / native))
        }
        let (n, t) = (blocks.reduce(0) { $0 + $1.native }, blocks.reduce(0) { $0 + $1.torch })
        lines.append("every block".rightPadded(12) + String(format: "%9.3f %7.2f %11.3f %7.2f %10.2f", n, Double(blocks.count) / n, t, Double(blocks.count) / t, t / n))
        return lines.joined(separator: "\n") + "\n"
    }
}

extension HVPTiming.Result {
    /// The measurements, with their ratios to the gradient and to dgemm.
    public var text: String {
        let b = timing, c = b.config
        // Matrix-product work in units of the forward's: the gradient adds dinp and dW per product (3);
        // an HVP from scratch adds a backward pass without dW (1), the tangent forward (2) and the
        // tangent backward, dinp˙ and Ẇ with two products each (4): 8. On a kept linearisation the
        // forward and backward passes are already done: 6. Their ratios to the gradient's 3 are what
        // the HVP costs when products dominate.
        return [
            "GPT-2 n_layer \(c.layers), n_embd \(c.channels), n_head \(c.heads), context \(c.maxPositions), vocab \(c.vocabulary), "
                + "batch \(b.batch), Float64, \(parameters) parameters (best of \(b.rounds))",
            "OpenBLAS kernels: \(blasCore)" + (fasterCore.map { " (this CPU has AVX-512: OPENBLAS_CORETYPE=\($0) runs them)" } ?? ""),
            String(format: "loss      %7.3f s", loss),
            String(format: "gradient  %7.3f s  (%.2f x loss)", gradient, gradient / loss),
            String(format: "HVP, one-off (linearisation and workspace made for the call) %7.3f s  (%.2f x gradient; matrix products 8 vs 3 forward passes' worth: %.2f)",
                   hvpFromScratch, hvpFromScratch / gradient, 8.0 / 3.0),
            String(format: "linearisation (forward and backward kept for HVPs) %7.3f s", linearisation),
            String(format: "HVP, repeated on one batch (kept forward and backward, as the Hessian engine applies it) %7.3f s  (%.2f x gradient; 6 vs 3: %.2f)",
                   hvpOnLinearisation, hvpOnLinearisation / gradient, 6.0 / 3.0),
            String(format: "  its workspace, allocated once: %.0f MB", Double(workspaceBytes) / 1e6),
            String(format: "HVP on one block (h.0, the engine's block-restricted product, as Lanczos applies it) %7.3f s", blockProduct),
            String(format: "forward matmuls: %.2f GFLOP; forward at %.2f GFLOP/s; dgemm on the same shapes (preallocated) %.2f GFLOP/s; ratio %.2f",
                   forwardFlops / 1e9, forwardFlops / loss / 1e9, forwardFlops / dgemm / 1e9, dgemm / loss),
        ].joined(separator: "\n") + "\n"
    }
}

extension LanczosTiming.Result {
    public var text: String {
        let n = timing.n
        let basisBytes = LanczosProcess<DenseSymmetricOperator>.memoryBytes(dimension: n, steps: n, precision: .double)
        var lines = [
            "Applications to reach |theta - lambda_max| / lambda_max <= 1e-6 (n = \(n), seed \(timing.seed));",
            "a Lanczos basis of up to \(n) steps needs at most \(basisBytes / 1_000_000) MB in Float64, half in Float32.",
            "spectrum                   Lanczos   power   ratio",
        ]
        func show(_ c: Int?) -> String { c.map { String($0) } ?? "n/r" }
        for (name, lanczos, power) in applications {
            let ratio = lanczos.flatMap { l in power.map { String(format: "%.3f", Double(l) / Double($0)) } } ?? "-"
            lines.append(name.rightPadded(25) + show(lanczos).leftPadded(8) + show(power).leftPadded(7) + ratio.leftPadded(7))
        }
        lines.append("(n/r: not reached; power iteration converges to the eigenvalue of largest magnitude, and stalls with a small gap)")
        lines.append(String(format: "\nDense operator, n = %ld: %.3f ms per application; cblas_dsymv %.3f ms; ratio %.3f",
                            timing.timingDimension, operatorApplication * 1e3, symv * 1e3, operatorApplication / symv))
        return lines.joined(separator: "\n") + "\n"
    }
}

extension QuadratureTiming {
    public static func text(_ rows: [Row], timing b: QuadratureTiming) -> String {
        var lines = ["Certified v^T H^+ v against the exact value (LAPACK dsyevr), n = \(b.n), seed \(b.seed): (upper end - exact) / exact",
                     "per k, and in brackets the Araki-Yamagami half-width beta_k ||v||^2 / exact alone (the previous certificate)."]
        lines.append("spectrum".rightPadded(52) + b.steps.map { "k=\($0)".leftPadded(22) }.joined())
        for row in rows {
            lines.append(row.spectrum.rightPadded(52) + zip(row.upperExcess, row.arakiYamagami).map { upper, ay in
                String(format: "%.1e (%.2f)", upper, ay).leftPadded(22)
            }.joined())
        }
        lines.append("Time per form at k = \(b.steps.max() ?? 0) (Lanczos, quadrature and moment bounds) against one dense application:")
        for row in rows {
            lines.append("  " + row.spectrum.rightPadded(52) + String(format: "%.3f s per form, %.2f ms per application", row.secondsPerForm, row.secondsPerApplication * 1e3))
        }
        lines.append("")
        lines.append("To a relative width of \(b.tolerance) (--rtol), at most \(b.steps.max() ?? 0) steps: where each run stopped, its upper end, and its time in")
        lines.append("the operator's applications, the rest of Lanczos (a run of the same steps for v^T H v) and the certificate (the rest).")
        lines.append("spectrum".rightPadded(52) + "steps".leftPadded(7) + "stopped by".leftPadded(12) + "upper/exact-1".leftPadded(15)
                     + "applications".leftPadded(14) + "Lanczos".leftPadded(10) + "certificate".leftPadded(13) + "cert/appl".leftPadded(11))
        for row in rows {
            let t = row.toleratedSeconds
            lines.append(row.spectrum.rightPadded(52) + "\(row.tolerated.steps)".leftPadded(7) + row.tolerated.stop.label.leftPadded(12)
                         + String(format: "%.1e", row.toleratedExcess).leftPadded(15) + String(format: "%.3f s", t.applications).leftPadded(14)
                         + String(format: "%.3f s", t.lanczos).leftPadded(10) + String(format: "%.3f s", t.certificate).leftPadded(13)
                         + String(format: "%.2f", t.certificate / max(t.applications, .leastNormalMagnitude)).leftPadded(11))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func rightPadded(_ width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
}
