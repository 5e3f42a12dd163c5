import Foundation
import Testing
@testable import Gym

/// Replays the hostile-input seed corpus (`Fixtures/corpus`, written by
/// `generate_corpus.py`; also `make fuzz`'s starting corpus): every grid map and MDP file
/// loads or gives a clear `.malformedFile` error, never a crash, and exactly the valid
/// ones load.
@Suite struct CorpusReplayTests {
    static func files(_ kind: String) throws -> [URL] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures/corpus/\(kind)", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func replay(_ kind: String) throws -> Set<String> {
        var loaded = Set<String>()
        for url in try files(kind) {
            do {
                _ = try EnvironmentRegistry.shared.make(url.path)
                loaded.insert(url.lastPathComponent)
            } catch let error as EnvironmentError {
                #expect(error.kind == .malformedFile, "\(url.lastPathComponent): \(error)")
                #expect(error.message.hasPrefix(url.path), "\(url.lastPathComponent): the message names the file: \(error)")
            }
        }
        return loaded
    }

    @Test func gridMaps() throws {
        #expect(try Self.replay("grid") == ["crlf.txt", "no_goal_walls.txt"])
    }

    @Test func tabularMDPFiles() throws {
        // Cycles without a terminal state and huge rewards load: the episode loops and the
        // planners refuse them when used (see HostileInputTests).
        #expect(try Self.replay("mdp") == ["valid_chain.yml", "valid.json", "no_terminal_cycle.yml", "huge_reward_cycle.yml"])
    }
}
