import ArgumentParser
import Lab
import LabCore

/// `rllab regress`: the linear-regression-by-gradient-descent example on the autodiff core.
struct RegressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regress",
        abstract: "Fit y = a x + b by gradient descent on normalized synthetic data and print a and b."
    )

    @Option(help: "Number of (x, y) samples.") var samples = 200
    @Option(help: "True slope of the synthetic data.") var slope = 3.0
    @Option(help: "True intercept of the synthetic data.") var intercept = 2.0
    @Option(help: "Standard deviation of the Gaussian noise on y.") var noise = 0.5
    @Option(help: "Gradient-descent steps.") var steps = 500
    @Option(name: .customLong("learning-rate"), help: "Learning rate (on normalized data).") var learningRate: Float = 0.1
    @Option(help: "Random seed.") var seed: UInt64 = 0

    func validate() throws {
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2") }
        guard steps >= 1 else { throw ValidationError("--steps must be positive") }
        guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be a positive finite number, got \(learningRate)") }
        guard noise.isFinite, noise >= 0 else { throw ValidationError("--noise must be a finite number, not negative, got \(noise)") }
        for (name, value) in [("--slope", slope), ("--intercept", intercept)] where !(value.isFinite && abs(value) <= 1e6) {
            throw ValidationError("\(name) must be a finite number within ±1e6 (the fit runs in Float32), got \(value)")
        }
    }

    func run() throws {
        var config = LinearRegression.Config()
        config.samples = samples
        config.trueSlope = slope
        config.trueIntercept = intercept
        config.noise = noise
        config.seed = seed
        let data = try LinearRegression.makeData(config)
        let fit = try LinearRegression.fit(x: data.x, y: data.y, steps: steps, learningRate: learningRate)
        print("data: \(samples) points of y = \(slope) x + \(intercept) + N(0, \(noise)^2), seed \(seed)")
        print("normalized fit: a = \(fit.normalizedA), b = \(fit.normalizedB) (mse \(fit.finalLoss))")
        print("a = \(fit.a)")
        print("b = \(fit.b)")
    }
}
