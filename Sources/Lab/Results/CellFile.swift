import Foundation

/// The agent at its best periodic evaluation (SB3's `best_model`): `best.safetensors` in a
/// `train` folder, `<seed>.best.safetensors` beside a comparison cell's Monitor file.
public enum BestModelFile {
    public static let name = "best.safetensors"
}

/// A cell's own files (one agent on one environment with one seed) in a results folder or
/// a shard folder: `<agent>/<env>/<seed>.<suffix>`.
enum CellFile {
    /// Its episodes (``MonitorFile``), flushed as they end.
    case monitor
    /// With periodic evaluation, the agent at its best evaluation.
    case bestModel
    /// In a shard folder, with periodic evaluation, the cell's ``EvaluationTable`` rows.
    case evaluations
    /// Its claim to the report's animation (``ReportAnimations/Candidate``).
    case animation

    /// What the file's name ends with.
    var suffix: String {
        switch self {
        case .monitor: MonitorFile.suffix
        case .bestModel: BestModelFile.name
        case .evaluations: EvaluationTable.fileName
        case .animation: "animation.json"
        }
    }

    /// The file's path relative to the folder.
    func path(agent: String, environmentID: String, seed: String) -> String {
        "\(agent)/\(Comparison.folderName(environmentID))/\(seed).\(suffix)"
    }

    /// The file of `spec`'s cell, relative to the folder.
    func path(_ spec: RunSpec) -> String {
        path(agent: spec.agent, environmentID: spec.environmentID, seed: String(spec.seed))
    }
}
