import CFuzzDriver
import Foundation
import LabCore

/// libFuzzer target: IDX (MNIST-format) data files.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    _ = try? IDX.parse(Array(UnsafeBufferPointer(start: data, count: size)), source: "fuzz")
    return 0
}

// libFuzzer runs the function above on every input; a trap is a finding.
exit(rllab_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzIDX))
