import Foundation
import Hessian
import LinearAlgebra
import Models
import TestSupport
import Testing

/// Acceptance 5: the model's Hessian through the Hessian engine reproduces PyTorch's dense groups.
@Suite(.enabled(if: Fixture.present, "../shared/fixtures/gpt2-tiny is absent"))
struct GPT2HessianEngineTests {
    let parameters: GPT2Parameters
    let op: GPT2HessianOperator
    let v: [Double]

    init() throws {
        parameters = try GPT2Parameters.load(directory: Fixture.root + "/finetuned")
        let pretrained = try GPT2Parameters.load(directory: Fixture.root + "/pretrained")
        op = GPT2HessianOperator(parameters: parameters,
                                 batch: try TokenFile.read(path: Fixture.root + "/tokens.json", split: "train", vocabulary: 256))
        v = zip(parameters.values, pretrained.values).map { $0 - $1 }
    }

    /// The contiguous range of a group of tensors (named with the `transformer.` prefix).
    func group(_ names: [String]) -> ParameterBlock {
        let ranges = names.map { name in parameters.tensors.first { "transformer." + $0.name == name }!.range }
        let range = ranges.map(\.lowerBound).min()!..<ranges.map(\.upperBound).max()!
        precondition(range.count == ranges.reduce(0) { $0 + $1.count }, "group is not contiguous")
        return ParameterBlock(name: names.joined(separator: "+"), range: range)
    }

    static var groups: [[String: Any]] { Fixture.golden["dense_groups"] as? [[String: Any]] ?? [] }

    // Dense H_bb from HVPs on unit vectors, eigenvalues by LAPACK: PyTorch did the same in float64.
    @Test(arguments: 0..<3)
    func denseGroupHessianHasPyTorchsExtremeEigenvalues(index: Int) throws {
        let g = Self.groups[index]
        let block = group(try #require(g["tensors"] as? [String]))
        let restricted = BlockRestriction(op, block: block)
        let n = restricted.dimension
        var dense = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let column = restricted.apply(e)
            for i in 0..<n { dense[i * n + j] = column[i] }
        }
        for i in 0..<n { for j in 0..<i { let m = (dense[i * n + j] + dense[j * n + i]) / 2; dense[i * n + j] = m; dense[j * n + i] = m } }
        let values = try #require(SymmetricEigen.dense(dense, n: n)).values
        let top = try #require(g["eigenvalues_top5"] as? [Double]), bottom = try #require(g["eigenvalues_bottom5"] as? [Double])
        for (got, want) in zip(values.suffix(5).reversed(), top) { #expect(abs(got - want) <= 1e-8, "top \(got) vs \(want)") }
        for (got, want) in zip(values.prefix(5), bottom) { #expect(abs(got - want) <= 1e-8, "bottom \(got) vs \(want)") }
        // The c_proj block has a null space (~32 eigenvalues of ±1e-17): below round-off the sign of an
        // eigenvalue is arbitrary, so PyTorch's count must lie between the clearly negative ones and
        // those below +τ, τ = 1e-12 λ_max.
        let tau = 1e-12 * values.last!
        let count = try #require(g["negative_count"] as? Int)
        #expect(values.filter { $0 < -tau }.count <= count && count <= values.filter { $0 < tau }.count,
                "negative count \(count) outside [\(values.filter { $0 < -tau }.count), \(values.filter { $0 < tau }.count)]")
    }

    // c_proj of h.0 is indefinite: v^T H^+ v differs from v^T H v in the fifth digit. At k = 200 the
    // Gauss estimate is within 1e-6 and the certified interval holds it; run to the invariant Krylov
    // space (Lanczos stops itself, before 1024 steps) the estimate is exact to round-off and the
    // interval shrinks around it.
    @Test func truncatedQuadraticFormOfAnIndefiniteBlockMatchesPyTorch() throws {
        let g = Self.groups[2]
        let block = group(try #require(g["tensors"] as? [String]))
        let vb = Array(v[block.range])
        let want = try #require(g["vHplusv"] as? Double)
        let restricted = BlockRestriction(op, block: block)
        let short = GaussQuadrature.quadraticForm(restricted, vector: vb, function: .positivePart, steps: 200)
        #expect(short.interval.contains(want), "\(want) not in \(short.interval)")
        #expect(abs(short.estimate - want) <= 1e-6 * want, "k = 200: \(short.estimate) vs \(want)")
        let full = GaussQuadrature.quadraticForm(restricted, vector: vb, function: .positivePart, steps: 1024)
        #expect(full.steps < 1024 && full.residualNorm == 0, "Lanczos should find the invariant space")
        #expect(abs(full.estimate - want) <= 1e-10 * want, "full: \(full.estimate) vs \(want)")
        #expect(full.interval.contains(want) && full.interval.upperBound - full.interval.lowerBound <= 1e-8 * want)
    }

    // The certificate is tight enough to be h_i: on each dense group, at k = 60 (or the group's whole
    // dimension) the certified upper end of v^T H^+ v is within 1% of PyTorch's dense value (measured:
    // 2e-12, 6e-8 and 6.3e-4; within 1% from k = 10, 20 and 20), and the interval holds it.
    @Test(arguments: 0..<3)
    func certifiedUpperEndIsWithinOnePercentOfPyTorch(index: Int) throws {
        let g = Self.groups[index]
        let block = group(try #require(g["tensors"] as? [String]))
        let restricted = BlockRestriction(op, block: block)
        let want = try #require(g["vHplusv"] as? Double)
        let form = GaussQuadrature.quadraticForm(restricted, vector: Array(v[block.range]), function: .positivePart,
                                                 steps: min(60, restricted.dimension))
        // PyTorch's dense value and our vᵀHv (the lower end on a semidefinite group) agree to round-off.
        let slack = 1e-12 * want
        #expect(form.interval.lowerBound <= want + slack && want <= form.interval.upperBound + slack && form.interval.upperBound <= 1.01 * want,
                "\(form.interval) vs \(want)")
    }
}
