// swift-tools-version:6.0
import Foundation
import PackageDescription

// Release builds drop exclusivity checks in the numeric modules: their hot loops
// (environment steps, tensor kernels) are written to own their buffers exclusively.
let fast: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "RLLab",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "LabCore", targets: ["LabCore"]),
        .library(name: "Gym", targets: ["Gym"]),
        .library(name: "Agents", targets: ["Agents"]),
        .library(name: "Lab", targets: ["Lab"]),
        .library(name: "GAN", targets: ["GAN"]),
        .executable(name: "rllab", targets: ["rllab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev", "libopenblas-dev", "pkg-config"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CGIF",
            providers: [.apt(["libgif-dev"])]
        ),
        .target(name: "CLabKernels"),
        .target(name: "LabCore", dependencies: ["CGSL", "CLabKernels", "CPNG", "CGIF", "Yams"], swiftSettings: fast),
        .target(name: "GAN", dependencies: ["LabCore", "CGSL"], swiftSettings: fast),
        .target(name: "CGymKernels"),
        .target(name: "Gym", dependencies: ["LabCore", "CGymKernels", "Yams"], swiftSettings: fast),
        .target(name: "Agents", dependencies: ["LabCore", "Gym", "Yams"], swiftSettings: fast),
        .target(name: "Lab", dependencies: ["LabCore", "Gym", "Agents", "GAN", "Yams"], swiftSettings: fast),
        .executableTarget(
            name: "rllab",
            dependencies: ["Lab", "Agents", "Gym", "LabCore", "GAN", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "CustomEnvironmentExample", dependencies: ["Gym", "LabCore"], path: "Examples/CustomEnvironment"),
        .testTarget(name: "LabCoreTests", dependencies: ["LabCore", "CLabKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GymTests", dependencies: ["Gym", "LabCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AgentsTests", dependencies: ["Agents", "Gym", "LabCore", "Yams"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Agents", "Gym", "LabCore", "Yams"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GANTests", dependencies: ["GAN", "LabCore"]),
        .testTarget(name: "CLITests", dependencies: ["rllab", "LabCore"]),
    ],
    swiftLanguageModes: [.v5]
)

// `make fuzz` only (RLLAB_FUZZ=1, its own scratch path `.build-fuzz`): one libFuzzer
// executable per parser, built with `-sanitize=fuzzer`. Ordinary builds never see them.
if ProcessInfo.processInfo.environment["RLLAB_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzGridMap", ["Gym"]), ("FuzzTabularMDP", ["Gym"]), ("FuzzAgentConfig", ["Agents", "LabCore"]),
        ("FuzzSafeTensors", ["LabCore"]), ("FuzzIDX", ["LabCore"]),
    ]
    package.targets.append(.target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(.executableTarget(name: name, dependencies: dependencies + ["CFuzzDriver"], path: "Fuzz/\(name)"))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
