import _Files
import Foundation
import Models
import TestSupport
import Testing
import Theory

/// Checkpoint pairs: one architecture, and v = fine-tuned − pretrained.
struct CheckpointPairTests {
    @Test func pairOfDifferentArchitecturesIsRejected() throws {
        let directory = SmallModels.temporaryDirectory()
        var other = SmallModels.config
        other.maxPositions = 5
        try SmallModels.parameters(seed: 1).save(directory: directory + "/pretrained")
        try SmallModels.parameters(seed: 2, config: other).save(directory: directory + "/short")
        let error = #expect(throws: FileError.self) {
            try CheckpointPair.load(pretrained: directory + "/pretrained", finetuned: directory + "/short")
        }
        #expect(error?.description.hasPrefix("\(directory)/short/config.json: the architecture differs from") == true,
                "\(String(describing: error))")
    }

    @Test func directionIsFineTunedMinusPretrained() {
        let (p, f) = (SmallModels.parameters(seed: 1), SmallModels.parameters(seed: 2))
        let pair = CheckpointPair(pretrained: p, finetuned: f)
        #expect(pair.direction == zip(f.values, p.values).map { $0 - $1 })
    }
}
