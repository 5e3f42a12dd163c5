#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors reading datasets.
public enum DatasetError: Error, CustomStringConvertible {
    case missingFile(String, hint: String)
    case io(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .missingFile(let path, let hint): return "dataset file not found: \(path)\(hint.isEmpty ? "" : "; \(hint)")"
        case .io(let message), .malformed(let message): return message
        }
    }
}

/// An unsigned-byte array read from an IDX file (the MNIST format): dimensions and data.
public struct IDXArray {
    public let shape: [Int]
    public let bytes: [UInt8]
}

/// Reads IDX files (`.gz` or raw), as used by MNIST and Fashion-MNIST.
///
/// Decompression goes through zlib's `gzopen`/`gzread`, which read gzip and plain files
/// alike. zlib is loaded at run time (`libz.so.1`, present on every Debian system) so the
/// package needs no extra link flags.
public enum IDX {
    typealias GzOpen = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> OpaquePointer?
    typealias GzRead = @convention(c) (OpaquePointer, UnsafeMutableRawPointer, UInt32) -> Int32
    typealias GzClose = @convention(c) (OpaquePointer) -> Int32

    struct Zlib: @unchecked Sendable { let open: GzOpen; let read: GzRead; let close: GzClose }
    static let zlib: Zlib? = {
        for name in ["libz.so.1", "libz.so", "libz.dylib"] {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL),
                  let o = dlsym(h, "gzopen"), let r = dlsym(h, "gzread"), let c = dlsym(h, "gzclose") else { continue }
            return Zlib(open: unsafeBitCast(o, to: GzOpen.self), read: unsafeBitCast(r, to: GzRead.self), close: unsafeBitCast(c, to: GzClose.self))
        }
        return nil
    }()

    /// Parses an IDX file of unsigned bytes (type code 0x08), decompressed if it is gzip.
    public static func load(_ path: String) throws -> IDXArray {
        guard access(path, R_OK) == 0 else { throw DatasetError.missingFile(path, hint: "") }
        guard let zlib else { throw DatasetError.io("zlib (libz.so.1) is not available to read \(path)") }
        guard let file = zlib.open(path, "rb") else { throw DatasetError.io("cannot open \(path)") }
        defer { _ = zlib.close(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { zlib.read(file, $0.baseAddress!, UInt32($0.count)) }
            if n < 0 { throw DatasetError.io("\(path): corrupt or truncated gzip data") }
            if n == 0 { break }
            // A small gzip file can claim to expand without bound: stop before memory runs out.
            guard result.count + Int(n) <= MemoryBudget.machineBytes / 2 else {
                throw DatasetError.malformed("\(path): decompresses to more than \(MemoryBudget.format(MemoryBudget.machineBytes / 2)), half this machine's memory")
            }
            result.append(contentsOf: chunk[0..<Int(n)])
        }
        return try parse(result, source: path)
    }

    public static func parse(_ bytes: [UInt8], source: String = "IDX data") throws -> IDXArray {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw DatasetError.malformed("\(source): not an IDX file (bad magic number)") }
        guard bytes[2] == 0x08 else { throw DatasetError.malformed("\(source): IDX element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte") }
        let rank = Int(bytes[3])
        guard rank >= 1, bytes.count >= 4 + 4 * rank else { throw DatasetError.malformed("\(source): truncated IDX header") }
        var shape: [Int] = []
        var count = 1
        for d in 0..<rank {
            let p = 4 + 4 * d
            let n = Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
            shape.append(n)
            // Checked: the header is untrusted, and its product must not overflow.
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow, product <= bytes.count else {
                throw DatasetError.malformed("\(source): the header's dimensions \(shape) need more data bytes than the file's \(bytes.count)")
            }
            count = product
        }
        let start = 4 + 4 * rank
        guard bytes.count - start == count else {
            throw DatasetError.malformed("\(source): expected \(count) data bytes for shape \(shape), found \(bytes.count - start)")
        }
        return IDXArray(shape: shape, bytes: Array(bytes[start...]))
    }
}

/// Images with integer class labels, images scaled to [0, 1] as `[N, H * W]`.
public struct LabeledImages {
    /// `[N, height * width]`, pixel / 255.
    public var images: Tensor
    public var labels: [Int]
    public let height: Int
    public let width: Int
    public var count: Int { labels.count }

    public init(images: Tensor, labels: [Int], height: Int, width: Int) {
        precondition(images.rank == 2 && images.shape[0] == labels.count && images.shape[1] == height * width,
                     "LabeledImages: images \(images.shape) do not match \(labels.count) labels of \(height)x\(width)")
        self.images = images
        self.labels = labels
        self.height = height
        self.width = width
    }

    /// The first `n` examples.
    public func prefix(_ n: Int) -> LabeledImages {
        let k = Swift.min(n, count)
        return LabeledImages(images: images[rows: 0..<k], labels: Array(labels[0..<k]), height: height, width: width)
    }

    /// Images and labels of the examples at `indices` (a minibatch).
    public func batch<C: Collection>(_ indices: C) -> (images: Tensor, labels: [Int]) where C.Element == Int {
        let d = height * width
        let out = Tensor(uninitializedShape: [indices.count, d])
        var labels: [Int] = []
        labels.reserveCapacity(indices.count)
        for (r, i) in indices.enumerated() {
            (out.storage.base + r * d).update(from: images.storage.base + i * d, count: d)
            labels.append(self.labels[i])
        }
        return (out, labels)
    }

    /// Minibatches of a fresh shuffle (the last one may be smaller).
    public func shuffledBatches(size: Int, source: RandomSource) -> [ArraySlice<Int>] {
        let order = source.permutation(count)
        return stride(from: 0, to: count, by: Swift.max(size, 1)).map { order[$0..<Swift.min($0 + size, count)] }
    }
}

/// Fashion-MNIST (Zalando): 60,000 training and 10,000 test 28x28 grey images, 10 classes.
public enum FashionMNIST {
    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// Loads one split (`train` or `t10k`), reading `.gz` or raw files.
    public static func load(split: String, directory: String = defaultDirectory) throws -> LabeledImages {
        func path(_ kind: String) throws -> String {
            let base = "\(directory)/\(split)-\(kind)"
            for candidate in ["\(base).gz", base] where access(candidate, R_OK) == 0 { return candidate }
            throw DatasetError.missingFile("\(base).gz",
                hint: directory == defaultDirectory ? "install it with: sudo apt-get install dataset-fashion-mnist" : "expected MNIST-format IDX files in \(directory)")
        }
        let images = try IDX.load(try path("images-idx3-ubyte"))
        let labels = try IDX.load(try path("labels-idx1-ubyte"))
        guard images.shape.count == 3, labels.shape.count == 1, images.shape[0] == labels.shape[0] else {
            throw DatasetError.malformed("\(directory): images \(images.shape) and labels \(labels.shape) do not match")
        }
        guard labels.bytes.allSatisfy({ $0 < 10 }) else { throw DatasetError.malformed("\(directory): label outside 0...9") }
        let (n, h, w) = (images.shape[0], images.shape[1], images.shape[2])
        let t = Tensor(uninitializedShape: [n, h * w])
        images.bytes.withUnsafeBufferPointer { src in
            for i in 0..<src.count { t.storage.base[i] = Float(src[i]) / 255 }
        }
        return LabeledImages(images: t, labels: labels.bytes.map { Int($0) }, height: h, width: w)
    }

    /// The training split.
    public static func train(directory: String = defaultDirectory) throws -> LabeledImages { try load(split: "train", directory: directory) }
    /// The test split.
    public static func test(directory: String = defaultDirectory) throws -> LabeledImages { try load(split: "t10k", directory: directory) }
}
