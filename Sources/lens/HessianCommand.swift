import ArgumentParser
import Models
import Reports
import Theory

struct HessianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hessian",
        abstract: "Loss, gradient norms, and per block the truncated quadratic forms v_b^T H_bb^+ v_b (with certified intervals) and top eigenvalues of a checkpoint pair.")

    @OptionGroup var checkpoints: CheckpointPairOptions

    @OptionGroup var data: BatchTokens

    @Option(parsing: .unconditional, help: "Lanczos steps per block (the quadrature stops earlier when the Krylov space becomes invariant).")
    var steps = 60

    @Option(parsing: .unconditional, help: "Top eigenvalues per block.")
    var top = 3

    @Option(parsing: .unconditional, help: "Seed of the eigenvalue runs' start vectors.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON instead of markdown.")
    var json = false

    func validate() throws {
        guard steps >= 1, top >= 1 else { throw ValidationError("--steps and --top must be positive") }
    }

    func run() throws {
        let pair = try checkpoints.load()
        let batch = try data.load(for: pair.finetuned.config)
        let progress = ProgressLine("blocks")
        let analysis = PairCurvature.analyse(pair, batch: batch, steps: steps, eigenvalues: top, seed: seed) { progress.update($0, of: $1) }
        progress.finish()
        print(json ? CurvatureTables.json(analysis, batch: data.name) : CurvatureTables.markdown(analysis, batch: data.name), terminator: "")
    }
}
