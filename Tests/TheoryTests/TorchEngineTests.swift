import Foundation
import Hessian
import LinearAlgebra
import Models
import TestSupport
import Testing
import Theory

/// The PyTorch engine (`--engine torch`, issue 22) against the native one, on transformers' own
/// GPT2LMHeadModel reading the files the native engine reads; and a worker that dies or hangs as an error.
struct TorchEngineTests {
    /// A GPT-2 pair in float64 safetensors, as both engines read it.
    static func savedPair() throws -> (dir: String, pair: CheckpointPair) {
        let dir = SmallModels.temporaryDirectory()
        let pair = CheckpointPair(pretrained: SmallModels.parameters(seed: 3), finetuned: SmallModels.parameters(seed: 4))
        try pair.pretrained.save(directory: dir + "/pretrained", dtype: .f64)
        try pair.finetuned.save(directory: dir + "/finetuned", dtype: .f64)
        return (dir, pair)
    }

    // The same blocks, v, per-sample losses to 1e-12, gradient, tangent kernel and block HVPs to 1e-10 of their scale (both
    // exact in float64: what differs is the order of the sums), and h_i of each engine inside
    // the other's certified interval.
    @Test(.enabled(if: Worker.present, Worker.absent))
    func torchEngineAgreesWithTheNativeOneOnGPT2() throws {
        let (dir, pair) = try Self.savedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let torch = try TorchEngine.load(pretrained: dir + "/pretrained", finetuned: dir + "/finetuned", python: Worker.python!, timeout: 600)
        let native = pair.engine()
        #expect(torch.blocks == native.blocks && torch.vocabulary == 16)
        // The worker's description of the architecture is the native config's.
        #expect(torch.model == ModelDescription(family: "gpt2", layers: pair.finetuned.config.layers, width: pair.finetuned.config.channels,
                                                heads: pair.finetuned.config.heads, context: 6, vocabulary: 16))
        #expect(torch.direction == pair.direction)
        let batch = SmallModels.batch(4, seed: 5)
        let (a, b) = (try torch.losses(batch), native.losses(batch))
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 }, "\(a) vs \(b)")
        let (tg, ng) = (try torch.gradient(batch), native.model.gradient(batch))
        let gScale = ng.gradient.map(abs).max()!
        #expect(abs(tg.loss - ng.loss.mean) <= 1e-12 && zip(tg.gradient, ng.gradient).allSatisfy { abs($0 - $1) <= 1e-10 * gScale })
        // The tangent kernel of eq. 8 (`lens ntk --engine torch`) from the per-sequence gradients: the same to 1e-10.
        let (tk, nk) = (try NeuralTangentKernel(engine: torch, probes: batch), NeuralTangentKernel(engine: native, probes: batch))
        let kScale = nk.matrix.map(abs).max()!
        #expect(zip(tk.matrix, nk.matrix).allSatisfy { abs($0 - $1) <= 1e-10 * kScale } && zip(tk.outputs, nk.outputs).allSatisfy { abs($0 - $1) <= 1e-12 })

        let x = SmallModels.normals(torch.parameterCount, seed: 9)
        let lane = torch.makeLane(), nativeLane = native.makeLane()
        let (tp, np) = (try torch.linearise(batch.sequence(1), in: lane), native.linearise(batch.sequence(1), in: nativeLane))
        for block in torch.blocks {
            let xb = Array(x[block.range])
            let (ty, ny) = (BlockRestriction(tp, block: block).apply(xb), BlockRestriction(np, block: block).apply(xb))
            try tp.check()
            let scale = ny.map(abs).max()!
            #expect(zip(ty, ny).allSatisfy { abs($0 - $1) <= 1e-10 * scale }, "\(block.name)")
        }
        let (tFull, nFull) = (tp.apply(x), np.apply(x))
        #expect(zip(tFull, nFull).allSatisfy { abs($0 - $1) <= 1e-10 * nFull.map(abs).max()! })

        let samples = batch.prefix(3)
        let byTorch = try HessianTerms.measure(direction: torch.direction, engine: torch, samples: samples, steps: 40)
        let byNative = HessianTerms.measure(direction: pair.direction, engine: native, samples: samples, steps: 40)
        for (t, n) in zip(byTorch.blocks, byNative.blocks) {
            // Each estimate inside the other's interval, widened by the products' rounding (an estimate may sit on
            // its interval's end: ln_f's Krylov space is exhausted in 8 steps); the two estimates to 1e-9.
            func holds(_ i: ClosedRange<Double>, _ x: Double) -> Bool { i.lowerBound * (1 - 1e-12) <= x && x <= i.upperBound * (1 + 1e-12) }
            #expect(holds(n.interval, t.estimate) && holds(t.interval, n.estimate) && abs(t.estimate - n.estimate) <= 1e-9 * n.estimate,
                    "\(t.block.name): \(t.estimate) in \(t.interval) vs \(n.estimate) in \(n.interval)")
        }
    }

    // A worker that exits at once, one that never answers, and one killed mid-run: each an error that names it.
    @Test func aWorkerThatDiesOrHangsIsAnError() throws {
        let dir = SmallModels.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dies = dir + "/dies", hangs = dir + "/hangs"
        try "#!/bin/sh\necho 'no module named lensllm' >&2\nexit 3\n".write(toFile: dies, atomically: true, encoding: .utf8)
        try "#!/bin/sh\nexec sleep 60\n".write(toFile: hangs, atomically: true, encoding: .utf8)
        for path in [dies, hangs] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
        #expect { try TorchWorker(python: dies, timeout: 30) } throws: { error in
            let text = "\(error)"
            return text.contains("exited with status 3") && text.contains("no module named lensllm")
        }
        let start = Date()
        #expect { try TorchWorker(python: hangs, timeout: 1) } throws: { "\($0)".contains("no answer to hello within 1 s") }
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test(.enabled(if: Worker.present, Worker.absent))
    func aWorkerKilledMidRunIsAnErrorNotANumber() throws {
        let (dir, pair) = try Self.savedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let torch = try TorchEngine.load(pretrained: dir + "/pretrained", finetuned: dir + "/finetuned", python: Worker.python!, timeout: 600)
        let point = try torch.linearise(SmallModels.batch(1, seed: 5), in: torch.makeLane())
        kill(torch.worker.processIdentifier, SIGKILL)
        let y = BlockRestriction(point, block: torch.blocks[1]).apply(Array(pair.direction[torch.blocks[1].range]))
        #expect(y.allSatisfy { $0 == 0 })
        #expect { try point.check() } throws: { "\($0)".contains("stopped answering") }
        #expect { try HessianTerms.measure(direction: torch.direction, engine: torch, samples: SmallModels.batch(2, seed: 5), steps: 8) } throws: { _ in true }
    }
}

extension TorchEngineTests {
    // In float32 the worker's numbers carry round-off the certificate does not count: the bound says so in
    // its caveats (the report and the JSON print them), and lies near the float64 one (here 1e-8 apart).
    @Test(.enabled(if: Worker.present, Worker.absent))
    func lowerPrecisionRunsSayWhatTheirIntervalsDoNotCount() throws {
        let (dir, pair) = try Self.savedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let torch = try TorchEngine.load(pretrained: dir + "/pretrained", finetuned: dir + "/finetuned", python: Worker.python!, dtype: "float32",
                                         timeout: 600)
        let (train, test) = (SmallModels.batch(3, seed: 5), SmallModels.batch(2, seed: 6))
        let single = try GeneralizationBound.evaluate(direction: torch.direction, engine: torch, train: train, test: test, epsilon: 0.1, steps: 20)
        let double = GeneralizationBound.evaluate(direction: pair.direction, engine: pair.engine(), train: train, test: test, epsilon: 0.1, steps: 20)
        #expect(double.caveats.isEmpty && single.caveats.count == 1 && single.caveats[0].contains("float32"))
        #expect(abs(single.certified.bound - double.certified.bound) <= 1e-4 * double.certified.bound)
    }
}
