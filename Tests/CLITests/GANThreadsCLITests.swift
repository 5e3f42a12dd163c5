import Foundation
import Testing

/// `rllab gan mlp|acgan --threads N`: the thread count changes no byte of a run.
@Suite struct GANThreadsCLITests {
    /// Uncompressed MNIST-format files of `n` random 28x28 images and labels per split.
    static func writeRandomIDX(_ dir: URL, n: Int, seed: UInt64) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var state = seed
        func byte() -> UInt8 {  // splitmix64's high bits
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: (z ^ (z >> 31)) >> 56)
        }
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        for split in ["train", "t10k"] {
            let images = [0, 0, 8, 3] + be(n) + be(28) + be(28) + (0..<(n * 784)).map { _ in byte() }
            let labels = [0, 0, 8, 1] + be(n) + (0..<n).map { UInt8($0 % 10) }
            try Data(images).write(to: dir.appendingPathComponent("\(split)-images-idx3-ubyte"))
            try Data(labels).write(to: dir.appendingPathComponent("\(split)-labels-idx1-ubyte"))
        }
    }

    /// Every file under `dir` by relative path; report.html with the folder's own path
    /// taken out (it names the run folder).
    static func files(_ dir: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let name = String(url.path.dropFirst(dir.path.count))
            var data = try Data(contentsOf: url)
            if name.hasSuffix("report.html") {
                data = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: dir.path, with: "RUN").utf8)
            }
            files[name] = data
        }
        return files
    }

    /// An AC-GAN epoch of the `small` preset (batches of 32: its convolutions split their
    /// images over 2 threads) writes the same bytes with `--threads 1` and `--threads 2`;
    /// an MLP GAN epoch the same with `--threads 1` and RLLAB_BLAS_THREADS=2 (honoured
    /// without `--threads`).
    @Test(arguments: [("acgan", ["--threads", "2"], [String: String]()), ("mlp", [], ["RLLAB_BLAS_THREADS": "2"])])
    func oneAndTwoThreadsWriteTheSameBytes(model: String, twoThreads: [String], environment: [String: String]) throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try GANThreadsCLITests.writeRandomIDX(data, n: 64, seed: 3)
        var runs: [[String: Data]] = []
        for (name, extra, variables) in [("one", ["--threads", "1"], [:]), ("two", twoThreads, environment)] {
            let out = root.appendingPathComponent(name)
            let output = try CLI.run(["gan", model, "--data", data.path, "--out", out.path, "--no-metrics", "--quiet", "--epochs", "1",
                                      "--set", "batch_size=32", "--set", "test_limit=32"] + extra,
                                     environment: ProcessInfo.processInfo.environment.merging(variables) { $1 })
            #expect(output.status == 0, "\(output.stderr)")
            runs.append(try GANThreadsCLITests.files(out))
        }
        #expect(runs[0].count >= 8, "\(runs[0].keys.sorted())")
        #expect(runs[1].keys.sorted() == runs[0].keys.sorted())
        for (name, bytes) in runs[0] { #expect(runs[1][name] == bytes, "\(name) differs between 1 and 2 threads") }
    }

    /// With the per-epoch metrics too: an MLP GAN epoch measured on 500 generated and real
    /// images (the generator's layers on 500 rows and the covariance products, which went
    /// through a threaded OpenBLAS until 2026-11-30) writes the same metrics.csv and
    /// summary.json with `--threads 1` and `--threads 2`, every other file included.
    @Test func metricsAreTheSameBytesAtOneAndTwoThreads() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try GANThreadsCLITests.writeRandomIDX(data, n: 500, seed: 4)
        let classifier = root.appendingPathComponent("classifier")
        let trained = try CLI.run(["classify", "--data", data.path, "--model", "mlp", "--epochs", "1", "--limit", "100",
                                   "--quiet", "--out", classifier.path])
        #expect(trained.status == 0, "\(trained.stderr)")
        var runs: [[String: Data]] = []
        for threads in ["1", "2"] {
            let out = root.appendingPathComponent("threads\(threads)")
            let output = try CLI.run(["gan", "mlp", "--data", data.path, "--out", out.path, "--quiet", "--epochs", "1", "--threads", threads,
                                      "--classifier", classifier.appendingPathComponent("classifier.safetensors").path,
                                      "--set", "train_limit=64", "--set", "batch_size=32", "--set", "test_limit=32",
                                      "--set", "metric_images=500"])
            #expect(output.status == 0, "\(output.stderr)")
            runs.append(try GANThreadsCLITests.files(out))
        }
        #expect(runs[0]["/metrics.csv"] != nil, "\(runs[0].keys.sorted())")
        #expect(runs[1].keys.sorted() == runs[0].keys.sorted())
        for (name, bytes) in runs[0] { #expect(runs[1][name] == bytes, "\(name) differs between 1 and 2 threads") }
    }

    @Test func badThreadCountsAreClearErrors() throws {
        for bad in ["0", "-2", "100000"] {
            let output = try CLI.run(["gan", "acgan", "--threads", bad, "--no-metrics", "--data", "/nonexistent"])
            #expect(output.status != 0)
            #expect(output.stderr.contains("--threads") && !output.stderr.contains("Fatal error"), "\(output.stderr)")
        }
    }
}
