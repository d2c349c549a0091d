"""The ``olearn`` command: demo, run, plot, list, bench."""
from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="olearn: online learning and bandits simulations with regret.")
console = Console()

DEMO_LEARNERS = ("ucb1", "kl_ucb", "thompson", "exp3")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=console,
    )


def _regret_table(result, metric: str) -> Table:
    table = Table(title=f"{metric.replace('_', ' ')} at T = {result.horizon:,} ({result.values.shape[1]:,} seeds)")
    table.add_column("learner")
    table.add_column("environment")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for _, row in result.table(metric).iterrows():
        table.add_row(row["config"], row["environment"], f"{row[metric]:.1f}", f"± {row['ci95']:.1f}")
    return table


def _run_all(jobs, horizon, seeds, backend, metrics=None):
    """Run (label, learner, env) jobs under one progress display; returns the concatenated result."""
    import olearn

    results = []
    with _progress() as bar:
        tasks = [bar.add_task(label, start=False, total=len(job[0].configs) * (seeds if isinstance(seeds, int) else len(seeds)) * horizon)
                 for label, *job in jobs]
        for task, (label, learner, env) in zip(tasks, jobs):
            bar.start_task(task)
            bar.update(task, description=f"{label} (compiling)")
            results.append(olearn.run(learner, env, horizon=horizon, seeds=seeds, backend=backend, metrics=metrics,
                                      progress=lambda n, task=task: bar.update(task, advance=n, description=label)))
    return olearn.Result.concat(results)


def _save_outputs(result, out: Path, metric: str):
    from olearn.plot import regret_curves, save_figure

    result.save(out)
    figure = save_figure(regret_curves(result, metric=metric), out / f"{metric}.png")[0]
    console.print(f"results: {out / 'results.parquet'}  (config and versions: {out / 'run.json'})")
    console.print(f"figure:  {figure}")


@app.command()
def demo(
    seeds: int = typer.Option(1000, help="seeds per learner"),
    horizon: int = typer.Option(10_000, help="rounds per seed"),
    backend: str = typer.Option("cpu", help="python or cpu"),
    out: Path = typer.Option(Path("runs/demo"), help="results directory"),
):
    """UCB1, KL-UCB, Thompson sampling and EXP3 on a 10-armed Bernoulli bandit: table, figure, parquet."""
    import numpy as np

    import environments
    import olearn

    start = time.perf_counter()
    env = environments.make("bernoulli", means=np.linspace(0.1, 0.9, 10))
    console.print(f"[bold]olearn demo[/bold]: {env!r}, {seeds:,} seeds x {horizon:,} rounds, backend {backend}")
    jobs = [(name, olearn.make(name), env) for name in DEMO_LEARNERS]
    result = _run_all(jobs, horizon, seeds, backend, metrics=["loss", "regret", "pseudo_regret"])
    console.print(_regret_table(result, "pseudo_regret"))
    _save_outputs(result, out, "pseudo_regret")
    console.print(f"done in {time.perf_counter() - start:.1f} s (compilation included)")


def _load_config(path: Path) -> dict:
    from olearn.core.errors import ParameterError

    try:
        cfg = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise typer.BadParameter(f"no config file at {path}") from None
    except tomllib.TOMLDecodeError as err:
        raise typer.BadParameter(f"{path} is not valid TOML: {err}") from None
    allowed = {"run", "environment", "learners"}
    for key in cfg:
        if key not in allowed:
            raise ParameterError(str(path), key, cfg[key], "top-level tables: run, environment, [[learners]]")
    run = cfg.get("run", {})
    for key in run:
        if key not in {"horizon", "seeds", "backend", "metrics", "checkpoints", "out", "plot_metric"}:
            raise ParameterError(str(path), f"run.{key}", run[key], "keys horizon, seeds, backend, metrics, checkpoints, out, plot_metric")
    if "environment" not in cfg or "name" not in cfg["environment"]:
        raise ParameterError(str(path), "environment.name", None, "a registered environment name (olearn list)")
    if not cfg.get("learners"):
        raise ParameterError(str(path), "learners", None, "at least one [[learners]] table with a name")
    return cfg


@app.command()
def run(
    config: Path = typer.Argument(..., help="TOML file: [run], [environment], [[learners]]"),
    out: Path = typer.Option(None, help="results directory (default: run.out, else runs/<config name>)"),
):
    """Run the learners of a TOML config against its environment and save results and a figure."""
    import environments
    import olearn

    cfg = _load_config(config)
    rc = cfg.get("run", {})
    env_cfg = dict(cfg["environment"])
    env = environments.make(env_cfg.pop("name"), **env_cfg)
    jobs = []
    for spec in cfg["learners"]:
        spec = dict(spec)
        name = spec.pop("name")
        jobs.append((name, olearn.make(name, **spec), env))  # validated before anything runs
    horizon, seeds = rc.get("horizon", 1000), rc.get("seeds", 100)
    result = _run_all(jobs, horizon, seeds, rc.get("backend", "cpu"), rc.get("metrics"))
    metric = rc.get("plot_metric", "regret" if not env.type.has_means else "pseudo_regret")
    console.print(_regret_table(result, metric))
    _save_outputs(result, Path(out or rc.get("out") or Path("runs") / config.stem), metric)


@app.command()
def plot(
    run_dir: Path = typer.Argument(..., help="a results directory written by olearn"),
    metric: str = typer.Option(None, help="metric to draw (default: pseudo_regret if recorded, else regret)"),
    out: Path = typer.Option(None, help="image file (default: RUN_DIR/<metric>.png)"),
):
    """Draw regret curves with 95% bands from a saved run."""
    import olearn
    from olearn.plot import regret_curves, save_figure

    result = olearn.load(run_dir)
    metric = metric or ("pseudo_regret" if "pseudo_regret" in result.columns else "regret")
    path = save_figure(regret_curves(result, metric=metric), out or run_dir / f"{metric}.png")[0]
    console.print(f"figure: {path}")


@app.command(name="list")
def list_registered():
    """Every registered learner and environment with its parameters and defaults."""
    import environments
    from olearn import learners

    def fmt(p):
        default = p.default
        if isinstance(default, tuple) and len(default) > 6:
            default = f"({len(default)} values)"
        return f"{p.name}={default!r}"

    table = Table(title="learners")
    for col in ("name", "feedback", "parameters", "what it does"):
        table.add_column(col)
    for name in learners.names():
        t = learners.REGISTRY[name]
        table.add_row(name, t.feedback, ", ".join(fmt(p) for p in t.params), t.summary)
    console.print(table)
    table = Table(title="environments")
    for col in ("name", "parameters", "what it is"):
        table.add_column(col)
    for name in environments.names():
        t = environments.REGISTRY[name]
        table.add_row(name, ", ".join(fmt(p) for p in t.params), t.summary)
    console.print(table)


@app.command()
def bench(
    reference: Path = typer.Option(Path("../shared/bench/reference_ucb.py"), help="hand-written reference kernel"),
    seeds: int = typer.Option(2000),
    horizon: int = typer.Option(10_000),
    all_learners: bool = typer.Option(False, "--all", help="also report every learner's steps/s"),
):
    """steps/s of UCB1 through olearn.run next to the hand-written kernel and a plain-Python loop."""
    from olearn import bench as b

    rows = b.cpu_ucb1(reference, seeds=seeds, horizon=horizon)
    table = Table(title="UCB1, 10 Bernoulli arms (steps/s = seeds x rounds per second)")
    for col in ("what", "seeds", "horizon", "steps/s", "ratio to kernel", "pseudo-regret"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["what"], f"{r['seeds']:,}", f"{r['horizon']:,}", f"{r['steps_per_s']:.3e}", f"{r['ratio']:.3f}", f"{r['pseudo_regret']:.1f}")
    console.print(table)
    if all_learners:
        table = Table(title="learners on the demo problem, cpu backend")
        for col in ("learner", "steps/s", "pseudo-regret"):
            table.add_column(col)
        for r in b.learners_throughput(seeds=min(seeds, 1000), horizon=horizon):
            table.add_row(r["what"], f"{r['steps_per_s']:.3e}", f"{r['pseudo_regret']:.1f}")
        console.print(table)


def main():
    from olearn.core.errors import ParameterError, UnknownNameError

    try:
        app()
    except (ParameterError, UnknownNameError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}")
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: nothing was written[/yellow]")
        sys.exit(130)


if __name__ == "__main__":
    main()
