import Foundation

// Gymnasium 1.4.0's classic-control drawings, primitive for primitive, in the same order,
// with the same geometry and colours (`render()` in gymnasium/envs/classic_control).
// Each scene is drawn y-up and flipped at the end, as Gymnasium does.

/// The scenes, as functions of the state so that tests can draw any state.
public enum ClassicControlScene {
    /// CartPole-v0/v1: 600x400.
    public static func cartPole(x: Double, theta: Double) -> Canvas {
        let screenWidth = 600, screenHeight = 400
        var canvas = Canvas(width: screenWidth, height: screenHeight)
        let worldWidth = CartPole.xThreshold * 2
        let scale = Double(screenWidth) / worldWidth
        let poleWidth = 10.0
        let poleLength = scale * (2 * CartPole.length)
        let cartWidth = 50.0, cartHeight = 30.0
        var (l, r, t, b) = (-cartWidth / 2, cartWidth / 2, cartHeight / 2, -cartHeight / 2)
        let axleOffset = cartHeight / 4.0
        let cartX = x * scale + Double(screenWidth) / 2.0
        let cartY = 100.0
        canvas.polygon(box(l, r, t, b, at: cartX, cartY), .black)

        (l, r, t, b) = (-poleWidth / 2, poleWidth / 2, poleLength - poleWidth / 2, -poleWidth / 2)
        canvas.polygon(box(l, r, t, b, turnedBy: -theta, at: cartX, cartY, raisedBy: axleOffset), RGB(202, 152, 101))
        canvas.disc(Canvas.gfx(cartX), Canvas.gfx(cartY + axleOffset), Int(poleWidth / 2), RGB(129, 132, 203))
        canvas.hline(0, screenWidth, Int(cartY), .black)
        return canvas
    }

    /// Acrobot-v1: 500x500.
    public static func acrobot(_ s: [Double]) -> Canvas {
        let dim = 500
        var canvas = Canvas(width: dim, height: dim)
        let bound = Acrobot.linkLength1 + Acrobot.linkLength2 + 0.2
        let scale = Double(dim) / (bound * 2)
        let offset = Double(dim) / 2
        let p1 = (-Acrobot.linkLength1 * cos(s[0]) * scale, Acrobot.linkLength1 * sin(s[0]) * scale)
        let joints = [(0.0, 0.0), (p1.1, p1.0)]  // np.array([[0, 0], p1])[:, ::-1]
        let thetas = [s[0] - Double.pi / 2, s[0] + s[1] - Double.pi / 2]
        let lengths = [Acrobot.linkLength1 * scale, Acrobot.linkLength2 * scale]
        canvas.line(from: (Int(-2.2 * scale + offset), Int(1 * scale + offset)),
                    to: (Int(2.2 * scale + offset), Int(1 * scale + offset)), color: .black)
        for i in 0..<2 {
            let x = joints[i].0 + offset, y = joints[i].1 + offset
            let link = box(0.0, lengths[i], 0.1 * scale, -0.1 * scale, turnedBy: thetas[i], at: x, y)
            canvas.polygon(link, RGB(0, 204, 204))
            canvas.disc(Canvas.gfx(x), Canvas.gfx(y), Int(0.1 * scale), RGB(204, 204, 0))
        }
        return canvas
    }

    /// MountainCar-v0 and MountainCarContinuous-v0: 600x400 (`goalPosition` 0.5 and 0.45).
    public static func mountainCar(position pos: Double, goalPosition: Double) -> Canvas {
        let screenWidth = 600, screenHeight = 400
        var canvas = Canvas(width: screenWidth, height: screenHeight)
        let minPosition = -1.2, maxPosition = 0.6
        let worldWidth = maxPosition - minPosition
        let scale = Double(screenWidth) / worldWidth
        let carWidth = 40.0, carHeight = 20.0
        func height(_ x: Double) -> Double { sin(3 * x) * 0.45 + 0.55 }
        // np.linspace(min, max, 100): i * step + start, the last point exactly max.
        let step = (maxPosition - minPosition) / 99
        let curve = (0..<100).map { i -> (Double, Double) in
            let x = i == 99 ? maxPosition : Double(i) * step + minPosition
            return ((x - minPosition) * scale, height(x) * scale)
        }
        canvas.aaLines(curve, color: .black)

        let clearance = 10.0
        let tilt = cos(3 * pos)
        let base = ((pos - minPosition) * scale, clearance + height(pos) * scale)
        canvas.polygon(box(-carWidth / 2, carWidth / 2, carHeight, 0.0, turnedBy: tilt, at: base.0, base.1), .black)
        for corner in [(carWidth / 4, 0.0), (-carWidth / 4, 0.0)] {
            let c = rotate(corner, by: tilt)
            canvas.disc(Canvas.gfx(c.0 + base.0), Canvas.gfx(c.1 + base.1), Int(carHeight / 2.5), RGB(128, 128, 128))
        }
        let flagX = Canvas.gfx((goalPosition - minPosition) * scale)
        let flagY1 = Canvas.gfx(height(goalPosition) * scale)
        let flagY2 = flagY1 + 50
        canvas.vline(flagX, flagY1, flagY2, .black)
        canvas.polygon([(flagX, flagY2), (flagX, flagY2 - 10), (flagX + 25, flagY2 - 5)], RGB(204, 204, 0))
        return canvas
    }

    /// Pendulum-v1: 500x500. `torque` is the last action (`last_u`), `nil` after reset.
    ///
    /// Gymnasium blits an image of a curved arrow (`assets/clockwise.png`) scaled to the
    /// torque; RLLab does not ship that image and draws a plain anti-aliased arc with an
    /// arrow head of the same size and direction instead.
    public static func pendulum(theta: Double, torque: Float?) -> Canvas {
        let dim = 500
        var canvas = Canvas(width: dim, height: dim)
        let bound = 2.2
        let scale = Double(dim) / (bound * 2)
        let offset = dim / 2
        let rodLength = 1 * scale, rodWidth = 0.2 * scale
        let color = RGB(204, 77, 77)
        let center = Double(offset)
        let rod = box(0.0, rodLength, rodWidth / 2, -rodWidth / 2, turnedBy: theta + Double.pi / 2, at: center, center)
        canvas.polygon(rod, color)
        canvas.disc(offset, offset, Int(rodWidth / 2), color)
        let end = rotate((rodLength, 0), by: theta + Double.pi / 2)
        canvas.disc(Canvas.gfx(end.0 + center), Canvas.gfx(end.1 + center), Int(rodWidth / 2), color)
        if let torque, torque != 0 {
            drawTorqueArrow(&canvas, center: center, size: scale * Double(abs(torque)) / 2, mirrored: torque > 0)
        }
        canvas.disc(offset, offset, Int(0.05 * scale), .black)
        return canvas
    }

    /// Gymnasium's arrow image drawn as shapes: a thin three-quarter circle from twelve
    /// o'clock clockwise to nine o'clock with an arrow head pointing up there (screen
    /// coordinates, `size` the image's side), mirrored left to right for a positive torque.
    private static func drawTorqueArrow(_ canvas: inout Canvas, center: Double, size: Double, mirrored: Bool) {
        guard size >= 4 else { return }
        let radius = 0.455 * size, half = max(0.5, 0.017 * size)
        let sign = mirrored ? -1.0 : 1.0
        // Screen (y down) to canvas (y up, flipped at the end) around the centre.
        func point(_ x: Double, _ y: Double) -> (Int, Int) {
            (Canvas.gfx(center + sign * x * size), Canvas.gfx(Double(canvas.height - 1) - (center + y * size)))
        }
        let start = -Double.pi / 2, end = Double.pi * 0.97
        let segments = 64
        func arc(_ r: Double) -> [(Int, Int)] {
            (0...segments).map { i in
                let a = start + (end - start) * Double(i) / Double(segments)
                return point(r * cos(a) / size, r * sin(a) / size)
            }
        }
        let band = arc(radius + half) + arc(radius - half).reversed()
        canvas.polygon(band, .black)
        canvas.polygon([point(-0.43, -0.15), point(-0.505, 0.04), point(-0.355, 0.04)], .black)
    }

    /// Gymnasium's box `[(l, b), (l, t), (r, t), (r, b)]` turned by `angle` (pygame's
    /// `rotate_rad`; 0 leaves it exact), then moved by `(x, y)` and raised by `lift`, in
    /// that order of additions, as gfxdraw points.
    private static func box(_ l: Double, _ r: Double, _ t: Double, _ b: Double, turnedBy angle: Double = 0,
                            at x: Double, _ y: Double, raisedBy lift: Double = 0) -> [(Int, Int)] {
        [(l, b), (l, t), (r, t), (r, b)].map { corner in
            let c = rotate(corner, by: angle)
            return (Canvas.gfx(c.0 + x), Canvas.gfx(c.1 + y + lift))
        }
    }
}

/// A classic-control environment: one `rgb_array` scene of its state, drawn y-up and
/// flipped, as Gymnasium draws it.
protocol ClassicControlRendering: RenderableEnvironment {
    /// The scene of the current state, before the flip.
    var scene: Canvas { get }
}

extension ClassicControlRendering {
    public var renderModes: [RenderMode] { [.rgbArray] }
    public func render(_ mode: RenderMode) throws -> RenderFrame {
        guard mode == .rgbArray else { throw unsupported(mode) }
        return .image(scene.image(flippedVertically: true))
    }
}

extension CartPole: ClassicControlRendering {
    public var renderFramesPerSecond: Int { 50 }
    var scene: Canvas { ClassicControlScene.cartPole(x: x, theta: theta) }
}

extension Acrobot: ClassicControlRendering {
    public var renderFramesPerSecond: Int { 15 }
    var scene: Canvas { ClassicControlScene.acrobot(internalState) }
}

extension MountainCar: ClassicControlRendering {
    public var renderFramesPerSecond: Int { 30 }
    var scene: Canvas { ClassicControlScene.mountainCar(position: internalState[0], goalPosition: Self.goalPosition) }
}

extension Pendulum: ClassicControlRendering {
    public var renderFramesPerSecond: Int { 30 }
    var scene: Canvas { ClassicControlScene.pendulum(theta: internalState[0], torque: lastTorque) }
}

extension MountainCarContinuous: ClassicControlRendering {
    public var renderFramesPerSecond: Int { 30 }
    var scene: Canvas { ClassicControlScene.mountainCar(position: internalState[0], goalPosition: Self.goalPosition) }
}
