import Foundation
import LabCore

/// An RGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}

/// A small software rasterizer with the drawing primitives Gymnasium's classic-control
/// renderers use, so that RLLab's frames are Gymnasium's pictures.
///
/// Coordinates are pygame's: `x` to the right, `y` down, pixel centres at integers.
/// Gymnasium draws its scenes with the y axis pointing up and flips the surface at the
/// end; ``image(flippedVertically:)`` does the same.
///
/// The `gfx` primitives follow the algorithms of SDL_gfx as bundled with pygame 2.6
/// (`pygame.gfxdraw`): coordinates truncated to integers, a scanline polygon fill in
/// 16.16 fixed point, Wu-style anti-aliased lines with 8-bit weights, a midpoint filled
/// circle and an anti-aliased ellipse, and SDL_gfx's integer alpha blend. ``aaLines(_:color:)``
/// follows `pygame.draw.aalines` (floating-point Xiaolin Wu lines) and
/// ``line(from:to:color:)`` `pygame.draw.line` (Bresenham). Drawing is clipped to the canvas.
public struct Canvas {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(background)
    }

    /// Paints every pixel `color`.
    public mutating func fill(_ color: RGB) {
        let count = width * height
        pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<count {
                p[3 * i] = color.r; p[3 * i + 1] = color.g; p[3 * i + 2] = color.b
            }
        }
    }

    /// The canvas as an RGB image, flipped top to bottom when `flippedVertically`
    /// (Gymnasium's `pygame.transform.flip(surf, False, True)`).
    public func image(flippedVertically: Bool) -> PNGImage {
        var out = pixels
        if flippedVertically {
            let row = width * 3
            for y in 0..<height {
                let source = (height - 1 - y) * row
                out.replaceSubrange(y * row..<(y + 1) * row, with: pixels[source..<(source + row)])
            }
        }
        // The sizes are the canvas's own, so this cannot fail.
        return (try? PNGImage(width: width, height: height, channels: 3, pixels: out)) ?? PNGImage(width: width, height: height, rgb: (0, 0, 0))
    }

    // MARK: Pixels

    @inline(__always) private func inside(_ x: Int, _ y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height
    }

    /// Sets one pixel (clipped).
    public mutating func set(_ x: Int, _ y: Int, _ color: RGB) {
        guard inside(x, y) else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
    }

    /// Mixes each channel of the pixel (clipped) with `color`'s: `mix(pixel, color)`.
    @inline(__always) private mutating func mix(_ x: Int, _ y: Int, _ color: RGB, _ mix: (UInt8, UInt8) -> UInt8) {
        guard inside(x, y) else { return }
        let i = (y * width + x) * 3
        pixels[i] = mix(pixels[i], color.r)
        pixels[i + 1] = mix(pixels[i + 1], color.g)
        pixels[i + 2] = mix(pixels[i + 2], color.b)
    }

    /// SDL_gfx's `pixelColorWeight` for an opaque colour: its blend `d + ((s - d) * alpha >> 8)`
    /// with opacity `alpha = 255 * weight >> 8` (at most 254, so never its copy for 255).
    @inline(__always) private mutating func weighted(_ x: Int, _ y: Int, _ color: RGB, _ weight: Int) {
        let alpha = (255 * weight) >> 8
        mix(x, y, color) { d, s in UInt8(truncatingIfNeeded: Int(d) + (((Int(s) - Int(d)) * alpha) >> 8)) }
    }

    // MARK: pygame.gfxdraw (SDL_gfx)

    /// A coordinate as pygame.gfxdraw takes it: truncated toward zero to a 16-bit integer.
    public static func gfx(_ v: Double) -> Int {
        guard v.isFinite else { return 0 }
        let clamped = Swift.max(-1e9, Swift.min(1e9, v))
        return Int(Int16(truncatingIfNeeded: Int(clamped)))
    }

    /// `gfxdraw.hline`: a horizontal run from `x1` to `x2` inclusive.
    public mutating func hline(_ x1: Int, _ x2: Int, _ y: Int, _ color: RGB) {
        guard y >= 0, y < height else { return }
        let a = Swift.max(0, Swift.min(x1, x2)), b = Swift.min(width - 1, Swift.max(x1, x2))
        guard a <= b else { return }
        for x in a...b { set(x, y, color) }
    }

    /// `gfxdraw.vline`: a vertical run from `y1` to `y2` inclusive.
    public mutating func vline(_ x: Int, _ y1: Int, _ y2: Int, _ color: RGB) {
        guard x >= 0, x < width else { return }
        let a = Swift.max(0, Swift.min(y1, y2)), b = Swift.min(height - 1, Swift.max(y1, y2))
        guard a <= b else { return }
        for y in a...b { set(x, y, color) }
    }

    /// `gfxdraw.filled_polygon`: SDL_gfx's scanline fill (edge crossings in 16.16 fixed
    /// point, spans rounded inward).
    public mutating func filledPolygon(_ points: [(Int, Int)], _ color: RGB) {
        let n = points.count
        guard n >= 3 else { return }
        let ys = points.map(\.1)
        let miny = ys.min()!, maxy = ys.max()!
        // 16.16 fixed point to the nearest integer (SDL_gfx's rounding).
        func rounded(_ v: Int) -> Int { (v >> 16) + ((v & 32768) >> 15) }
        var crossings: [Int] = []
        crossings.reserveCapacity(n)
        let top = Swift.max(miny, -1), bottom = Swift.min(maxy, height)
        guard top <= bottom else { return }
        for y in top...bottom {
            crossings.removeAll(keepingCapacity: true)
            for i in 0..<n {
                let (p, q) = (points[i == 0 ? n - 1 : i - 1], points[i])
                guard p.1 != q.1 else { continue }
                let ((x1, y1), (x2, y2)) = p.1 < q.1 ? (p, q) : (q, p)
                if (y >= y1 && y < y2) || (y == maxy && y > y1 && y <= y2) {
                    // C's int division truncates toward zero; (y - y1) >= 0 here.
                    crossings.append(((65536 * (y - y1)) / (y2 - y1)) * (x2 - x1) + 65536 * x1)
                }
            }
            crossings.sort()
            for i in stride(from: 0, to: crossings.count - 1, by: 2) {
                hline(rounded(crossings[i] + 1), rounded(crossings[i + 1] - 1), y, color)
            }
        }
    }

    /// SDL_gfx's `_aalineColor` with `draw_endpoint` 0 (as `aapolygon` calls it).
    private mutating func gfxAALine(_ a: (Int, Int), _ b: (Int, Int), _ color: RGB) {
        guard let (x1, y1, x2, y2) = clipGfxLine(a.0, a.1, b.0, b.1) else { return }
        var (xx0, yy0, xx1, yy1) = (x1, y1, x2, y2)
        if yy0 > yy1 { swap(&yy0, &yy1); swap(&xx0, &xx1) }
        var dx = xx1 - xx0
        let dy = yy1 - yy0
        if dx == 0 {
            if dy > 0 { vline(x1, yy0, yy0 + dy, color) } else { set(x1, y1, color) }
            return
        } else if dy == 0 {
            hline(xx0, xx0 + dx, y1, color)
            return
        }
        var xdir = 1
        if dx < 0 { xdir = -1; dx = -dx }
        var erracc: UInt32 = 0
        set(x1, y1, color)
        // SDL_gfx's two branches as one: a step along the major axis (y when steep) per
        // pixel, the two pixels across it weighted by the accumulated error.
        let steep = dy > dx
        let (major, minor) = steep ? (dy, dx) : (dx, dy)
        let erradj = UInt32(truncatingIfNeeded: (minor << 16) / major) << 16
        let (alongStep, acrossStep) = steep ? (1, xdir) : (xdir, 1)
        var (along, across) = steep ? (yy0, xx0) : (xx0, yy0)
        var acrossNext = across + acrossStep
        for _ in 1..<major {
            let previous = erracc
            erracc &+= erradj
            if erracc <= previous { across = acrossNext; acrossNext += acrossStep }
            along += alongStep
            let wgt = Int((erracc >> 24) & 255)
            let (p, q) = steep ? ((across, along), (acrossNext, along)) : ((along, across), (along, acrossNext))
            weighted(p.0, p.1, color, 255 - wgt)
            weighted(q.0, q.1, color, wgt)
        }
    }

    /// SDL_gfx's Cohen-Sutherland `_clipLine` (float slope, 16-bit results).
    private func clipGfxLine(_ ax: Int, _ ay: Int, _ bx: Int, _ by: Int) -> (Int, Int, Int, Int)? {
        var (x1, y1, x2, y2) = (ax, ay, bx, by)
        let (left, top, right, bottom) = (0, 0, width - 1, height - 1)
        func code(_ x: Int, _ y: Int) -> Int {
            var c = 0
            if x < left { c |= 1 } else if x > right { c |= 2 }
            if y < top { c |= 8 } else if y > bottom { c |= 4 }
            return c
        }
        // Each pass moves one outside end onto an edge; a few passes always settle.
        for _ in 0..<8 {
            let c2 = code(x2, y2)
            var c1 = code(x1, y1)
            if c1 | c2 == 0 { return (x1, y1, x2, y2) }
            if c1 & c2 != 0 { return nil }
            if c1 == 0 {
                swap(&x1, &x2); swap(&y1, &y2)
                c1 = c2
            }
            let m: Float = x2 != x1 ? Float(y2 - y1) / Float(x2 - x1) : 1
            if c1 & 1 != 0 {
                y1 += Int(Int16(truncatingIfNeeded: Int(Float(left - x1) * m))); x1 = left
            } else if c1 & 2 != 0 {
                y1 += Int(Int16(truncatingIfNeeded: Int(Float(right - x1) * m))); x1 = right
            } else if c1 & 4 != 0 {
                if x2 != x1 { x1 += Int(Int16(truncatingIfNeeded: Int(Float(bottom - y1) / m))) }
                y1 = bottom
            } else if c1 & 8 != 0 {
                if x2 != x1 { x1 += Int(Int16(truncatingIfNeeded: Int(Float(top - y1) / m))) }
                y1 = top
            }
        }
        return nil
    }

    /// `gfxdraw.filled_circle`: SDL_gfx's midpoint circle filled with horizontal runs.
    public mutating func filledCircle(_ x: Int, _ y: Int, _ rad: Int, _ color: RGB) {
        guard rad >= 0 else { return }
        if rad == 0 { set(x, y, color); return }
        var cx = 0, cy = rad
        var ocx = -1, ocy = -1  // (Sint16) 0xffff
        var df = 1 - rad, dE = 3, dSE = -2 * rad + 5
        // SDL_gfx draws the centre row once where it draws two rows elsewhere; drawing it
        // twice paints the same pixels.
        repeat {
            let xpcx = x + cx, xmcx = x - cx, xpcy = x + cy, xmcy = x - cy
            if ocy != cy {
                hline(xmcx, xpcx, y + cy, color)
                hline(xmcx, xpcx, y - cy, color)
                ocy = cy
            }
            if ocx != cx {
                if cx != cy {
                    hline(xmcy, xpcy, y - cx, color)
                    hline(xmcy, xpcy, y + cx, color)
                }
                ocx = cx
            }
            if df < 0 {
                df += dE; dE += 2; dSE += 2
            } else {
                df += dSE; dE += 2; dSE += 4; cy -= 1
            }
            cx += 1
        } while cx <= cy
    }

    /// A filled disc, as Gymnasium draws one: `gfxdraw.aacircle` (SDL_gfx's anti-aliased
    /// ellipse with equal radii), then `gfxdraw.filled_circle`.
    public mutating func disc(_ x: Int, _ y: Int, _ rad: Int, _ color: RGB) {
        aaEllipse(x, y, rad, rad, color)
        filledCircle(x, y, rad, color)
    }

    /// A filled polygon, as Gymnasium draws one: `gfxdraw.aapolygon`, then `gfxdraw.filled_polygon`.
    public mutating func polygon(_ points: [(Int, Int)], _ color: RGB) {
        aaPolygon(points, color)
        filledPolygon(points, color)
    }

    /// `gfxdraw.aapolygon`: SDL_gfx's anti-aliased edges, each without its end point.
    public mutating func aaPolygon(_ points: [(Int, Int)], _ color: RGB) {
        guard points.count >= 3 else { return }
        for i in 1..<points.count { gfxAALine(points[i - 1], points[i], color) }
        gfxAALine(points[points.count - 1], points[0], color)
    }

    /// SDL_gfx's `aaellipseColor`.
    public mutating func aaEllipse(_ x: Int, _ y: Int, _ rx: Int, _ ry: Int, _ color: RGB) {
        guard rx >= 0, ry >= 0 else { return }
        if rx == 0 { vline(x, y - ry, y + ry, color); return }
        if ry == 0 { hline(x - rx, x + rx, y, color); return }
        let a2 = rx * rx, b2 = ry * ry
        let ds = 2 * a2, dt = 2 * b2
        let xc2 = 2 * x, yc2 = 2 * y
        let sab = (Double(a2 + b2)).squareRoot()
        let dxt = Int((Double(a2) / sab).rounded(.toNearestOrEven))
        var t = 0, s = -2 * a2 * ry, d = 0
        var xp = x, yp = y - ry
        for (px, py) in [(xp, yp), (xc2 - xp, yp), (xp, yc2 - yp), (xc2 - xp, yc2 - yp)] { set(px, py, color) }
        @inline(__always) func weights(_ num: Int, _ den: Int) -> (Int, Int) {
            var cp: Float = 1
            if den != 0 { cp = Swift.min(1, Float(abs(num)) / Float(abs(den))) }
            let weight = Int(UInt8(cp * 255))
            return (weight, 255 - weight)
        }
        // A pixel and its mirror image across the vertical axis.
        @inline(__always) func mirrored(_ px: Int, _ py: Int, _ weight: Int) {
            weighted(px, py, color, weight)
            weighted(xc2 - px, py, color, weight)
        }
        if dxt >= 1 {
            for _ in 1...dxt {
                xp -= 1
                d += t - b2
                var ys: Int
                if d >= 0 {
                    ys = yp - 1
                } else if d - s - a2 > 0 {
                    if 2 * d - s - a2 >= 0 {
                        ys = yp + 1
                    } else {
                        ys = yp; yp += 1; d -= s + a2; s += ds
                    }
                } else {
                    yp += 1; ys = yp + 1; d -= s + a2; s += ds
                }
                t -= dt
                let (weight, iweight) = weights(d, s)
                mirrored(xp, yp, iweight)
                mirrored(xp, ys, weight)
                mirrored(xp, yc2 - yp, iweight)
                mirrored(xp, yc2 - ys, weight)
            }
        }
        let dyt = Int((Double(b2) / sab).rounded(.toNearestOrEven))
        if dyt >= 1 {
            for _ in 1...dyt {
                yp += 1
                d -= s + a2
                var xs: Int
                if d <= 0 {
                    xs = xp + 1
                } else if d + t - b2 < 0 {
                    if 2 * d + t - b2 <= 0 {
                        xs = xp - 1
                    } else {
                        xs = xp; xp -= 1; d += t - b2; t -= dt
                    }
                } else {
                    xp -= 1; xs = xp - 1; d += t - b2; t -= dt
                }
                s += ds
                let (weight, iweight) = weights(d, t)
                mirrored(xp, yp, iweight)
                mirrored(xp, yc2 - yp, iweight)
                mirrored(xs, yp, weight)
                mirrored(xs, yc2 - yp, weight)
            }
        }
    }

    // MARK: pygame.draw

    /// `pygame.draw.line` with width 1: Bresenham's line including both end points.
    public mutating func line(from a: (Int, Int), to b: (Int, Int), color: RGB) {
        var (x1, y1) = a
        let (x2, y2) = b
        let dx = abs(x2 - x1), sx = x1 < x2 ? 1 : -1
        let dy = abs(y2 - y1), sy = y1 < y2 ? 1 : -1
        var err = (dx > dy ? dx : -dy) / 2
        while true {
            set(x1, y1, color)
            if x1 == x2 && y1 == y2 { break }
            let e2 = err
            if e2 > -dx { err -= dy; x1 += sx }
            if e2 < dy { err += dx; y1 += sy }
        }
    }

    /// `pygame.draw.aalines` (open): pygame's floating-point anti-aliased lines, each
    /// pixel mixed with what is below it.
    public mutating func aaLines(_ points: [(Double, Double)], color: RGB) {
        guard points.count >= 2 else { return }
        for i in 1..<points.count {
            drawAALine(color, Float(points[i - 1].0), Float(points[i - 1].1), Float(points[i].0), Float(points[i].1))
        }
    }

    /// pygame's `get_antialiased_color` + `set_at` with blending.
    @inline(__always) private mutating func plotAA(_ x: Int, _ y: Int, _ color: RGB, _ brightness: Float) {
        mix(x, y, color) { b, c in
            let v: Float = brightness * Float(c) + (1 - brightness) * Float(b)
            return UInt8(truncatingIfNeeded: Int(v))
        }
    }

    private mutating func drawAALine(_ color: RGB, _ fromX0: Float, _ fromY0: Float, _ toX0: Float, _ toY0: Float) {
        var (fromX, fromY, toX, toY) = (fromX0, fromY0, toX0, toY0)
        var dx = toX - fromX, dy = toY - fromY
        if abs(dx) < 0.0001 && abs(dy) < 0.0001 {
            plotAA(Int((fromX + 0.5).rounded(.down)), Int((fromY + 0.5).rounded(.down)), color, 1)
            return
        }
        var clipLeft: Float = -1, clipRight: Float = clipLeft + Float(width) + 1
        var clipTop: Float = -1, clipBottom: Float = clipTop + Float(height) + 1
        let steep = abs(dx) < abs(dy)
        if steep {
            swap(&fromX, &fromY); swap(&toX, &toY); swap(&dx, &dy)
            swap(&clipLeft, &clipTop); swap(&clipRight, &clipBottom)
        }
        if dx < 0 {
            swap(&fromX, &toX); swap(&fromY, &toY)
            dx = -dx; dy = -dy
        }
        if toX <= clipLeft || fromX >= clipRight { return }
        let gradient = dy / dx
        if fromX < clipLeft { fromY += gradient * (clipLeft - fromX); fromX = clipLeft }
        if toX > clipRight { toY += gradient * (clipRight - toX); toX = clipRight }
        if gradient > 0 {
            if toY <= clipTop || fromY >= clipBottom { return }
            if fromY < clipTop { fromX += (clipTop - fromY) / gradient; fromY = clipTop }
            if toY > clipBottom { toX += (clipBottom - toY) / gradient; toY = clipBottom }
        } else {
            if fromY <= clipTop || toY >= clipBottom { return }
            if toY < clipTop { toX += (clipTop - toY) / gradient; toY = clipTop }
            if fromY > clipBottom { fromX += (clipBottom - fromY) / gradient; fromY = clipBottom }
        }
        fromY += 1
        toY += 1
        func point(_ along: Int, _ across: Int) -> (Int, Int) { steep ? (across, along) : (along, across) }
        // The two pixels across an end of the line at `x`, covering `xGap` of it.
        func endpoint(_ x: Int, _ yEndpoint: Float, _ xGap: Float) {
            let brightness = yEndpoint - Float(Int(yEndpoint))
            var p = point(x, Int(yEndpoint))
            if Float(Int(yEndpoint)) < yEndpoint { plotAA(p.0, p.1, color, brightness * xGap) }
            if steep { p.0 -= 1 } else { p.1 -= 1 }
            plotAA(p.0, p.1, color, (1 - brightness) * xGap)
        }
        var xPixelStart = Int(fromX)
        var intersectY = fromY + gradient * (Float(xPixelStart) - fromX)
        if toX > clipLeft + 1 {
            endpoint(xPixelStart, intersectY, 1 + Float(xPixelStart) - fromX)
            intersectY += gradient
            xPixelStart += 1
        }
        let xPixelEnd = Int(toX.rounded(.up))
        if fromX < clipRight - 1 {
            endpoint(xPixelEnd, toY + gradient * (Float(xPixelEnd) - toX), 1 - Float(xPixelEnd) + toX)
        }
        var x = xPixelStart
        while x < xPixelEnd {
            let y = Int(intersectY)
            var brightness = 1 - intersectY + Float(y)
            let p = point(x, y - 1)
            plotAA(p.0, p.1, color, brightness)
            if Float(y) < intersectY {
                brightness = 1 - brightness
                let q = point(x, y)
                plotAA(q.0, q.1, color, brightness)
            }
            intersectY += gradient
            x += 1
        }
    }

    // MARK: Plain shapes (tile drawings)

    /// A filled axis-aligned rectangle `[x, x + w) x [y, y + h)`.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        guard w > 0, h > 0 else { return }
        for row in y..<(y + h) { hline(x, x + w - 1, row, color) }
    }
}

/// pygame's `Vector2.rotate_rad`: the angle reduced to [0, 2 pi), exact quarter turns
/// within 1e-6, else `(cos a x - sin a y, sin a x + cos a y)`.
func rotate(_ point: (Double, Double), by angle: Double) -> (Double, Double) {
    let twoPi = 2.0 * Double.pi, halfPi = Double.pi / 2, epsilon = 1e-6
    var a = fmod(angle, twoPi)
    if a < 0 { a += twoPi }
    if fmod(a + epsilon, halfPi) < 2 * epsilon {
        switch Int((a + epsilon) / halfPi) {
        case 1: return (-point.1, point.0)
        case 2: return (-point.0, -point.1)
        case 3: return (point.1, -point.0)
        default: return point
        }
    }
    let s = sin(a), c = cos(a)
    return (c * point.0 - s * point.1, s * point.0 + c * point.1)
}
