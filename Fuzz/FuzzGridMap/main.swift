import CFuzzDriver
import Foundation
import Gym

/// libFuzzer target: grid maps (`envs/*.txt`). Any input must parse or throw; a trap is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzGridMap(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let map = try? GridMapFile.parse(text, path: "fuzz.txt") {
        // A parsed map must also make an environment (or refuse with an error) and step.
        if let environment = try? map.spec.make(map.spec.optionValues) {
            _ = try? environment.reset(seed: 0, options: nil)
            _ = try? environment.step(.discrete(0))
        }
    }
    return 0
}

// libFuzzer runs the function above on every input; a trap is a finding.
exit(rllab_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzGridMap))
