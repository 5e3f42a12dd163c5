import Agents
import CFuzzDriver
import Foundation
import LabCore

/// libFuzzer target: agent hyperparameter files (`agents/*.yml`, `--config FILE`), read
/// through the same path as `rllab train --config` (a file: that parser reads files), then
/// decoded into the agent's typed settings. The input's length picks the agent, so that
/// every seed stays a whole config file.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzAgentConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let agents = AgentCatalog.all
    let type = agents[size % agents.count]
    let url = FuzzFile.url
    guard (try? Data(bytes: data, count: size).write(to: url)) != nil else { return 0 }
    var hyperparameters = type.defaultHyperparameters
    if (try? hyperparameters.merge(file: url, environmentID: "CartPole-v1")) != nil {
        _ = try? decode(type, hyperparameters)
    }
    return 0
}

private func decode<A: Agent>(_ type: A.Type, _ hyperparameters: Hyperparameters) throws {
    _ = try hyperparameters.settings(A.Settings.self)
}

private enum FuzzFile {
    /// One file per process, in memory where the system has a RAM folder.
    static let url: URL = {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return URL(fileURLWithPath: folder).appendingPathComponent("rllab-fuzz-config-\(getpid()).yml")
    }()
}

// libFuzzer runs the function above on every input; a trap is a finding.
exit(rllab_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzAgentConfig))
