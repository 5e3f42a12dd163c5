import LabCore

/// The linear-regression-by-gradient-descent example: fit `y = a x + b` with the autodiff
/// core (MSE loss, plain gradient descent) on z-score normalised data.
public enum LinearRegression {
    /// The synthetic data's settings (``makeData(_:)``).
    public struct Config: Sendable {
        public var samples = 200
        public var trueSlope = 3.0
        public var trueIntercept = 2.0
        public var noise = 0.5
        public var seed: UInt64 = 0
        public init() {}
    }

    /// The fitted line, in normalised units and mapped back to the data's units.
    public struct Fit: Sendable {
        public let a: Double, b: Double
        public let normalizedA: Double, normalizedB: Double
        public let finalLoss: Double
    }

    /// Synthetic data `y = trueSlope x + trueIntercept + noise`, x uniform in [0, 10).
    public static func makeData(_ config: Config) throws -> (x: [Double], y: [Double]) {
        let source = try RandomSource(seed: config.seed).derived("regression-data")
        var xs: [Double] = [], ys: [Double] = []
        for _ in 0..<config.samples {
            let x = source.uniform(0, 10)
            xs.append(x)
            ys.append(config.trueSlope * x + config.trueIntercept + source.gaussian(mean: 0, standardDeviation: config.noise))
        }
        return (xs, ys)
    }

    /// Fits `y = a x + b` by gradient descent on normalised x and y (so one learning rate
    /// suits any data scale), then maps a and b back to the original units.
    public static func fit(x: [Double], y: [Double], steps: Int, learningRate: Float) throws -> Fit {
        guard x.count == y.count, x.count >= 2 else { throw TensorError.shapeMismatch("need at least two (x, y) pairs of equal count") }
        func stats(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            let s = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
            return (m, s == 0 ? 1 : s)
        }
        let (mx, sx) = stats(x), (my, sy) = stats(y)
        let xn = Tensor(x.map { Float(($0 - mx) / sx) }), yn = Tensor(y.map { Float(($0 - my) / sy) })
        let a = Parameter(Tensor(0), name: "a"), b = Parameter(Tensor(0), name: "b")
        let optimizer = SGD([a, b], learningRate: learningRate)
        var loss = Tensor(0)
        for step in 1...max(steps, 1) {
            loss = Loss.meanSquaredError(xn * a.tensor + b.tensor, yn)
            try NonFiniteTrainingError.check(loss: loss.scalar, step: step)
            optimizer.minimize(loss)
        }
        let an = Double(a.value.scalar), bn = Double(b.value.scalar)
        // y = my + sy (an (x - mx)/sx + bn)
        let slope = sy * an / sx
        return Fit(a: slope, b: my + sy * bn - slope * mx, normalizedA: an, normalizedB: bn, finalLoss: Double(loss.scalar))
    }
}
