"""Figures of a sweep, drawn from its tidy table and saved as PNG and PDF (readable in grayscale).

Kinds (``[[figures]]`` tables of a config):

* ``curves``: mean metric against rounds per configuration with its 95% band, one panel per
  environment configuration.  Keys: ``metric`` (by default pseudo_regret in the panels of worlds
  that record it, regret in the others), ``log_x`` (true), ``file``, ``title``.
* ``slope``: metric against ``x`` on log-log axes with a least-squares slope per configuration;
  ``x = "round"`` uses the checkpoints (regret against T), otherwise a learner parameter (or
  ``env.<name>``) that varies across configurations, at the horizon.  ``rate`` draws the
  theoretical slope through the first fitted point; ``fit_from`` (0.2) ignores the lowest
  fraction of the x range in the fit.  Keys: ``metric``, ``x``, ``rate``, ``fit_from``, ``file``, ``title``.
* ``counts``: mean plays of each action at the horizon per configuration (action histogram).
  Keys: ``file``, ``title``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from olearn.analysis import fit_slope, summarize
from olearn.core.errors import ParameterError
from olearn.experiment import logged

KINDS = {
    "curves": ("kind", "metric", "log_x", "file", "title"),
    "slope": ("kind", "metric", "x", "rate", "fit_from", "file", "title"),
    "counts": ("kind", "file", "title"),
}
_STYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "x", "*", "+")
_HATCHES = ("", "//", "..", "xx", "\\\\", "--", "oo", "++")


def check(spec: dict) -> dict:
    """Validate one figure table (kind already checked); returns it with defaults filled in."""
    kind = spec["kind"]
    for key in spec:
        if key not in KINDS[kind]:
            raise ParameterError(f"{kind} figure", key, spec[key], f"keys {', '.join(KINDS[kind])}")
    if "log_x" in spec and not isinstance(spec["log_x"], bool):  # the string "false" would be truthy: a log axis
        raise ParameterError(f"{kind} figure", "log_x", spec["log_x"], "true or false")
    if "title" in spec and not isinstance(spec["title"], str):
        raise ParameterError(f"{kind} figure", "title", spec["title"], "a string, the title drawn above each panel")
    file = spec.get("file", kind)  # written as figures/<file>.png and .pdf: checked now, not after the sweep has run
    if not isinstance(file, str) or file.strip(". ") == "" or "/" in file or "\\" in file:
        raise ParameterError(f"{kind} figure", "file", file, "a file name without folder or extension, e.g. \"regret\" "
                             "(the figure is written as figures/<file>.png and .pdf)")
    if kind == "slope":
        if "x" not in spec:
            raise ParameterError("slope figure", "x", None, "'round' or a parameter that varies across configurations")
        for key in ("rate", "fit_from"):
            if key in spec and (isinstance(spec[key], bool) or not isinstance(spec[key], (int, float))
                                or not np.isfinite(spec[key])):
                raise ParameterError("slope figure", key, spec[key], "a finite number")
        if not 0 <= spec.get("fit_from", 0.2) < 1:
            raise ParameterError("slope figure", "fit_from", spec["fit_from"], "a fraction in [0, 1)")
    spec.setdefault("file", kind if kind != "slope" else f"slope_{spec['x']}")
    return spec


def _plt():
    import matplotlib.pyplot as plt  # the backend is the caller's (a notebook's inline one stays)

    return plt


def default_metric(recorded) -> str:
    """The first of pseudo_regret, regret and dynamic_regret (rested worlds record only that one) among the
    ``recorded`` metric names, else loss."""
    return next((m for m in ("pseudo_regret", "regret", "dynamic_regret") if m in recorded), "loss")


def _panels(frame):
    envs = list(dict.fromkeys(frame["env_config"].astype(str)))
    plt = _plt()
    fig, axes = plt.subplots(1, len(envs), figsize=(5.6 * len(envs), 4.2), constrained_layout=True, squeeze=False)
    return fig, list(zip(envs, axes[0]))


def panel_summary(frame, env, spec):
    """The metric of one environment configuration's panel (the spec's, or that environment's
    default) and its summary."""
    rows = frame[frame["env_config"].astype(str) == env]
    metric = spec.get("metric") or default_metric(set(rows["metric"].astype(str)))
    return metric, summarize(rows, metric)


def curves(frame, spec):
    fig, panels = _panels(frame)
    for env, ax in panels:
        metric, part = panel_summary(frame, env, spec)
        for i, (label, line) in enumerate(part.groupby("config", sort=False, observed=True)):
            line = line.sort_values("round")
            (h,) = ax.plot(line["round"], line["mean"], _STYLES[i % 4], marker=_MARKERS[i % 8],
                           markevery=max(1, len(line) // 8), markersize=4, label=label)
            ax.fill_between(line["round"], line["low"], line["high"], alpha=0.2, color=h.get_color(), linewidth=0)
        if spec.get("log_x", True):
            ax.set_xscale("log")
        replayed = set(frame.loc[frame["env_config"].astype(str) == env, "environment"].astype(str)) == {logged.NAME}
        ax.set_xlabel("kept events (replay)" if replayed else "round t")
        ax.set_ylabel(metric.replace("_", " "))
        ax.set_title(spec.get("title", env))
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False, fontsize=8)
    return fig


def slope(frame, spec):
    """Metric against x on log-log axes, with fitted slopes (and the theoretical rate)."""
    x = spec["x"]
    fig, panels = _panels(frame)
    fits = []
    for env, ax in panels:
        metric, part = panel_summary(frame, env, spec)
        if x == "round":
            groups = [(label, g["round"].to_numpy(), g["mean"].to_numpy(), g["low"].to_numpy(), g["high"].to_numpy())
                      for label, g in part.groupby("config", sort=False, observed=True)]
        else:
            if x not in frame.columns or x.startswith("env."):  # one panel per environment configuration: x is constant there
                raise ParameterError("slope figure", "x", x, "'round' or a learner parameter: one of " + ", ".join(
                    c for c in frame.columns if c not in ("seed", "round", "metric", "value", "configuration", "learner",
                                                          "config", "environment", "env_config") and not c.startswith("env.")))
            last = part[part["round"] == part["round"].max()]
            values = frame.drop_duplicates("config").set_index("config")[x]
            by = frame.drop_duplicates("config").set_index("config")["learner"]
            last = last.assign(xv=last["config"].map(values).astype(float), learner=last["config"].map(by))
            groups = [(learner, g.sort_values("xv")["xv"].to_numpy(), g.sort_values("xv")["mean"].to_numpy(),
                       g.sort_values("xv")["low"].to_numpy(), g.sort_values("xv")["high"].to_numpy())
                      for learner, g in last.groupby("learner", sort=False)]
        for i, (label, xs, ys, lo, hi) in enumerate(groups):
            start = xs.min() * (xs.max() / xs.min()) ** spec.get("fit_from", 0.2) if xs.min() > 0 else 0
            keep = xs >= start
            s, c = fit_slope(xs[keep], ys[keep])
            fits.append({"env_config": env, "what": label, "slope": s})
            (h,) = ax.plot(xs, ys, _STYLES[i % 4], marker=_MARKERS[i % 8], markersize=4,
                           markevery=max(1, len(xs) // 10), label=f"{label}: slope {s:.2f}")
            ax.fill_between(xs, np.maximum(lo, 1e-12), hi, alpha=0.2, color=h.get_color(), linewidth=0)
            if "rate" in spec and np.isfinite(c) and i == 0:
                x0 = xs[keep][0]
                ax.plot(xs[keep], np.exp(c) * x0 ** s * (xs[keep] / x0) ** spec["rate"], ":", color="black", linewidth=1,
                        label=f"theory: slope {spec['rate']}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("T (rounds)" if x == "round" else x)
        ax.set_ylabel(metric.replace("_", " "))
        ax.set_title(spec.get("title", env))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False, fontsize=8)
    fig.olearn_fits = fits
    return fig


def counts(frame, spec):
    """Mean plays of each action at the horizon, per configuration."""
    fig, panels = _panels(frame)
    for env, ax in panels:
        part = frame[(frame["env_config"] == env) & frame["metric"].astype(str).str.startswith("count[")]
        part = part[part["round"] == part["round"].max()]
        means = part.groupby(["config", "metric"], sort=False, observed=True)["value"].mean().unstack("metric")
        arms = list(means.columns)
        width = 0.8 / max(len(means), 1)
        for i, (label, row) in enumerate(means.iterrows()):
            ax.bar(np.arange(len(arms)) + i * width, row.to_numpy(), width, label=label, hatch=_HATCHES[i % 8],
                   edgecolor="black", linewidth=0.5)
        ax.set_xticks(np.arange(len(arms)) + 0.4 - width / 2, [a[6:-1] for a in arms])
        ax.set_xlabel("action")
        ax.set_ylabel("mean plays at the horizon")
        ax.set_title(spec.get("title", env))
        ax.legend(frameon=False, fontsize=8)
    return fig


DRAW = {"curves": curves, "slope": slope, "counts": counts}


SPECS_FILE = "figures.json"  # the specs the figures in a folder were drawn from


def _drawn_from(out, figures) -> dict:
    """What a folder's figures were drawn from: the specs and the digest of the stored results."""
    from olearn.experiment.store import results_digest

    return {"specs": json.loads(json.dumps(list(figures))), "results": results_digest(out)}


def drawn(out, figures) -> bool:
    """Whether ``out/figures`` holds every figure of these very specs, drawn by :func:`draw` from the
    results now stored (a chunk recomputed since, e.g. by ``run_experiment(force=True)``, redraws)."""
    folder = Path(out) / "figures"
    try:
        same = json.loads((folder / SPECS_FILE).read_text()) == _drawn_from(out, figures)
    except (OSError, ValueError):
        return False
    return same and all((folder / f"{spec['file']}.{ext}").exists() for spec in figures for ext in ("png", "pdf"))


def draw(frame, figures, out) -> list[Path]:
    """Draw each figure spec and save it under ``out/figures`` as PNG and PDF; returns the paths."""
    plt = _plt()
    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SPECS_FILE).unlink(missing_ok=True)
    paths = []
    for spec in figures:
        fig = DRAW[spec["kind"]](frame, spec)
        for ext in ("png", "pdf"):
            path = folder / f"{spec['file']}.{ext}"
            fig.savefig(path, dpi=150)
            paths.append(path)
        plt.close(fig)
    (folder / SPECS_FILE).write_text(json.dumps(_drawn_from(out, figures), indent=2))
    return paths
