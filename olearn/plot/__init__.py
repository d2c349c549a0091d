"""Figures: regret curves with confidence bands (matplotlib, readable in grayscale)."""
from __future__ import annotations

from pathlib import Path

from olearn.io.result import Result

_STYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "x", "*", "+")


def regret_curves(result: Result, metric: str = "pseudo_regret", ax=None, log_x: bool = True):
    """Mean ``metric`` against rounds for each (configuration, environment), with its 95% confidence band.

    Lines are labelled by configuration, and by ``configuration | environment`` when the result
    spans several environments (``Result.concat`` of runs on different worlds)."""
    import matplotlib.axes
    import matplotlib.pyplot as plt  # the backend is the caller's (a notebook's inline one stays)

    from olearn.core.errors import ParameterError, check_flag

    if not isinstance(result, Result):  # a tidy table has no metric() or summary(): olearn.summarize reads those
        raise ParameterError("regret_curves", "result", type(result).__name__, "a Result (olearn.run, or olearn.load "
                             "of a saved run)")
    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise ParameterError("regret_curves", "ax", type(ax).__name__, "None (a new figure) or matplotlib Axes")
    log_x = check_flag("regret_curves", "log_x", log_x)  # "no" would be truthy
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), constrained_layout=True)
    result.metric(metric)  # an unknown metric is refused by name, not drawn as an empty plot
    summary = result.summary()
    summary = summary[summary["metric"] == metric]
    several = summary["environment"].nunique() > 1
    for i, ((config, env), part) in enumerate(summary.groupby(["config", "environment"], sort=False)):
        label = f"{config} | {env}" if several else config
        part = part.sort_values("round")
        line = _STYLES[i % len(_STYLES)]
        marker = _MARKERS[i % len(_MARKERS)]
        (handle,) = ax.plot(part["round"], part["mean"], line, marker=marker, markevery=max(1, len(part) // 8),
                            markersize=4, label=label)
        ax.fill_between(part["round"], part["low"], part["high"], alpha=0.2, color=handle.get_color(), linewidth=0)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("round t")
    ax.set_ylabel(metric.replace("_", " "))
    envs = ", ".join(dict.fromkeys(result.environment))
    ax.set_title(f"{envs}: {result.values.shape[1]} seeds, mean and 95% band")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False)
    return ax


def save_figure(ax, path) -> list[Path]:
    """Save the figure of ``ax`` at ``path``, in the format its suffix names (PNG when it has none)."""
    import matplotlib.axes

    from olearn.core.errors import ParameterError, check_path

    if not isinstance(ax, matplotlib.axes.Axes):
        raise ParameterError("save_figure", "ax", type(ax).__name__, "matplotlib Axes (as regret_curves returns)")
    path = check_path("save_figure", "path", path, "a file name")
    if not path.suffix:
        path = path.with_suffix(".png")
    formats = ax.figure.canvas.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise ParameterError("save_figure", "path", str(path), "a file name ending in ." + ", .".join(sorted(formats)))
    blocked = next((p for p in [path, *path.parents] if p.exists() and (p.is_dir() if p == path else not p.is_dir())), None)
    if blocked is not None:  # checked before drawing: mkdir or savefig would raise a bare OSError
        raise ParameterError("save_figure", "path", str(path), f"a file path whose folders are folders ({blocked} is "
                             f"{'a folder' if blocked == path else 'a file'})")
    path.parent.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(path, dpi=150)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    return [path]


__all__ = ["regret_curves", "save_figure"]
