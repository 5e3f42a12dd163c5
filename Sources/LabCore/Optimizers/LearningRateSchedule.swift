#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func powDouble(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// A value as a function of the step count (learning rates, exploration rates).
/// Evaluated in Double as closed forms, like the Python originals.
public protocol LearningRateSchedule: Sendable {
    /// The value at `step` (0-based).
    func value(at step: Int) -> Double
}

/// The same value at every step.
public struct ConstantSchedule: LearningRateSchedule {
    public let constant: Double
    public init(_ value: Double) { constant = value }
    public func value(at step: Int) -> Double { constant }
}

/// CleanRL's `linear_schedule`: `max(slope * t + start, end)` with
/// `slope = (end - start) / duration` (for decreasing schedules; increasing ones use min).
public struct LinearSchedule: LearningRateSchedule {
    public let start: Double, end: Double, duration: Int
    public init(start: Double, end: Double, duration: Int) {
        self.start = start
        self.end = end
        self.duration = Swift.max(duration, 1)
    }
    public func value(at step: Int) -> Double {
        let slope = (end - start) / Double(duration)
        let v = slope * Double(step) + start
        return end <= start ? Swift.max(v, end) : Swift.min(v, end)
    }
}

/// `tf.train.exponential_decay`: `initial * rate^(step / decaySteps)`, with the exponent
/// floored (integer division) when `staircase` is true.
public struct ExponentialDecay: LearningRateSchedule {
    public let initial: Double, rate: Double, decaySteps: Int, staircase: Bool
    public init(initial: Double, rate: Double, decaySteps: Int, staircase: Bool = false) {
        self.initial = initial
        self.rate = rate
        self.decaySteps = Swift.max(decaySteps, 1)
        self.staircase = staircase
    }
    public func value(at step: Int) -> Double {
        let exponent = staircase ? Double(step / decaySteps) : Double(step) / Double(decaySteps)
        return initial * pow(rate, exponent)
    }
}

extension Optimizer {
    /// Sets the learning rate from `schedule` at `step`.
    public func apply(_ schedule: LearningRateSchedule, step: Int) {
        learningRate = Float(schedule.value(at: step))
    }
}
