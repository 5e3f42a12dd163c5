import LabCore

/// How an environment draws its state, as Gymnasium's `render_mode`.
public enum RenderMode: String, CaseIterable, Sendable {
    /// A text picture of the state (toy-text environments), with ANSI colour codes.
    case ansi
    /// An RGB frame (height x width x 3), as Gymnasium's `rgb_array`.
    case rgbArray = "rgb_array"
}

/// One rendered frame: what Gymnasium's `render()` returns in each mode.
public enum RenderFrame: Sendable {
    case text(String)
    case image(PNGImage)

    /// The text of an `ansi` frame.
    public var text: String? { if case .text(let s) = self { return s } else { return nil } }
    /// The image of an `rgb_array` frame.
    public var image: PNGImage? { if case .image(let i) = self { return i } else { return nil } }
}

/// An environment that can draw its current state, as Gymnasium's `render`.
///
/// Drawing happens only when ``render(_:)`` is called: stepping never pays for it.
public protocol RenderableEnvironment: Environment {
    /// The modes ``render(_:)`` supports (Gymnasium's `metadata["render_modes"]`).
    var renderModes: [RenderMode] { get }
    /// The frames per second a video of this environment plays at (`metadata["render_fps"]`).
    var renderFramesPerSecond: Int { get }
    /// Draws the current state in `mode`.
    ///
    /// - Throws: ``EnvironmentError`` (`.invalidOption`) for a mode not in
    ///   ``renderModes``, or (`.resetNeeded`) before the first `reset`.
    func render(_ mode: RenderMode) throws -> RenderFrame
}

extension RenderableEnvironment {
    func unsupported(_ mode: RenderMode) -> EnvironmentError {
        EnvironmentError(.invalidOptionValue, "\(type(of: self)) cannot render in mode \(mode.rawValue); its modes: \(renderModes.map(\.rawValue).joined(separator: ", "))")
    }
}

extension Environment {
    /// The mode this environment was made with (`render_mode=...`), or `nil`.
    public var renderMode: RenderMode? { (self as? Wrapper)?.configuredRenderMode }

    /// The modes the innermost environment can render in (empty when it cannot).
    public var availableRenderModes: [RenderMode] {
        (unwrapped as? RenderableEnvironment)?.renderModes ?? []
    }

    /// Gymnasium's `env.render()`: draws the current state in the mode the environment
    /// was made with; `nil` when it was made without one (Gymnasium warns and returns
    /// `None`).
    ///
    /// - Throws: ``EnvironmentError`` (`.resetNeeded`) before the first `reset`, as
    ///   Gymnasium's `OrderEnforcing` does.
    public func render() throws -> RenderFrame? {
        guard let mode = renderMode else { return nil }
        return try render(mode)
    }

    /// Draws the current state in `mode`, whatever mode the environment was made with.
    public func render(_ mode: RenderMode) throws -> RenderFrame {
        let layers = EnvironmentState.layers(self)
        if layers.contains(where: { ($0 as? OrderEnforcing)?.hasBeenReset == false }) {
            throw EnvironmentError(.resetNeeded, "cannot call render() before reset(): call reset() first")
        }
        guard let renderable = layers.last as? RenderableEnvironment else {
            let name = spec?.id ?? String(describing: type(of: layers.last!))
            throw EnvironmentError(.invalidOptionValue, "\(name) cannot render")
        }
        return try renderable.render(mode)
    }
}
