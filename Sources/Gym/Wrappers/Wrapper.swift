/// The base class of wrappers: it forwards everything to ``env`` and lets a subclass
/// change what it needs, as Gymnasium's `gymnasium.Wrapper`.
///
/// ```swift
/// final class NegateReward: Wrapper {
///     override func step(_ action: Action) throws -> StepResult {
///         var result = try env.step(action)
///         result.reward = -result.reward
///         return result
///     }
/// }
/// ```
open class Wrapper: Environment {
    /// The wrapped environment.
    public let env: Environment
    private var ownSpec: EnvironmentSpec?
    private var ownRenderMode: RenderMode?

    public init(_ env: Environment) {
        self.env = env
    }

    open var observationSpace: Space { env.observationSpace }
    open var actionSpace: Space { env.actionSpace }

    @discardableResult
    open func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try env.reset(seed: seed, options: options)
    }

    open func step(_ action: Action) throws -> StepResult {
        try env.step(action)
    }

    public var unwrapped: Environment { env.unwrapped }

    /// The spec set by the registry on the outermost wrapper, else the wrapped one's.
    public var spec: EnvironmentSpec? {
        get { ownSpec ?? env.spec }
        set { ownSpec = newValue }
    }

    /// The `render_mode` set by the registry on the outermost wrapper, else the wrapped one's.
    public var configuredRenderMode: RenderMode? {
        get { ownRenderMode ?? (env as? Wrapper)?.configuredRenderMode }
        set { ownRenderMode = newValue }
    }
}
