import Foundation
import LabCore
@testable import GAN

/// Small synthetic "real" images: class k is a bright bar at row 2k + 4 on a dark
/// background, with a little noise, in [-1, 1]. Easy to tell from a fresh generator's output.
func syntheticImages(_ n: Int, seed: UInt64 = 7) throws -> GANImageData {
    let source = try RandomSource(seed: seed)
    var values: [Float] = []
    var labels: [Int] = []
    for i in 0..<n {
        let k = i % 10
        labels.append(k)
        for y in 0..<28 {
            for _ in 0..<28 {
                let base: Float = (y == 2 * k + 4 || y == 2 * k + 5) ? 0.9 : -0.9
                values.append(base + Float(source.uniform(-0.05, 0.05)))
            }
        }
    }
    return try GANImageData(images: Tensor(shape: [n, 784], scalars: values), labels: labels)
}

/// A fresh empty folder under the temporary directory.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-tests-\(name)-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    return url
}

func mean(_ xs: ArraySlice<Double>) -> Double { xs.reduce(0, +) / Double(xs.count) }
