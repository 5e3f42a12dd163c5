import Foundation
import Testing
@testable import LabCore

/// Issue 15: sizes bounded before allocating, write errors as errors, crash-safe
/// rewrites, untrusted files checked before conversion, divergence stopped.
@Suite struct HostileInputTests {
    let gib = 1 << 30

    @Test func memoryBudgetComputesCheckedSizes() throws {
        #expect(try MemoryBudget.bytes(for: "table", counts: [1000, 1000], bytesPerElement: 8, limit: gib) == 8_000_000)
        #expect(try MemoryBudget.bytes(for: "both", parts: [([10, 10], 4), ([3], 8)], limit: gib) == 424)
        #expect(MemoryBudget.format(512) == "512 bytes")
        #expect(MemoryBudget.format(3 << 29) == "1.5 GiB")
        #expect(MemoryBudget.machineBytes > 0)
    }

    @Test func memoryBudgetRefusesWithWhatItWouldNeed() {
        #expect(throws: MemoryLimitError("table would need 8.0 TiB (1048576 x 1048576 x 8 bytes), more than this machine's 1.0 GiB of memory")) {
            try MemoryBudget.bytes(for: "table", counts: [1 << 20, 1 << 20], bytesPerElement: 8, limit: gib)
        }
        #expect(throws: MemoryLimitError("table would need 1099511627776 x 1099511627776 x 8 bytes, more than 2^63 (a 64-bit size overflows); this machine has 1.0 GiB")) {
            try MemoryBudget.bytes(for: "table", counts: [1 << 40, 1 << 40], bytesPerElement: 8, limit: gib)
        }
        #expect(throws: MemoryLimitError("table: a size of -3 is negative")) {
            try MemoryBudget.bytes(for: "table", counts: [2, -3], bytesPerElement: 8, limit: gib)
        }
        #expect(throws: MemoryLimitError("both would need 1.0 GiB, more than this machine's 1.0 GiB of memory")) {
            try MemoryBudget.bytes(for: "both", parts: [([1 << 29], 1), ([1 << 29], 1), ([1], 1)], limit: gib)
        }
        #expect(throws: MemoryLimitError("both would need more than 2^63 bytes (a 64-bit size overflows); this machine has 1.0 GiB")) {
            try MemoryBudget.bytes(for: "both", parts: [([Int.max / 2], 1), ([Int.max / 2], 1), ([2], 1)], limit: gib)
        }
    }

    @Test func writeErrorsAreThrownNotTrapped() throws {
        let full = try FileOutput(url: URL(fileURLWithPath: "/dev/full"))
        #expect(throws: FileWriteError("cannot write to /dev/full: No space left on device")) { try full.write("a line\n") }
        #expect(throws: FileWriteError("cannot write to /dev/full: No space left on device")) { try full.write(Data(count: 100_000)) }
        #expect(throws: FileWriteError("cannot open /nonexistent-folder/x.csv for writing: No such file or directory")) {
            try FileOutput(url: URL(fileURLWithPath: "/nonexistent-folder/x.csv"))
        }
    }

    @Test func atomicFileReplacesWholeAndLeavesNoTemporary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("summary.csv")
        try AtomicFile.write("old\n", to: url)
        try AtomicFile.write("new,rows\n", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "new,rows\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["summary.csv"])
        // A failed write leaves the old file as it was.
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: folder.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path) }
        if getuid() != 0 {  // root writes through permissions
            #expect(throws: FileWriteError.self) { try AtomicFile.write("lost\n", to: url) }
            #expect(try String(contentsOf: url, encoding: .utf8) == "new,rows\n")
        }
        let missing = URL(fileURLWithPath: "/nonexistent-folder/summary.csv")
        #expect(throws: FileWriteError("cannot open /nonexistent-folder/summary.csv for writing: No such file or directory")) {
            try AtomicFile.write("x", to: missing)
        }
    }

    @Test func checkpointsWithNonFiniteValuesAreRefused() throws {
        for (value, text) in [(Float.nan, "nan"), (Float.infinity, "inf"), (-Float.infinity, "-inf")] {
            var file = SafeTensorsFile()
            file.add("weight", float32: [1, value, 3], shape: [3])
            let loaded = try SafeTensorsFile(data: try file.serialized(), source: "bad.safetensors")
            let message = "bad.safetensors: tensor 'weight' holds \(text) at index 1; a file with values that are not finite (from a run that diverged, or damaged) cannot be loaded"
            #expect(throws: CheckpointError(message)) { try loaded.float32("weight") }
            #expect(throws: CheckpointError(message)) { try loaded.float64("weight") }
        }
        var doubles = SafeTensorsFile()
        doubles.add("policy", float64: [0, .nan], shape: [2])
        let loaded = try SafeTensorsFile(data: try doubles.serialized(), source: "p.safetensors")
        #expect(throws: CheckpointError("p.safetensors: tensor 'policy' holds nan at index 1; a file with values that are not finite (from a run that diverged, or damaged) cannot be loaded")) {
            try loaded.float64("policy")
        }
    }

    @Test func idxHeaderDimensionsAreCheckedBeforeMultiplying() throws {
        // Rank 5 of 0xFFFFFFFF each: the product overflows 64 bits.
        var bytes: [UInt8] = [0, 0, 8, 5]
        for _ in 0..<5 { bytes += [0xFF, 0xFF, 0xFF, 0xFF] }
        bytes += [1, 2, 3]
        #expect(throws: DatasetError.self) { try IDX.parse(bytes, source: "x.idx") }
        do { _ = try IDX.parse(bytes, source: "x.idx") } catch {
            #expect("\(error)" == "x.idx: the header's dimensions [4294967295] need more data bytes than the file's 27")
        }
        // Good files still parse.
        let good = try IDX.parse([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
        #expect(good.shape == [2, 3] && good.bytes == [1, 2, 3, 4, 5, 6])
    }

    @Test func nonFiniteLossStopsNamingTheStep() throws {
        try NonFiniteTrainingError.check(loss: Float(0.5), step: 3)
        #expect(throws: NonFiniteTrainingError("training diverged: the loss became nan at step 7; stopped before saving meaningless weights (lower the learning rate, or check the data and rewards)")) {
            try NonFiniteTrainingError.check(loss: Float.nan, step: 7)
        }
        #expect(throws: NonFiniteTrainingError("training diverged: the critic loss became inf at step 2 (epoch 1); stopped before saving meaningless weights (lower the learning rate, or check the data and rewards)")) {
            try NonFiniteTrainingError.check(loss: Double.infinity, name: "critic loss", step: 2, epoch: 1)
        }
        let layer = Dense(2, 2, source: try RandomSource(seed: 0))
        try NonFiniteTrainingError.check(parameters: layer.parameters, step: 1)
        layer.parameters[0].value = try Tensor(validatingShape: [2, 2], scalars: [0, 1, .nan, 2])
        #expect(throws: NonFiniteTrainingError.self) { try NonFiniteTrainingError.check(parameters: layer.parameters, step: 5) }
    }
}
