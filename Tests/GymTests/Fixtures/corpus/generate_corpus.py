#!/usr/bin/env python3
"""Writes the hostile-input seed corpus (issue 15) that `make test` replays and that is
the starting corpus of `make fuzz`: grid maps and tabular MDP files here, safetensors and
IDX files under Tests/LabCoreTests/Fixtures/corpus. Every file must give a clear error or
a valid environment, never a crash. Python 3 standard library only.

    python3 Tests/GymTests/Fixtures/corpus/generate_corpus.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join(HERE, "..", "..", "..", "LabCoreTests", "Fixtures", "corpus")


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(folder, name), mode) as f:
        f.write(data)


GRIDS = {
    "empty.txt": "",
    "no_start.txt": "FFF\nFHG\n",
    "ragged.txt": "SFF\nFG\n",
    "crlf.txt": "SFFF\r\nFHFH\r\nFFFG\r\n",
    "unknown_cell.txt": "SFX\nFFG\n",
    "bad_option.txt": "#! is_slippery=maybe\nSFG\n",
    "unknown_option.txt": "#! gravity=9.8\nSFG\n",
    "huge_limit.txt": "#! max_episode_steps=100000000000000000000000\nSFG\n",
    "negative_limit.txt": "#! max_episode_steps=-5\nSFG\n",
    "nan_rate.txt": "#! success_rate=nan\nSFG\n",
    "no_goal_walls.txt": "SWW\nWWW\n",
    "binary.txt": "S\x00\x01\x02G\n",
}

MDPS = {
    "empty.yml": "",
    "not_mapping.yml": "- 1\n- 2\n",
    "huge_states.yml": "states: 1000000000000000\nactions: 2\nstart: 0\ntransitions: []\n",
    "overflow_counts.yml": "states: 4000000000000000000\nactions: 4000000000\nstart: 0\ntransitions: []\n",
    "negative_states.yml": "states: -3\nactions: 2\nstart: 0\ntransitions: []\n",
    # Found by `make fuzz` (FuzzTabularMDP): a huge count beside a malformed action field
    # allocated the state names before the action field was refused.
    "huge_states_bad_actions.yml": "states: 4000000000000000000\nactions: 40000000=0\nstart: 0\ntransitions: []\n",
    "nan_probability.yml": "states: 1\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 0, probability: .nan}\n",
    "inf_reward.yml": "states: 1\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 0, reward: .inf}\n",
    "huge_reward_cycle.yml": "states: 1\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 0, reward: 1e308}\n",
    "no_terminal_cycle.yml": "states: 2\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 1}\n  - {state: 1, action: 0, next: 0, reward: 1}\n",
    "state_out_of_range.yml": "states: 2\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 7}\n  - {state: 1, action: 0, next: 0}\n",
    "fractional_state.yml": "states: 2\nactions: 1\nstart: 0.5\ntransitions:\n  - {state: 0, action: 0, next: 1}\n  - {state: 1, action: 0, next: 0}\n",
    "duplicate_names.yml": "states: [a, b, a]\nactions: 1\nstart: a\ntransitions: []\n",
    "deep_nesting.yml": "states: " + "[" * 20000 + "]" * 20000 + "\n",
    "undefined_alias.yml": "states: *nowhere\n",
    "alias_rows.yml": "rows: &r [{state: 0, action: 0, next: 0}]\nstates: 1\nactions: 1\nstart: 0\ntransitions: *r\n",
    "probabilities_not_one.yml": "states: 1\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 0, probability: 0.3}\n",
    "start_sums_wrong.yml": "states: 2\nactions: 1\nstart: {0: 0.5, 1: 0.7}\ntransitions:\n  - {state: 0, action: 0, next: 1}\n  - {state: 1, action: 0, next: 0}\n",
    "huge_limit.yml": "states: 1\nactions: 1\nstart: 0\nmax_episode_steps: 1e300\nterminal_states: [0]\ntransitions: []\n",
    "valid_chain.yml": "states: 3\nactions: [left, right]\nstart: 0\nterminal_states: [2]\nmax_episode_steps: 50\ntransitions:\n"
                       "  - {state: 0, action: left, next: 0}\n  - {state: 0, action: right, next: 1}\n"
                       "  - {state: 1, action: left, next: 0}\n  - {state: 1, action: right, next: 2, reward: 1}\n",
    "truncated.json": '{"states": 3, "actions": 2, "start": 0, "transitions": [{"state": 0',
    "huge_states.json": json.dumps({"states": 10 ** 15, "actions": 2, "start": 0, "transitions": []}),
    "deep_nesting.json": '{"states": ' + "[" * 20000 + "]" * 20000 + "}",
    "valid.json": json.dumps({"states": 2, "actions": 1, "start": 0, "terminal_states": [1],
                              "transitions": [{"state": 0, "action": 0, "next": 1, "reward": 1}]}),
}


def safetensors(header, body=b"", length=None):
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(raw) if length is None else length) + raw + body


SAFETENSORS = {
    "too_short.safetensors": b"\x01\x02",
    "huge_header_length.safetensors": safetensors({}, length=2 ** 63),
    "header_not_json.safetensors": safetensors(b"not json at all"),
    "negative_dimension.safetensors": safetensors({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
    "shape_overflow.safetensors": safetensors({"w": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 4]}}, b"\0" * 4),
    "offsets_outside.safetensors": safetensors({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8),
    "unknown_dtype.safetensors": safetensors({"w": {"dtype": "F16", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8),
    "nan_weights.safetensors": safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, struct.pack("<ff", 1.0, float("nan"))),
    "inf_weights.safetensors": safetensors({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}, struct.pack("<d", float("inf"))),
    "bad_metadata.safetensors": safetensors({"__metadata__": {"a": 1}}),
    "valid.safetensors": safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, struct.pack("<ff", 1.0, 2.0)),
}

IDXS = {
    "bad_magic.idx": b"\x01\x02\x08\x01\x00\x00\x00\x01\x05",
    "wrong_type.idx": b"\x00\x00\x0d\x01\x00\x00\x00\x01\x05",
    "rank_zero.idx": b"\x00\x00\x08\x00",
    "truncated_header.idx": b"\x00\x00\x08\x03\x00\x00",
    "dimension_overflow.idx": b"\x00\x00\x08\x05" + b"\xff\xff\xff\xff" * 5 + b"\x01\x02\x03",
    "too_few_bytes.idx": b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03\x01\x02",
    "valid.idx": b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03\x01\x02\x03\x04\x05\x06",
}


def main():
    for name, text in GRIDS.items():
        write(os.path.join(HERE, "grid"), name, text)
    for name, text in MDPS.items():
        write(os.path.join(HERE, "mdp"), name, text)
    for name, data in SAFETENSORS.items():
        write(os.path.join(CORE, "safetensors"), name, data)
    for name, data in IDXS.items():
        write(os.path.join(CORE, "idx"), name, data)


if __name__ == "__main__":
    main()
