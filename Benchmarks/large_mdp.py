#!/usr/bin/env python3
"""Writes a chain MDP with N states (YAML, or JSON when the path ends in .json) for
timing `rllab model`/`rllab solve` on large tabular files (issue 15: parsing must be
linear). States are a count; two actions; the last state is terminal.

    python3 Benchmarks/large_mdp.py 1000000 /tmp/chain-1e6.yml
    time .build/release/rllab solve --env /tmp/chain-1e6.yml --gamma 0.9 --out /tmp/v.csv
"""
import json
import sys


def main():
    n, path = int(sys.argv[1]), sys.argv[2]
    rows = []
    for s in range(n - 1):
        rows.append({"state": s, "action": 0, "next": max(s - 1, 0), "reward": 0})
        nxt = s + 1
        rows.append({"state": s, "action": 1, "next": nxt, "reward": 1 if nxt == n - 1 else 0,
                     "terminal": nxt == n - 1})
    if path.endswith(".json"):
        with open(path, "w") as f:
            json.dump({"name": f"chain-{n}", "states": n, "actions": ["left", "right"], "start": 0,
                       "terminal_states": [n - 1], "transitions": rows}, f)
        return
    with open(path, "w") as f:
        f.write(f"name: chain-{n}\nstates: {n}\nactions: [left, right]\nstart: 0\n")
        f.write(f"terminal_states: [{n - 1}]\ntransitions:\n")
        for r in rows:
            f.write("  - {state: %d, action: %d, next: %d, reward: %d%s}\n"
                    % (r["state"], r["action"], r["next"], r["reward"], ", terminal: true" if r.get("terminal") else ""))


if __name__ == "__main__":
    main()
