"""Cost tables: the iteration count of every (instance, omega) pair, computed in parallel and cached.

A table is computed once (numba ``prange`` over instance x omega jobs, in chunks of instances so
memory stays bounded) and then replayed by any number of learner seeds through the ``sor_costs``
world (:meth:`CostTable.environment`) on any backend.  With ``cache_dir`` the table is stored as
``.npz`` under a key made from the inputs (their bytes, or a name you give), the solver settings and
the solvers' source, and read back instead of recomputed.
"""
from __future__ import annotations

import ast
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
from numba import prange

from olearn.core.errors import ParameterError, check_integer
from olearn.relax import solvers, validate

SOLVERS = solvers.TUNABLE


@numba.njit(parallel=True, cache=True)
def _solve_all(kind, indptr, indices, data, diag, b, x0, row_off, nnz_off, omegas, tol, max_iter, costs, status):
    """costs[s, k] = iterations of solver ``kind`` (0 SOR, 1 SSOR-PCG) on instance s with omega omegas[s, k]."""
    n_sys, n_om = omegas.shape
    for job in prange(n_sys * n_om):
        s = job // n_om
        k = job - s * n_om
        r0 = row_off[s]
        r1 = row_off[s + 1]
        p0 = nnz_off[s]
        p1 = nnz_off[s + 1]
        ip = indptr[r0 + s : r1 + s + 1]
        x = x0[r0:r1].copy()
        if kind == 0:
            it, _, st = solvers.sor_csr(ip, indices[p0:p1], data[p0:p1], diag[r0:r1], b[r0:r1], x, omegas[s, k], tol, max_iter)
        else:
            it, _, st = solvers.ssor_pcg_csr(ip, indices[p0:p1], data[p0:p1], diag[r0:r1], b[r0:r1], x, omegas[s, k], tol, max_iter)
        costs[s, k] = it
        status[s, k] = st


def _system(systems, t):
    """``systems[t]``, which must be a :class:`~environments.linear_systems.System` (fields A, b, context, x0)."""
    s = systems[t]
    if not (hasattr(s, "A") and hasattr(s, "b")):
        raise ParameterError("cost_table", f"systems[{t}]", type(s).__name__,
                             "a System(A, b, context, x0): wrap (A, b[, context[, x0]]) tuples with "
                             "environments.linear_systems.systems(...)")
    return s


def _pack(chunk, solver):
    """Concatenate the CSR arrays, diagonals, right-hand sides and starts of a list of systems."""
    parts = {"indptr": [], "indices": [], "data": [], "diag": [], "b": [], "x0": []}
    rows, nnz = [0], [0]
    for t, s in enumerate(chunk):
        A, diag, b, x0 = solvers.system("cost_table", solver, s.A, s.b, s.x0 if len(s) > 3 else None)
        parts["indptr"].append(A.indptr.astype(np.int64))
        parts["indices"].append(A.indices.astype(np.int64))
        parts["data"].append(A.data)
        parts["diag"].append(diag)
        parts["b"].append(b)
        parts["x0"].append(x0)
        rows.append(rows[-1] + b.size)
        nnz.append(nnz[-1] + A.nnz)
    packed = {k: np.concatenate(v) for k, v in parts.items()}
    return packed, np.asarray(rows, dtype=np.int64), np.asarray(nnz, dtype=np.int64)


def _settings(solver, tol, max_iter):
    """(solver, tol, max_iter) checked: a name of ``SOLVERS``, a tolerance in (0, 1), an iteration cap >= 1."""
    if solver not in SOLVERS:
        raise ParameterError("cost_table", "solver", solver, "'sor' or 'ssor_pcg'")
    return solver, validate.tolerance("cost_table", tol), validate.max_iterations("cost_table", max_iter)


def solve_many(systems, omegas, solver="sor", tol=1e-8, max_iter=10_000, chunk=500):
    """Iteration counts (T x K) and convergence flags of ``systems[t]`` at ``omegas[t, k]`` (or a shared grid)."""
    solver, tol, max_iter = _settings(solver, tol, max_iter)
    chunk = check_integer("cost_table", "chunk", chunk, 1, meaning="systems solved per parallel batch")
    n_sys = len(systems)
    allowed = f"numbers in (0, 2): a grid, or one row per system ({n_sys})"
    try:  # a scalar, a 3-D array or ragged rows used to fail inside NumPy or numba
        om = validate.real_entries("cost_table", "omegas", omegas, allowed)
    except ValueError:  # ragged rows (a ParameterError from real_entries is one too: the same answer)
        raise ParameterError("cost_table", "omegas", omegas, allowed) from None
    om = np.broadcast_to(om, (n_sys, om.shape[-1])) if om.ndim == 1 else om
    if om.ndim != 2 or om.shape[0] != n_sys or om.shape[1] == 0 or not np.all((om > 0.0) & (om < 2.0)):
        raise ParameterError("cost_table", "omegas", omegas, allowed)
    costs = np.full(om.shape, -1, dtype=np.int64)
    status = np.full(om.shape, -1, dtype=np.int64)
    kind = SOLVERS.index(solver)
    for lo in range(0, n_sys, chunk):
        hi = min(lo + chunk, n_sys)
        packed, rows, nnz = _pack([_system(systems, t) for t in range(lo, hi)], solver)
        _solve_all(kind, packed["indptr"], packed["indices"], packed["data"], packed["diag"], packed["b"], packed["x0"],
                   rows, nnz, np.ascontiguousarray(om[lo:hi]), tol, max_iter, costs[lo:hi], status[lo:hi])
        broken = np.argwhere(status[lo:hi] == solvers.BREAKDOWN)
        if broken.size:
            t, k = int(broken[0, 0]) + lo, int(broken[0, 1])
            raise ParameterError("cost_table", f"systems[{t}].A", f"a matrix with p^T A p <= 0 at omega = {om[t, k]:g}",
                                 "symmetric positive definite matrices (conjugate gradients needs them)")
    return costs, status == solvers.CONVERGED


@dataclass
class CostTable:
    """Iteration counts ``costs[t, k]`` of instance t at ``omegas[k]``, with the instances' contexts."""

    costs: np.ndarray
    omegas: np.ndarray
    contexts: np.ndarray | None = None
    converged: np.ndarray | None = None
    settings: dict = field(default_factory=dict)

    @property
    def totals(self) -> np.ndarray:
        """Total iterations of every fixed omega."""
        return self.costs.sum(axis=0)

    def best_fixed(self) -> tuple[float, int]:
        """The best fixed omega in hindsight and its total iterations."""
        k = int(np.argmin(self.totals))
        return float(self.omegas[k]), int(self.totals[k])

    def grid_optimal(self) -> np.ndarray:
        """Per instance, the fewest iterations over the grid (the grid's instance-optimal policy)."""
        return self.costs.min(axis=1)

    def environment(self, scale: float = 1.0, contexts: bool = True):
        """The ``sor_costs`` world replaying this table (losses = iterations / scale)."""
        import environments

        ctx = self.contexts if contexts and self.contexts is not None else None
        return environments.make("sor_costs", costs=self.costs.astype(float), contexts=ctx, scale=scale)

    def save(self, path) -> None:
        np.savez(path, costs=self.costs, omegas=self.omegas, converged=self.converged,
                 contexts=np.zeros(0) if self.contexts is None else self.contexts,
                 has_contexts=self.contexts is not None, settings=np.array(repr(sorted(self.settings.items()))))

    @classmethod
    def load(cls, path) -> "CostTable":
        """The table :meth:`save` wrote at ``path`` (an .npz file)."""
        try:
            with np.load(path) as f:
                ctx = f["contexts"] if bool(f["has_contexts"]) else None
                try:  # the solver settings it was computed with, as saved
                    settings = dict(ast.literal_eval(str(f["settings"])))
                except (ValueError, SyntaxError, TypeError):
                    settings = {}
                return cls(f["costs"], f["omegas"], ctx, f["converged"], {**settings, "loaded_from": str(path)})
        except (ValueError, KeyError, TypeError, AttributeError, EOFError, IsADirectoryError) as err:  # not a saved table
            raise ParameterError("CostTable.load", "path", str(path), f"an .npz file that CostTable.save wrote (this one "
                                 f"could not be read as one: {type(err).__name__})") from None


def _contexts(systems):
    """The sequence's contexts as stored in its table (``systems.contexts``, an array or a method), or None."""
    contexts = getattr(systems, "contexts", None)
    if callable(contexts):
        contexts = contexts()
    return None if contexts is None else np.asarray(contexts, dtype=float)


# every file whose code decides a table's numbers: the kernels, the input canonicalization, the parallel driver
SOURCES = (Path(solvers.__file__), Path(validate.__file__), Path(__file__))


def source_digest() -> str:
    """sha256 (hex) of the ``SOURCES``: a changed solver (stopping rule, preconditioner, conversion) changes it."""
    h = hashlib.sha256()
    for source in SOURCES:
        h.update(source.read_bytes())
    return h.hexdigest()


def _key(systems, omegas, solver, tol, max_iter, name, contexts):
    h = hashlib.sha256(repr((solver, tol, max_iter, np.asarray(omegas).tolist(), len(systems))).encode())
    h.update(source_digest().encode())  # a changed solver is a new table
    if contexts is not None:  # stored in the table: a sequence with other contexts is another table
        h.update(contexts.tobytes())
    if name is not None:
        h.update(str(name).encode())
    else:
        for t in range(len(systems)):
            s = _system(systems, t)
            A, _, b = validate.csr_system("cost_table", s.A, s.b)  # canonical float64 CSR, as solved
            for arr in (A.indptr, A.indices, A.data, b):
                h.update(np.ascontiguousarray(arr).tobytes())
            if len(s) > 3 and s.x0 is not None:
                h.update(np.asarray(s.x0, dtype=float).tobytes())
    return h.hexdigest()[:20]


def cost_table(systems, omegas, solver: str = "sor", tol: float = 1e-8, max_iter: int = 10_000,
               cache_dir=None, name: str | None = None, chunk: int = 500) -> CostTable:
    """The cost table of ``systems`` (a sequence of :class:`environments.linear_systems.System`) over ``omegas``.

    ``cache_dir``: read the table from there when present, else compute and store it.  The cache
    key hashes the solver, ``tol``, ``max_iter``, the grid, the number of systems, their contexts
    and the solvers' source, with the systems' bytes, or ``name`` when given (then the name
    identifies the matrices and right-hand sides: use a new name for new ones).
    """
    omegas = validate.omegas("cost_table", omegas)
    solver, tol, max_iter = _settings(solver, tol, max_iter)
    try:
        count = len(systems)
    except TypeError:  # None, a number: no sequence
        count = None
    if not count:  # an empty table has no best fixed omega (best_fixed() had answered the first, at 0 iterations)
        raise ParameterError("cost_table", "systems", systems if count is None else "an empty sequence",
                             "a non-empty sequence of systems (environments.linear_systems.systems(...) of (A, b) pairs)")
    contexts = _contexts(systems)
    path = None
    if cache_dir is not None:
        if Path(cache_dir).exists() and not Path(cache_dir).is_dir():  # checked before the solves, not after them
            raise ParameterError("cost_table", "cache_dir", str(cache_dir), "None or a folder (this is a file)")
        path = Path(cache_dir) / f"{solver}-{_key(systems, omegas, solver, tol, max_iter, name, contexts)}.npz"
        if path.exists():
            return CostTable.load(path)
    costs, converged = solve_many(systems, omegas, solver, tol, max_iter, chunk)
    table = CostTable(costs, omegas, contexts, converged, {"solver": solver, "tol": tol, "max_iter": max_iter})
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp.npz")  # one per writer: two
        table.save(tmp)  # processes filling the same cache entry each move a whole file into place
        tmp.replace(path)
    return table
