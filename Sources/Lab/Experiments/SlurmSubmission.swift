import Foundation

/// A sharded comparison as two Slurm batch scripts: a job array with one task per shard
/// (each running `rllab compare ... --shard auto`) and a merge job that runs after the
/// whole array succeeded (`--dependency=afterok:<array>`, `--kill-on-invalid-dep=yes`).
///
/// Only long-stable `sbatch` options are used (`--array`, `--chdir`, `--output`, `--error`,
/// `--job-name`, `--dependency`, `--kill-on-invalid-dep`, `--parsable`), so the scripts
/// work from Slurm 22.05 on. Logs go to `<out>/slurm/array_<job>_<task>.{out,err}` and
/// `<out>/slurm/merge_<job>.{out,err}`.
public struct SlurmSubmission {
    /// The comparison's output folder as the user gave it (the jobs run in
    /// ``workingDirectory``, so a relative path means the same folder there).
    public let output: String
    public let workingDirectory: URL
    /// The absolute path of the `rllab` executable the jobs run.
    public let executable: URL
    public let shards: Int
    /// `rllab compare` arguments that define the grid (everything but `--out`, `--shard`
    /// and the submission options).
    public let compareArguments: [String]
    /// Extra `rllab merge` arguments (`--no-plots`).
    public let mergeArguments: [String]
    /// Options passed through to `sbatch` in both scripts (`--partition=...`, `--time=...`,
    /// `--account=...`); an `--array=...` among them replaces the array's own range (use
    /// it to throttle: `--array=0-7%2`) and is left out of the merge script.
    public let sbatchOptions: [String]

    public init(
        output: String, workingDirectory: URL, executable: URL, shards: Int, compareArguments: [String],
        mergeArguments: [String] = [], sbatchOptions: [String] = []
    ) throws {
        guard shards >= 1 else { throw ShardError("the number of shards must be at least 1, got \(shards)") }
        for option in sbatchOptions where !option.hasPrefix("-") {
            throw ShardError("sbatch option '\(option)' does not start with '-': pass options as --sbatch=--partition=NAME")
        }
        self.output = output
        self.workingDirectory = workingDirectory
        self.executable = executable
        self.shards = shards
        self.compareArguments = compareArguments
        self.mergeArguments = mergeArguments
        self.sbatchOptions = sbatchOptions
    }

    /// `<out>/slurm`, absolute.
    public var folder: URL {
        URL(fileURLWithPath: output, relativeTo: workingDirectory).standardizedFileURL.appendingPathComponent("slurm")
    }

    public var arrayScriptURL: URL { folder.appendingPathComponent("array.sbatch") }
    public var mergeScriptURL: URL { folder.appendingPathComponent("merge.sbatch") }

    /// The job array script.
    public func arrayScript() -> String {
        let array = sbatchOptions.first { $0.hasPrefix("--array=") } ?? "--array=0-\(shards - 1)"
        return script(
            comment: "One Slurm array task per shard (\(shards) shards); rllab reads the shard from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT.",
            options: ["--job-name=rllab-shards", array,
                      "--output=\(folder.path)/array_%A_%a.out", "--error=\(folder.path)/array_%A_%a.err"],
            command: ["compare"] + compareArguments + ["--out", output, "--shard", "auto"],
            // Slurm gives a task the CPUs it asked for (--cpus-per-task); run that many cells at a time.
            tail: compareArguments.contains("--jobs") ? "" : " --jobs \"${SLURM_CPUS_PER_TASK:-1}\"")
    }

    /// The merge job script.
    public func mergeScript() -> String {
        script(
            comment: "Merges the shards into \(output) once every array task succeeded (submitted with --dependency=afterok:<array>).",
            options: ["--job-name=rllab-merge", "--output=\(folder.path)/merge_%j.out", "--error=\(folder.path)/merge_%j.err"],
            command: ["merge", output] + mergeArguments)
    }

    /// Runs rllab's `command` (quoted; `tail` as is) with `options`, then the user's but `--array=`.
    private func script(comment: String, options: [String], command: [String], tail: String = "") -> String {
        var lines = ["#!/bin/sh", "# \(comment)", "# Written by rllab compare --submit slurm."]
        lines.append("#SBATCH --chdir=\(workingDirectory.path)")
        lines += (options + sbatchOptions.filter { !$0.hasPrefix("--array=") }).map { "#SBATCH \($0)" }
        lines.append("exec " + ([executable.path] + command).map(SlurmSubmission.quote).joined(separator: " ") + tail)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both scripts under ``folder``.
    public func writeScripts() throws {
        try OutputFolder.ensure(folder)
        try OutputFile.replace(arrayScriptURL, with: arrayScript())
        try OutputFile.replace(mergeScriptURL, with: mergeScript())
    }

    /// Submits the array, then the merge after it; returns both job ids.
    public func submit(sbatch: URL) throws -> (array: String, merge: String) {
        let array = try SlurmSubmission.sbatch(sbatch, ["--parsable", arrayScriptURL.path])
        let merge = try SlurmSubmission.sbatch(
            sbatch, ["--parsable", "--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes", mergeScriptURL.path])
        return (array, merge)
    }

    private static func sbatch(_ sbatch: URL, _ arguments: [String]) throws -> String {
        let result = try SlurmSubmission.execute(sbatch, arguments)
        guard result.status == 0 else {
            throw ShardError("sbatch \(arguments.joined(separator: " ")) failed (exit \(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // --parsable prints `id` or `id;cluster`.
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw ShardError("sbatch printed '\(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))', not a job id")
        }
        return id
    }

    // MARK: Waiting

    /// The last state and reason `squeue` showed for each job or array task (`12_0`, `13`).
    public typealias JobStates = [String: (state: String, reason: String)]

    /// Slurm job states after which a job no longer changes.
    public static let finalStates: Set<String> = [
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
    ]

    /// Polls `squeue -h -t all -j <array>,<merge>` until every job shown is in a final
    /// state or has left the queue; `onChange` gets each new `id: state` line.
    public static func wait(
        squeue: URL, jobs: [String], interval: Double = 0.5, onChange: (String) -> Void = { _ in }
    ) throws -> JobStates {
        var seen = JobStates()
        let started = Date()
        while true {
            let result = try execute(squeue, ["-h", "-t", "all", "-j", jobs.joined(separator: ","), "-o", "%i|%T|%r"])
            if result.status != 0 {
                // Jobs purged from the controller's memory are unknown to squeue: they left the queue.
                if result.stderr.contains("Invalid job id") { return seen }
                throw ShardError("squeue failed (exit \(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            var allFinal = true
            for line in result.stdout.split(separator: "\n") {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 2 else { continue }
                let id = fields[0].trimmingCharacters(in: .whitespaces), state = fields[1].trimmingCharacters(in: .whitespaces)
                let reason = fields.count > 2 ? fields[2] : ""
                if seen[id]?.state != state { onChange("\(id): \(state)") }
                seen[id] = (state, reason)
                if !finalStates.contains(state) { allFinal = false }
            }
            if allFinal { return seen }
            // Poll quickly at first (small test grids), then every few seconds.
            Thread.sleep(forTimeInterval: Date().timeIntervalSince(started) < 60 ? interval : max(interval, 5))
        }
    }

    /// A problem report for the jobs' final states, or nil when the array and the merge
    /// both completed.
    public func failureReport(_ states: JobStates, array: String, merge: String) -> String? {
        var lines: [String] = []
        for task in 0..<shards {
            let state = states["\(array)_\(task)"]?.state
            if state == "COMPLETED" { continue }
            let log = folder.appendingPathComponent("array_\(array)_\(task).err")
            var line = "shard \(task) of \(shards) (array task \(array)_\(task)) \(state.map { "ended \($0)" } ?? "was not seen completing"): log \(log.path)"
            if let tail = SlurmSubmission.lastLines(of: log, count: 3) { line += "\n    " + tail.joined(separator: "\n    ") }
            lines.append(line)
        }
        let mergeLog = folder.appendingPathComponent("merge_\(merge).err").path
        if let (state, reason) = states[merge], state != "COMPLETED" {
            if reason.contains("DependencyNeverSatisfied") || (state == "CANCELLED" && !lines.isEmpty) {
                lines.append("merge job \(merge) was cancelled because a shard failed (run the failed shards again, then rllab merge \(output))")
            } else {
                lines.append("merge job \(merge) ended \(state): log \(mergeLog)")
            }
        } else if states[merge] == nil {
            lines.append("merge job \(merge) was not seen completing: log \(mergeLog)")
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    private static func lastLines(of url: URL, count: Int) -> [String]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").suffix(count).map(String.init)
        return lines.isEmpty ? nil : lines
    }

    // MARK: Processes

    /// The executable `name` found on `PATH`, or nil.
    public static func findExecutable(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for folder in (path ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    static func execute(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw ShardError("cannot run \(executable.path): \(error.localizedDescription)")
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// `text` as one POSIX shell word.
    static func quote(_ text: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
        if !text.isEmpty && text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
