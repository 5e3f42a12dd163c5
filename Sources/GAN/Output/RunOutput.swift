import Foundation
import LabCore

/// The folder one GAN run writes into, and the files in it.
///
/// Layout: `summary.json`, `losses.csv` (one row per step or batch), `pretrain_losses.csv`
/// (the 1-D GAN), `test_losses.csv` (image GANs, one row per epoch), `samples/epoch-NNN.png`, and
/// `checkpoints/{generator,discriminator}-epoch-NNN.safetensors`.
public struct RunOutput {
    /// The run's folder.
    public let directory: URL

    // The run's files, named once: the GAN runs write them (summaries and CSVs through the
    // writers below; `Lab.GANReport` reads them back, the CSVs with LabCore's `CSVTable`).
    public static let summaryFile = "summary.json"
    /// One row per adversarial step (1-D GAN) or batch (image GANs).
    public static let lossesFile = "losses.csv"
    /// The 1-D GAN's pretraining of D (one row per step).
    public static let pretrainLossesFile = "pretrain_losses.csv"
    /// Image GANs: one row per epoch and network.
    public static let testLossesFile = "test_losses.csv"
    /// Image GANs: the image-quality metrics per epoch.
    public static let metricsFile = "metrics.csv"
    public static let samplesFolder = "samples"
    /// `samples/grid-epoch-NNN.png` (see ``epochFile(_:epoch:ext:)``).
    public static let gridPrefix = "grid"
    public static let interpolationFile = "interpolation.png"

    /// The CSV columns that readers look up by name (``Lab.GANReport``), spelled once for
    /// the writers and the readers.
    public enum Column {
        public static let step = "step"
        public static let epoch = "epoch"
        public static let discriminatorLoss = "d_loss"
        public static let generatorLoss = "g_loss"
        /// `test_losses.csv`: which network a row is about, and its loss.
        public static let component = "component"
        public static let loss = "loss"
        public static let frechetDistance = "frechet_distance"
        public static let classifierScore = "classifier_score"
        public static let classifierAccuracy = "classifier_accuracy"
    }

    /// Creates the folder (and its parents) if needed.
    public init(directory: URL) throws {
        self.directory = directory
        try RunOutput.create(directory, called: "output folder")
    }

    /// A file in the run folder, creating its subfolder.
    public func file(_ relativePath: String) throws -> URL {
        let url = directory.appendingPathComponent(relativePath)
        try RunOutput.create(url.deletingLastPathComponent(), called: "folder")
        return url
    }

    /// Creates `folder` and its parents; `name` is what the message calls it.
    private static func create(_ folder: URL, called name: String) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw GANError.outputFailed("cannot create \(name) \(folder.path): \(error.localizedDescription)")
        }
    }

    /// Writes `summary.json` with sorted keys, so equal runs give equal bytes, and numbers
    /// that are not finite as null (JSON has no NaN: a run that diverged or took no step).
    public func writeSummary(_ summary: [String: Any]) throws {
        let url = try file(RunOutput.summaryFile)
        let summary = summary.mapValues { value -> Any in
            if let number = value as? Double, !number.isFinite { return NSNull() }
            return value
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            try AtomicFile.write(data + Data("\n".utf8), to: url)
        } catch let error as FileWriteError {
            throw GANError.outputFailed("\(error)")
        } catch {
            throw GANError.outputFailed("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads the `summary.json` that ``writeSummary(_:)`` wrote in `folder`.
    ///
    /// - Throws: ``GANError/inputFailed(_:)`` when there is none or it is not a JSON object.
    public static func readSummary(in folder: URL) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(summaryFile)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GANError.inputFailed("\(folder.path) is not a GAN run folder (no readable \(summaryFile))")
        }
        return object
    }

    /// Writes `text` to a file in the run folder.
    public func writeText(_ text: String, to relativePath: String) throws {
        let url = try file(relativePath)
        do { try AtomicFile.write(text, to: url) } catch {
            throw GANError.outputFailed("\(error)")
        }
    }

    /// Saves a network's parameters as safetensors (names as in PyTorch's `state_dict`).
    public func saveCheckpoint(_ model: Layer, to relativePath: String, metadata: [String: String] = [:]) throws {
        let url = try file(relativePath)
        try model.saveCheckpoint(to: url.path, metadata: metadata)
    }

    /// The file name of an epoch's file: `prefix-epoch-007.ext`.
    public static func epochFile(_ prefix: String, epoch: Int, ext: String) -> String {
        "\(prefix)-epoch-\(String(format: "%03d", epoch)).\(ext)"
    }
}

/// A CSV file written row by row and flushed, so an interrupted run keeps its rows.
///
/// Rows are appended from training callbacks that cannot throw; the first failed write
/// (a full disk) is kept, later rows are skipped, and ``checkWritten()`` throws it.
public final class CSVLog {
    private let output: FileOutput
    private var failure: Error?

    /// Creates (truncating) the file and writes the header.
    public init(url: URL, header: [String]) throws {
        do { output = try FileOutput(url: url) } catch {
            throw GANError.outputFailed("\(error)")
        }
        write(header.joined(separator: ","))
        try checkWritten()
    }

    /// Appends a row of numbers (shortest round-trip text, so reruns give equal bytes).
    public func append(_ values: [Double]) {
        write(values.map { CSVLog.format($0) }.joined(separator: ","))
    }

    /// Appends a row of preformatted fields.
    public func append(fields: [String]) { write(fields.joined(separator: ",")) }

    /// Throws the first write that failed, if any.
    public func checkWritten() throws {
        if let failure { throw GANError.outputFailed("\(failure)") }
    }

    private func write(_ line: String) {
        guard failure == nil else { return }
        do { try output.write(line + "\n") } catch { failure = error }
    }

    /// Integers without a decimal point, other values in Swift's shortest exact form.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
