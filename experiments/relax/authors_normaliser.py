"""Why the published contextual figure and ours differ: the normaliser of the authors' Tsallis-INF.

    olearn run experiments/relax/authors_normaliser.toml [--small]
    python experiments/relax/authors_normaliser.py [--config X.toml] [--out DIR] [--small]

Tsallis-INF (alpha = 1/2) plays p_i = 4 / (eta (L_i - x))^2 with the normaliser x < min_i L_i
chosen so that sum_i p_i = 1 (Zimmert and Seldin 2021).  ``f(x) = sum_i p_i(x) - 1`` is increasing
and convex on x < min L, so Newton's method converges monotonically from any start where f >= 0;
olearn starts at ``min L - 2/eta`` (``olearn.learners.bandits.tsallis_weights``).

The authors' code (Khodak et al., ICLR 2024; notes in shared/research/papers.md section 4(b))
runs 20 Newton steps from x = -1 instead.  Once the normalised estimates L_i = Lhat_i / scale grow
like t (after a few dozen rounds), f(-1) < 0, the first Newton step jumps past the pole at min L,
and the iterate ends just beyond some pole: one arm gets "probability" 1e10 or more, sampling
(which renormalises) plays it almost surely, and its importance weight (loss - 1) / p is
about 0, so its estimate stops growing and the learner commits to it.  On i.i.d. instances
that explore-then-commit behaviour is cheaper than Tsallis-INF proper, which keeps exploring at
rate ~ 1/sqrt(t).  This script measures both normalisers, for Tsallis-INF and for the 5-bin
Tsallis-INF-CB, on the cached cost tables of the contextual figure: totals relative to the best
fixed omega in hindsight and to the paper's plotted omega (1.8 high, 1.6 low variance), and the
share of rounds in which one arm holds more than 99% of the sampling mass.

The emulation below is for this comparison only; olearn's learners keep the converging normaliser.
Writes authors_normaliser.csv/.md.
"""
import math

import numpy as np
import pandas as pd
from numba import njit

from olearn.analysis import standard_error
from olearn.backends import cpu
from olearn.learners.bandits import tsallis_weights
from olearn.learners.contextual import context_bin
from relax_common import markdown, options, paper_learners, paper_tables

converged_weights = cpu.compile_kernel(tsallis_weights)  # olearn's own normaliser, the learners' kernel

PAPER_OMEGA = {"high": 1.8, "low": 1.6}  # the fixed omega drawn in the paper's contextual plots


@njit(cache=True, error_model="numpy")
def probabilities(L, eta, authors, out):
    """Tsallis-INF weights for normalised estimates ``L``: olearn's converging Newton iteration
    (``authors=False``: the learners' kernel ``tsallis_weights``, renormalised) or the authors'
    20 steps from x = -1 (``authors=True``, unnormalised, as their importance weight uses them).
    Returns the sampling distribution in ``out``."""
    if authors:
        x = -1.0
        for _ in range(20):
            total = 0.0
            slope = 0.0
            for i in range(L.size):
                out[i] = 4.0 / (eta * (L[i] - x)) ** 2
                total += out[i]
                slope += out[i] ** 1.5
            x -= (total - 1.0) / (eta * slope)
        return
    converged_weights(L, eta, out, L.size)


@njit(cache=True, error_model="numpy")
def replay(costs, bins, n_bins, authors, seed):
    """One trial of Tsallis-INF per bin (shift 1, running-mean scale) on a cost table; returns the
    total iterations, the number of rounds whose sampling mass was > 99% on one arm, and the number
    of rounds whose weights were not finite (sampled uniformly with weight 1/K; none at the paper's sizes)."""
    np.random.seed(seed)
    T, K = costs.shape
    Lhat = np.zeros((n_bins, K))
    seen = np.zeros(n_bins)
    cost_sum = np.zeros(n_bins)
    p = np.empty(K)
    total = 0.0
    committed = 0
    fallbacks = 0
    for t in range(T):
        j = bins[t]
        scale = 1.0 if seen[j] == 0 else cost_sum[j] / seen[j] - 1.0
        probabilities(Lhat[j] / scale, 2.0 / math.sqrt(seen[j] + 1.0), authors, p)
        mass = p.sum()
        if not (mass > 0.0 and mass < np.inf):  # the iterate ran off to infinity: sample uniformly
            p[:] = 1.0 / K
            mass = 1.0
            fallbacks += 1
        u = np.random.random() * mass
        arm = K - 1
        acc = 0.0
        for i in range(K):
            acc += p[i]
            if u < acc:
                arm = i
                break
        if p.max() > 0.99 * mass:
            committed += 1
        c = costs[t, arm]
        total += c
        seen[j] += 1.0
        cost_sum[j] += c
        Lhat[j, arm] += (c - 1.0) / p[arm]
    return total, committed, fallbacks


def context_bins(contexts, n_arms: int) -> np.ndarray:
    """The bin of each context as the paper's Tsallis-INF-CB learner picks it (its own ``context_bin`` kernel)."""
    learner, _ = paper_learners()["Tsallis-INF-CB (5 bins)"]
    params = learner.bind(n_arms, 1, len(contexts))[0][0]
    return np.array([context_bin(np.array([c]), params) for c in contexts], dtype=np.int64)


def main():
    sizes, out = options(__file__)
    rows = []
    for variance in ("high", "low"):
        seq, table, _, _ = paper_tables(variance, sizes["instances"])
        best_omega, best = table.best_fixed()
        omegas = np.asarray(table.omegas)
        paper = table.totals[int(np.argmin(np.abs(omegas - PAPER_OMEGA[variance])))]
        costs = np.ascontiguousarray(table.costs, dtype=np.float64)
        T = costs.shape[0]
        for name, n_bins in (("Tsallis-INF", 1), ("Tsallis-INF-CB (5 bins)", 5)):
            bins = np.zeros(T, np.int64) if n_bins == 1 else context_bins(seq.contexts, costs.shape[1])
            for authors in (False, True):
                runs = np.array([replay(costs, bins, n_bins, authors, s) for s in range(sizes["trials"])])
                totals = runs[:, 0]
                rows.append({
                    "variance": variance, "policy": name,
                    "normaliser": "authors' (20 Newton steps from x = -1)" if authors else "olearn (converged)",
                    "total_iterations": float(totals.mean()), "se": standard_error(totals),
                    "ratio_to_best_fixed": totals.mean() / best,
                    "ratio_to_paper_omega": totals.mean() / paper,
                    "rounds_committed_share": float(runs[:, 1].mean() / T),
                    "rounds_not_finite": float(runs[:, 2].sum()),
                })
        print(f"[{variance}] best fixed omega {best_omega:.2f}: {best:.0f}; paper's omega "
              f"{PAPER_OMEGA[variance]}: {paper:.0f}")
    frame = pd.DataFrame(rows)
    frame.to_csv(out / "authors_normaliser.csv", index=False)
    (out / "authors_normaliser.md").write_text(markdown(frame))
    print(markdown(frame))
    print(f"wrote {out / 'authors_normaliser'}.csv, .md")


if __name__ == "__main__":
    main()
