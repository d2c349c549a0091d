"""The oco figures' predictions at a size that runs in seconds (python backend).

(a) regret grows like sqrt(T) (fitted log-log slope near 1/2) at the stochastic and adversarial
extremes and in between, and stays bounded when sigma = Sigma = 0 (Chen et al. 2023, Thm 1);
(b) at a fixed gradient scale, optimistic OMD's final regret is near-linear in sqrt(sigma^2_{1:T}) +
sqrt(Sigma^2_{1:T}), under a constant multiple of it and O(1) where it vanishes, while OGD with the minimax
step eta D / sqrt(T) keeps a sqrt(T) floor; (c) strongly convex with rare switches: OGD 1/(lam t) grows like log T
while optimistic OMD does not; (i) implicit and aProx FTRL stay stable where linearized FTRL blows up;
(d) delayed dual averaging's regret scales like sqrt((1 + d) T).
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
import oco_figures as F  # noqa: E402


def test_regret_slopes_at_the_extremes_and_in_between():
    data = F.regret_vs_horizon(horizon=2000, seeds=4, backend="python", learners=("optimistic_omd",))
    for regime in list(F.REGIMES)[:3]:
        d = data[(regime, "optimistic_omd")]
        assert 0.35 < d["slope"] < 0.7, (regime, d["slope"])
        assert d["regret"][-1] <= 2.0 * d["bound"][-1] + 2.0, regime
    benign = data[("benign (sigma = Sigma = 0)", "optimistic_omd")]
    assert benign["bound"][-1] == 0.0
    assert benign["regret"][-1] < 1.0 and benign["regret"][-1] - benign["regret"][-8] < 1e-3


def test_final_regret_is_near_linear_in_the_variation_and_ogd_fixed_keeps_a_floor():
    """At a fixed gradient scale (E||g_t||^2 = 1): optimistic OMD's regret is near-linear in the variation
    and falls to O(1) with it; OGD with the minimax step eta D / sqrt(T) keeps about sqrt(T) / 4."""
    T = 600
    rows = F.regret_vs_variation(horizon=T, seeds=6, backend="python", learners=("optimistic_omd", "ogd (fixed)"),
                                 noises=(0.0, 0.03, 0.3, 0.9))
    a, b, r2 = F.linear_fit(rows, "optimistic_omd")
    assert r2 > 0.85 and a > 0, (a, b, r2)  # 0.97 measured at this size
    for name, s, p, x, reg in rows:
        if name == "optimistic_omd":
            assert reg <= 2.0 * x + 2.0, (s, p, x, reg)
    assert F.flat_ratio(rows, "optimistic_omd") < 0.1  # 0.04 measured
    assert F.flat_ratio(rows, "ogd (fixed)") > 0.2  # 0.30 measured: regret at the smallest variation / at the largest
    at_zero = {r[0]: r[4] for r in rows if r[3] == 0.0}
    assert at_zero["optimistic_omd"] < 1.5 and at_zero["ogd (fixed)"] > 0.9 * np.sqrt(T) / 4, at_zero


def test_strongly_convex_optimistic_does_not_grow_while_ogd_grows_like_log_t():
    data = F.strongly_convex(horizon=3000, seeds=2, backend="python", period=300)
    ogd = data["ogd (1/(lam t))"]
    omd = data["optimistic_omd (c/(lam t))"]
    assert F.log_growth(ogd["rounds"], ogd["regret"], 300) > 0.05
    assert F.log_growth(omd["rounds"], omd["regret"], 300) < 0.0
    assert omd["regret"][-1] < ogd["regret"][-1]


def test_implicit_updates_are_stable_across_learning_rates():
    etas = (2.0 ** -4, 1.0, 16.0, 256.0, 1024.0)
    data = F.implicit_sweep(n=300, dim=5, seeds=2, backend="python", losses=("hinge", "absolute", "squared"), etas=etas)
    for loss in ("hinge", "absolute", "squared"):
        for variant in ("implicit", "aprox"):
            y = data[(f"{loss} (generated)", variant)]
            assert np.all(np.isfinite(y)) and y[1:].max() <= 1.5 * y.min() + 0.05, (loss, variant, y)
        lin = data[(f"{loss} (generated)", "linearized")]
        assert not np.isfinite(lin[-1]) or lin[-1] > 5 * np.nanmin(lin), (loss, lin)


def test_delayed_regret_scales_like_sqrt_of_one_plus_d_times_t():
    data = F.delayed_regret(horizon=2000, seeds=4, backend="python", delays=(0, 3, 15))
    x = np.array([(1 + d) * 2000 for d in data])
    y = np.array([v["regret"][-1] for v in data.values()])
    assert 0.35 < F.slope(x, y) < 0.7
    ratios = y / np.sqrt(x)
    assert ratios.max() < 2 * ratios.min(), ratios
    assert y[-1] > 2 * y[0]  # delays do hurt


def test_ensemble_dynamic_regret_tracks_the_path_length():
    """Chen et al. (2023) Thm 5: dynamic regret O(sqrt((1 + P_T + sigma^2 + Sigma^2)(1 + P_T))): sublinear in P_T
    for the ensemble, while OGD with decaying steps pays about linearly in P_T."""
    data = F.dynamic_vs_path(horizon=1000, seeds=2, backend="python", omegas=(0.0, 0.03, 0.3), learners=("sea_ensemble", "ogd"))
    path = np.array([data[("sea_ensemble", w)]["path"] for w in (0.0, 0.03, 0.3)])
    assert path[0] == 0.0 and 10 < path[1] < path[2]  # P_T ~ kappa omega T: 15 and 150
    ens = np.array([data[("sea_ensemble", w)]["dynamic"] for w in (0.0, 0.03, 0.3)])
    ogd = np.array([data[("ogd", w)]["dynamic"] for w in (0.0, 0.03, 0.3)])
    var = np.array([data[("sea_ensemble", w)]["variation"] for w in (0.0, 0.03, 0.3)])
    assert np.all(ens <= F.dynamic_bound(path, var)), (ens, F.dynamic_bound(path, var))
    assert F.slope(1 + path[1:], ens[1:]) < 0.8 < F.slope(1 + path[1:], ogd[1:])
    assert ens[-1] < 0.7 * ogd[-1]
