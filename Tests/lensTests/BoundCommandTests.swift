import Foundation
import TestSupport
import Testing

/// `lens bound` takes h_i over probe samples of the data distribution (issue 20): a named split, the
/// test split by default, with the training samples' maximum beside it.
extension CommandLineTests {
    /// The tiny inputs of `corollaryInputs` and a pair fine-tuned from them at `dir/tuned`.
    func tunedPair() throws -> String {
        let dir = try corollaryInputs()
        let tuned = try lens("finetune", "--from", dir + "/pretrained", "--tokens", dir + "/target.json", "--steps", "3", "--lr", "0.01", "--out", dir + "/tuned")
        #expect(tuned.status == 0, "\(tuned.stderr)")
        return dir
    }

    @Test func boundTakesHOverTheProbeSplitWithTheTrainingMaximumBeside() throws {
        let dir = try tunedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var splits = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/target.json"))) as? [String: Any])
        let train = try #require(splits["train"] as? [[Int]])
        splits["train"] = Array(train.prefix(3))
        splits["probe"] = Array(train.suffix(5))
        try JSONSerialization.data(withJSONObject: splits).write(to: URL(fileURLWithPath: dir + "/probes.json"))
        let base = ["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/probes.json", "--steps", "8", "--json"]
        for (extra, probes, source) in [(["--probe-split", "probe"], 5, "the \"probe\" split"), ([], 4, "the test split")] {
            let run = try lens(base + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(json["samples"] as? Int == probes && json["probe_source"] as? String == source, "\(json["probe_source"] ?? "")")
            let training = try #require(json["training"] as? [String: Any])
            #expect(training["samples"] as? Int == 3)
            let blocks = try #require(json["blocks"] as? [[String: Any]])
            #expect(blocks.allSatisfy { ($0["per_sample"] as? [Any])?.count == probes && ($0["interval"] as? [Double])?.count == 2 })
            #expect((json["running_hessian_sum"] as? [Double])?.count == probes)
        }
        expectOneLineError(try lens(base + ["--probe-split", "none"]), containing: "no split \"none\"")
    }
}

/// The bound for a bounded loss (issue 20): the losses clipped at C, and where the verdict flips.
extension CommandLineTests {
    @Test func clippedLossBoundAndItsFlipPointsRecomputeFromTheJSON() throws {
        let dir = try tunedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/target.json", "--steps", "8", "--json"]
        // First the losses, then a C below the largest of them, so that some samples are clipped.
        let first = try #require(try JSONSerialization.jsonObject(with: Data(try lens(base).stdout.utf8)) as? [String: Any])
        #expect(first["loss_bound_source"] as? String == "2 log V, twice a uniform guess's loss")
        #expect(abs((first["loss_bound"] as? Double ?? 0) - 2 * log(16.0)) < 1e-12)
        let losses = try #require(first["train_losses_unclipped"] as? [Double]) + (try #require(first["test_losses_unclipped"] as? [Double]))
        let c = losses.sorted()[losses.count / 2]
        let run = try lens(base + ["--loss-bound", "\(c)"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let train = try #require(json["train_losses_unclipped"] as? [Double]), test = try #require(json["test_losses_unclipped"] as? [Double])
        func clipped(_ x: [Double], _ c: Double) -> Double { x.reduce(0) { $0 + min($1, c) } / Double(x.count) }
        let (lHat, l) = (try #require(json["train_loss"] as? Double), try #require(json["test_loss"] as? Double))
        #expect(abs(lHat - clipped(train, c)) < 1e-12 && abs(l - clipped(test, c)) < 1e-12)
        #expect(train.contains { $0 > c } || test.contains { $0 > c }, "some sample is clipped")
        let fraction = try #require(json["clipped_fraction"] as? [String: Double])
        #expect(fraction["train"] == Double(train.filter { $0 > c }.count) / Double(train.count))
        // The flip points, recomputed from the JSON's own numbers.
        let n = Double(try #require(json["n"] as? Int)), eps = try #require(json["eps"] as? Double)
        let sum = try #require((json["certified"] as? [String: Any])?["hessian_sum"] as? Double)
        func margin(_ c: Double, _ e: Double) -> Double { (1 + e) * (clipped(train, c) + c.squareRoot() * sum / n.squareRoot()) - clipped(test, c) }
        let flipEpsilon = try #require(json["flip_epsilon"] as? Double)
        #expect(abs(margin(c, flipEpsilon)) < 1e-9 * l)
        for flip in try #require(json["flip_loss_bounds"] as? [Double]) {
            #expect((margin(flip * (1 - 1e-6), eps) < 0) != (margin(flip * (1 + 1e-6), eps) < 0), "a sign change at C = \(flip)")
        }
    }
}

/// `lens bound` over a scheduler and on every core (issue 22): N = 3 shares run as separate processes,
/// merged, print the unsharded run's JSON byte for byte; so do 1 and 3 threads.
extension CommandLineTests {
    @Test func threeSharesMergeToTheUnshardedJSONAndThreadsChangeNoByte() throws {
        let dir = try tunedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/target.json", "--steps", "8"]
        let whole = try lens(base + ["--json", "--threads", "1"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let threaded = try lens(base + ["--json", "--threads", "3"])
        #expect(threaded.status == 0 && threaded.stdout == whole.stdout)
        let shares = (1...3).map { "\(dir)/share-\($0).json" }
        for (k, path) in shares.enumerated() {
            let run = try lens(base + ["--shard", "\(k + 1)/3", "--share", path])
            #expect(run.status == 0 && run.stdout.isEmpty, "\(run.stderr)")
        }
        let merged = try lens(["bound", "merge", "--json"] + shares.reversed())
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout == whole.stdout)
        expectOneLineError(try lens(["bound", "merge"] + shares.prefix(2)), containing: "share 3 of 3 is missing")
        expectOneLineError(try lens(["bound", "merge"] + shares + [shares[1]]), containing: "share 2 of 3 is given twice")
        // Refused before any work, with the usage lines argument parsing adds.
        for (extra, message) in [(["--shard", "4/3", "--share", shares[0]], "expected K/N with 1 <= K <= N"), (["--shard", "1/3"], "--shard needs --share FILE"),
                                 (["--shard", "1/3", "--share", dir + "/target.json"], "lens does not overwrite it")] {
            let run = try lens(base + extra)
            #expect(run.status != 0 && run.stderr.hasPrefix("Error: ") && run.stderr.contains(message), "\(run.stderr)")
        }
    }
}

/// `lens bound --engine torch` on architectures the native engine does not have (issue 22, acceptance 2):
/// a tiny Llama and a tiny GPT-NeoX built by transformers, fine-tuned by AdamW and saved with
/// save_pretrained (python/tests/make_reference.py). Their per-sample block Hessians formed densely by
/// torch.autograd (reverse over reverse, the worker's products are forward over reverse) give each block's
/// max over the probes of v_b^T H_b^+ v_b by LAPACK's eigh: it lies in the certified interval (to the
/// products' rounding, 1e-12 relative) and the estimate agrees to 1e-6. Run to the invariant Krylov space
/// (--steps above every block's size, --rtol 0), as the dense reference is exact.
extension CommandLineTests {
    @Test(.slow, .enabled(if: Worker.present, Worker.absent), arguments: ["llama", "gpt_neox"])
    func torchEngineCertifiesDenseBlockHessiansOfOtherArchitectures(architecture: String) throws {
        let dir = SmallModels.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let python = try #require(Worker.python)
        let made = try run(URL(fileURLWithPath: python), [Paths.root.appendingPathComponent("python/tests/make_reference.py").path, dir, "--arch", architecture])
        #expect(made.status == 0, "\(made.stderr)")
        let bound = try lens(["bound", "--engine", "torch", "--python", python, "--pretrained", dir + "/pretrained", "--finetuned", dir + "/finetuned",
                              "--tokens", dir + "/tokens.json", "--steps", "1000", "--rtol", "0", "--json"])
        #expect(bound.status == 0, "\(bound.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bound.stdout.utf8)) as? [String: Any])
        let reference = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json"))) as? [String: Any])?["blocks"] as? [String: Double])
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(Set(blocks.compactMap { $0["block"] as? String }) == Set(reference.keys) && blocks.count >= 4)
        for block in blocks {
            let name = try #require(block["block"] as? String)
            let (estimate, interval, want) = (try #require(block["estimate"] as? Double), try #require(block["interval"] as? [Double]), try #require(reference[name]))
            #expect(interval[0] * (1 - 1e-12) <= want && want <= interval[1] * (1 + 1e-12), "\(architecture) \(name): \(want) outside \(interval)")
            #expect(abs(estimate - want) <= 1e-6 * want, "\(architecture) \(name): \(estimate) vs \(want)")
        }
    }
}

/// `lens corollary --manifest --engine torch` (issue 22): the manifest's pairs through the PyTorch worker give
/// the native engine's Corollary 1 measurements (each pair's bound, h_i and traces) to the products' rounding.
extension CommandLineTests {
    @Test(.enabled(if: Worker.present, Worker.absent))
    func corollaryManifestOnTheTorchEngineAgreesWithTheNativeOne() throws {
        let dir = try corollaryInputs()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var manifest = "n,finetuned\n"
        for n in [2, 4] {
            let run = try lens("finetune", "--from", dir + "/pretrained", "--tokens", dir + "/target.json", "--seed", "\(n)", "--steps", "3",
                               "--lr", "0.01", "--out", dir + "/n\(n)")
            #expect(run.status == 0, "\(run.stderr)")
            manifest += "\(n),n\(n)\n"
        }
        try manifest.write(toFile: dir + "/manifest.csv", atomically: true, encoding: .utf8)
        let common = ["corollary", "--manifest", dir + "/manifest.csv", "--pretrained", dir + "/pretrained", "--tokens", dir + "/target.json",
                      "--steps", "8", "--trace-budget", "6", "--json"]
        let native = try lens(common), torch = try lens(common + ["--engine", "torch", "--python", Worker.python!])
        #expect(native.status == 0 && torch.status == 0, "\(native.stderr)\n\(torch.stderr)")
        func numbers(_ run: Run) throws -> [Double] {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            return try #require(o["checkpoints"] as? [[String: Any]]).flatMap { c -> [Double] in
                [c["bound_certified"] as? Double ?? .nan, c["test_loss"] as? Double ?? .nan] + (c["blocks"] as? [[String: Any]] ?? []).flatMap { [$0["certified"] as? Double ?? .nan, $0["trace"] as? Double ?? .nan] }
            }
        }
        let (a, b) = (try numbers(native), try numbers(torch))
        #expect(a.count == b.count && a.count > 4 && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-8 * max(abs($0), 1e-12) }, "\(a) vs \(b)")
    }
}

/// Issue 24, item 4: `--first N` examines the first N training sequences (a manifest's pair n); an `--n`
/// that differs from the sequences examined is said beside the bound, in the report and its JSON.
extension CommandLineTests {
    @Test func firstExaminesTheFirstSequencesAndADifferentNIsSaid() throws {
        let dir = try tunedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/target.json", "--steps", "8"]
        func json(_ extra: [String]) throws -> [String: Any] {
            let run = try lens(base + extra + ["--json"])
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }
        let all = try json([]), first = try json(["--first", "2"])
        let losses = try #require(all["train_losses_unclipped"] as? [Double])
        #expect(losses.count > 2 && first["train_losses_unclipped"] as? [Double] == Array(losses.prefix(2)))
        #expect(first["n"] as? Int == 2 && (first["training"] as? [String: Any])?["samples"] as? Int == 2 && first["caveats"] == nil)
        // --n alone changes the formula, not the samples: said in the JSON and on the page.
        let counted = try json(["--n", "2"])
        #expect(counted["train_losses_unclipped"] as? [Double] == losses)
        let caveats = try #require(counted["caveats"] as? [String])
        #expect(caveats == ["n = 2 in the formula, but L_hat and the training samples' maximum are over the \(losses.count) training sequences "
            + "examined: the bound of a model fine-tuned on n samples needs exactly those (`lens bound --first 2` takes the first 2, "
            + "as a manifest's pair n was fine-tuned on them)."])
        let page = try lens(base + ["--n", "2"])
        #expect(page.stdout.contains("**Limit of this run.** n = 2 in the formula"))
        expectOneLineError(try lens(base + ["--first", "\(losses.count + 1)"]),
                           containing: "--first \(losses.count + 1): the training split \"train\" of \(dir)/target.json holds \(losses.count) sequences")
    }
}

/// Issue 24, item 1: the Python helper (`lensllm.manifest`) saves two tiny transformers GPT-2s fine-tuned at
/// n = 2, 4, 8 (one by a plain PyTorch loop, one through the Trainer callback's hooks) and writes the manifest,
/// and `lens report --manifest` reads all of it as it is, on either engine.
extension CommandLineTests {
    @Test(.enabled(if: Worker.present, Worker.absent))
    func theHelpersManifestIsWhatLensReportReads() throws {
        let dir = SmallModels.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try run(URL(fileURLWithPath: Worker.python!), [Self.root.path + "/python/tests/manifest_roundtrip.py", dir],
                           environment: ["PYTHONPATH": Self.root.path + "/python"])
        #expect(made.status == 0, "\(made.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
        let candidates = try #require(manifest["candidates"] as? [[String: Any]])
        #expect(candidates.map { $0["name"] as? String } == ["loop", "trainer"])
        #expect(candidates.allSatisfy { ($0["finetuned"] as? [[String: Any]])?.map { $0["n"] as? Int } == [2, 4, 8] })
        let report = try lens("report", "--manifest", dir + "/manifest.json", "--out", dir + "/report")
        #expect(report.status == 0, "\(report.stderr)")
        let index = try String(contentsOfFile: dir + "/report/index.md", encoding: .utf8)
        #expect(index.contains("[loop](candidates/loop/index.md)") && index.contains("[trainer](candidates/trainer/index.md)"), "\(index.prefix(600))")

        // Issue 22: the same manifest on the PyTorch worker (transformers' GPT2LMHeadModel on the same files) gives
        // the same report: the index (every candidate's size, NLPmetrics alpha, kernel F, every selection) equal
        // but for the provenance line, the curves and every checkpoint's bound, h_i and trace to 1e-9. (Not every
        // page to the digit: a law with as many parameters as points fits the two engines' curves, equal to 1e-12,
        // to different optima.)
        let torch = try lens("report", "--manifest", dir + "/manifest.json", "--out", dir + "/torch", "--engine", "torch", "--python", Worker.python!)
        #expect(torch.status == 0, "\(torch.stderr)")
        #expect(torch.stdout == report.stdout.replacingOccurrences(of: dir + "/report", with: dir + "/torch"))
        func page(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("Produced by") }.joined(separator: "\n")
        }
        #expect(try page(dir + "/torch/index.md") == page(dir + "/report/index.md"))
        func losses(_ folder: String) throws -> [Double] {
            let curves = try String(contentsOfFile: folder + "/curves.csv", encoding: .utf8)
            let checkpoints = try ["loop", "trainer"].flatMap { name -> [[String: Any]] in
                let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/candidates/\(name)/corollary/corollary.json"))
                return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["checkpoints"] as? [[String: Any]])
            }
            return curves.split(whereSeparator: { $0 == "," || $0 == "\n" }).compactMap { Double($0) } + checkpoints.flatMap { c -> [Double] in
                [c["bound_certified"] as? Double ?? .nan] + (c["blocks"] as? [[String: Any]] ?? []).flatMap { [$0["certified"] as? Double ?? .nan, $0["trace"] as? Double ?? .nan] }
            }
        }
        let (a, b) = (try losses(dir + "/report"), try losses(dir + "/torch"))
        #expect(a.count == b.count && a.count > 40 && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(abs($0), 1e-12) }, "\(a) vs \(b)")
    }
}

/// Issue 22: `lens report --manifest --engine torch` on causal LMs the native engine does not have: a tiny Llama and
/// a tiny GPT-NeoX, pretrained, fine-tuned at n = 2, 4, 8 and saved by transformers through `lensllm.manifest`.
extension CommandLineTests {
    @Test(.enabled(if: Worker.present, Worker.absent))
    func reportOnTheTorchEngineReadsAnyCausalLM() throws {
        let dir = SmallModels.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try run(URL(fileURLWithPath: Worker.python!), [Self.root.path + "/python/tests/manifest_roundtrip.py", dir, "llama-neox"],
                           environment: ["PYTHONPATH": Self.root.path + "/python"])
        #expect(made.status == 0, "\(made.stderr)")
        let report = try lens("report", "--manifest", dir + "/manifest.json", "--out", dir + "/report", "--engine", "torch", "--python", Worker.python!)
        #expect(report.status == 0, "\(report.stderr)")
        // The architectures as their configs state them, and NLPmetrics on every layer matrix (Llama's q, k, v, o,
        // gate, up, down; GPT-NeoX's query_key_value, dense, dense_h_to_4h, dense_4h_to_h) under its own name.
        let llama = try String(contentsOfFile: dir + "/report/candidates/loop/index.md", encoding: .utf8)
        let neox = try String(contentsOfFile: dir + "/report/candidates/trainer/index.md", encoding: .utf8)
        #expect(llama.contains("llama with 1 layer(s), width 8, 2 heads, context 8,") && neox.contains("gpt_neox with 1 layer(s), width 12, 2 heads, context 8,"))
        #expect(llama.components(separatedBy: "\n| model.layers.0.").count - 1 == 7 && neox.components(separatedBy: "\n| gpt_neox.layers.0.").count - 1 == 4)
        // L(0) against torch's own float64 cross-entropy on the pretrained models (python/tests/manifest_roundtrip.py):
        // to 1e-8, since the reference runs transformers' Llama as it is, with its rotary tables in float32 whatever the
        // dtype (1e-7 relative in cos and sin; measured 1.3e-10 in the loss), which the worker keeps in float64.
        let reference = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json"))) as? [String: Any])?["zero_shot"] as? [String: Double])
        let curves = try String(contentsOfFile: dir + "/report/curves.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let zero = try #require(curves.first?.firstIndex(of: "0"))
        for row in curves.dropFirst() {
            let want = try #require(reference[row[0].replacingOccurrences(of: "\"", with: "")]), got = try #require(Double(row[zero]))
            #expect(abs(got - want) <= 1e-8 * want, "\(row[0]): L(0) \(got) against \(want)")
        }
        let index = try String(contentsOfFile: dir + "/report/index.md", encoding: .utf8)
        #expect(index.contains("2 gpt_neox, llama candidates, each fine-tuned elsewhere"), "\(index.prefix(800))")
    }
}
