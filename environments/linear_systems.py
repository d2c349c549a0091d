"""Sequences of linear systems ``A_t x = b_t`` for tuning SOR's omega, and the cost-table world.

Instance sequences (plain Python objects; ``seq[t]`` is a :class:`System`):

* :func:`shifted_laplacian`: ``A_t = A + c_t I`` with ``A`` the 5-point Laplacian (diagonal 4,
  off-diagonals -1) on a ``grid x grid`` interior grid, ``c_t = -0.15 + 0.6 Beta(a, b)``
  (``variance="high"``: Beta(0.5, 1.5); ``"low"``: Beta(2, 6)), and ``b_t ~ N(0, I)`` redrawn
  until ``||b_t|| <= sqrt(n)``; the context is ``c_t``.  Khodak, Chow, Balcan and Talwalkar
  (ICLR 2024), "Learning to Relax", section 5.  ``A_t`` is SPD since
  ``lambda_min(A) = 4 (1 - cos(pi / (grid + 1))) > 0.15`` for ``grid = 10``.
* :class:`HeatEquation`: the 2-D heat equation on the unit square (zero Dirichlet boundary,
  ``nx - 1`` interior points a side) stepped by Crank-Nicolson with the time-varying diffusion
  ``kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t)`` and a moving bump forcing (the paper's
  follow-up heat experiment): ``A_t = I + kappa dt / 2 K_h``,
  ``b_t = (I - kappa dt / 2 K_h) u + dt f(t + dt/2)``, ``kappa = kappa(t + dt/2)``, where
  ``K_h`` is the 5-point negative Laplacian scaled by ``1 / dx^2``; the context is ``kappa``, the
  coefficient of the system being solved (the authors' ``h2d.m`` passes kappa(t), half a step earlier).
* :func:`systems`: a user-supplied list of ``(A, b)``, ``(A, b, context)`` or ``(A, b, context, x0)``.

The registered world ``sor_costs`` plays a precomputed cost table (instances x omega grid of
iteration counts, see :mod:`olearn.relax.costs`): arm k at round t costs ``costs[t, k] / scale``
and the context of round t is ``contexts[t]``; ``dynamic_regret`` is then the regret against the
per-instance best omega of the grid, ``pseudo_regret`` against the best fixed omega.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from olearn.core.errors import ParameterError, check_integer, check_range, check_real
from olearn.core.kernel import kernel
from olearn.core.params import MAGNITUDE, Param
from olearn.core.spec import EnvType

from environments.stochastic import no_advance, no_reset


class System(NamedTuple):
    """One linear system: matrix, right-hand side, scalar context (or None), starting point (or None)."""

    A: sp.csr_matrix
    b: np.ndarray
    context: float | None = None
    x0: np.ndarray | None = None


def laplacian_2d(grid: int, spacing: float = 1.0) -> sp.csr_matrix:
    """The 5-point negative Laplacian on a ``grid x grid`` interior grid (lexicographic order), over spacing^2."""
    grid = check_integer("laplacian_2d", "grid", grid, 1)
    spacing = check_range("laplacian_2d", "spacing", spacing, 0.0, open_low=True, allowed="a finite number > 0 (the grid step)")
    tri = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(grid, grid))
    eye = sp.identity(grid)
    return ((sp.kron(eye, tri) + sp.kron(tri, eye)) / spacing**2).tocsr()


class SystemList:
    """A finite sequence of :class:`System` (``len``, indexing, iteration)."""

    def __init__(self, items):
        self._items = list(items)

    def __len__(self):
        return len(self._items)

    def __getitem__(self, t):
        return self._items[t]

    def __iter__(self):
        return iter(self._items)

    @property
    def contexts(self):
        c = [s.context for s in self._items]
        return None if any(v is None for v in c) else np.asarray(c, dtype=float)


def systems(items) -> SystemList:
    """A user-supplied sequence: each item ``(A, b)``, ``(A, b, context)`` or ``(A, b, context, x0)``.

    Each system is checked as the solvers check it (square, positive diagonal, finite entries, ``b``
    and ``x0`` of A's size), so a bad one is named by its index before any solve.
    """
    from olearn.relax import validate  # imported here: olearn.relax imports this module

    out = []
    try:
        items = list(items)
    except TypeError:  # not a sequence at all (a number, None): named, not Python's "not iterable"
        raise ParameterError("systems", "items", type(items).__name__, "a sequence of tuples (A, b[, context[, x0]])") from None
    for t, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or not 2 <= len(item) <= 4:
            raise ParameterError("systems", f"items[{t}]", type(item).__name__, "a tuple (A, b[, context[, x0]])")
        A, b, *rest = item
        context = rest[0] if rest else None
        if context is not None:
            context = check_real("systems", f"items[{t}] context", context, "a finite number or None")
        A, _, b = validate.csr_system(f"systems items[{t}]", A, b)
        x0 = None if len(rest) < 2 or rest[1] is None else validate.start(f"systems items[{t}]", rest[1], b.size)
        out.append(System(A, b, context, x0))
    if not out:
        raise ParameterError("systems", "items", "an empty sequence", "at least one system (A, b[, context[, x0]])")
    return SystemList(out)


MAX_INSTANCES = 10**7  # shifted-Laplacian systems: 10^7 right-hand sides of 100 numbers are 8 GiB


class ShiftedLaplacian:
    """The paper's i.i.d. sequence ``A + c_t I`` with truncated-Gaussian right-hand sides (see the module)."""

    BETA = {"high": (0.5, 1.5), "low": (2.0, 6.0)}

    def __init__(self, n_instances: int, variance: str = "high", grid: int = 10, seed: int = 0):
        if not isinstance(variance, str) or variance not in self.BETA:  # a list or array is not a key: one clear error
            raise ParameterError("shifted_laplacian", "variance", variance, "'high' (Beta(0.5, 1.5)) or 'low' (Beta(2, 6))")
        n_instances = check_integer("shifted_laplacian", "n_instances", n_instances, 1, MAX_INSTANCES,
                                    "systems; their right-hand sides are kept, up to 8 GiB")
        # A + c I stays positive definite for every c >= -0.15 only while lambda_min(A) = 4 (1 - cos(pi / (grid + 1))) > 0.15
        grid = check_integer("shifted_laplacian", "grid", grid, 1, 10,
                             meaning="interior points per side; larger grids make A - 0.15 I indefinite")
        seed = check_integer("shifted_laplacian", "seed", seed, 0)
        self.base = laplacian_2d(grid)
        self.variance, self.grid, self.seed = variance, grid, seed
        n = self.base.shape[0]
        gen = np.random.default_rng(seed)
        self.contexts = -0.15 + 0.6 * gen.beta(*self.BETA[variance], size=n_instances)
        self.rhs = np.empty((n_instances, n))
        for t in range(n_instances):
            b = gen.standard_normal(n)
            while np.linalg.norm(b) > math.sqrt(n):
                b = gen.standard_normal(n)
            self.rhs[t] = b
        self._eye = sp.identity(n, format="csr")

    def __len__(self):
        return self.contexts.size

    def __getitem__(self, t):
        """Instance ``t`` (negative counts from the end, as for a list); a slice gives a :class:`SystemList`."""
        if isinstance(t, slice):
            return SystemList(self[i] for i in range(*t.indices(len(self))))
        t = range(len(self))[t]  # as a list takes an index: IndexError past the end, TypeError for 1.5
        return System((self.base + self.contexts[t] * self._eye).tocsr(), self.rhs[t], float(self.contexts[t]))

    def __iter__(self):
        return (self[t] for t in range(len(self)))

    def jacobi_radius(self) -> np.ndarray:
        """Closed form rho(I - D^{-1} A_t) = (4 - lambda_min(A)) / (4 + c_t) = 4 cos(pi / (grid + 1)) / (4 + c_t)."""
        return 4.0 * math.cos(math.pi / (self.grid + 1)) / (4.0 + self.contexts)


def shifted_laplacian(n_instances: int = 5000, variance: str = "high", grid: int = 10, seed: int = 0) -> ShiftedLaplacian:
    """The paper's shifted-Laplacian family (see :class:`ShiftedLaplacian`)."""
    return ShiftedLaplacian(n_instances, variance=variance, grid=grid, seed=seed)


def bump(points: np.ndarray, centre, radius: float) -> np.ndarray:
    """exp(1 - 1 / (1 - min(1, |x - centre|^2 / radius^2))), zero outside the disc (smooth, peak 1)."""
    d2 = np.minimum(1.0, ((points - np.asarray(centre)) ** 2).sum(axis=1) / radius**2)
    out = np.zeros(d2.size)
    inside = d2 < 1.0
    out[inside] = np.exp(1.0 - 1.0 / (1.0 - d2[inside]))
    return out


DT = Param("dt", 1e-3, "time step of Crank-Nicolson", low=0.0, open_low=True)
MAX_KAPPA = MAGNITUDE  # a diffusion coefficient, within olearn's magnitude limit
MAX_NX = 4096  # grid intervals per side: (nx - 1)^2 = 1.7e7 unknowns, a 5-point matrix of about 1 GiB
MAX_STEPS = 10**8  # time steps (one context each; a reference trajectory keeps a state per step)


class HeatEquation:
    """Crank-Nicolson for u_t = kappa(t) Lap u + f on the unit square (see the module docstring).

    ``system(step, u)`` is the system of step ``step`` (from time ``step * dt``) given the current
    solution ``u``; its context is the diffusion coefficient and its starting point ``u`` (warm start).
    """

    def __init__(self, nx: int = 50, steps: int = 5000, dt: float = 1e-3):
        nx = check_integer("heat_equation", "nx", nx, 3, MAX_NX, "grid intervals per side")
        steps = check_integer("heat_equation", "steps", steps, 1, MAX_STEPS, "time steps")
        dt = DT.validate("heat_equation", dt)  # within the magnitude limits: kappa dt K_h overflows past them
        self.nx, self.steps, self.dt = nx, steps, dt
        h = 1.0 / nx
        self.stiffness = laplacian_2d(nx - 1, spacing=h)
        self.eye = sp.identity(self.stiffness.shape[0], format="csr")
        axis = np.arange(1, nx) * h
        gx, gy = np.meshgrid(axis, axis, indexing="ij")
        self.points = np.column_stack([gx.ravel(), gy.ravel()])

    @property
    def size(self) -> int:
        return self.stiffness.shape[0]

    @staticmethod
    def kappa(t):
        """Diffusion coefficient max(0.1 sin 2 pi t, -10 sin 2 pi t): weak (<= 0.1) and strong (<= 10) phases."""
        s = np.sin(2.0 * np.pi * np.asarray(t, dtype=float))
        return np.maximum(0.1 * s, -10.0 * s)

    def forcing(self, t: float) -> np.ndarray:
        centre = (0.5 + math.cos(16.0 * math.pi * t) / 4.0, 0.5 + math.sin(16.0 * math.pi * t) / 4.0)
        return 32.0 * bump(self.points, centre, 0.125)

    def initial(self) -> np.ndarray:
        return bump(self.points, (0.5, 0.5), 0.25)

    def contexts(self) -> np.ndarray:
        """kappa at the midpoint of every step (the context range is [0, 10])."""
        return self.kappa((np.arange(self.steps) + 0.5) * self.dt)

    def system(self, step: int, u: np.ndarray) -> System:
        """The system of step ``step`` (an integer in [0, steps - 1]) from the current solution ``u`` (finite, one
        value per interior grid point)."""
        step = check_integer("heat_equation.system", "step", step, 0, self.steps - 1, "the time step")
        u = self._field("heat_equation.system", "u", u)
        t_mid = (step + 0.5) * self.dt
        kappa = float(self.kappa(t_mid))
        half = 0.5 * kappa * self.dt * self.stiffness
        A = (self.eye + half).tocsr()
        b = u - half @ u + self.dt * self.forcing(t_mid)
        return System(A, b, kappa, u)

    def direct_solve(self, kappa: float, b: np.ndarray) -> np.ndarray:
        """The exact solution of ``(I + kappa dt / 2 K_h) x = b`` by the discrete sine transform.

        ``K_h`` is diagonalized by the orthonormal, self-inverse 2-D DST-I: its eigenvalue at
        frequencies (j, k) is ``(4 / h^2) (sin^2(j pi / 2 nx) + sin^2(k pi / 2 nx))``, j, k = 1 .. nx - 1.
        """
        from scipy.fft import dstn

        kappa = check_range("heat_equation.direct_solve", "kappa", kappa, 0.0, MAX_KAPPA,
                            allowed=f"a diffusion coefficient in [0, {MAX_KAPPA:g}]")
        b = self._field("heat_equation.direct_solve", "b", b)
        m = self.nx - 1
        s2 = np.sin(np.arange(1, self.nx) * np.pi / (2 * self.nx)) ** 2
        eig = 4.0 * self.nx**2 * (s2[:, None] + s2[None, :])
        coef = dstn(np.asarray(b, dtype=float).reshape(m, m), type=1, norm="ortho")
        return dstn(coef / (1.0 + 0.5 * kappa * self.dt * eig), type=1, norm="ortho").ravel()

    def _field(self, owner: str, name: str, value) -> np.ndarray:
        """A finite vector of one value per interior grid point, as float64."""
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):  # None is NaN as a float; text, ragged lists raise
            arr = np.array([np.nan])
        if arr.ndim != 1 or arr.size != self.size or not np.all(np.isfinite(arr)):
            raise ParameterError(owner, name, f"an array of shape {arr.shape}" if np.all(np.isfinite(arr)) else value,
                                 f"a finite vector of length {self.size}, one value per interior grid point")
        return arr

    def reference_systems(self) -> "HeatTrajectory":
        """Every step's system along the direct-solve trajectory, each warm-started at the previous u."""
        return HeatTrajectory(self)


class HeatTrajectory:
    """The systems of a :class:`HeatEquation` along its exact trajectory (states stored, matrices built on access)."""

    def __init__(self, heat: HeatEquation):
        self.heat = heat
        self.states = np.empty((heat.steps, heat.size))
        u = heat.initial()
        for step in range(heat.steps):
            self.states[step] = u
            s = heat.system(step, u)
            u = heat.direct_solve(s.context, s.b)
        self.final = u

    def __len__(self):
        return self.heat.steps

    def __getitem__(self, step):
        """The system of step ``step`` (negative counts from the end, as for a list; the time is that step's);
        a slice gives a :class:`SystemList`, as the shifted-Laplacian family's does."""
        if isinstance(step, slice):
            return SystemList(self[i] for i in range(*step.indices(len(self))))
        step = range(len(self))[step]  # IndexError past the end; -1 is the last step, at its own time
        return self.heat.system(step, self.states[step])

    @property
    def contexts(self):
        return self.heat.contexts()


# ---------------------------------------------------------------- the cost-table world
# row: [K, T, scale, has_contexts, costs (T x K, row-major), contexts (T)]
HEAD = 4


@kernel
def table_loss(state, params, obs, t, seed, k):
    return params[HEAD + t * int(params[0]) + k] / params[2]


@kernel
def table_mean_loss(state, params, obs, t, k):
    return params[HEAD + t * int(params[0]) + k] / params[2]


@kernel
def table_best_loss(state, params, obs, t):
    k_arms = int(params[0])
    best = math.inf
    for k in range(k_arms):
        best = min(best, params[HEAD + t * k_arms + k])
    return best / params[2]


@kernel
def table_context(state, params, t, seed, obs):
    if params[3] > 0.0:
        obs[0] = params[HEAD + int(params[1]) * int(params[0]) + t]


def _table_row(v):
    costs = v["costs"]
    contexts = v["contexts"] if v["contexts"] is not None else np.zeros(0)
    head = [costs.shape[1], costs.shape[0], v["scale"], 1.0 if v["contexts"] is not None else 0.0]
    return np.concatenate([head, costs.ravel(), contexts])


def _table_check(v):
    if v["contexts"] is not None and v["contexts"].size != v["costs"].shape[0]:
        raise ParameterError("sor_costs", "contexts", f"{v['contexts'].size} values",
                             f"one context per instance ({v['costs'].shape[0]}, the rows of costs)")


SOR_COSTS = EnvType(
    name="sor_costs",
    summary="a cached cost table: arm k (an omega) at round t (an instance) costs costs[t, k] / scale iterations",
    reference="Khodak, Chow, Balcan and Talwalkar (ICLR 2024), Learning to Relax: bandit feedback is the iteration count",
    params=(
        Param("costs", ((10.0, 20.0), (30.0, 5.0)), "iteration count of each omega (column) on each instance (row)",
              kind="matrix", low=0.0),
        Param("contexts", None, "the scalar context of each instance (e.g. the diagonal shift), or None",
              kind="vector", optional=True),
        Param("scale", 1.0, "losses are iteration counts divided by scale", low=0.0, open_low=True),
    ),
    n_actions=lambda v: v["costs"].shape[1],
    obs_dim=lambda v: 0 if v["contexts"] is None else 1,
    row=_table_row,
    reset=no_reset,
    observe=table_context,
    loss=table_loss,
    mean_loss=table_mean_loss,
    best_mean_loss=table_best_loss,
    advance=no_advance,
    max_horizon=lambda v: v["costs"].shape[0],
    stationary=False,
    check=_table_check,
    test_params=(
        {"costs": np.random.default_rng(6).integers(1, 300, (40, 5)).astype(float),
         "contexts": np.round(np.random.default_rng(7).random(40), 3)},
        {"costs": np.random.default_rng(8).integers(1, 50, (30, 3)).astype(float), "scale": 50.0},
    ),
)

ENVIRONMENTS = (SOR_COSTS,)
