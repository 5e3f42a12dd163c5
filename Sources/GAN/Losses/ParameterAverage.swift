import LabCore

/// An exponential moving average of parameters (Polyak averaging of a generator, as in
/// Yazici et al., "The Unusual Effectiveness of Averaging in GAN Training", 2019).
///
/// GAN training often circles its equilibrium instead of settling; the average of the
/// recent generators sits nearer its centre than any one of them.
public final class ParameterAverage {
    public let parameters: [Parameter]
    public let decay: Float
    private var averages: [Tensor]

    /// Starts the average at the parameters' current values.
    public init(_ parameters: [Parameter], decay: Float) {
        self.parameters = parameters
        self.decay = decay
        averages = parameters.map { Tensor(shape: $0.shape, scalars: $0.value.scalars) }
    }

    /// `average = decay * average + (1 - decay) * value` for every parameter.
    public func update() {
        let d = decay, w = 1 - decay
        for (i, p) in parameters.enumerated() {
            p.value.withUnsafeBufferPointer { value in
                averages[i].withUnsafeMutableBufferPointer { avg in
                    for j in 0..<avg.count { avg[j] = d * avg[j] + w * value[j] }
                }
            }
        }
    }

    /// Replaces the parameters' values by their averages.
    public func copyIntoParameters() {
        for (i, p) in parameters.enumerated() { p.value = Tensor(shape: p.shape, scalars: averages[i].scalars) }
    }
}
