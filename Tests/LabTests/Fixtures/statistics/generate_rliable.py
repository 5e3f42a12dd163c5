"""Runs rliable on fixed score arrays and stores its outputs for RLLab's statistics tests.

Usage (from the repository root, in a venv with rliable; see PROVENANCE.md):

    python Tests/LabTests/Fixtures/statistics/generate_rliable.py Tests/LabTests/Fixtures/statistics/rliable.json [REPS]

REPS (default 2000) is the number of bootstrap resamples. Every case is a dict of agents ->
scores of shape (runs, tasks) or (runs, tasks, points). The scores are written into the
JSON as Python's shortest round-trip reprs, so the Swift tests read the very float64
values rliable saw. Point estimates are rliable's functions on the arrays; intervals are
rliable's stratified bootstrap (percentile, 95%), which draws its resamples from numpy's
global generator (`np.random.choice`). The script seeds that generator before each
call and stores the seed and the order in which rliable visited the agents, so that the
Swift tests replay the very same resamples (RLLab's bootstrap draws numpy's integers from
the same MT19937 stream) and compare the intervals to rounding, not to Monte-Carlo error.
"""

import json
import sys

# arch 7.2 (rliable's bootstrap) calls pandas' deprecate_kwarg with the pre-3.0 signature;
# pandas 3 added a leading warning-class argument. Shim the old call shape so that arch
# imports; nothing in arch.bootstrap uses the decorated functions.
import pandas.util._decorators as _decorators

_original = _decorators.deprecate_kwarg


def _compatible_deprecate_kwarg(*args, **kwargs):
    if args and isinstance(args[0], str):
        return _original(FutureWarning, *args, **kwargs)
    return _original(*args, **kwargs)


_decorators.deprecate_kwarg = _compatible_deprecate_kwarg

import numpy as np  # noqa: E402
from rliable import library as rly  # noqa: E402
from rliable import metrics  # noqa: E402

REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def aggregates(scores):
    return np.array([
        metrics.aggregate_mean(scores),
        metrics.aggregate_median(scores),
        metrics.aggregate_iqm(scores),
        metrics.aggregate_optimality_gap(scores, gamma=1),
    ])


def fast_probability_of_improvement(scores_x, scores_y):
    """rliable's `metrics.probability_of_improvement`, computed by counting pairs.

    scipy's `mannwhitneyu` (which rliable calls) takes ~6 ms per call here, since it also
    computes an exact p-value that rliable discards; 50,000 resamples x tasks x pairs would
    take hours. The U statistic is the number of (x, y) pairs with x > y plus half the ties,
    which is what this counts. `check_fast_probability_of_improvement` asserts that both
    agree on the case's arrays and on 300 stratified resamples of them; the resampling
    itself is rliable's `StratifiedIndependentBootstrap`.
    """
    total = 0.0
    for task in range(scores_x.shape[1]):
        x, y = scores_x[:, task][:, None], scores_y[:, task][None, :]
        total += (np.sum(x > y) + 0.5 * np.sum(x == y)) / (x.size * y.size)
    return total / scores_x.shape[1]


def check_fast_probability_of_improvement(scores_x, scores_y):
    bs = rly.StratifiedIndependentBootstrap(scores_x, scores_y)
    checked = 0
    for data in bs.bootstrap(300):
        sx, sy = data[0]
        a = metrics.probability_of_improvement(sx, sy)
        b = fast_probability_of_improvement(sx, sy)
        assert abs(a - b) < 1e-12, (a, b)
        checked += 1
    assert checked == 300
    assert abs(metrics.probability_of_improvement(scores_x, scores_y) - fast_probability_of_improvement(scores_x, scores_y)) < 1e-12


def curve_iqm(scores):
    """rliable's sample-efficiency curve: IQM at each point of (runs, tasks, points)."""
    return np.array([metrics.aggregate_iqm(scores[..., j]) for j in range(scores.shape[-1])])


def make_cases():
    rs = np.random.RandomState(20211206)
    cases = []
    # Ten runs on two tasks, continuous scores.
    cases.append(("runs10_tasks2", {
        "a": rs.normal(0.6, 0.25, size=(10, 2)),
        "b": rs.normal(0.4, 0.3, size=(10, 2)),
        "c": rs.uniform(-0.2, 1.3, size=(10, 2)),
    }))
    # Few runs, many tasks.
    cases.append(("runs3_tasks5", {
        "a": rs.normal(0.8, 0.5, size=(3, 5)),
        "b": rs.normal(0.7, 0.5, size=(3, 5)),
    }))
    # One task, integer scores with many ties (CartPole-like returns / 500).
    cases.append(("runs5_tasks1_ties", {
        "a": np.array([[500.0], [500.0], [21.0], [500.0], [137.0]]) / 500.0,
        "b": np.array([[500.0], [21.0], [21.0], [500.0], [500.0]]) / 500.0,
        "c": np.array([[21.0], [21.0], [21.0], [21.0], [21.0]]) / 500.0,
    }))
    # Two runs, three tasks, values on a coarse grid (ties across agents and runs).
    cases.append(("runs2_tasks3_grid", {
        "a": rs.randint(0, 5, size=(2, 3)) / 4.0,
        "b": rs.randint(0, 5, size=(2, 3)) / 4.0,
    }))
    # Seven runs (IQM's cut of a non-multiple of 4), four tasks, one agent equal to another.
    x = rs.normal(0.5, 0.4, size=(7, 4))
    cases.append(("runs7_tasks4_equal", {"a": x, "b": x.copy(), "c": rs.normal(0.3, 0.4, size=(7, 4))}))
    return cases


def interval_list(ci):
    # rliable returns (2, k): first row lower bounds, second row upper bounds.
    return [[float(ci[0][i]), float(ci[1][i])] for i in range(ci.shape[1])]


TAUS = [float(t) for t in np.linspace(-0.25, 1.25, 13)]


def run_case(name):
    """All statistics of one case; numpy's global generator is seeded from the case name,
    so the output does not depend on which process runs it."""
    score_dict = dict(make_cases())[name]
    seed = sum(map(ord, name))
    names = list(score_dict)
    pairs = {f"{x},{y}": [score_dict[x], score_dict[y]] for x in names for y in names if x != y}
    # rliable visits the agents (and pairs) in dict order, drawing from one global stream.
    case = {"name": name, "scores": {k: v.tolist() for k, v in score_dict.items()}, "agents": names,
            "pairs": list(pairs), "seeds": {"aggregates": seed, "run_profiles": seed + 1,
                                            "probability_of_improvement": seed + 2}}
    np.random.seed(seed)
    points, intervals = rly.get_interval_estimates(score_dict, aggregates, reps=REPS)
    case["aggregates"] = {k: {"estimates": [float(v) for v in points[k]], "intervals": interval_list(intervals[k])}
                          for k in score_dict}
    np.random.seed(seed + 1)
    profiles, profile_cis = rly.create_performance_profile(score_dict, TAUS, reps=REPS)
    case["run_profiles"] = {k: {"estimates": [float(v) for v in profiles[k]], "intervals": interval_list(profile_cis[k])}
                            for k in score_dict}
    for k in pairs:
        check_fast_probability_of_improvement(*pairs[k])
    np.random.seed(seed + 2)
    _, poi_cis = rly.get_interval_estimates(
        pairs, lambda sx, sy: np.array([fast_probability_of_improvement(sx, sy)]), reps=REPS)
    # Point estimates from rliable's own function.
    case["probability_of_improvement"] = {
        k: {"estimate": float(metrics.probability_of_improvement(*pairs[k])), "interval": interval_list(poi_cis[k])[0]}
        for k in pairs}
    return case


def run_series(_):
    """Three-dimensional arrays (runs, tasks, points): profiles over episodes and IQM curves."""
    rs = np.random.RandomState(7)
    series = {
        "a": np.cumsum(rs.normal(0.05, 0.1, size=(6, 2, 8)), axis=2),
        "b": np.cumsum(rs.normal(0.03, 0.1, size=(6, 2, 8)), axis=2),
    }
    np.random.seed(99)
    curve, curve_cis = rly.get_interval_estimates(series, curve_iqm, reps=REPS)
    np.random.seed(100)
    ep_profiles, ep_cis = rly.create_performance_profile(series, TAUS, reps=REPS)
    return {
        "scores": {k: v.tolist() for k, v in series.items()},
        "agents": list(series),
        "seeds": {"iqm_curves": 99, "episode_profiles": 100},
        "iqm_curves": {k: {"estimates": [float(v) for v in curve[k]], "intervals": interval_list(curve_cis[k])}
                       for k in series},
        "episode_profiles": {k: {"estimates": [float(v) for v in ep_profiles[k]], "intervals": interval_list(ep_cis[k])}
                             for k in series},
    }


def numpy_choice_samples():
    """`np.random.choice(n, size)` right after `np.random.seed(s)`: the integer stream the
    bootstrap replays, checked on its own (including counts that are not powers of two,
    where numpy's masked rejection discards outputs)."""
    samples = []
    for seed, n in [(1, 2), (12345, 3), (4357, 7), (2021, 10), (99, 1), (7, 1000003)]:
        np.random.seed(seed)
        samples.append({"seed": seed, "count": n, "indices": np.random.choice(n, 64, replace=True).tolist()})
    return samples


def run_job(job):
    return run_series(None) if job == "series" else run_case(job)


def main(path):
    import multiprocessing
    out = {"reps": REPS, "confidence": 0.95, "taus": TAUS, "versions": {
        "numpy": np.__version__,
        "rliable": __import__("importlib.metadata").metadata.version("rliable"),
        "arch": __import__("arch").__version__,
        "scipy": __import__("scipy").__version__,
        "pandas": __import__("pandas").__version__,
        "python": __import__("platform").python_version(),
    }, "command": "python Tests/LabTests/Fixtures/statistics/generate_rliable.py "
                  "Tests/LabTests/Fixtures/statistics/rliable.json " + str(REPS)}
    jobs = [name for name, _ in make_cases()] + ["series"]
    # One process per case (each seeds its own generator): the same file on any machine.
    with multiprocessing.Pool(len(jobs)) as pool:
        results = pool.map(run_job, jobs)
    out["cases"] = results[:-1]
    out["series"] = results[-1]
    out["numpy_choice"] = numpy_choice_samples()
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
