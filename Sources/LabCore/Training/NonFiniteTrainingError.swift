/// Training that diverged: a loss or parameter became infinite or NaN.
///
/// Why: once a loss is NaN every later update writes NaN into the weights, and a run that
/// goes on saves and "evaluates" a meaningless network. Trainers check each step's loss
/// (a scalar, so the check costs nothing next to the step) and stop at the first bad one,
/// naming the step so the user can lower the learning rate or clip.
public struct NonFiniteTrainingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// Throws when `loss` is not finite.
    ///
    /// - Parameters:
    ///   - name: What the loss is ("loss", "critic loss", "discriminator loss").
    ///   - step: The 1-based update step it came from.
    ///   - epoch: The epoch, for trainers that count them.
    @inlinable
    public static func check<F: BinaryFloatingPoint>(loss: F, name: String = "loss", step: Int, epoch: Int? = nil) throws {
        guard !loss.isFinite else { return }
        throw NonFiniteTrainingError(message(name: name, value: Double(loss), step: step, epoch: epoch))
    }

    /// Throws when a parameter holds a value that is not finite.
    public static func check(parameters: [Parameter], step: Int, epoch: Int? = nil) throws {
        for parameter in parameters {
            if let value = parameter.value.withUnsafeBufferPointer({ $0.first(where: { !$0.isFinite }) }) {
                throw NonFiniteTrainingError(message(name: "parameter '\(parameter.name)'", value: Double(value), step: step, epoch: epoch))
            }
        }
    }

    @usableFromInline
    static func message(name: String, value: Double, step: Int, epoch: Int?) -> String {
        let when = epoch.map { "at step \(step) (epoch \($0))" } ?? "at step \(step)"
        return "training diverged: the \(name) became \(value) \(when); stopped before saving meaningless weights (lower the learning rate, or check the data and rewards)"
    }
}
