import CPNG
import Foundation
import LabCore

/// An 8-bit greyscale image, written and read through libpng.
///
/// Uses libpng's simplified `png_image` API, which reports errors through return codes
/// and a message buffer instead of `longjmp` (which Swift code cannot survive).
public struct PNGImage: Equatable {
    public let width: Int
    public let height: Int
    /// Row-major pixels, 0 = black, 255 = white.
    public var pixels: [UInt8]

    /// An image of `width` x `height` pixels, all `fill`.
    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.width = width
        self.height = height
        pixels = Array(repeating: fill, count: width * height)
    }

    /// An image from row-major pixels; throws if they do not fill it.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw GANError.invalidSetting("PNG image: \(pixels.count) pixels do not fill \(width)x\(height)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Writes the image as an 8-bit greyscale PNG.
    public func write(to url: URL) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        let ok = pixels.withUnsafeBufferPointer { buffer in
            url.path.withCString { path in
                png_image_write_to_file(&image, path, 0, buffer.baseAddress, Int32(width), nil)
            }
        }
        let message = PNGImage.message(of: &image)
        png_image_free(&image)
        guard ok != 0 else { throw GANError.outputFailed("cannot write PNG \(url.path): \(message)") }
    }

    /// Decodes a PNG file (any colour type) into 8-bit greyscale.
    public init(contentsOf url: URL) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard url.path.withCString({ png_image_begin_read_from_file(&image, $0) }) != 0 else {
            let message = PNGImage.message(of: &image)
            png_image_free(&image)
            throw GANError.inputFailed("cannot read PNG \(url.path): \(message)")
        }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let w = Int(image.width), h = Int(image.height)
        var buffer = [UInt8](repeating: 0, count: w * h)
        let ok = buffer.withUnsafeMutableBufferPointer {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(w), nil)
        }
        let message = PNGImage.message(of: &image)
        png_image_free(&image)
        guard ok != 0 else { throw GANError.inputFailed("cannot decode PNG \(url.path): \(message)") }
        width = w
        height = h
        pixels = buffer
    }

    /// libpng's error text, a fixed C char array inside the struct.
    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }
}

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
