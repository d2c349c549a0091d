"""``OmegaTuner``: a bandit inside the user's solve loop picks omega for every system.

Each call of :meth:`OmegaTuner.solve` asks the learner (one seed of an engine learner, through
:class:`olearn.engine.stepwise.Stepwise`) for an arm, solves with that omega, and feeds the
iteration count back as the loss.  Methods (Khodak, Chow, Balcan and Talwalkar, ICLR 2024):

* ``"tsallis_inf"``: Tsallis-INF over the grid, costs shifted by 1 and normalized by their running mean;
* ``"tsallis_inf_cb"``: the same in each of ``n_bins`` bins of the context range (discretized baseline);
* ``"chebcb"``: ChebCB, Chebyshev regression of the cost on the context per arm, inverse-gap weighting.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from olearn.core.errors import ParameterError, check_flag, check_real
from olearn.engine.stepwise import Stepwise
from olearn.relax import solvers, validate
from olearn.relax.comparators import omega_grid

METHODS = ("tsallis_inf", "tsallis_inf_cb", "chebcb")
CONTEXTUAL = ("tsallis_inf_cb", "chebcb")


def make_learner(method: str, n_arms: int, context_range=None, owner: str = "OmegaTuner", **params):
    """The engine learner behind a tuner method, with the cost conventions of iteration counts (shift 1)."""
    from olearn import learners

    if method not in METHODS:
        raise ParameterError(owner, "method", method, "one of " + ", ".join(repr(m) for m in METHODS))
    if context_range is None and method in CONTEXTUAL:
        raise ParameterError(owner, "context_range", None, f"a pair (low, high) for the contextual method {method!r}")
    if context_range is not None:  # checked for every method (tsallis_inf, which reads no context, ignores a valid one)
        try:
            low, high = (float(v) for v in context_range)
        except (TypeError, ValueError):
            raise ParameterError(owner, "context_range", context_range, "a pair of numbers (low, high), low < high") from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ParameterError(owner, "context_range", context_range, "a pair of finite numbers (low, high), low < high")
    if method == "tsallis_inf":
        return learners.make("tsallis_inf", n_arms=n_arms, **{"shift": 1.0, "normalize": True, **params})
    for clash in ("low", "high"):
        if clash in params:
            raise ParameterError(owner, clash, params[clash], "no value: the context range is given as context_range=(low, high)")
    if method == "tsallis_inf_cb":
        return learners.make("tsallis_inf_cb", n_arms=n_arms, low=low, high=high,
                             **{"shift": 1.0, "normalize": True, "n_bins": 5, **params})
    return learners.make("chebcb", n_arms=n_arms, low=low, high=high, **{"shift": 1.0, **params})


class OmegaTuner:
    """Choose SOR's (or SSOR-PCG's) omega for each solve of a sequence, from iteration counts.

    Parameters
    ----------
    method : {"tsallis_inf", "tsallis_inf_cb", "chebcb"}
    omegas : the grid of candidate omegas (default :func:`omega_grid` (1, 1.95, 20))
    context_range : (low, high) of the scalar context, for the contextual methods (a context outside it
        is treated as the nearest end); checked under every method, and ignored by ``tsallis_inf``
    solver : {"sor", "ssor_pcg"}
    tol, max_iter : the solver's stopping rule (a solve that hits the cap is charged ``max_iter``)
    seed : the learner's seed (its draws are counter-based: the same seed gives the same choices)
    warm_start : start each solve from the previous finite solution (a diverged solve's is skipped) when
        no ``x0`` is given (with ``solver="sor"``,
        whose rule is ``||r_k|| < tol ||r_0||``, a start already near the solution may ask for a residual
        below rounding and the solve runs to ``max_iter``; SSOR-PCG's rule is relative to ``||b||``)
    compare : also solve every system with every omega of the grid (from the same start), so that
        :meth:`report` can show each fixed omega's total; costs ``len(omegas)`` extra solves per call
    backend : "cpu" (the learner's kernels compiled) or "python"
    **learner_params : passed to the learner (e.g. ``n_bins=6``, ``degree=6``)

    >>> import numpy as np, scipy.sparse as sp
    >>> A = sp.diags([-1.0, 2.5, -1.0], [-1, 0, 1], shape=(20, 20), format="csr")
    >>> tuner = OmegaTuner("tsallis_inf", omegas=omega_grid(1.0, 1.9, 4), seed=0, backend="python")
    >>> x, info = tuner.solve(A, np.ones(20))
    >>> info["converged"], info["omega"] in tuner.omegas
    (True, True)
    """

    def __init__(self, method: str = "tsallis_inf", omegas=None, context_range=None, solver: str = "sor",
                 tol: float = 1e-8, max_iter: int = 10_000, seed: int = 0, warm_start: bool = False,
                 compare: bool = False, backend: str = "cpu", **learner_params):
        self.omegas = omega_grid() if omegas is None else validate.omegas("OmegaTuner", omegas)
        if solver not in solvers.TUNABLE:
            raise ParameterError("OmegaTuner", "solver", solver, "'sor' or 'ssor_pcg'")
        self.method, self.solver = method, solver
        self.tol = validate.tolerance("OmegaTuner", tol)
        self.max_iter = validate.max_iterations("OmegaTuner", max_iter)
        self.contextual = method in CONTEXTUAL
        learner = make_learner(method, self.omegas.size, context_range, **learner_params)
        self.learner = Stepwise(learner, seed=seed, backend=backend, obs_dim=1 if self.contextual else 0)
        self.warm_start = check_flag("OmegaTuner", "warm_start", warm_start)
        self.compare = check_flag("OmegaTuner", "compare", compare)
        self._last_x = None
        self.arms: list[int] = []
        self.iterations: list[int] = []
        self.contexts: list[float] = []
        self.fixed_costs: list[np.ndarray] = []  # with compare=True: every omega's iterations per solve

    def _context(self, context):
        if not self.contextual:  # ignored, so one loop serves every method; a NaN or text one is still a mistake
            if context is not None:
                check_real("OmegaTuner", "context", context, f"a finite number or None (method {self.method!r} ignores it)")
            return None
        return check_real("OmegaTuner", "context", context, f"a finite number (method {self.method!r} uses it)")

    def solve(self, A, b, context=None, x0=None):
        """Solve ``A x = b`` with the omega the learner picks; returns ``(x, info)``.

        ``info`` has ``omega``, ``arm``, ``iterations`` (the loss fed back), ``converged`` and
        ``residual``.  Bad input raises before the learner acts, and a solve that fails (SSOR-PCG on a
        matrix that is not positive definite) puts the learner's state back as it was: nothing is lost.
        """
        A, diag, b, start = solvers.system("OmegaTuner", self.solver, A, b, x0)  # checked once for every solve below
        c = self._context(context)
        if x0 is None and self.warm_start and self._last_x is not None and self._last_x.size == b.size:
            start = validate.start("OmegaTuner", self._last_x, b.size)

        def solve(omega):
            return solvers.solve_checked(self.solver, A, diag, b, start.copy(), float(omega), self.tol, self.max_iter)

        before = self.learner.state.copy()  # act may write to the state (a bin's round count, ChebCB's features)
        try:
            arm = self.learner.act(None if c is None else [c])
            x, info = solve(self.omegas[arm])
            fixed = np.array([solve(w)[1]["iterations"] for w in self.omegas]) if self.compare else None
        except BaseException:  # e.g. SSOR-PCG breaking down on a matrix that is not positive definite
            self.learner.state[:] = before
            raise
        self.learner.update(arm, float(info["iterations"]))
        if fixed is not None:
            self.fixed_costs.append(fixed)
        self.arms.append(arm)
        self.iterations.append(info["iterations"])
        self.contexts.append(np.nan if c is None else c)
        if np.all(np.isfinite(x)):  # a diverged solve's x would poison every later warm start
            self._last_x = x
        info["arm"] = arm
        return x, info

    def summary(self) -> dict:
        """Solves so far, the tuner's total iterations and, with ``compare=True``, the best fixed omega's."""
        out = {"solves": len(self.iterations), "tuner_total": int(np.sum(self.iterations))}
        if self.compare and self.fixed_costs:
            totals = np.sum(self.fixed_costs, axis=0)
            k = int(np.argmin(totals))
            out.update(best_fixed_omega=round(float(self.omegas[k]), 10), best_fixed_total=int(totals[k]),
                       ratio_to_best_fixed=out["tuner_total"] / max(int(totals[k]), 1))
        return out

    def report(self) -> pd.DataFrame:
        """One row per omega: times chosen, iterations spent there, and (``compare=True``) its total as a fixed omega.

        The best fixed omega so far is marked in the ``best_fixed`` column; :meth:`summary` has the totals.
        """
        arms = np.asarray(self.arms, dtype=int)
        its = np.asarray(self.iterations, dtype=float)
        chosen = np.bincount(arms, minlength=self.omegas.size) if arms.size else np.zeros(self.omegas.size, int)
        spent = np.bincount(arms, weights=its, minlength=self.omegas.size) if arms.size else np.zeros(self.omegas.size)
        table = pd.DataFrame({"omega": np.round(self.omegas, 10), "chosen": chosen, "iterations_spent": spent.astype(int)})
        if self.compare and self.fixed_costs:
            totals = np.sum(self.fixed_costs, axis=0)
            table["total_if_fixed"] = totals
            table["best_fixed"] = totals == totals.min()
        table.attrs["summary"] = self.summary()
        return table
