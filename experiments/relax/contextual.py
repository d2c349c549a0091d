"""Figure (b) of Learning to Relax: the contextual comparison (context = the diagonal shift c_t).

    olearn run experiments/relax/contextual.toml [--small]
    python experiments/relax/contextual.py [--config X.toml] [--out DIR] [--small]

Instance-optimal (Young's omega* per instance), ChebCB (m = 6, 20 arms), Tsallis-INF-CB (5 bins),
the best fixed omega in hindsight and Tsallis-INF, on the high- and low-variance sequences;
instances remaining against total iterations (mean over trials).  Expected ordering in total
iterations (Khodak, Chow, Balcan and Talwalkar, ICLR 2024, figure 3):
instance-optimal <= ChebCB < Tsallis-INF-CB <= best fixed ~ Tsallis-INF.
Writes contextual.png/.pdf and the totals (with the ordering checks) as .csv/.md; a learner's row has
its mean total over trials and the standard error of its ratio to the best fixed omega (``se_ratio``).
Measured: Tsallis-INF-CB <= best fixed fails narrowly at high variance (1.002x, standard error 0.0025:
a tie) and clearly at low variance (1.093x, standard error 0.0028), and Tsallis-INF costs 1.16x / 1.14x the best fixed omega; the published curves
come from a normaliser that commits to one arm, see authors_normaliser.py.
With more instances the binned learner's ratio keeps falling (0.944x at 40,000, low variance),
see ratio_vs_instances.py.
"""
import numpy as np

from relax_common import cumulative_iterations, paper_learners, variance_figure


def curves_for(table, young_costs, sizes):
    best_omega, _ = table.best_fixed()
    runs = {name: cumulative_iterations(learner, table, sizes, contexts=contexts)
            for name, (learner, contexts) in paper_learners().items()}
    curves = {
        "instance-optimal (Young)": np.cumsum(young_costs),
        "ChebCB": runs["ChebCB"],
        "Tsallis-INF-CB (5 bins)": runs["Tsallis-INF-CB (5 bins)"],
        f"best fixed omega = {best_omega:.2f}": np.cumsum(table.costs[:, int(np.argmin(table.totals))]),
        "Tsallis-INF": runs["Tsallis-INF"],
    }
    t = [c[..., -1].mean() for c in curves.values()]
    checks = {"instance-optimal <= ChebCB": bool(t[0] <= t[1]), "ChebCB < Tsallis-INF-CB": bool(t[1] < t[2]),
              "Tsallis-INF-CB <= best fixed": bool(t[2] <= t[3])}
    print(f"ordering: {checks}; Tsallis-INF / best fixed = {t[4] / t[3]:.3f}")
    extra = [{"policy": "grid's per-instance best (not a policy)", "total_iterations": float(table.grid_optimal().sum()),
              "ratio_to_best_fixed": table.grid_optimal().sum() / t[3]}]
    return curves, extra + [{"policy": f"check: {k}", "holds": ok} for k, ok in checks.items()]


if __name__ == "__main__":
    variance_figure(__file__, "contextual", curves_for, bold="ChebCB")
