import Foundation
import Gym
import LabCore

/// Where a rendered episode goes, chosen by the output path: an animated GIF (`.gif`),
/// ANSI text frames one after another (`.txt`), or a folder of `frame_0000.png`, ...
public enum EpisodeVideoFormat: Equatable, Sendable {
    case gif
    case text
    case pngFolder

    /// The format for `path`: by extension, else a folder.
    public init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".gif") { self = .gif } else if lower.hasSuffix(".txt") { self = .text } else { self = .pngFolder }
    }

    /// The render mode the format stores.
    public var mode: RenderMode { self == .text ? .ansi : .rgbArray }
}

/// Receives an episode's frames and writes them in one ``EpisodeVideoFormat``.
///
/// Frames are written (PNG, text) or compressed (GIF: only the changed rectangle of each
/// frame is kept) as they arrive, so a long episode does not pile up full frames in memory.
public final class EpisodeVideoWriter {
    public let format: EpisodeVideoFormat
    public let url: URL
    /// Frames per second of a GIF (the environment's `render_fps`).
    public let framesPerSecond: Int
    /// A GIF's frames are shrunk by this integer factor (1: full size).
    public let downscale: Int
    private var gif: GIFAnimation?
    private var text = ""
    public private(set) var frameCount = 0

    /// - Throws: ``OutputError`` when the folder cannot be created.
    public init(format: EpisodeVideoFormat, url: URL, framesPerSecond: Int, downscale: Int = 1) throws {
        self.format = format
        self.url = url
        self.framesPerSecond = framesPerSecond
        self.downscale = max(1, downscale)
        try OutputFolder.ensure(format == .pngFolder ? url : url.deletingLastPathComponent())
    }

    /// Adds the next frame.
    public func append(_ frame: RenderFrame) throws {
        switch (format, frame) {
        case (.text, .text(let s)):
            text += s
        case (.pngFolder, .image(let image)):
            try image.write(to: url.appendingPathComponent(String(format: "frame_%04d.png", frameCount)))
        case (.gif, .image(let image)):
            let small = image.downscaled(by: downscale)
            if gif == nil { gif = try GIFAnimation(width: small.width, height: small.height, framesPerSecond: Double(framesPerSecond)) }
            try gif?.append(small)
        default:
            throw OutputError("cannot write a \(frame.image == nil ? "text" : "image") frame to \(url.path)")
        }
        frameCount += 1
    }

    /// Writes what is buffered (the GIF, the text file).
    public func finish() throws {
        switch format {
        case .gif:
            guard let gif else { throw OutputError("no frames to write to \(url.path)") }
            try gif.write(to: url)
        case .text:
            try OutputFile.replace(url, with: text)
        case .pngFolder:
            break
        }
    }
}

/// Plays one episode and renders every state, as `gymnasium.wrappers.RecordVideo` does.
public enum EpisodeVideo {
    /// Plays one episode (``Gym/Environment/playEpisode(seed:internalState:maxSteps:policy:observe:)``)
    /// and renders the state after the reset and after each step, so a video of `n` steps
    /// has `n + 1` frames. Each frame goes to `writer`.
    ///
    /// - Parameters:
    ///   - internalState: Set after the reset (as `env.unwrapped.state = ...`), for an
    ///     environment with a settable internal state.
    ///   - policy: The action for an observation and the step index (0-based).
    @discardableResult
    public static func play(
        _ environment: Environment, seed: UInt64, internalState: [Double]? = nil, mode: RenderMode, maxSteps: Int,
        writer: EpisodeVideoWriter, policy: (Observation, Int) throws -> Action?
    ) throws -> PlayedEpisode {
        let episode = try environment.playEpisode(seed: seed, internalState: internalState, maxSteps: maxSteps, policy: policy) { _, _ in
            try writer.append(try environment.render(mode))
        }
        try writer.finish()
        return episode
    }
}
