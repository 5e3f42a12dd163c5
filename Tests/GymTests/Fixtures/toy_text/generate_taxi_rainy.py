"""Writes P_taxi_rainy.csv: Gymnasium's Taxi-v4 transition table with is_rainy=True,
every row in Gymnasium's order, probabilities as Python's shortest round-trip repr.

Run with gymnasium 1.4.0: python generate_taxi_rainy.py (in this folder)."""
import gymnasium as gym

env = gym.make("Taxi-v4", is_rainy=True).unwrapped
with open("P_taxi_rainy.csv", "w") as f:
    f.write("state,action,index,probability,next_state,reward,terminal\n")
    for s in range(env.observation_space.n):
        for a in range(env.action_space.n):
            for i, (p, nxt, r, done) in enumerate(env.P[s][a]):
                f.write(f"{s},{a},{i},{float(p)!r},{nxt},{float(r)!r},{int(done)}\n")
