import Foundation
import LabCore

extension PNGImage {
    /// Tiles images into a grid, row by row, with `padding` pixels of `background` between them.
    ///
    /// - Parameters:
    ///   - images: `[N, H, W]` or `[N, 1, H, W]` (or `[N, H*W]` with `imageSize`) values in
    ///     [-1, 1] (a tanh generator's range); values outside are clamped.
    ///   - columns: images per grid row (10 for the 10x10 grids, one row per class).
    public static func grid(_ images: Tensor, imageHeight: Int, imageWidth: Int, columns: Int,
                            padding: Int = 2, background: UInt8 = 0) throws -> PNGImage {
        let size = imageHeight * imageWidth
        guard size > 0, columns > 0, images.count % size == 0 else {
            throw GANError.invalidSetting("image grid: \(images.shape) is not a stack of \(imageHeight)x\(imageWidth) images")
        }
        let count = images.count / size
        let rows = (count + columns - 1) / columns
        let width = columns * imageWidth + (columns + 1) * padding
        let height = rows * imageHeight + (rows + 1) * padding
        var grid = PNGImage(width: width, height: height, fill: background)
        images.withUnsafeBufferPointer { values in
            for n in 0..<count {
                let top = padding + (n / columns) * (imageHeight + padding)
                let left = padding + (n % columns) * (imageWidth + padding)
                for y in 0..<imageHeight {
                    for x in 0..<imageWidth {
                        let raw = values[n * size + y * imageWidth + x]
                        let v = raw.isNaN ? -1 : raw  // a diverged generator still gives a readable grid
                        let scaled = ((Swift.min(Swift.max(v, -1), 1) + 1) * 127.5).rounded()
                        grid.pixels[(top + y) * width + left + x] = UInt8(scaled)
                    }
                }
            }
        }
        return grid
    }
}
