import CGIF
import Foundation

/// An animated GIF of RGB frames, encoded and decoded through giflib.
///
/// GIF stores at most 256 colours. The encoder builds one global palette for the whole
/// animation from the colours in order of first appearance: rendered scenes have few
/// (a background, a few shapes and their anti-aliased edges), and when an animation has
/// more than 256 the later, rarer ones (edge shades) map to the nearest palette entry.
/// After the first frame only the rectangle that changed since the previous frame is
/// kept (disposal "do not dispose"), so an episode of a mostly still scene stays small,
/// in the file and in memory while it is recorded. The animation loops forever.
public final class GIFAnimation {
    public let width: Int
    public let height: Int
    public let framesPerSecond: Double

    private var palette: [UInt32] = []
    private var lookup: [UInt32: UInt8] = [:]
    private var previous: [UInt8]
    /// Each frame's changed rectangle and its palette indices.
    private var frames: [(left: Int, top: Int, width: Int, height: Int, indices: [UInt8])] = []
    private var current: [UInt8]

    /// An empty animation of `width` x `height` frames at `framesPerSecond`.
    ///
    /// - Throws: ``ImageError`` for sizes outside 1...65535 or a non-positive rate.
    public init(width: Int, height: Int, framesPerSecond: Double) throws {
        guard (1...65535).contains(width), (1...65535).contains(height) else {
            throw ImageError("GIF frames are 1 to 65535 pixels wide and high, got \(width)x\(height)")
        }
        guard framesPerSecond > 0, framesPerSecond.isFinite else {
            throw ImageError("a GIF needs a positive frame rate, got \(framesPerSecond)")
        }
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        previous = [UInt8](repeating: 0, count: width * height)
        current = previous
    }

    /// Adds a frame (greyscale or RGB, of the animation's size).
    public func append(_ frame: PNGImage) throws {
        guard frame.width == width, frame.height == height else {
            throw ImageError("GIF frame \(frames.count) is \(frame.width)x\(frame.height); the animation is \(width)x\(height)")
        }
        let c = frame.channels
        var indexed = current
        frame.pixels.withUnsafeBufferPointer { p in
            indexed.withUnsafeMutableBufferPointer { out in
                var last: UInt32 = .max, lastIndex: UInt8 = 0
                for i in 0..<(width * height) {
                    let o = i * c
                    let key = c == 3 ? UInt32(p[o]) << 16 | UInt32(p[o + 1]) << 8 | UInt32(p[o + 2]) : UInt32(p[o]) * 0x010101
                    if key != last { last = key; lastIndex = index(of: key) }
                    out[i] = lastIndex
                }
            }
        }
        current = indexed
        var (left, top, right, bottom) = (0, 0, width - 1, height - 1)
        if !frames.isEmpty {
            (left, top, right, bottom) = (width, height, -1, -1)
            current.withUnsafeBufferPointer { now in
                previous.withUnsafeBufferPointer { before in
                    for y in 0..<height {
                        let base = y * width
                        for x in 0..<width where now[base + x] != before[base + x] {
                            left = min(left, x); right = max(right, x)
                            top = min(top, y); bottom = max(bottom, y)
                        }
                    }
                }
            }
            if right < 0 { (left, top, right, bottom) = (0, 0, 0, 0) }  // unchanged: one pixel
        }
        let w = right - left + 1, h = bottom - top + 1
        var indices = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w { indices[y * w + x] = current[(top + y) * width + left + x] }
        }
        frames.append((left, top, w, h, indices))
        swap(&previous, &current)
    }

    private func index(of key: UInt32) -> UInt8 {
        if let i = lookup[key] { return i }
        let i: UInt8
        if palette.count < 256 {
            i = UInt8(palette.count)
            palette.append(key)
        } else {
            i = GIFAnimation.nearest(key, in: palette)
        }
        lookup[key] = i
        return i
    }

    /// Writes the animation. GIF delays are whole hundredths of a second; each frame's
    /// delay is rounded so that the total duration stays frames / `framesPerSecond`.
    public func write(to url: URL) throws {
        guard !frames.isEmpty else { throw ImageError("a GIF needs at least one frame") }
        // Crash-safe: a reader or an interruption sees the old file or the whole new one.
        try AtomicFile.write(to: url) { temporary in try encode(to: temporary, naming: url) }
    }

    private func encode(to temporary: URL, naming url: URL) throws {
        var error: Int32 = 0
        // Opened here rather than by giflib, which would create the file readable by its owner only.
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        guard descriptor >= 0 else { throw ImageError("cannot write GIF \(url.path): \(String(cString: strerror(errno)))") }
        guard let gif = EGifOpenFileHandle(descriptor, &error) else {
            close(descriptor)
            throw ImageError("cannot write GIF \(url.path): \(GIFAnimation.message(error))")
        }
        var closed = false
        defer { if !closed { EGifCloseFile(gif, &error) } }
        func check(_ status: Int32, _ what: String) throws {
            guard status == GIF_OK else { throw ImageError("cannot write GIF \(url.path) (\(what)): \(GIFAnimation.message(gif.pointee.Error))") }
        }
        EGifSetGifVersion(gif, true)
        // The colour table's size must be a power of two.
        var tableSize = 2
        while tableSize < palette.count { tableSize *= 2 }
        var colors = [GifColorType](repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: tableSize)
        for (i, c) in palette.enumerated() { colors[i] = GifColorType(Red: UInt8(c >> 16), Green: UInt8((c >> 8) & 255), Blue: UInt8(c & 255)) }
        guard let colorMap = GifMakeMapObject(Int32(tableSize), &colors) else { throw ImageError("cannot write GIF \(url.path): out of memory") }
        defer { GifFreeMapObject(colorMap) }
        try check(EGifPutScreenDesc(gif, Int32(width), Int32(height), 8, 0, colorMap), "screen")

        // NETSCAPE2.0 application extension: loop forever.
        try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "loop")
        var application = Array("NETSCAPE2.0".utf8)
        try check(EGifPutExtensionBlock(gif, 11, &application), "loop")
        var loop: [UInt8] = [1, 0, 0]
        try check(EGifPutExtensionBlock(gif, 3, &loop), "loop")
        try check(EGifPutExtensionTrailer(gif), "loop")

        for (f, frame) in frames.enumerated() {
            let delay = Int((Double(f + 1) * 100 / framesPerSecond).rounded()) - Int((Double(f) * 100 / framesPerSecond).rounded())
            var control = GraphicsControlBlock(DisposalMode: DISPOSE_DO_NOT, UserInputFlag: false,
                                               DelayTime: Int32(max(delay, 1)), TransparentColor: NO_TRANSPARENT_COLOR)
            var extensionBytes = [UInt8](repeating: 0, count: 4)
            let length = EGifGCBToExtension(&control, &extensionBytes)
            try check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, Int32(length), &extensionBytes), "frame \(f) delay")
            try check(EGifPutImageDesc(gif, Int32(frame.left), Int32(frame.top), Int32(frame.width), Int32(frame.height), false, nil), "frame \(f)")
            var indices = frame.indices
            try indices.withUnsafeMutableBufferPointer { buffer in
                try check(EGifPutLine(gif, buffer.baseAddress, Int32(buffer.count)), "frame \(f)")
            }
        }
        closed = true
        guard EGifCloseFile(gif, &error) == GIF_OK else { throw ImageError("cannot write GIF \(url.path): \(GIFAnimation.message(error))") }
    }

    /// Writes `frames` (all the same size) as an animated GIF at `framesPerSecond`.
    public static func write(_ frames: [PNGImage], framesPerSecond: Double, to url: URL) throws {
        guard let first = frames.first else { throw ImageError("a GIF needs at least one frame") }
        let animation = try GIFAnimation(width: first.width, height: first.height, framesPerSecond: framesPerSecond)
        for frame in frames { try animation.append(frame) }
        try animation.write(to: url)
    }

    /// A decoded GIF: its frames composed onto the logical screen, and their delays.
    public struct Decoded {
        /// Each frame as the viewer sees it (RGB, screen size).
        public var frames: [PNGImage]
        /// Each frame's delay in hundredths of a second.
        public var delays: [Int]
        /// Whether the file asks to loop (a NETSCAPE2.0 extension).
        public var loops: Bool
    }

    /// Decodes a GIF with giflib, composing each frame over the previous one (the
    /// disposal modes "unspecified" and "do not dispose", which cover RLLab's files).
    public static func read(_ url: URL) throws -> Decoded {
        var error: Int32 = 0
        guard let gif = url.path.withCString({ DGifOpenFileName($0, &error) }) else {
            throw ImageError("cannot read GIF \(url.path): \(message(error))")
        }
        defer { DGifCloseFile(gif, &error) }
        guard DGifSlurp(gif) == GIF_OK else { throw ImageError("cannot decode GIF \(url.path): \(message(gif.pointee.Error))") }
        let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
        var canvas = [UInt8](repeating: 0, count: width * height * 3)
        var result = Decoded(frames: [], delays: [], loops: false)
        for i in 0..<Int(gif.pointee.ImageCount) {
            let saved = gif.pointee.SavedImages[i]
            var control = GraphicsControlBlock()
            if DGifSavedExtensionToGCB(gif, Int32(i), &control) == GIF_OK { result.delays.append(Int(control.DelayTime)) } else { result.delays.append(0) }
            for e in 0..<Int(saved.ExtensionBlockCount) {
                let block = saved.ExtensionBlocks[e]
                if block.Function == APPLICATION_EXT_FUNC_CODE, block.ByteCount == 11,
                   String(decoding: UnsafeBufferPointer(start: block.Bytes, count: 11), as: UTF8.self) == "NETSCAPE2.0" {
                    result.loops = true
                }
            }
            let desc = saved.ImageDesc
            guard let map = desc.ColorMap ?? gif.pointee.SColorMap else { throw ImageError("GIF \(url.path) frame \(i) has no colour table") }
            let transparent = Int(control.TransparentColor)
            let left = Int(desc.Left), top = Int(desc.Top), w = Int(desc.Width), h = Int(desc.Height)
            guard left >= 0, top >= 0, left + w <= width, top + h <= height else {
                throw ImageError("GIF \(url.path) frame \(i) lies outside the screen")
            }
            for y in 0..<h {
                for x in 0..<w {
                    let index = Int(saved.RasterBits[y * w + x])
                    if index == transparent || index >= Int(map.pointee.ColorCount) { continue }
                    let c = map.pointee.Colors[index]
                    let o = ((top + y) * width + left + x) * 3
                    canvas[o] = c.Red; canvas[o + 1] = c.Green; canvas[o + 2] = c.Blue
                }
            }
            result.frames.append(try PNGImage(width: width, height: height, channels: 3, pixels: canvas))
        }
        return result
    }

    static func message(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
    }

    static func nearest(_ colour: UInt32, in palette: [UInt32]) -> UInt8 {
        var best = 0, bestDistance = Int.max
        for (i, p) in palette.enumerated() {
            let dr = Int(colour >> 16) - Int(p >> 16)
            let dg = Int((colour >> 8) & 255) - Int((p >> 8) & 255)
            let db = Int(colour & 255) - Int(p & 255)
            let d = dr * dr + dg * dg + db * db
            if d < bestDistance { bestDistance = d; best = i }
        }
        return UInt8(best)
    }
}
