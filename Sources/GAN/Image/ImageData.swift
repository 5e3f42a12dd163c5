import LabCore

/// 28x28 grey images scaled to [-1, 1] (a tanh generator's range) with class labels.
public struct GANImageData {
    /// The images and labels, checked (LabCore's subsets and minibatches).
    private let data: LabeledImages
    /// `[N, 784]`, values in [-1, 1].
    public var images: Tensor { data.images }
    /// Class ids in 0..<10.
    public var labels: [Int] { data.labels }
    /// The side of the square images the GANs take.
    public static let side = 28
    /// The number of classes of conditional models.
    public static let classes = 10

    public var count: Int { data.count }

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
        data = LabeledImages(images: images, labels: labels, height: GANImageData.side, width: GANImageData.side)
    }

    /// For subsets of data that was checked already.
    private init(_ data: LabeledImages) { self.data = data }

    /// Images `[N, 784]` in [0, 1] (as the IDX reader gives them), rescaled to [-1, 1].
    public init(unitIntervalImages: Tensor, labels: [Int], height: Int, width: Int, source: String) throws {
        guard height == GANImageData.side, width == GANImageData.side else {
            throw GANError.wrongImageSize(source: source, height: height, width: width, expected: GANImageData.side)
        }
        try self.init(images: unitIntervalImages * 2 - 1, labels: labels)
    }

    /// The first `n` examples.
    public func prefix(_ n: Int) -> GANImageData { GANImageData(data.prefix(n)) }

    /// The images and labels at `indices`.
    public func batch<C: Collection>(_ indices: C) -> (images: Tensor, labels: [Int]) where C.Element == Int {
        data.batch(indices)
    }
}
