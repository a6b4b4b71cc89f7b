import Foundation
import Models
import TestSupport
import Testing

/// The typed parameter layout: the one wiring every pass reads.
struct GPT2LayoutTests {
    // Tensors follow each other without gaps in Hugging Face's order; the blocks partition the buffer.
    @Test func tensorsAreContiguousInFlatOrderAndBlocksPartitionThem() {
        for config in [SmallModels.config, GPT2Config(layers: 3, channels: 12, heads: 3, maxPositions: 5, vocabulary: 7)] {
            let layout = GPT2Layout(config)
            let ranges = layout.ranges.flat, shapes = config.shapes.flat
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == layout.count)
            for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            for (r, shape) in zip(ranges, shapes) { #expect(r.count == shape.reduce(1, *)) }
            let blocks = layout.blocks.map(\.range)
            #expect(layout.blocks.map(\.name) == ["embeddings"] + (0..<config.layers).map { "h.\($0)" } + ["ln_f"])
            #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == layout.count)
            for (a, b) in zip(blocks, blocks.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            let c = config.channels
            #expect(layout.blocks[1].range.count == 12 * c * c + 13 * c)
        }
    }

    // The checkpoint names are Hugging Face's, one per tensor, in the layout's order.
    @Test func checkpointNamesAreHuggingFacesInLayoutOrder() {
        let parameters = GPT2Parameters(config: SmallModels.config)
        let names = parameters.tensors.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.prefix(4) == ["wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias"])
        #expect(names.suffix(3) == ["h.1.mlp.c_proj.bias", "ln_f.weight", "ln_f.bias"])
        #expect(parameters.tensors.map(\.range) == parameters.layout.ranges.flat)
    }

    // Gains 1, biases 0, weights N(0, 0.02²) and the residual projections N(0, (0.02/√(2L))²): the sample
    // standard deviation of n draws is within 4/√(2n) of σ (relative) with overwhelming probability.
    @Test func initialisationFollowsGPT2() {
        let config = GPT2Config(layers: 4, channels: 32, heads: 4, maxPositions: 16, vocabulary: 64)
        let p = GPT2Parameters.randomInitialization(config: config, seed: 5)
        func values(_ r: Range<Int>) -> [Double] { Array(p.values[r]) }
        func standardDeviation(_ ranges: [Range<Int>]) -> (Double, Int) {
            let x = ranges.flatMap(values)
            return ((x.reduce(0) { $0 + $1 * $1 } / Double(x.count)).squareRoot(), x.count)
        }
        let layers = p.layout.ranges.layers
        #expect((layers.flatMap { [$0.ln1w, $0.ln2w] } + [p.layout.ranges.lnfw]).allSatisfy { values($0).allSatisfy { $0 == 1 } })
        #expect((layers.flatMap { [$0.ln1b, $0.qkvb, $0.attprojb, $0.ln2b, $0.fcb, $0.fcprojb] } + [p.layout.ranges.lnfb])
            .allSatisfy { values($0).allSatisfy { $0 == 0 } })
        for (ranges, sigma) in [([p.layout.ranges.wte, p.layout.ranges.wpe] + layers.flatMap { [$0.qkvw, $0.fcw] }, 0.02),
                                (layers.flatMap { [$0.attprojw, $0.fcprojw] }, 0.02 / (2.0 * 4).squareRoot())] {
            let (s, n) = standardDeviation(ranges)
            #expect(abs(s / sigma - 1) < 4 / (2 * Double(n)).squareRoot(), "sample sd \(s) vs \(sigma) over \(n)")
        }
    }
}
