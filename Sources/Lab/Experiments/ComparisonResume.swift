import Agents
import Foundation
import LabCore

/// What an earlier, interrupted run of a comparison finished in its results folder.
///
/// A cell is finished when `summary.csv` (the comparison's record file, see
/// ``Comparison/run(resuming:isCancelled:progress:)``) has a row for it with
/// `interrupted=false`: the rule of a shard's `cells.csv` (``Shard``), read by the same
/// code. Resuming runs the other cells and rewrites the folder's files in canonical
/// order.
public struct ResumePlan {
    /// The finished cells, by position in the comparison's specs.
    let finished: [Int: FinishedCell]

    /// Nothing finished: every cell runs.
    public static let empty = ResumePlan(finished: [:])

    private init(finished: [Int: FinishedCell]) { self.finished = finished }

    /// The number of cells finished earlier.
    public var finishedCount: Int { finished.count }

    /// Reads what `comparison`'s results folder holds.
    ///
    /// - Throws: ``ConfigurationError`` when the folder holds results of another grid or
    ///   configuration (naming what differs) or results without a configuration.
    public init(_ comparison: Comparison) throws {
        let folder = comparison.output
        guard let recorded = ConfigurationFile.read(in: folder) else {
            let contents = ResultsFolderContents.entries(folder)
            guard contents.isEmpty else {
                throw ConfigurationError("cannot resume \(folder.path): it holds no \(ConfigurationFile.fileName) of a comparison (it holds \(ResultsFolderContents.list(contents)))")
            }
            self = .empty
            return
        }
        let expected = try comparison.configurationText()
        if recorded != expected {
            throw ConfigurationError("cannot resume \(folder.path): it holds a different comparison. "
                + ResumePlan.differences(recorded: recorded, expected: expected))
        }
        let records = try CellRecords(url: folder.appendingPathComponent(SummaryTable.fileName))
        var finished: [Int: FinishedCell] = [:]
        for (index, spec) in comparison.specs.enumerated() {
            guard let record = records.finished[Shard.key(spec)] else { continue }
            let cell = FinishedCell(agent: spec.agent, environment: spec.environmentID, seed: String(spec.seed),
                                    folder: folder, record: record)
            // A finished cell whose Monitor file was removed or changed since is run again.
            guard (try? cell.episodeRows()) != nil else { continue }
            finished[index] = cell
        }
        self.init(finished: finished)
    }

    /// The lines of `config.yml` that differ, as "in the folder: ...; in this command: ...".
    static func differences(recorded: String, expected: String) -> String {
        let old = recorded.split(separator: "\n").map(String.init), new = expected.split(separator: "\n").map(String.init)
        let onlyOld = old.filter { !new.contains($0) }, onlyNew = new.filter { !old.contains($0) }
        func quoted(_ lines: [String]) -> String {
            let shown = lines.prefix(4).map { "'\($0.trimmingCharacters(in: .whitespaces))'" }.joined(separator: ", ")
            return lines.isEmpty ? "nothing else" : shown + (lines.count > 4 ? " and \(lines.count - 4) more lines" : "")
        }
        return "Its \(ConfigurationFile.fileName) has \(quoted(onlyOld)) where this command has \(quoted(onlyNew)); "
            + "resume with the same agents, environments, seeds, budgets and hyperparameters, or write elsewhere"
    }

    /// What the finished cells wrote, by position: their episodes (from their Monitor
    /// files), their records and animations and, with `evaluating`, their rows of the
    /// folder's `evaluations.csv` (a row cut short at its end is not one).
    func rows(folder: URL, evaluating: Bool) throws -> [Int: CellRows] {
        var rows: [Int: CellRows] = [:]
        for (index, cell) in finished {
            rows[index] = CellRows(episodes: try cell.episodeRows(), evaluations: [], record: cell.record,
                                   animation: try cell.animationCandidate())
        }
        guard evaluating, !finished.isEmpty else { return rows }
        let url = folder.appendingPathComponent(EvaluationTable.fileName)
        guard let file = EvaluationTable.rows(in: url) else {
            throw ConfigurationError("cannot resume \(folder.path): \(url.lastPathComponent) is missing, though cells with periodic evaluation finished")
        }
        for (index, cell) in finished {
            rows[index]?.evaluations = file.rows.filter { $0.hasPrefix(cell.evaluationRowPrefix) }
        }
        return rows
    }
}

/// What a results folder holds, for the checks before a comparison writes to it.
public enum ResultsFolderContents {
    /// The names in `folder` (none when it does not exist), the lock file aside.
    public static func entries(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0 != FolderLock.fileName }.sorted()
    }

    /// Removes the temporary files of rewrites that a killed run left (``AtomicFile``'s
    /// `.<name>.<pid>.tmp`) in `folder` and the folders below it; the caller holds the
    /// folder's lock, so no live writer owns them.
    static func removeTemporaryFiles(in folder: URL) throws {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return }
        for case let url as URL in enumerator {
            let parts = url.lastPathComponent.split(separator: ".", omittingEmptySubsequences: false)
            guard url.lastPathComponent.hasPrefix("."), parts.count >= 4, parts.last == "tmp",
                  Int32(parts[parts.count - 2]) != nil else { continue }
            try Shard.remove(url, leftBy: "an interrupted run")
        }
    }

    /// `a, b, c and 4 more`.
    public static func list(_ names: [String]) -> String {
        names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
    }

    /// Removes what rllab wrote in `folder` (the files of a comparison, of its shards and
    /// of its Slurm jobs), for a comparison that starts over; anything else stays.
    ///
    /// - Throws: ``OutputError`` when the folder does not look like an rllab results
    ///   folder (so that `--out ~ --overwrite` removes nothing), or when a file cannot be
    ///   removed.
    public static func removeResults(in folder: URL) throws {
        let manager = FileManager.default
        let text = ConfigurationFile.read(in: folder) ?? ""
        let shards = folder.appendingPathComponent("shards")
        let hasShards = ((try? ShardRecord.all(in: shards)) ?? []).isEmpty == false
        guard text.hasPrefix(ConfigurationFile.header) || hasShards else {
            throw OutputError("not removing anything in \(folder.path): it does not look like an rllab results folder (no \(ConfigurationFile.fileName) written by rllab compare, no shards); remove it yourself or write elsewhere")
        }
        // Agent folders: the agents of the recorded grid, and any folder named like an agent.
        let agents = Set(AgentCatalog.all.map { $0.name } + ConfigurationFile.agents(in: text))
        let known: Set<String> = [EpisodeTable.fileName, SummaryTable.fileName, EvaluationTable.fileName, StatisticsFile.fileName,
                                  Report.fileName, "plots", "animations", "shards", "slurm"]
        var names = entries(folder).filter { name in
            known.contains(name) || agents.contains(name) || (name.hasPrefix(".") && name.hasSuffix(".tmp"))
        }
        // The configuration goes last: a folder whose removal was interrupted is still recognized.
        if !text.isEmpty { names.append(ConfigurationFile.fileName) }
        for name in names {
            do { try manager.removeItem(at: folder.appendingPathComponent(name)) } catch {
                throw OutputError("cannot remove \(folder.appendingPathComponent(name).path): \(error.localizedDescription)")
            }
        }
    }
}
