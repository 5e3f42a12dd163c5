import CFuzzDriver
import Foundation
import LabCore

/// libFuzzer target: safetensors files (checkpoints, saved agents, training states).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard let file = try? SafeTensorsFile(data: Data(bytes: data, count: size), source: "fuzz") else { return 0 }
    for name in file.names {
        _ = try? file.float32(name)
        _ = try? file.float64(name)
        _ = try? file.int64(name)
        _ = try? file.bytes(name)
    }
    // The same bytes as a training state: every typed read must throw or succeed.
    if let archive = try? StateArchive(data: Data(bytes: data, count: size), source: "fuzz", kind: file.metadata["format"] ?? "") {
        for name in archive.file.names {
            _ = try? archive.float32(name)
            _ = try? archive.ints(name)
        }
        for name in archive.file.metadata.keys {
            _ = try? archive.int(name)
            _ = try? archive.double(name)
        }
        if let random = try? RandomSource(seed: 0) { try? archive.restore(random, from: "random") }
    }
    return 0
}

// libFuzzer runs the function above on every input; a trap is a finding.
exit(rllab_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzSafeTensors))
