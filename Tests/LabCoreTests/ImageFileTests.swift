import Foundation
import Testing
@testable import LabCore

@Suite struct ImageFileTests {
    private func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rllab-image-\(UUID().uuidString)-\(name)")
    }

    /// A test frame: a background, a moving square and a diagonal gradient band.
    private func frame(_ t: Int, colours: Int = 40) throws -> PNGImage {
        let (w, h) = (37, 23)
        var pixels = [UInt8](repeating: 255, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let i = (y * w + x) * 3
                if (x - t) >= 3 && (x - t) < 9 && y >= 5 && y < 12 { pixels[i] = 200; pixels[i + 1] = 20; pixels[i + 2] = 40 }
                if x + y == 20 { let v = UInt8((x * 7) % colours * (200 / colours)); pixels[i] = v; pixels[i + 1] = v; pixels[i + 2] = 128 }
            }
        }
        return try PNGImage(width: w, height: h, channels: 3, pixels: pixels)
    }

    @Test func rgbPNGRoundTrips() throws {
        let url = temporary("frame.png")
        defer { try? FileManager.default.removeItem(at: url) }
        let image = try frame(2)
        try image.write(to: url)
        #expect(try PNGImage(contentsOf: url, channels: 3) == image)
        let grey = try PNGImage(contentsOf: url)
        #expect(grey.channels == 1 && grey.width == 37 && grey.height == 23)
    }

    /// Frames with at most 256 colours come back exactly, with their delays and the loop.
    @Test func gifRoundTripsFramesExactly() throws {
        let url = temporary("anim.gif")
        defer { try? FileManager.default.removeItem(at: url) }
        let frames = try (0..<12).map { try frame($0 % 7) }
        try GIFAnimation.write(frames, framesPerSecond: 30, to: url)
        let decoded = try GIFAnimation.read(url)
        #expect(decoded.frames.count == 12)
        #expect(decoded.frames == frames)
        #expect(decoded.loops)
        // 30 fps in whole hundredths: 3 or 4, summing to 12 / 30 s.
        #expect(decoded.delays.allSatisfy { $0 == 3 || $0 == 4 } && decoded.delays.reduce(0, +) == 40)
    }

    /// More than 256 colours: the first 256 (in order of appearance) form the palette and
    /// every later colour becomes its nearest palette entry.
    @Test func gifWithManyColoursMapsToNearest() throws {
        let url = temporary("many.gif")
        defer { try? FileManager.default.removeItem(at: url) }
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for i in 0..<(64 * 64) { pixels[3 * i] = UInt8(i % 64 * 4); pixels[3 * i + 1] = UInt8(i / 64 * 4); pixels[3 * i + 2] = 90 }
        let image = try PNGImage(width: 64, height: 64, channels: 3, pixels: pixels)
        try GIFAnimation.write([image], framesPerSecond: 4, to: url)
        let decoded = try #require(try GIFAnimation.read(url).frames.first)
        let palette = (0..<256).map { image.rgb(x: $0 % 64, y: $0 / 64) }
        for p in stride(from: 0, to: 64 * 64, by: 7) {
            let c = image.rgb(x: p % 64, y: p / 64)
            let distances = palette.map { q in
                [Int(c.0) - Int(q.0), Int(c.1) - Int(q.1), Int(c.2) - Int(q.2)].map { $0 * $0 }.reduce(0, +)
            }
            let nearest = palette[distances.firstIndex(of: distances.min()!)!]
            #expect(decoded.rgb(x: p % 64, y: p / 64) == nearest, "pixel \(p)")
        }
    }

    @Test func badInputIsAnError() throws {
        #expect(throws: ImageError.self) { try GIFAnimation.write([], framesPerSecond: 10, to: temporary("x.gif")) }
        #expect(throws: ImageError.self) { try GIFAnimation(width: 0, height: 10, framesPerSecond: 10) }
        #expect(throws: ImageError.self) { try GIFAnimation(width: 10, height: 10, framesPerSecond: 0) }
        let animation = try GIFAnimation(width: 37, height: 23, framesPerSecond: 10)
        #expect(throws: ImageError.self) { try animation.append(PNGImage(width: 5, height: 5, fill: 0)) }
        #expect(throws: ImageError.self) { try GIFAnimation.read(temporary("missing.gif")) }
        #expect(throws: ImageError.self) { try PNGImage(width: 2, height: 2, channels: 2, pixels: [0, 0, 0, 0, 0, 0, 0, 0]) }
    }

    @Test func downscaleAveragesBlocks() throws {
        let image = try PNGImage(width: 4, height: 2, channels: 1, pixels: [0, 255, 10, 20, 255, 0, 30, 40])
        let small = image.downscaled(by: 2)
        #expect(small.width == 2 && small.height == 1 && small.pixels == [128, 25])
    }
}
