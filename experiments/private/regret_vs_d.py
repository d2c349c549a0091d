"""Regret against log2 d on realizable sequences, with fitted slopes and the theorems' rates.

olearn run experiments/private/regret_vs_d.toml   (or: python experiments/private/regret_vs_d.py [--small] [--out DIR])

Fits: the slope of log regret against log log2 d (the realizable theorem: 1.5, regret ~ log^1.5 d / eps)
and against log d (DP-FTRL-tree with Laplace noise: up to 1, its noise grows like d).
"""
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import private_figures as F

if __name__ == "__main__":
    started = time.perf_counter()
    size, out = F.sizes(__file__)
    T, eps, seeds = size["horizon"], size["epsilon"], size["seeds"]
    dims = [2 ** k for k in range(size["log2_d_min"], size["log2_d_max"] + 1, size["log2_d_step"])]
    rows = []
    for name in size["learners"]:
        values = {} if name in ("halving", "hedge") else {"epsilon": eps}
        for d in dims:
            mean, se, spent = F.mean_regret(name, values, {"n_experts": d, "span": T, "decoy_loss": size["decoy_loss"]}, T, seeds)
            rows.append(dict(learner=name, d=d, log2_d=np.log2(d), regret=mean, se=se, epsilon_spent=spent["epsilon"]))
    table = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    lines = [f"# Regret against log2 d (realizable, T = {T}, eps = {eps}, delta = 1/T^2, {seeds} seeds)", ""]
    for name, group in table.groupby("learner", sort=False):
        s_loglog = F.fitted_slope(group.log2_d, group.regret)
        s_d = F.fitted_slope(group.d, group.regret)
        ax.errorbar(group.log2_d, group.regret, yerr=group.se, marker="o", ms=3, color=F.STYLE.get(name),
                    label=f"{name} (slope vs log d {s_loglog:.2f}, vs d {s_d:.2f})")
        lines.append(f"- {name}: regret {group.regret.iloc[0]:.1f} (d = {dims[0]}) -> {group.regret.iloc[-1]:.1f} "
                     f"(d = {dims[-1]}); slope of log regret vs log log2 d {s_loglog:.2f}, vs log d {s_d:.2f}")
    svt = table[table.learner == "dp_svt_experts"]
    if len(svt):
        F.rate_line(ax, svt.log2_d, lambda x: x ** 1.5, svt.log2_d.iloc[-1], svt.regret.iloc[-1], "log^1.5 d (realizable theorem)")
    tree = table[table.learner == "dp_ftrl_tree_laplace"]
    if len(tree):
        F.rate_line(ax, tree.log2_d, lambda x: 2.0 ** x * x, tree.log2_d.iloc[-1], tree.regret.iloc[-1], "d log d (Laplace tree)", ":")
    ax.set_yscale("log")
    ax.set_xlabel("log2 d")
    ax.set_ylabel("mean regret at T")
    ax.set_title(f"realizable experts, T = {T}, eps = {eps}")
    ax.legend(fontsize=6)
    F.save(fig, table, lines, out, "regret_vs_d", started)
