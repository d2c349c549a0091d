"""Figure: online portfolio selection on real monthly closes.

The market is the monthly price relatives of five stocks with a close in every month from 1990 to 2022 (IBM, AAPL,
MSFT, XRX, ADBE; the sample data that ships with matplotlib, ``environments.portfolio.stock_relatives``), one pass.
Each learner rebalances every month; its wealth is exp(-loss).  Beside them: the best constant rebalanced portfolio
in hindsight (BCRP, ``environments.portfolio.best_constant_rebalanced``), the uniform constant rebalanced portfolio
and each stock held alone.  ONS runs at gamma = 1/2 min(1/(4 G D), 1), eps = 1/(gamma D)^2 (Hazan, Agarwal and
Kale 2007, alpha = 1 for these losses), EG and MetaGrad with G, from the data: G = max_t ||r_t|| / min_t min_i r_{t,i}
bounds ||grad f_t|| (and its entries) on the simplex, D = sqrt(2).  The summary gives each one's final wealth and
its regret ln(W_T(BCRP) / W_T).

olearn run experiments/portfolio/stocks.toml   (or: python experiments/portfolio/stocks.py [--small] [--out DIR])
"""
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import environments  # noqa: E402
import olearn  # noqa: E402
from environments.portfolio import best_constant_rebalanced, stock_relatives  # noqa: E402
from oco_script import figure_main  # noqa: E402


def build(sizes):
    dates, rel = stock_relatives(tuple(sizes["tickers"]))
    if sizes["months"]:
        dates, rel = dates[: sizes["months"]], rel[: sizes["months"]]
    horizon, d = rel.shape
    env = environments.make("portfolio", relatives=rel)
    G = float(np.linalg.norm(rel, axis=1).max() / rel.min())
    D = math.sqrt(2.0)
    gamma = 0.5 * min(1.0 / (4 * G * D), 1.0)
    learners = {
        "ons": olearn.make("ons", gamma=gamma, eps=1.0 / (gamma * D) ** 2),
        "universal_portfolio": olearn.make("universal_portfolio", samples=sizes["samples"]),
        "metagrad": olearn.make("metagrad", lipschitz=G),
        "exponentiated_gradient": olearn.make("exponentiated_gradient", lipschitz=G),
        "ogd": olearn.make("ogd", eta=1.0 / G),
    }
    bcrp, best_log = best_constant_rebalanced(rel)
    curves = {}
    for label, learner in learners.items():
        seeds = sizes["seeds"] if label == "universal_portfolio" else 1
        res = olearn.run(learner, env, horizon=horizon, seeds=seeds, trace=True, checkpoints=[horizon],
                         backend=sizes["backend"], progress=False)
        curves[label] = -np.cumsum(res.losses[0], axis=1).mean(axis=0)  # log-wealth per month (mean over seeds)
    curves["uniform CRP"] = np.cumsum(np.log(rel.mean(axis=1)))
    curves["BCRP (hindsight)"] = np.cumsum(np.log(rel @ bcrp))
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    months = np.arange(1, horizon + 1)
    for i, ticker in enumerate(sizes["tickers"]):
        ax.plot(months, np.cumsum(np.log(rel[:, i])), color="0.75", lw=0.8, label="each stock alone" if i == 0 else None)
    styles = {"BCRP (hindsight)": ("k", "-", 2.0), "uniform CRP": ("k", ":", 1.2)}
    for i, (label, curve) in enumerate(curves.items()):
        color, ls, lw = styles.get(label, (f"C{i}", "-", 1.3))
        ax.plot(months, curve, color=color, ls=ls, lw=lw, label=label)
    ax.set_xlabel(f"month (from {str(dates[0])[:7]} to {str(dates[-1])[:7]})")
    ax.set_ylabel("log wealth, ln(W_t / W_0)")
    ax.set_title(f"monthly rebalancing over {', '.join(sizes['tickers'])}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    table, summary = [], []
    stock_logs = np.log(rel).sum(axis=0)
    summary.append(f"BCRP {np.round(bcrp, 3).tolist()} over {list(sizes['tickers'])}: wealth x{math.exp(best_log):.4g} "
                   f"(log {best_log:.3f}); the best stock alone {sizes['tickers'][int(np.argmax(stock_logs))]} "
                   f"x{math.exp(stock_logs.max()):.4g}; G = {G:.3g}, T = {horizon} months")
    for label, curve in curves.items():
        table.append(dict(strategy=label, log_wealth=float(curve[-1]), wealth=float(math.exp(curve[-1])),
                          regret=float(best_log - curve[-1])))
        summary.append(f"{label}: wealth x{math.exp(curve[-1]):.4g}, regret {best_log - curve[-1]:.3f}")
    return fig, table, summary


if __name__ == "__main__":
    figure_main(__file__, build)
