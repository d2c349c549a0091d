"""Regret against 1/epsilon on realizable sequences, with fitted slopes (the bounds: linear in 1/eps; measured: slower).

The x axis is the epsilon each configuration spends (olearn.privacy's guarantee): dp_lazy_hedge caps its rate at the
non-private Hedge rate, so above an epsilon of about 2.7 it spends no more, and its runs at larger requested epsilons
are the same run; each spent epsilon is plotted and fitted once.

olearn run experiments/private/regret_vs_epsilon.toml   (or: python experiments/private/regret_vs_epsilon.py [--small] [--out DIR])
"""
import time

import matplotlib.pyplot as plt
import pandas as pd

import private_figures as F

if __name__ == "__main__":
    started = time.perf_counter()
    size, out = F.sizes(__file__)
    T, d, seeds = size["horizon"], size["n_experts"], size["seeds"]
    env = {"n_experts": d, "span": T, "decoy_loss": size["decoy_loss"]}
    rows = []
    for name in size["learners"]:
        for eps in size["epsilons"]:
            mean, se, spent = F.mean_regret(name, {"epsilon": eps}, env, T, seeds)
            rows.append(dict(learner=name, epsilon=eps, inv_epsilon=1.0 / eps, regret=mean, se=se, epsilon_spent=spent["epsilon"]))
    table = pd.DataFrame(rows)
    halving = F.mean_regret("halving", {}, env, T, seeds)[0]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    lines = [f"# Regret against 1/epsilon (realizable, d = {d}, T = {T}, delta = 1/T^2, {seeds} seeds; halving {halving:.1f})", ""]
    for name, group in table.groupby("learner", sort=False):
        spent = group.round({"epsilon_spent": 9}).drop_duplicates("epsilon_spent")  # a capped rate spends no more
        slope = F.fitted_slope(1.0 / spent.epsilon_spent, spent.regret)
        ax.errorbar(1.0 / spent.epsilon_spent, spent.regret, yerr=spent.se, marker="o", ms=3, color=F.STYLE.get(name),
                    label=f"{name} (slope {slope:.2f})")
        capped = "" if len(spent) == len(group) else f"; spends at most {spent.epsilon_spent.max():.3g} (its rate is capped)"
        lines.append(f"- {name}: regret {group.regret.iloc[0]:.1f} (eps = {group.epsilon.iloc[0]}) -> "
                     f"{group.regret.iloc[-1]:.1f} (eps = {group.epsilon.iloc[-1]}); slope of log regret vs log(1/eps spent) "
                     f"{slope:.2f} over {len(spent)} points{capped}")
    svt = table[table.learner == "dp_svt_experts"]
    if len(svt):
        F.rate_line(ax, 1.0 / svt.epsilon_spent, lambda x: x, 1.0 / svt.epsilon_spent.iloc[0], svt.regret.iloc[0],
                    "1/eps (theorems)")
    ax.axhline(halving, color="k", lw=1, label="halving (non-private)")
    ax.axhline(T / 2, color="0.6", lw=1, ls=":", label="T/2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("1 / epsilon spent")
    ax.set_ylabel("mean regret at T")
    ax.set_title(f"realizable experts, d = {d}, T = {T}")
    ax.legend(fontsize=6)
    F.save(fig, table, lines, out, "regret_vs_epsilon", started)
