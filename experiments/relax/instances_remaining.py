"""Figure (a) of Learning to Relax: instances remaining against total SOR iterations.

    olearn run experiments/relax/instances_remaining.toml [--small]
    python experiments/relax/instances_remaining.py [--config X.toml] [--out DIR] [--small]

Tsallis-INF over 20 omegas in [1, 1.95] (costs shifted by 1, normalized by their running mean;
``trials`` seeds replaying one cached cost table) against the fixed omegas 1.0, 1.2, ..., 1.8, on
the high- and low-variance shifted-Laplacian sequences (Khodak, Chow, Balcan and Talwalkar, ICLR
2024, figure 2).  A curve that reaches 0 instances remaining at fewer total iterations is better.
Writes instances_remaining.png/.pdf and the totals as .csv/.md.
"""
import numpy as np

from relax_common import cumulative_iterations, paper_learners, variance_figure

FIXED = (1.0, 1.2, 1.4, 1.6, 1.8)


def curves_for(table, young_costs, sizes):
    learner, contexts = paper_learners()["Tsallis-INF"]
    curves = {"Tsallis-INF": cumulative_iterations(learner, table, sizes, contexts=contexts)}
    for w in FIXED:
        k = int(np.argmin(np.abs(table.omegas - w)))
        curves[f"omega = {table.omegas[k]:.2f}"] = np.cumsum(table.costs[:, k])
    return curves, []


if __name__ == "__main__":
    variance_figure(__file__, "instances_remaining", curves_for, bold="Tsallis")
