"""Regret against T on realizable sequences, with fitted slopes (the realizable bound is logarithmic in T; measured, it still grows).

olearn run experiments/private/regret_vs_T.toml   (or: python experiments/private/regret_vs_T.py [--small] [--out DIR])

One run per horizon (every learner sizes its constants from T); decoys die uniformly in [0, T).
dp_lazy_hedge plays Hedge in blocks of B = ceil(T^(1/3)) rounds, whose regret grows like sqrt(T B log d) ~ T^(2/3)
(the line drawn; measured slope 0.68), and caps its rate at the non-private Hedge rate, so at large T it spends less
than the epsilon in the title (2.83, 1.46 and 0.75 at T = 10^4, 10^5 and 10^6 for eps = 5): the summary says so.
"""
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import private_figures as F

if __name__ == "__main__":
    started = time.perf_counter()
    size, out = F.sizes(__file__)
    d, eps, seeds = size["n_experts"], size["epsilon"], size["seeds"]
    rows = []
    for name in size["learners"]:
        values = {} if name in ("halving", "hedge") else {"epsilon": eps}
        for T in size["horizons"]:
            mean, se, spent = F.mean_regret(name, values, {"n_experts": d, "span": T, "decoy_loss": size["decoy_loss"]}, T, seeds)
            rows.append(dict(learner=name, T=T, regret=mean, se=se, epsilon_spent=spent["epsilon"]))
    table = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    lines = [f"# Regret against T (realizable, d = {d}, eps = {eps}, delta = 1/T^2, {seeds} seeds)", ""]
    for name, group in table.groupby("learner", sort=False):
        slope = F.fitted_slope(group["T"], group.regret)
        ax.errorbar(group["T"], group.regret, yerr=group.se, marker="o", ms=3, color=F.STYLE.get(name),
                    label=f"{name} (slope {slope:.2f})")
        late = group[group["T"] >= group["T"].iloc[len(group) // 2 - 1]]  # past the transient of the small horizons
        under = group[group.epsilon_spent < 0.99 * eps] if name not in ("halving", "hedge") else group.iloc[:0]
        spent = "" if under.empty else ("; spends less than eps at " + ", ".join(
            f"T = {t} ({e:.3g})" for t, e in zip(under["T"], under.epsilon_spent)))
        lines.append(f"- {name}: regret {group.regret.iloc[0]:.1f} (T = {group['T'].iloc[0]}) -> "
                     f"{group.regret.iloc[-1]:.1f} (T = {group['T'].iloc[-1]}); slope of log regret vs log T {slope:.2f} "
                     f"(over T >= {late['T'].iloc[0]}: {F.fitted_slope(late['T'], late.regret):.2f}){spent}")
    for name, rate, label, style in (("dp_svt_experts", np.log, "log T (realizable theorem)", "--"),
                                     ("dp_lazy_hedge", lambda x: x ** (2.0 / 3.0), "T^(2/3) (Hedge in blocks of T^(1/3))", ":"),
                                     ("dp_ftrl_tree_gauss", lambda x: x ** 0.5, "sqrt(T) (DP-FTRL)", "-.")):
        g = table[table.learner == name]
        if len(g):
            F.rate_line(ax, g["T"], rate, g["T"].iloc[-1], g.regret.iloc[-1], label, style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("T")
    ax.set_ylabel("mean regret at T")
    ax.set_title(f"realizable experts, d = {d}, eps = {eps}")
    ax.legend(fontsize=6)
    F.save(fig, table, lines, out, "regret_vs_T", started)
