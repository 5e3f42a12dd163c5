import Foundation

// The toy-text environments' `ansi` text is Gymnasium 1.4.0's `_render_text`, character for
// character. Their `rgb_array` frames have Gymnasium's window sizes, but Gymnasium draws
// them with sprite images that RLLab does not ship; RLLab draws a flat tile picture of
// the same layout instead (same grid, same cell sizes, one colour per cell kind).

/// Gymnasium's `utils.colorize`: `ESC[<code>m text ESC[0m`.
func colorize(_ text: String, _ color: String, bold: Bool = false, highlight: Bool = false) -> String {
    let codes = ["gray": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36, "white": 37, "crimson": 38]
    var attributes = [String((codes[color] ?? 37) + (highlight ? 10 : 0))]
    if bold { attributes.append("1") }
    return "\u{1b}[\(attributes.joined(separator: ";"))m\(text)\u{1b}[0m"
}

/// The tile colours of the toy-text drawings.
enum Tiles {
    static let frozen = RGB(214, 234, 248)
    static let start = RGB(190, 220, 242)
    static let hole = RGB(33, 64, 110)
    static let goal = RGB(245, 196, 40)
    static let wall = RGB(110, 110, 110)
    static let gridLine = RGB(160, 188, 214)
    static let agent = RGB(220, 60, 50)
    static let cliff = RGB(120, 84, 56)
    static let ground = RGB(150, 196, 120)
    static let road = RGB(236, 236, 236)
}

extension Canvas {
    /// The outline of a rectangle, `thickness` pixels inward.
    mutating func frame(x: Int, y: Int, width w: Int, height h: Int, thickness: Int, _ color: RGB) {
        fillRect(x: x, y: y, width: w, height: thickness, color)
        fillRect(x: x, y: y + h - thickness, width: w, height: thickness, color)
        fillRect(x: x, y: y, width: thickness, height: h, color)
        fillRect(x: x + w - thickness, y: y, width: thickness, height: h, color)
    }

    /// A small pennant on a pole inside the cell at `(x, y)` of size `w` x `h`.
    mutating func pennant(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        let poleX = x + w * 3 / 10, top = y + h / 5, bottom = y + h * 4 / 5
        fillRect(x: poleX, y: top, width: max(2, w / 24), height: bottom - top, .black)
        polygon([(poleX + 1, top), (poleX + 1, top + h / 4), (x + w * 8 / 10, top + h / 8)], color)
    }
}

extension FrozenLake: RenderableEnvironment {
    public var renderModes: [RenderMode] { [.ansi, .rgbArray] }
    public var renderFramesPerSecond: Int { 4 }

    public func render(_ mode: RenderMode) throws -> RenderFrame {
        let s = state ?? 0
        let (row, col) = (s / columnCount, s % columnCount)
        switch mode {
        case .ansi:
            var grid = desc.map { $0.map(String.init) }
            grid[row][col] = colorize(grid[row][col], "red", highlight: true)
            let last = lastAction.map { "  (\(["Left", "Down", "Right", "Up"][$0]))\n" } ?? "\n"
            return .text(last + grid.map { $0.joined() }.joined(separator: "\n") + "\n")
        case .rgbArray:
            // Gymnasium's window: min(64 * cols, 512) x min(64 * rows, 512), cells of window / n.
            let windowWidth = min(64 * columnCount, 512), windowHeight = min(64 * rowCount, 512)
            let cw = windowWidth / columnCount, ch = windowHeight / rowCount
            var canvas = Canvas(width: windowWidth, height: windowHeight, background: Tiles.frozen)
            for (r, line) in desc.enumerated() {
                for (c, letter) in line.enumerated() {
                    let x = c * cw, y = r * ch
                    // H and G lie on the frozen background.
                    switch letter {
                    case "H": canvas.disc(x + cw / 2, y + ch / 2, min(cw, ch) * 2 / 5, Tiles.hole)
                    case "G": canvas.pennant(x: x, y: y, width: cw, height: ch, Tiles.goal)
                    case "S", "W":
                        canvas.fillRect(x: x, y: y, width: cw, height: ch, letter == "S" ? Tiles.start : Tiles.wall)
                    default: break
                    }
                    canvas.frame(x: x, y: y, width: cw, height: ch, thickness: 1, Tiles.gridLine)
                }
            }
            canvas.disc(col * cw + cw / 2, row * ch + ch / 2, min(cw, ch) * 3 / 10, Tiles.agent)
            return .image(canvas.image(flippedVertically: false))
        }
    }
}

extension CliffWalking: RenderableEnvironment {
    public var renderModes: [RenderMode] { [.ansi, .rgbArray] }
    public var renderFramesPerSecond: Int { 4 }

    public func render(_ mode: RenderMode) throws -> RenderFrame {
        let current = state ?? CliffWalking.startState
        let (rows, cols) = CliffWalking.shape
        switch mode {
        case .ansi:
            var out = ""
            for s in 0..<(rows * cols) {
                let (r, c) = (s / cols, s % cols)
                var cell = current == s ? " x " : (r, c) == (3, 11) ? " T " : CliffWalking.isCliff(r, c) ? " C " : " o "
                if c == 0 { cell = String(cell.drop { $0 == " " }) }
                if c == cols - 1 { cell = String(cell.reversed().drop { $0 == " " }.reversed()) + "\n" }
                out += cell
            }
            return .text(out + "\n")
        case .rgbArray:
            let cell = 64
            var canvas = Canvas(width: cols * cell, height: rows * cell, background: Tiles.ground)
            for r in 0..<rows {
                for c in 0..<cols {
                    let (x, y) = (c * cell, r * cell)
                    if CliffWalking.isCliff(r, c) { canvas.fillRect(x: x, y: y, width: cell, height: cell, Tiles.cliff) }
                    if (r, c) == (3, 11) { canvas.pennant(x: x, y: y, width: cell, height: cell, Tiles.goal) }
                    if (r, c) == (3, 0) { canvas.frame(x: x + 6, y: y + 6, width: cell - 12, height: cell - 12, thickness: 3, RGB(90, 130, 70)) }
                    canvas.frame(x: x, y: y, width: cell, height: cell, thickness: 1, RGB(120, 160, 100))
                }
            }
            let (r, c) = (current / cols, current % cols)
            canvas.disc(c * cell + cell / 2, r * cell + cell / 2, 19, Tiles.agent)
            return .image(canvas.image(flippedVertically: false))
        }
    }
}

extension Taxi: RenderableEnvironment {
    public var renderModes: [RenderMode] { [.ansi, .rgbArray] }
    public var renderFramesPerSecond: Int { 4 }

    public func render(_ mode: RenderMode) throws -> RenderFrame {
        let (taxiRow, taxiCol, passenger, destination) = Taxi.decode(state ?? 0)
        switch mode {
        case .ansi:
            var out = Taxi.map.map { $0.map(String.init) }
            if passenger < 4 {
                out[1 + taxiRow][2 * taxiCol + 1] = colorize(out[1 + taxiRow][2 * taxiCol + 1], "yellow", highlight: true)
                let (pi, pj) = Taxi.locations[passenger]
                out[1 + pi][2 * pj + 1] = colorize(out[1 + pi][2 * pj + 1], "blue", bold: true)
            } else {
                let cell = out[1 + taxiRow][2 * taxiCol + 1]
                out[1 + taxiRow][2 * taxiCol + 1] = colorize(cell == " " ? "_" : cell, "green", highlight: true)
            }
            let (di, dj) = Taxi.locations[destination]
            out[1 + di][2 * dj + 1] = colorize(out[1 + di][2 * dj + 1], "magenta")
            let last = lastAction.map { "  (\(["South", "North", "East", "West", "Pickup", "Dropoff"][$0]))\n" } ?? "\n"
            return .text(out.map { $0.joined() }.joined(separator: "\n") + "\n" + last)
        case .rgbArray:
            // Gymnasium's window (536 x 456), grid origin (48, 128) and cells (88 x 56).
            let (originX, originY, cw, ch) = (48, 128, 88, 56)
            var canvas = Canvas(width: 536, height: 456, background: RGB(250, 250, 250))
            canvas.fillRect(x: originX, y: originY, width: 5 * cw, height: 5 * ch, Tiles.road)
            let stopColors = [RGB(214, 48, 49), RGB(0, 148, 68), RGB(230, 190, 0), RGB(30, 90, 200)]
            for (i, (r, c)) in Taxi.locations.enumerated() {
                canvas.fillRect(x: originX + c * cw, y: originY + r * ch, width: cw, height: ch, stopColors[i])
                canvas.fillRect(x: originX + c * cw + 6, y: originY + r * ch + 6, width: cw - 12, height: ch - 12, Tiles.road)
            }
            let (di, dj) = Taxi.locations[destination]
            canvas.frame(x: originX + dj * cw + 2, y: originY + di * ch + 2, width: cw - 4, height: ch - 4, thickness: 3, RGB(160, 32, 160))
            for r in 0...5 { canvas.fillRect(x: originX, y: originY + r * ch - 1, width: 5 * cw, height: 2, RGB(200, 200, 200)) }
            for c in 0...5 { canvas.fillRect(x: originX + c * cw - 1, y: originY, width: 2, height: 5 * ch, RGB(200, 200, 200)) }
            // Walls: the '|' of the map between columns.
            for r in 0..<5 {
                for (k, letter) in Taxi.map[r + 1].enumerated() where letter == "|" && k > 0 && k < 10 {
                    canvas.fillRect(x: originX + (k / 2) * cw - 3, y: originY + r * ch, width: 6, height: ch, RGB(40, 40, 40))
                }
            }
            canvas.frame(x: originX - 4, y: originY - 4, width: 5 * cw + 8, height: 5 * ch + 8, thickness: 4, RGB(40, 40, 40))
            let tx = originX + taxiCol * cw, ty = originY + taxiRow * ch
            canvas.fillRect(x: tx + 14, y: ty + 12, width: cw - 28, height: ch - 24, RGB(250, 200, 20))
            canvas.frame(x: tx + 14, y: ty + 12, width: cw - 28, height: ch - 24, thickness: 2, RGB(60, 60, 60))
            if passenger < 4 {
                let (pi, pj) = Taxi.locations[passenger]
                canvas.disc(originX + pj * cw + cw / 2, originY + pi * ch + ch / 2, 9, RGB(30, 30, 30))
            } else {
                canvas.disc(tx + cw / 2, ty + ch / 2, 7, RGB(30, 30, 30))
            }
            return .image(canvas.image(flippedVertically: false))
        }
    }
}
