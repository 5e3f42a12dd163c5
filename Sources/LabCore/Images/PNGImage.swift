import CPNG
import Foundation

/// An 8-bit image, greyscale or RGB, written and read through libpng.
///
/// Uses libpng's simplified `png_image` API, which reports errors through return codes
/// and a message buffer instead of `longjmp` (which Swift code cannot survive). GAN sample
/// grids are greyscale images; rendered environment frames are RGB images.
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (greyscale) or 3 (RGB).
    public let channels: Int
    /// Row-major pixels, `channels` bytes each (RGB order); 0 = black, 255 = full intensity.
    public var pixels: [UInt8]

    /// A greyscale image of `width` x `height` pixels, all `fill`.
    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.width = width
        self.height = height
        channels = 1
        pixels = Array(repeating: fill, count: width * height)
    }

    /// An RGB image of `width` x `height` pixels, all `fill`.
    public init(width: Int, height: Int, rgb fill: (UInt8, UInt8, UInt8)) {
        self.width = width
        self.height = height
        channels = 3
        pixels = Array(repeatElement([fill.0, fill.1, fill.2], count: width * height).joined())
    }

    /// An image from row-major pixels (`channels` bytes each); throws if they do not fill it.
    public init(width: Int, height: Int, channels: Int = 1, pixels: [UInt8]) throws {
        guard channels == 1 || channels == 3 else {
            throw ImageError("an image has 1 (greyscale) or 3 (RGB) channels, not \(channels)")
        }
        guard width > 0, height > 0, pixels.count == width * height * channels else {
            throw ImageError("image: \(pixels.count) bytes do not fill \(width)x\(height) pixels of \(channels) channel(s)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The colour at column `x`, row `y` (row 0 at the top), as RGB (grey repeated).
    public func rgb(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * channels
        return channels == 3 ? (pixels[i], pixels[i + 1], pixels[i + 2]) : (pixels[i], pixels[i], pixels[i])
    }

    /// Writes the image as an 8-bit greyscale or RGB PNG.
    public func write(to url: URL) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : UInt32(PNG_FORMAT_GRAY)
        // Crash-safe: a reader or an interruption sees the old file or the whole new one.
        try AtomicFile.write(to: url) { temporary in
            let ok = pixels.withUnsafeBufferPointer { buffer in
                temporary.path.withCString { path in
                    png_image_write_to_file(&image, path, 0, buffer.baseAddress, Int32(width * channels), nil)
                }
            }
            let message = PNGImage.message(of: &image)
            png_image_free(&image)
            guard ok != 0 else { throw ImageError("cannot write PNG \(url.path): \(message)") }
        }
    }

    /// Decodes a PNG file (any colour type) into 8-bit greyscale (`channels` 1) or RGB
    /// (`channels` 3).
    public init(contentsOf url: URL, channels: Int = 1) throws {
        guard channels == 1 || channels == 3 else {
            throw ImageError("an image has 1 (greyscale) or 3 (RGB) channels, not \(channels)")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard url.path.withCString({ png_image_begin_read_from_file(&image, $0) }) != 0 else {
            let message = PNGImage.message(of: &image)
            png_image_free(&image)
            throw ImageError("cannot read PNG \(url.path): \(message)")
        }
        image.format = channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : UInt32(PNG_FORMAT_GRAY)
        let w = Int(image.width), h = Int(image.height)
        var buffer = [UInt8](repeating: 0, count: w * h * channels)
        let ok = buffer.withUnsafeMutableBufferPointer {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(w * channels), nil)
        }
        let message = PNGImage.message(of: &image)
        png_image_free(&image)
        guard ok != 0 else { throw ImageError("cannot decode PNG \(url.path): \(message)") }
        width = w
        height = h
        self.channels = channels
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
    /// The image shrunk by an integer `factor`, each pixel the rounded mean of a
    /// `factor` x `factor` block (edge rows and columns that do not fill a block are dropped).
    public func downscaled(by factor: Int) -> PNGImage {
        guard factor > 1, width >= factor, height >= factor else { return self }
        let w = width / factor, h = height / factor
        var out = [UInt8](repeating: 0, count: w * h * channels)
        let area = factor * factor, width = self.width, channels = self.channels
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for y in 0..<h {
                    for x in 0..<w {
                        for c in 0..<channels {
                            var sum = 0
                            for dy in 0..<factor {
                                let row = (y * factor + dy) * width
                                for dx in 0..<factor { sum += Int(source[(row + x * factor + dx) * channels + c]) }
                            }
                            target[(y * w + x) * channels + c] = UInt8((sum + area / 2) / area)
                        }
                    }
                }
            }
        }
        return (try? PNGImage(width: w, height: h, channels: channels, pixels: out)) ?? self
    }
}
