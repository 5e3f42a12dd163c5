import CFuzzDriver
import Foundation
@_spi(Fuzzing) import Gym

/// libFuzzer target: tabular MDP files (`envs/chain.yml`, `envs/two_state.json`). Each input
/// is parsed as a `.yml` and as a `.json` file; a file that parses must make an
/// environment (or refuse with an error) that resets and steps. The fast paths (YAML flow
/// rows, JSON rows) must read what the general path (YAML) reads. A trap is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzTabularMDP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if !TabularMDPFile.fastPathsAgree(text, path: "fuzz.json") {
        fatalError("a fast path read this file differently from YAML")
    }
    for path in ["fuzz.yml", "fuzz.json"] {
        if let file = try? TabularMDPFile.parse(text, path: path), let environment = try? file.spec.make(file.spec.optionValues) {
            _ = try? environment.reset(seed: 0, options: nil)
            _ = try? environment.step(.discrete(0))
        }
    }
    return 0
}

// libFuzzer runs the function above on every input; a trap is a finding.
exit(rllab_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzTabularMDP))
