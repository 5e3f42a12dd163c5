import ArgumentParser
import Foundation
import Lab
import LabCore

/// `rllab check`: Gymnasium's `check_env` for an id or an environment file, thin over
/// ``EnvironmentChecker``.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that an environment behaves as Gymnasium expects (seeding, spaces, steps, options, model, episode end).",
        discussion: "Prints each check with pass, fail or skip; exits with status 1 when a check fails.")

    @OptionGroup var environment: EnvironmentArguments

    @Option(name: .long, help: "Random steps to take (over several episodes).")
    var steps: Int = 2000

    func validate() throws {
        guard steps > 0, steps <= 10_000_000 else { throw ValidationError("--steps must be in 1...10000000, got \(steps)") }
    }

    func run() throws {
        let options = try environment.options()
        let report = EnvironmentChecker.check(id: environment.env, options: options, steps: steps)
        let width = report.checks.map(\.name.count).max() ?? 0
        print("check \(environment.env)")
        for check in report.checks {
            print("\(check.outcome.rawValue)  \(check.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(check.detail)")
        }
        let failed = report.failures.count
        let skipped = report.checks.filter { $0.outcome == .skipped }.count
        print("\(report.checks.count) checks: \(report.checks.count - failed - skipped) passed, \(failed) failed, \(skipped) skipped")
        if failed > 0 {
            try? FileOutput.standardError.write("error: \(environment.env) failed \(failed) check\(failed == 1 ? "" : "s"): \(report.failures.map(\.name).joined(separator: ", "))\n")
            throw ExitCode.failure
        }
    }
}
