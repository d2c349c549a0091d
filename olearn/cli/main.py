"""The ``olearn`` command: demo, run, plot, list, bench."""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="olearn: online learning and bandits simulations with regret.")
console = Console()


def _print_version(asked: bool) -> None:
    if asked:
        import olearn

        console.print(f"olearn {olearn.__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print olearn's version and exit.")) -> None:
    """olearn: online learning and bandits simulations with regret."""


DEMO_LEARNERS = ("ucb1", "kl_ucb", "thompson", "exp3")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<40}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=console,
    )


def _mean_and_ci(mean: float, half: float) -> tuple[str, str]:
    """The mean and the half-width of its interval, to the half-width's second significant digit."""
    if not math.isfinite(half) or half <= 0:
        return f"{mean:.4g}", "-" if not math.isfinite(half) else "± 0"
    places = min(8, max(0, 1 - math.floor(math.log10(half))))
    return f"{mean:.{places}f}", f"± {half:.{places}f}"


def _shared_environment(table: Table, environments: list[str]) -> bool:
    """Whether every row has the same environment; if so it is the table's caption, not a column repeated per row."""
    if len(set(environments)) != 1:
        return False
    table.caption = f"environment: {environments[0]}"
    table.min_width = max(table.min_width or 0, len(table.caption))  # unwrapped where the terminal is wide enough
    return True


def _regret_table(result, metric: str) -> Table:
    title = f"{metric.replace('_', ' ')} at T = {result.horizon:,} ({result.values.shape[1]:,} seeds)"
    table = Table(title=title, min_width=len(title))  # a narrow table would wrap its title
    rows = result.table(metric)
    one_world = _shared_environment(table, [str(e) for e in rows["environment"]])
    table.add_column("learner")
    if not one_world:
        table.add_column("environment")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    for _, row in rows.iterrows():
        table.add_row(row["config"], *([] if one_world else [row["environment"]]), *_mean_and_ci(row[metric], row["ci95"]))
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
    seeds: int = typer.Option(1000, help="seeds per learner, an integer >= 1"),
    horizon: int = typer.Option(10_000, help="rounds per seed, an integer in [1, 2^62]"),
    backend: str = typer.Option("cpu", help="python, cpu or gpu"),
    out: Path = typer.Option(Path("runs/demo"), help="results directory"),
):
    """UCB1, KL-UCB, Thompson sampling and EXP3 on a 10-armed Bernoulli bandit: table, figure, parquet."""
    import numpy as np

    import environments
    import olearn
    from olearn import backends
    from olearn.core.errors import check_integer
    from olearn.engine.run import check_horizon
    from olearn.io.result import check_save_folder

    check_integer("demo", "seeds", seeds, 1)  # every option checked before the progress display starts
    check_horizon("demo", horizon)
    backends.get(backend)  # an unknown name, or gpu without a GPU: an error now
    check_save_folder(out, "demo", "out")  # now, not when Result.save would refuse it after the run
    start = time.perf_counter()
    env = environments.make("bernoulli", means=np.linspace(0.1, 0.9, 10))
    means = ", ".join(f"{m:.3g}" for m in env.values["means"])
    console.print(f"[bold]olearn demo[/bold]: a Bernoulli bandit with means {means}; {seeds:,} seeds x {horizon:,} rounds, "
                  f"backend {backend}")
    jobs = [(name, olearn.make(name), env) for name in DEMO_LEARNERS]
    result = _run_all(jobs, horizon, seeds, backend, metrics=["loss", "regret", "pseudo_regret"])
    console.print(_regret_table(result, "pseudo_regret"))
    if (out / "results.parquet").exists():
        console.print(escape(f"replacing the earlier demo results in {out} (--out DIR keeps them)"))
    _save_outputs(result, out, "pseudo_regret")
    console.print(f"done in {time.perf_counter() - start:.1f} s (compilation included)")


def _sweep_table(frame, metric: str | None) -> Table:
    """The metric at the horizon per configuration; without one, each environment's default
    (pseudo_regret where it is recorded, else regret), named in a column when they differ."""
    from olearn.experiment import figures

    last = frame[frame["round"] == frame["round"].max()]
    spec = {"metric": metric}
    parts = [figures.panel_summary(last, env, spec) for env in dict.fromkeys(last["env_config"].astype(str))]
    names = list(dict.fromkeys(name for name, _ in parts))
    seeds = max(int(part["n_seeds"].max()) for _, part in parts)
    title = names[0].replace("_", " ") if len(names) == 1 else "metric"
    title = f"{title} at T = {frame['round'].max():,} ({seeds:,} seeds)"
    table = Table(title=title, min_width=len(title))
    one_world = _shared_environment(table, [str(row["env_config"]) for _, part in parts for _, row in part.iterrows()])
    columns = ([("configuration", "left")] + ([] if one_world else [("environment", "left")])
               + ([("metric", "left")] if len(names) > 1 else []))
    for col, justify in columns + [("mean", "right"), ("95% CI", "right")]:
        table.add_column(col, justify=justify)
    for name, part in parts:
        for _, row in part.iterrows():
            cells = ([str(row["config"])] + ([] if one_world else [str(row["env_config"])])
                     + ([name] if len(names) > 1 else []))
            table.add_row(*cells, *_mean_and_ci(row["mean"], row["high"] - row["mean"]))
    return table


@app.command()
def run(
    config: Path = typer.Argument(..., help="TOML experiment: [run], [[environments]], [[learners]], [[figures]]"),
    out: Path = typer.Option(None, help="results directory (default: run.out, else runs/<config name>; a figure config: runs/<its folder>/<its name>)"),
    resume: bool = typer.Option(False, "--resume", help="finish an interrupted sweep: compute only the missing chunks"),
    force: bool = typer.Option(False, "--force", help="discard stored results of this directory and run again"),
    scheduler: str = typer.Option(None, help="address of a running Dask scheduler (default: a LocalCluster)"),
    workers: int = typer.Option(None, help="LocalCluster worker processes, an integer >= 0 (default: the CPU count; 0 runs in this process)"),
    small: bool = typer.Option(False, "--small", help="figure scripts only: the test size (seconds)"),
):
    """Run a sweep config (every learner configuration on every environment configuration and seed; store,
    summarize, draw) or a figure config (a [figure] table naming the script that draws one paper figure)."""
    import os

    from olearn import experiment
    from olearn.analysis import half_width
    from olearn.core.config import CONFIDENCE
    from olearn.experiment import figures, script, store, sweep

    if script.figure_script(config) is not None:
        sweep_only = [flag for flag, value in (("--resume", resume), ("--force", force), ("--scheduler", scheduler),
                                               ("--workers", workers)) if value not in (None, False)]
        if sweep_only:  # the script would run without them (and --workers unchecked): say so, as --small on a sweep
            raise typer.BadParameter(f"{config} is a figure config ([figure] table); {', '.join(sweep_only)} "
                                     "apply to sweep configs only")
        started = time.perf_counter()
        where = script.run_figure_script(config, out, small)
        console.print(f"figure outputs: {where}  (done in {time.perf_counter() - started:.1f} s)")
        return
    if small:
        raise typer.BadParameter(f"{config} is a sweep config; --small applies to figure configs ([figure] tables) only")
    if resume and force:
        raise typer.BadParameter("--resume keeps the stored chunks and --force discards them: give one")
    exp = experiment.load(config)  # everything validated before any work starts
    out = Path(out or exp.out)
    if workers is None:
        workers = 0 if scheduler else min(os.cpu_count() or 1, len(exp.configurations) * len(exp.chunks()))
    if workers < 0:
        raise typer.BadParameter("--workers must be >= 0")
    state = sweep.prepare(exp, out, resume, force, local=scheduler is None)
    started = time.perf_counter()
    metric = next((f.get("metric") for f in exp.figures if f.get("metric")), None)  # the table's; None: each world's default
    if state == "done":
        console.print(f"{out}: this sweep is complete; read from the stored results (--force runs it again)")
    else:
        tasks, total = sweep.pending_units(exp, out)
        where = f"scheduler {scheduler}" if scheduler else (f"LocalCluster of {workers} workers" if workers else "this process")
        console.print(f"[bold]{config}[/bold]: {len(exp.configurations)} configurations x {exp.seeds.size:,} seeds x "
                      f"{exp.horizon:,} rounds; {len(tasks)} of {total} chunks to run on {where}")
        chunk_steps = {(t["configuration"]["index"], t["lo"]): len(t["seeds"]) * exp.horizon for t in tasks}
        per_config = {}
        for (c, _), steps in chunk_steps.items():
            per_config[c] = per_config.get(c, 0) + steps
        try:
            with _progress() as bar:
                overall = bar.add_task("all configurations", total=sum(chunk_steps.values()))
                rows, labels = {}, {}
                one_world = len({conf.env_label for conf in exp.configurations}) == 1  # named in the table's caption
                if len(per_config) <= 20:
                    for c, steps in per_config.items():
                        conf = exp.configurations[c]
                        labels[c] = conf.label if one_world else f"{conf.label} | {conf.env_label}"
                        rows[c] = bar.add_task(labels[c][:40], total=steps)

                running = sweep.RunningFinal()
                for receipt in sweep.stored_finals(exp, out, tasks, rows) if resume else ():  # the seeds stored before too
                    running.add(receipt)

                def done(receipt, n_done, n_total):
                    c = receipt["configuration"]
                    steps = chunk_steps[(c, receipt["lo"])]
                    bar.update(overall, advance=steps)
                    running.add(receipt)
                    if c in rows:  # the metric at T so far, over the seeds of the chunks finished
                        shown = metric or figures.default_metric(receipt["final"])
                        mean, se, n = running.get(c, shown)
                        live = " ".join(_mean_and_ci(mean, half_width(se, n, CONFIDENCE))) + f" ({n:,} seeds)"
                        bar.update(rows[c], advance=steps, description=f"{labels[c][:24]:<24} {shown} {live}")

                sweep.execute(tasks, scheduler=scheduler, workers=workers, on_done=lambda r: done(r, 0, 0))
        except (KeyboardInterrupt, Exception) as err:  # what finished is stored: say so, and how to go on
            left, _ = sweep.pending_units(exp, out)
            again = f"olearn run {config} --out {out}" + (f" --scheduler {scheduler}" if scheduler else "") + " --resume"
            stored = escape(f"{total - len(left)} of {total} chunks are stored in {out}; `{again}` computes the other {len(left)}")
            if isinstance(err, KeyboardInterrupt):
                console.print("[yellow]interrupted[/yellow]: " + stored)
                raise typer.Exit(130) from None
            console.print("[red]a chunk failed[/red]: " + stored)
            raise
    frame = store.table(out)
    console.print(_sweep_table(frame, metric))
    wanted = [out / "figures" / f"{spec['file']}.{ext}" for spec in exp.figures for ext in ("png", "pdf")]
    if state == "done" and figures.drawn(out, exp.figures):
        paths = wanted  # already drawn from these very results and specs
    else:
        paths = figures.draw(frame, exp.figures, out)
    console.print(f"results: {out / 'results'}  (config, versions and device: {out / store.SWEEP_FILE})")
    console.print("figures: " + ", ".join(str(p) for p in paths if p.suffix == ".png"))
    console.print(f"done in {time.perf_counter() - started:.1f} s")


@app.command()
def plot(
    run_dir: Path = typer.Argument(..., help="a results directory written by olearn"),
    metric: str = typer.Option(None, help="metric to draw (default: pseudo_regret if recorded, else regret, else dynamic_regret)"),
    out: Path = typer.Option(None, help="image file (default: RUN_DIR/<metric>.png)"),
):
    """Draw regret curves with 95% bands from a saved run (``olearn demo``, ``Result.save``) or sweep (``olearn run``)."""
    import pandas as pd

    import olearn
    from olearn.core.errors import ParameterError
    from olearn.experiment import figures
    from olearn.plot import regret_curves, save_figure

    result = olearn.load(run_dir)
    sweep = isinstance(result, pd.DataFrame)
    if sweep:  # a metric must be recorded by every world of the sweep (each panel draws it)
        per_world = [set(part["metric"].astype(str)) for _, part in result.groupby("env_config", observed=True)]
        recorded = [m for m in dict.fromkeys(result["metric"].astype(str)) if all(m in w for w in per_world)]
    else:
        recorded = list(result.columns)
    if metric is not None and metric not in recorded:
        where = "recorded by every world of this sweep" if sweep else "recorded in this run"
        raise ParameterError("plot", "metric", metric, f"a metric {where}: " + ", ".join(recorded))
    name = metric or figures.default_metric(recorded)
    target = Path(out or run_dir / f"{name}.png")
    if sweep:  # the sweep's own curves figure; without --metric each world's panel shows its default
        spec = {"kind": "curves"} if metric is None else {"kind": "curves", "metric": metric}
        ax = figures.curves(result, figures.check(spec)).axes[0]
    else:
        ax = regret_curves(result, metric=name)
    path = save_figure(ax, target)[0]
    console.print(f"figure: {path}")


@app.command(name="list")
def list_registered(
    text: str = typer.Argument(None, help="show only the entries whose name, description or reference contains this "
                               "text (any case), e.g. 'sleeping', 'hedge' or 'Besbes'"),
):
    """Every registered learner, conformal method and environment with its parameters and defaults."""
    import environments
    from olearn import learners
    from olearn.conformal import registry as conformal

    def fmt(p):
        default = p.default
        if isinstance(default, tuple) and len(default) > 6:
            default = f"({len(default)} values)"
        return f"{p.name}={default!r}"

    def entry(name, fields):
        """One registered type: its name, then a label and a paragraph per field, wrapped to the terminal."""
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, text in fields:
            grid.add_row(Text(label), Text(text))  # Text: brackets in a summary are not markup
        console.print(Text(name, style="bold"))
        console.print(grid, Text(""))  # an empty line between entries

    def feedback(t):
        """What the learner is shown each round, and where it cannot run."""
        shown_to = t.feedback + (", sleeping: plays only the awake arms of a sleeping world" if t.sleeping else "")
        return shown_to + ("; feedback cannot be delayed" if not t.delayable else "")

    def shown(registry):
        """The names of ``registry`` to show: all, or those whose name, summary or reference contains ``text``."""
        words = (text or "").casefold()
        return [n for n in registry.names()
                if words in " ".join((n, registry.REGISTRY[n].summary, registry.REGISTRY[n].reference)).casefold()]

    chosen = {"learners": shown(learners), "conformal": shown(conformal), "environments": shown(environments)}
    if not any(chosen.values()):
        console.print(f"no learner, conformal method or environment mentions {text!r}; `olearn list` shows them all")
        raise typer.Exit(1)
    if chosen["learners"]:
        console.rule("learners")
    for name in chosen["learners"]:
        t = learners.REGISTRY[name]
        entry(name, [("feedback", feedback(t)), ("parameters", ", ".join(fmt(p) for p in t.params) or "-"),
                     ("what it does", t.summary), ("reference", t.reference)])
    if chosen["conformal"]:
        console.rule("conformal methods (olearn.conformal: run_scores, wrap, Predictor)")
    for name in chosen["conformal"]:
        t = conformal.REGISTRY[name]
        entry(name, [("parameters", ", ".join(fmt(p) for p in t.params if p.name != "n_arms") or "-"),
                     ("what it does", t.summary), ("reference", t.reference)])
    from olearn.engine import arms, problems

    if chosen["environments"]:
        console.rule("environments")
    for name in chosen["environments"]:
        t = environments.REGISTRY[name]
        env = environments.make(name, **t.test_params[0])
        recorded = problems.of(t.kind).available_metrics(env) + problems.of(t.kind).on_request(env)
        recorded += (arms.WINDOW_NAME,) if t.kind == "arms" and arms.has_windows(env) else ()
        entry(name, [("parameters", ", ".join(fmt(p) for p in t.params) or "-"), ("what it is", t.summary),
                     ("metrics", ", ".join(recorded))])


@app.command()
def bench(
    reference: Path = typer.Option(Path(__file__).resolve().parents[3] / "shared" / "bench" / "reference_ucb.py",
                                   help="hand-written reference kernel (default: shared/bench beside the repository)"),
    seeds: int = typer.Option(2000, help="seeds per timed run, an integer >= 1"),
    horizon: int = typer.Option(10_000, help="rounds per seed, an integer in [1, 2^62]"),
    all_learners: bool = typer.Option(False, "--all", help="also report every learner's steps/s"),
):
    """steps/s of UCB1 through olearn.run next to the hand-written kernel and a plain-Python loop."""
    from olearn import bench as b
    from olearn.core.errors import check_integer
    from olearn.engine.run import check_horizon

    check_integer("bench", "seeds", seeds, 1)  # before the kernels compile, and named as this command's options
    check_horizon("bench", horizon)

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
    from olearn.core.errors import BackendUnavailableError, ParameterError, UnknownNameError
    from olearn.experiment import SweepExistsError

    try:
        app()
    except (ParameterError, UnknownNameError, FileNotFoundError, SweepExistsError, BackendUnavailableError) as err:
        console.print(f"[red]error:[/red] {escape(str(err))}")  # messages name [tables] literally
        sys.exit(2)
    except OSError as err:  # e.g. a --scheduler address where no scheduler answers
        console.print(f"[red]error:[/red] {escape(str(err))}")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]")
        sys.exit(130)


if __name__ == "__main__":
    main()
