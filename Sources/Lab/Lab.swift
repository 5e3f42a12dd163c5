@_exported import Gym
@_exported import Agents
