import Foundation
import Testing
@testable import LabCore

@Suite struct TensorBehaviourTests {
    @Test func valueSemanticsCopyOnWrite() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        var b = a
        b[0, 1] = 9
        #expect(a.scalars == [1, 2, 3, 4])
        #expect(b.scalars == [1, 9, 3, 4])
    }

    @Test func creationAndBroadcasting() throws {
        #expect(Tensor.zeros([2, 3]).scalars == [Float](repeating: 0, count: 6))
        #expect(Tensor.ones([2]).scalars == [1, 1])
        #expect(Tensor.filled([1, 2], with: 7).scalars == [7, 7])
        #expect(Tensor([[1, 2], [3, 4]]).shape == [2, 2])
        #expect(Tensor.broadcastShape([3, 1], [1, 4]) == [3, 4])
        #expect(Tensor.broadcastShape([2, 3], [4]) == nil)
        #expect((Tensor([[1, 2], [3, 4]]) + Tensor([10, 20])).scalars == [11, 22, 13, 24])
        #expect(throws: TensorError.self) { try Tensor(validatingShape: [2, 2], scalars: [1, 2, 3]) }
        let source = try RandomSource(seed: 1)
        let n = Tensor.normal([10000], mean: 2, standardDeviation: 0.5, source: source)
        #expect(abs(n.mean().scalar - 2) < 0.02)
        let uni = Tensor.uniform([10000], low: -3, high: -1, source: source)
        #expect(uni.scalars.allSatisfy { $0 >= -3 && $0 < -1 })
    }

    @Test func reductionsAndIndexing() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 7, 2, 9])
        #expect(x.argmax() == 5)
        #expect(x.argmax(axis: 1) == [1, 2])
        #expect(x.argmax(axis: 0) == [1, 0, 1])
        #expect(x.max(axis: 1).scalars == [5, 9])
        #expect(x.sum(axis: 0).scalars == [8, 7, 12])
        #expect(x.mean().scalar == 4.5)
        #expect(x.transposed().scalars == [1, 7, 5, 2, 3, 9])
        #expect(x.slice(axis: 1, 1..<3).scalars == [5, 3, 2, 9])
        #expect(Tensor.concatenate([x, x], axis: 0).shape == [4, 3])
        #expect(Tensor.oneHot([2, 0], classes: 3).scalars == [0, 0, 1, 1, 0, 0])
        #expect(x.clamped(min: 2, max: 6).scalars == [2, 5, 3, 6, 2, 6])
    }

    @Test func gradientsAccumulateUntilZeroed() {
        let p = Parameter(Tensor([1, 2]))
        (p.tensor * 3).sum().backward()
        (p.tensor * 3).sum().backward()
        #expect(p.grad?.scalars == [6, 6])
        p.zeroGrad()
        #expect(p.grad == nil)
        p.isTrainable = false
        (p.tensor * 3).sum().backward()
        #expect(p.grad == nil)
    }

    @Test func noGradientModeAndDetach() {
        let p = Parameter(Tensor([1, 2]))
        let y = withoutGradient { p.tensor * 2 }
        #expect(!y.requiresGradient)
        #expect(isGradientRecordingEnabled)
        let z = (p.tensor * 2).detached() * p.tensor
        z.sum().backward()
        #expect(p.grad?.scalars == [2, 4])  // only the non-detached factor
    }

    @Test func optimizerUpdatesOnlyItsParameters() throws {
        let s = try RandomSource(seed: 3)
        let a = Dense(2, 2, source: s), b = Dense(2, 1, source: s)
        let before = b.weight.value.scalars
        let optimizer = Adam(a.parameters)
        let loss = b(a(Tensor([[1, 2]]))).sum()
        loss.backward()
        optimizer.step()
        #expect(b.weight.value.scalars == before)
        #expect(b.weight.grad != nil)
    }

    @Test func dropoutTrainAndEval() throws {
        let d = Dropout(rate: 0.25, source: try RandomSource(seed: 4))
        let x = Tensor.ones([1000])
        let y = d(x)
        let zeros = y.scalars.filter { $0 == 0 }.count
        #expect(zeros > 180 && zeros < 320)
        #expect(y.scalars.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-6 })
        d.eval()
        #expect(d(x).scalars == x.scalars)
    }

    @Test func initializersHaveTheirDistributions() throws {
        let s = try RandomSource(seed: 8)
        func std(_ t: Tensor) -> Float { ((t * t).mean().scalar - t.mean().scalar * t.mean().scalar).squareRoot() }
        let fanIn = 300, fanOut = 200
        let gu = Initializer.glorotUniform.make([fanOut, fanIn], fanIn: fanIn, fanOut: fanOut, source: s)
        #expect(abs(std(gu) - (2 / Float(fanIn + fanOut)).squareRoot()) < 0.003)
        #expect(gu.scalars.allSatisfy { abs($0) <= (6 / Float(fanIn + fanOut)).squareRoot() })
        let gn = Initializer.glorotNormal.make([fanOut, fanIn], fanIn: fanIn, fanOut: fanOut, source: s)
        #expect(abs(std(gn) - (2 / Float(fanIn + fanOut)).squareRoot()) < 0.003)
        let he = Initializer.heNormal.make([fanOut, fanIn], fanIn: fanIn, fanOut: fanOut, source: s)
        #expect(abs(std(he) - (2 / Float(fanIn)).squareRoot()) < 0.004)
        let hu = Initializer.heUniform.make([fanOut, fanIn], fanIn: fanIn, fanOut: fanOut, source: s)
        #expect(abs(std(hu) - (2 / Float(fanIn)).squareRoot()) < 0.004)
        let n = Initializer.normal(standardDeviation: 0.02).make([fanOut, fanIn], fanIn: fanIn, fanOut: fanOut, source: s)
        #expect(abs(std(n) - 0.02) < 0.0005)
        #expect(Initializer.zeros.make([3], fanIn: 1, fanOut: 1, source: s).scalars == [0, 0, 0])
        #expect(Initializer.constant(0.1).make([2], fanIn: 1, fanOut: 1, source: s).scalars == [0.1, 0.1])
        let f = Initializer.fanInUniform.make([fanOut, fanIn], fanIn: fanIn, fanOut: fanOut, source: s)
        #expect(f.scalars.allSatisfy { abs($0) <= 1 / Float(fanIn).squareRoot() })
    }
}

@Suite struct CheckpointAndDatasetTests {
    func temporary(_ name: String) -> String { NSTemporaryDirectory() + "rllab-core-\(getpid())-\(name)" }

    @Test func safetensorsRoundTripIsExact() throws {
        let s = try RandomSource(seed: 11)
        let model = Sequential(Dense(3, 4, source: s), ReLU(), Conv2DStub(), Dense(4, 2, source: s))
        let path = temporary("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.saveCheckpoint(to: path, metadata: ["note": "test"])
        let loaded = try SafeTensors.load(path)
        #expect(loaded.metadata["note"] == "test")
        #expect(loaded.names == ["0.bias", "0.weight", "3.bias", "3.weight"])
        let other = Sequential(Dense(3, 4, source: s), ReLU(), Conv2DStub(), Dense(4, 2, source: s))
        try other.loadCheckpoint(from: path)
        for (a, b) in zip(model.parameters, other.parameters) { #expect(a.value.scalars == b.value.scalars && a.value.shape == b.value.shape) }
        // The byte layout: 8-byte little-endian length, JSON header, 8-byte aligned data.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + n) % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(header.contains("\"dtype\":\"F32\""))
        #expect(header.contains("\"shape\":[4,3]"))
    }

    @Test func checkpointErrorsAreThrown() throws {
        let path = temporary("bad.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try SafeTensors.load(path) }
        var header = Array("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}".utf8)
        while header.count % 8 != 0 { header.append(32) }
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        bytes += header
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try SafeTensors.load(path) }
        #expect(throws: CheckpointError.self) { try SafeTensors.load(temporary("missing.safetensors")) }
        let s = try RandomSource(seed: 1)
        let small = Dense(2, 2, source: s)
        let p2 = temporary("small.safetensors")
        defer { try? FileManager.default.removeItem(atPath: p2) }
        try small.saveCheckpoint(to: p2)
        #expect(throws: CheckpointError.self) { try Dense(3, 2, source: s).loadCheckpoint(from: p2) }
    }

    @Test func idxParsesAndRejects() throws {
        let raw: [UInt8] = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]
        let array = try IDX.parse(raw)
        #expect(array.shape == [2, 3])
        #expect(array.bytes == [1, 2, 3, 4, 5, 6])
        #expect(throws: DatasetError.self) { try IDX.parse([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1]) }
        #expect(throws: DatasetError.self) { try IDX.parse([1, 2, 3, 4]) }
        #expect(throws: DatasetError.self) { try IDX.parse([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]) }
        // A raw (uncompressed) file on disk reads through the same gzread path.
        let path = temporary("raw-idx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(raw).write(to: URL(fileURLWithPath: path))
        #expect(try IDX.load(path).bytes == [1, 2, 3, 4, 5, 6])
    }

    @Test func missingDatasetSaysHowToInstall() {
        do {
            _ = try FashionMNIST.load(split: "train", directory: "/nonexistent-dir")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("not found"))
        }
        #expect(DatasetError.missingFile("x", hint: "install it with: sudo apt-get install dataset-fashion-mnist").description.contains("apt-get install dataset-fashion-mnist"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-labels-idx1-ubyte.gz")))
    func fashionMNISTTestSplitLoads() throws {
        let test = try FashionMNIST.test()
        #expect(test.count == 10000)
        #expect(test.images.shape == [10000, 784])
        #expect(test.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(Set(test.labels) == Set(0..<10))
        let batches = test.prefix(120).shuffledBatches(size: 50, source: try RandomSource(seed: 1))
        #expect(batches.map(\.count) == [50, 50, 20])
        #expect(Set(batches.flatMap { $0 }) == Set(0..<120))
    }
}

/// A parameterless layer, to check that Sequential indexes names by position.
final class Conv2DStub: Layer {
    func callAsFunction(_ input: Tensor) -> Tensor { input }
}

@Suite struct InteroperabilityAndLearningTests {
    /// A reader written from the safetensors spec in plain Python (no packages), run on a
    /// file RLLab wrote: proves the bytes are what any safetensors reader expects.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pythonSpecReaderReadsOurCheckpoint() throws {
        let path = NSTemporaryDirectory() + "rllab-core-\(getpid())-py.safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = Tensor(shape: [2, 3], scalars: [1.5, -2, 3.25, 0, 1e-8, -7])
        try SafeTensors.save([("w", w), ("b", Tensor([0.5, -0.25]))], metadata: ["k": "v"], to: path)
        let script = """
        import json, struct, sys
        data = open(sys.argv[1], 'rb').read()
        (n,) = struct.unpack('<Q', data[:8])
        header = json.loads(data[8:8 + n])
        body = data[8 + n:]
        out = []
        for name in sorted(k for k in header if k != '__metadata__'):
            e = header[name]
            assert e['dtype'] == 'F32'
            a, b = e['data_offsets']
            vals = struct.unpack('<%df' % ((b - a) // 4), body[a:b])
            out.append(name + ' ' + 'x'.join(map(str, e['shape'])) + ' ' + ' '.join(repr(v) for v in vals))
        out.append('meta ' + header['__metadata__']['k'])
        print('\\n'.join(out))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text == "b 2 0.5 -0.25\nw 2x3 1.5 -2.0 3.25 0.0 9.99999993922529e-09 -7.0\nmeta v\n")
    }

    /// The 784-100-10 MLP learns Fashion-MNIST from a small subset far beyond chance (10%).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-images-idx3-ubyte.gz")))
    func mlpLearnsFashionMNISTSubset() throws {
        // Small and quick for `make test`: train on 3000 images of the test split and
        // evaluate on 1000 others of it (the full run is `rllab classify`).
        let all = try FashionMNIST.test()
        let train = all.prefix(3000)
        let held = all.batch(9000..<10000)
        let test = LabeledImages(images: held.images, labels: held.labels, height: 28, width: 28)
        let master = try RandomSource(seed: 1)
        let model = Sequential(Dense(784, 100, source: master.derived("init")), ReLU(), Dense(100, 10, source: master.derived("init2")))
        let adam = Adam(model.parameters, learningRate: 1e-3)
        let shuffle = master.derived("shuffle")
        for _ in 0..<3 {
            for batch in train.shuffledBatches(size: 50, source: shuffle) {
                let (x, y) = train.batch(batch)
                adam.zeroGrad()
                Loss.crossEntropy(logits: model(x), labels: y).backward()
                adam.step()
            }
        }
        let predicted = withoutGradient { model(test.images).argmax(axis: 1) }
        let accuracy = Double(zip(predicted, test.labels).filter { $0 == $1 }.count) / Double(test.count)
        #expect(accuracy > 0.72, "accuracy \(accuracy)")
    }
}

@Suite struct TanhKernelTests {
    /// The vectorized tanh stays within one float ulp of the C library's tanhf, keeps
    /// signs, zeros, saturation, infinities and NaN.
    @Test func tanhKernelAgreesWithTanhfToOneUlp() throws {
        let random = try RandomSource(seed: 3)
        var inputs: [Float] = (0..<200_000).map { k in Float(random.uniform(-1, 1)) * [0.01, 0.6, 3, 12][k % 4] }
        inputs += [0, -0, 0.5, -0.5, 0.49999997, 1e-30, -1e-30, 1e-45, 9, 20, 25, -88, .infinity, -.infinity]
        var out = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in tanhKernel(x.baseAddress!, o.baseAddress!, count: x.count) }
        }
        // Against the double-precision tanh rounded to float (the correctly rounded value,
        // all but always), and against tanhf, itself within an ulp of it.
        var worstExact = 0, worstLibrary = 0, worstInput: Float = 0
        func ulps(_ a: Float, _ b: Float) -> Int { abs(Int(a.bitPattern & 0x7fff_ffff) - Int(b.bitPattern & 0x7fff_ffff)) }
        for (x, y) in zip(inputs, out) {
            let exact = Float(Foundation.tanh(Double(x)))
            #expect(y.sign == exact.sign, "sign of tanh(\(x))")
            if ulps(y, exact) > worstExact { worstExact = ulps(y, exact); worstInput = x }
            worstLibrary = max(worstLibrary, ulps(y, tanhf(x)))
        }
        #expect(worstExact <= 1, "largest difference \(worstExact) ulp at \(worstInput)")
        #expect(worstLibrary <= 2, "largest difference from tanhf \(worstLibrary) ulp")
        var nan: Float = .nan
        var result: Float = 0
        tanhKernel(&nan, &result, count: 1)
        #expect(result.isNaN)
        // The vector lanes (where the CPU has AVX2 and FMA) give the portable loop's bits exactly.
        let portable = inputs.map { tanhElement($0) }
        #expect(zip(out, portable).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
}

/// ``Sequential`` runs a ``Dense`` layer and the ``Tanh`` after it as one operation
/// (``Tensor/linearTanh(_:weight:bias:)``): its outputs and every gradient (weights,
/// biases, input) must be the bits of the two separate operations, on every instruction
/// set this CPU has (the AVX2 kernel adds the bias as it stores; the others fill C first).
@Suite(.serialized) struct FusedDenseTanhTests {
    @Test func sameBitsAsDenseThenTanh() throws {
        for (rows, sizes) in [(256, [4, 64, 64, 2]), (7, [3, 37, 19, 1]), (1, [5, 16, 8, 3]), (40, [9, 3, 33, 4])] {
            let source = try RandomSource(seed: UInt64(rows))
            var layers: [Layer] = []
            for i in 0..<(sizes.count - 1) {
                layers.append(Dense(sizes[i], sizes[i + 1], source: source))
                if i < sizes.count - 2 { layers.append(Tanh()) }
            }
            let network = Sequential(layers)
            let dense = layers.compactMap { $0 as? Dense }
            let input = Tensor.uniform([rows, sizes[0]], low: -3, high: 3, source: source)
            let weights = Tensor.uniform([rows, sizes.last!], low: -1, high: 1, source: source)
            // Outputs and gradients of (output * weights).sum(): the input's, then every parameter's.
            func run(_ forward: (Tensor) -> Tensor) -> [[UInt32]] {
                network.parameters.zeroGrad()
                let x = input.requiringGradient()
                let y = forward(x)
                (y * weights).sum().backward()
                let values = [y.scalars, x.gradient!.scalars] + network.parameters.map { $0.grad!.scalars }
                return values.map { $0.map(\.bitPattern) }
            }
            for level in InstructionSet.allCases where level <= CPUFeatures.detected {
                let fused = withInstructionSet(level) { run { network($0) } }
                let separate = withInstructionSet(level) {
                    run { x in
                        var h = x
                        for (i, layer) in dense.enumerated() {
                            h = Tensor.linear(h, weight: layer.weight.tensor, bias: layer.bias?.tensor)
                            if i < dense.count - 1 { h = h.tanh() }
                        }
                        return h
                    }
                }
                #expect(fused == separate, "\(level), rows \(rows), sizes \(sizes)")
            }
        }
    }

    /// The fused backward overwrites its incoming gradient only when no other tensor
    /// shares it: two layers whose outputs are added receive one gradient tensor, and the
    /// second layer must still see it unchanged after the first has back-propagated.
    @Test func sharedIncomingGradientIsLeftIntact() throws {
        let source = try RandomSource(seed: 11)
        let first = Dense(5, 24, source: source), second = Dense(5, 24, source: source)
        let parameters = first.parameters + second.parameters
        let input = Tensor.uniform([33, 5], low: -2, high: 2, source: source)
        let weights = Tensor.uniform([33, 24], low: -1, high: 1, source: source)
        func run(fused: Bool) -> [[UInt32]] {
            parameters.zeroGrad()
            let x = input.requiringGradient()
            func layer(_ dense: Dense) -> Tensor {
                fused ? Tensor.linearTanh(x, weight: dense.weight.tensor, bias: dense.bias?.tensor)
                    : Tensor.linear(x, weight: dense.weight.tensor, bias: dense.bias?.tensor).tanh()
            }
            ((layer(first) + layer(second)) * weights).sum().backward()
            return ([x.gradient!.scalars] + parameters.map { $0.grad!.scalars }).map { $0.map(\.bitPattern) }
        }
        let fused = run(fused: true), separate = run(fused: false)
        #expect(fused == separate)
        // The two layers' weight gradients differ (different weights, same incoming gradient).
        #expect(fused[1] != fused[3])
    }
}
