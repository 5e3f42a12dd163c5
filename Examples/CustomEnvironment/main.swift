import Gym
