import LabCore

extension GANImageData {
    /// The training and test splits of MNIST-format IDX files in `directory` (Fashion-MNIST
    /// from Debian's `dataset-fashion-mnist` by default), scaled to [-1, 1].
    ///
    /// - Throws: the IDX reader's error for missing or malformed files (it names the install
    ///   command), ``GANError/wrongImageSize(source:height:width:expected:)`` for images
    ///   that are not 28x28.
    public static func load(directory: String = FashionMNIST.defaultDirectory) throws -> (train: GANImageData, test: GANImageData) {
        func split(_ name: String) throws -> GANImageData {
            let images = try FashionMNIST.load(split: name, directory: directory)
            return try GANImageData(unitIntervalImages: images.images, labels: images.labels,
                                    height: images.height, width: images.width, source: "\(directory)/\(name)-images-idx3-ubyte")
        }
        return (try split("train"), try split("t10k"))
    }
}
