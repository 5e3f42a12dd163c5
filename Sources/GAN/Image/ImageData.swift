import LabCore

/// 28x28 grey images scaled to [-1, 1] (a tanh generator's range) with class labels.
public struct GANImageData {
    /// `[N, 784]`, values in [-1, 1].
    public let images: Tensor
    /// Class ids in 0..<10.
    public let labels: [Int]
    /// The side of the square images the GANs take.
    public static let side = 28
    /// The number of classes of conditional models.
    public static let classes = 10

    public var count: Int { labels.count }

    /// Images already in [-1, 1] as `[N, 784]` with one label per image in 0..<10.
    ///
    /// - Throws: ``GANError`` when the shapes do not match or a label is out of range.
    public init(images: Tensor, labels: [Int]) throws {
        let size = GANImageData.side * GANImageData.side
        guard images.rank == 2, images.shape[1] == size else {
            throw GANError.invalidSetting("images must be [N, \(size)] (28x28 flattened); got \(images.shape)")
        }
        guard images.shape[0] == labels.count else {
            throw GANError.invalidSetting("\(images.shape[0]) images but \(labels.count) labels")
        }
        guard labels.allSatisfy({ (0..<GANImageData.classes).contains($0) }) else {
            throw GANError.invalidSetting("labels must be in 0...\(GANImageData.classes - 1)")
        }
        self.images = images
        self.labels = labels
    }

    /// For subsets of data that was checked already.
    private init(validatedImages: Tensor, labels: [Int]) {
        images = validatedImages
        self.labels = labels
    }

    /// Images `[N, 784]` in [0, 1] (as the IDX reader gives them), rescaled to [-1, 1].
    public init(unitIntervalImages: Tensor, labels: [Int], height: Int, width: Int, source: String) throws {
        guard height == GANImageData.side, width == GANImageData.side else {
            throw GANError.wrongImageSize(source: source, height: height, width: width, expected: GANImageData.side)
        }
        try self.init(images: unitIntervalImages * 2 - 1, labels: labels)
    }

    /// The first `n` examples.
    public func prefix(_ n: Int) -> GANImageData {
        let k = Swift.min(n, count)
        return GANImageData(validatedImages: images[rows: 0..<k], labels: Array(labels[0..<k]))
    }

    /// The images and labels at `indices`.
    public func batch<C: Collection>(_ indices: C) -> (images: Tensor, labels: [Int]) where C.Element == Int {
        let d = images.shape[1]
        var values = [Float](repeating: 0, count: indices.count * d)
        var batchLabels: [Int] = []
        batchLabels.reserveCapacity(indices.count)
        images.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    for j in 0..<d { dst[r * d + j] = src[i * d + j] }
                }
            }
            for i in indices { batchLabels.append(labels[i]) }
        }
        return (Tensor(shape: [indices.count, d], scalars: values), batchLabels)
    }
}
