@_exported import Gym
