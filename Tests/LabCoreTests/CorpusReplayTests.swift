import Foundation
import Testing
@testable import LabCore

/// Replays the hostile-input seed corpus of safetensors and IDX files (written by
/// `Tests/GymTests/Fixtures/corpus/generate_corpus.py`; also `make fuzz`'s starting
/// corpus): each gives its module's error or loads, never a crash, and only the valid
/// ones load.
@Suite struct LabCoreCorpusReplayTests {
    static func files(_ kind: String) throws -> [URL] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures/corpus/\(kind)", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
    }

    @Test func safetensorsFiles() throws {
        var loaded = Set<String>()
        for url in try Self.files("safetensors") {
            do {
                let file = try SafeTensorsFile(contentsOf: url)
                for name in file.names { _ = try file.float64(name) }
                loaded.insert(url.lastPathComponent)
            } catch let error as CheckpointError {
                #expect(error.description.contains(url.path), "\(url.lastPathComponent): \(error)")
            }
        }
        #expect(loaded == ["valid.safetensors"])
        #expect(!loaded.contains("nan_weights.safetensors") && !loaded.contains("inf_weights.safetensors"))
    }

    @Test func idxFiles() throws {
        var loaded = Set<String>()
        for url in try Self.files("idx") {
            do {
                _ = try IDX.load(url.path)
                loaded.insert(url.lastPathComponent)
            } catch let error as DatasetError {
                #expect("\(error)".hasPrefix(url.path), "\(url.lastPathComponent): \(error)")
            }
        }
        #expect(loaded == ["valid.idx"])
    }
}
