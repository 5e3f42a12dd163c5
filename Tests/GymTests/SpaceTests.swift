import Testing
@testable import Gym

@Suite struct SpaceTests {
    @Test func discreteWithStart() throws {
        let space = Discrete(3, start: -1)
        #expect(space.description == "Discrete(3, start=-1)")
        #expect(space.contains(-1) && space.contains(1) && !space.contains(2) && !space.contains(-2))
        let random = try RandomSource(seed: 1)
        let samples = (0..<300).map { _ in space.sample(using: random) }
        #expect(Set(samples) == [-1, 0, 1])
    }

    @Test func boxContainsAndSamples() throws {
        let box = Box(low: [-1, 0], high: [1, .infinity])
        #expect(box.contains([0, 5]) && !box.contains([2, 0]) && !box.contains([0]) && !box.contains([.nan, 0]))
        let random = try RandomSource(seed: 2)
        for _ in 0..<200 { #expect(box.contains(box.sample(using: random))) }
        let unbounded = Box(low: -.infinity, high: .infinity, shape: [2, 3])
        #expect(unbounded.count == 6 && unbounded.sample(using: random).count == 6)
        #expect(Space.box(unbounded).flatDimension == 6)
        #expect(unbounded.description == "Box(-inf, inf, (2, 3), float32)")
        #expect(throws: EnvironmentError.self) { try Box(low: [0], high: [1, 2], shape: [2]) }
        #expect(throws: EnvironmentError.self) { try Box(low: [1], high: [0], shape: [1]) }
    }

    @Test func spaceSamplesActionsInsideItself() throws {
        let random = try RandomSource(seed: 3)
        for id in ["CartPole-v1", "Pendulum-v1", "Taxi-v4"] {
            let env = try EnvironmentRegistry.shared.make(id)
            for _ in 0..<50 { #expect(env.actionSpace.contains(env.actionSpace.sample(using: random))) }
            let (observation, _) = try env.reset(seed: 4)
            #expect(env.observationSpace.contains(observation))
        }
        #expect(Space.discrete(Discrete(4)).isDiscrete && Space.discrete(Discrete(4)).flatDimension == 1)
    }

    @Test func observationAccessors() {
        #expect(Observation.discrete(3).discrete == 3 && Observation.discrete(3).vector == nil)
        #expect(Observation.vector([1, 2]).vector == [1, 2] && Observation.vector([1]).discrete == nil)
        #expect(Action.continuous([0.5]).description == "0.5")
    }
}
