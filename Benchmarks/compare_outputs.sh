#!/usr/bin/env bash
# Output identity check (issue 11): runs the acceptance commands at two commits and diffs
# every output file, wall-time fields aside, config.yml compared as parsed YAML, the
# folder locks (`.rllab.lock`, which hold the writing process's id) skipped, training
# checkpoints compared tensor by tensor and key by key without wall times.
#
#   bash Benchmarks/compare_outputs.sh BASE [HEAD]      # revisions; HEAD defaults to HEAD
#
# Everything this call writes lives in its own private folder (`mktemp -d`, printed at the
# end): each revision is checked out there with `git worktree`, built in release mode and
# run into out-base or out-head, so two calls at the same time never touch each other's
# trees or outputs. COMPARE_CACHE=DIR keeps the checked-out, built revisions in DIR/<sha>
# for the next call (a lock serialises the checkout and build of one revision); outputs
# still go to this call's private folder. COMPARE_BIN_BASE=FILE (or COMPARE_BIN_HEAD) runs
# a release rllab already built from that very revision instead of building it (the
# revision's tree is still checked out, for its agents/ and envs/). Results depend on the CPU's BLAS kernels:
# compare two commits on one machine, never files from two machines. Needs python3 with
# PyYAML for the diff.
# Exit status: 0 when every file matches, 1 otherwise.
set -euo pipefail

repo=$(git rev-parse --show-toplevel)
base=${1:?usage: compare_outputs.sh BASE [HEAD]}
head=${2:-HEAD}
work=$(mktemp -d "${TMPDIR:-/tmp}/rllab-compare.XXXXXX")
cache=${COMPARE_CACHE:-$work/trees}

# Builds revision $1 (once per cache) and runs the acceptance commands into $work/out-$2.
run_revision() {
  local sha dir tree out bin prebuilt
  sha=$(git -C "$repo" rev-parse --verify "$1^{commit}")
  dir="$cache/$sha"; tree="$dir/tree"; out="$work/out-$2"
  if [ "$2" = base ]; then prebuilt=${COMPARE_BIN_BASE:-}; else prebuilt=${COMPARE_BIN_HEAD:-}; fi
  mkdir -p "$dir"
  (
    flock 9   # one checkout and build of a revision at a time, across calls sharing a cache
    if [ ! -d "$tree" ]; then git -C "$repo" worktree add --detach "$tree" "$sha" >/dev/null; fi
    if [ -z "$prebuilt" ]; then
      (cd "$tree" && swift build -c release --product rllab >"$work/build-$2.log" 2>&1) || { cat "$work/build-$2.log" >&2; exit 1; }
    fi
  ) 9>"$dir/lock" || return 1
  bin=${prebuilt:-$tree/.build/release/rllab}
  mkdir -p "$out"
  (
    cd "$tree"   # agents/ and envs/ of that revision
    set -x
    "$bin" compare --env CartPole-v1 --agents random,random-linear,naive-nn,q-learning,dqn,ppo,a2c \
      --num-seeds 3 --out "$out/demo-CartPole-v1"
    "$bin" compare --env FrozenLake-v1 --agents random,q-learning,value-iteration,policy-iteration \
      --num-seeds 3 --out "$out/demo-FrozenLake-v1"
    "$bin" compare --env envs/maze.txt,FrozenLake8x8-v1 --agents q-learning,value-iteration,policy-iteration \
      --num-seeds 2 --out "$out/maze-frozenlake8x8"
    "$bin" compare --env CartPole-v1 --agents dqn --set dqn.num_envs=4 --timesteps 20000 --seeds 7 \
      --out "$out/dqn-num-envs-4"
    "$bin" train --env CartPole-v1 --agent q-learning --seed 0 --quiet --out "$out/train-q-learning" \
      --save "$out/train-q-learning/agent.safetensors"
    "$bin" train --env CartPole-v0 --agent naive-nn --seed 0 --quiet --out "$out/train-naive-nn" \
      --save "$out/train-naive-nn/agent.safetensors"
    "$bin" gan gaussian --seed 2 --quiet --out "$out/gan-gaussian"
    # Continuous control: RL-Zoo's Pendulum-v1 settings, small budgets; TD3 and DDPG learn
    # from step 1000 (not 10,000) so that updates happen, DDPG with Ornstein-Uhlenbeck noise.
    "$bin" compare --env Pendulum-v1 --agents sac,td3,ddpg --timesteps 3000 --num-seeds 2 --eval-episodes 5 \
      --set td3.learning_starts=1000 --set ddpg.learning_starts=1000 --set ddpg.noise_type=ornstein-uhlenbeck \
      --out "$out/continuous-pendulum"
    # Policy gradients beyond the demo: the Gaussian policy and VecNormalize's running
    # statistics (RL-Zoo's Pendulum-v1 settings use normalize: true), and REINFORCE.
    "$bin" compare --env Pendulum-v1 --agents ppo,a2c --timesteps 8192 --num-seeds 2 --eval-episodes 2 \
      --out "$out/pg-pendulum"
    "$bin" compare --env CartPole-v1,Acrobot-v1 --agents reinforce --timesteps 5000 --num-seeds 2 --eval-episodes 2 \
      --out "$out/reinforce"
    # Training checkpoints and a resume: each run kills itself (SIGKILL) right after its second
    # checkpoint, then continues from it; its files must be an uninterrupted run's.
    for agent in sac td3 ddpg; do
      "$bin" train --env Pendulum-v1 --agent "$agent" --timesteps 2000 --seed 3 --set learning_starts=500 \
        --set 'net_arch=[64,64]' --checkpoint-every 700 --kill-after-checkpoint 2 --quiet --out "$out/resume-$agent" || true
      "$bin" train --resume "$out/resume-$agent" --quiet
    done
  ) >"$work/stdout-$2.txt" 2>"$work/stderr-$2.txt" || { cat "$work/stderr-$2.txt" >&2; return 1; }
  echo "$out"
}

a=$(run_revision "$base" base)
b=$(run_revision "$head" head)
python3 - "$a" "$b" <<'PY'
import csv, io, json, os, re, sys
import yaml

# Columns and keys that hold wall-clock time (they differ between any two runs).
# A results folder's lock file holds the id of the process that wrote it: never compared.
SKIPPED_NAMES = {".rllab.lock"}
WALL_COLUMNS = {"wall_time", "train_seconds", "steps_per_second", "t", "wall s/run", "steps/s", "seconds"}

def csv_rows(text):
    lines = text.splitlines()
    comments = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if not l.startswith("#")]
    # Monitor header: '#{"t_start": ..., "env_id": ...}'
    cleaned = []
    for c in comments:
        try:
            meta = json.loads(c[1:]); meta.pop("t_start", None); cleaned.append(meta)
        except ValueError:
            cleaned.append(c)
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    if rows:
        masked = [i for i, name in enumerate(rows[0]) if name in WALL_COLUMNS]
        rows = [rows[0]] + [[("*" if i in masked else v) for i, v in enumerate(r)] for r in rows[1:]]
    return cleaned, rows

def drop_wall(value):
    if isinstance(value, dict):
        return {k: drop_wall(v) for k, v in value.items() if k not in WALL_COLUMNS}
    if isinstance(value, list):
        return [drop_wall(v) for v in value]
    return value

def safetensors(data, revision_dir):
    # 8-byte little-endian header length, a JSON header (names, dtypes, shapes, offsets and
    # __metadata__), then the data. Wall times (episodes', evaluations', the loop's elapsed
    # seconds) are left out, and so are the byte lengths of the CSVs at the checkpoint
    # (`*_bytes`): their wall-time cells are %.6f text, one byte longer past 10 s; paths
    # name the revision's output folder.
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size]); body = data[8 + size:]
    metadata = header.pop("__metadata__", {})
    timed = lambda name: "wall_time" in name or "elapsed_seconds" in name or name.endswith("_bytes")
    tensors = {k: (v["dtype"], v["shape"], body[v["data_offsets"][0]:v["data_offsets"][1]])
               for k, v in header.items() if not timed(k)}
    return {k: v.replace(revision_dir, "<outputs>") for k, v in metadata.items() if not timed(k)}, tensors

def normalised(path, revision_dir):
    name = os.path.basename(path)
    if name.startswith("checkpoint") and name.endswith(".safetensors"):
        return safetensors(open(path, "rb").read(), revision_dir)
    # Reports name their run folder by absolute path (the revision's sha, base or head).
    data = open(path, "rb").read().replace(revision_dir.encode(), b"<outputs>")
    if name.endswith((".yml", ".yaml")):
        return yaml.safe_load(data)
    if name.endswith(".csv"):
        return csv_rows(data.decode())
    if name.endswith(".json"):
        return drop_wall(json.loads(data))
    if name.endswith(".html"):
        # The report's summary table has wall s/run and steps/s cells: mask numbers in
        # table rows after the eval column; everything else compares as text.
        text = data.decode()
        return re.sub(r"(<td>[^<]*</td>)(<td>[0-9.]+</td><td>[0-9.-]+</td>)(</tr>)", r"\1<td>*</td><td>*</td>\3", text)
    return data

def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            if n in SKIPPED_NAMES:
                continue
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out

a, b = sys.argv[1], sys.argv[2]
fa, fb = files(a), files(b)
failures = 0
for rel in sorted(fa - fb):
    print(f"ONLY IN BASE  {rel}"); failures += 1
for rel in sorted(fb - fa):
    print(f"ONLY IN HEAD  {rel}"); failures += 1
same = 0
for rel in sorted(fa & fb):
    if normalised(os.path.join(a, rel), a) == normalised(os.path.join(b, rel), b):
        same += 1
    else:
        print(f"DIFFERS       {rel}"); failures += 1
print(f"{same} files identical (wall-time fields aside, config.yml as parsed YAML), {failures} differences")
print(f"base: {a}\nhead: {b}")
sys.exit(1 if failures else 0)
PY
