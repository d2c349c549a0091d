"""The kernel subset, and how one kernel source is compiled for every backend.

A *kernel* is a plain Python function written in a subset that runs unchanged
as Python, under ``numba.njit`` and as a ``numba.cuda.jit(device=True)`` device
function:

* scalars, ``for``/``while`` loops, and reads and writes into preallocated
  float64/int64 arrays (rows of a state matrix); no allocation, no Python
  objects, no exceptions, no keyword arguments;
* ``math.sqrt``, ``math.log``, ``math.exp`` (never NumPy ufuncs);
* randomness only through :mod:`olearn.core.rng` (counter-based draws);
* other kernels are called by name.

Kernels are marked with :func:`kernel`, which returns the function unchanged.
A backend turns a kernel into its compiled form with :func:`compile_kernel`:
the function is rebuilt with every kernel it refers to (through its globals or
its closure) replaced by that kernel's compiled form, then handed to the
backend's compiler.  The algorithm therefore exists once; the python backend
calls the very same function uncompiled.
"""
from __future__ import annotations

import types

_MARK = "__olearn_kernel__"


def kernel(fn):
    """Mark ``fn`` as written in the kernel subset (returns ``fn`` unchanged)."""
    setattr(fn, _MARK, True)
    return fn


def is_kernel(obj) -> bool:
    return isinstance(obj, types.FunctionType) and getattr(obj, _MARK, False)


def _module_proxy(module, names, compiled):
    """A stand-in for ``module`` whose kernels among ``names`` are compiled (for ``rng.uniform`` style calls)."""
    used = [n for n in names if is_kernel(getattr(module, n, None))]
    if not used:
        return module
    proxy = types.ModuleType(module.__name__)
    proxy.__dict__.update(module.__dict__)
    for n in used:
        setattr(proxy, n, compiled(getattr(module, n)))
    return proxy


def _rebind(fn, compiled):
    """Copy of ``fn`` whose referenced kernels are replaced by ``compiled(kernel)``."""
    names = set(fn.__code__.co_names)
    env = fn.__globals__
    swapped = {}
    for name in names:
        value = env.get(name)
        if is_kernel(value):
            swapped[name] = compiled(value)
        elif isinstance(value, types.ModuleType):
            proxy = _module_proxy(value, names, compiled)
            if proxy is not value:
                swapped[name] = proxy
    new_globals = dict(env, **swapped) if swapped else env
    closure = fn.__closure__
    if closure:
        cells = []
        for cell in closure:
            value = cell.cell_contents
            cells.append(types.CellType(compiled(value)) if is_kernel(value) else cell)
        closure = tuple(cells)
    new = types.FunctionType(fn.__code__, new_globals, fn.__name__, fn.__defaults__, closure)
    new.__qualname__ = fn.__qualname__
    new.__module__ = fn.__module__
    new.__doc__ = fn.__doc__
    return new


class Compiler:
    """Compiles kernels with ``jit`` (e.g. ``numba.njit``), once per kernel object.

    The kernels a compiled kernel calls are compiled by ``nested`` (by default this
    compiler too), so a backend can, say, inline the first level of calls only.
    """

    def __init__(self, jit, nested: "Compiler | None" = None):
        self._jit = jit
        self._nested = nested if nested is not None else self
        self._cache: dict[int, tuple[object, object]] = {}

    def __call__(self, fn):
        hit = self._cache.get(id(fn))
        if hit is not None and hit[0] is fn:
            return hit[1]
        compiled = self._jit(self._nested.rebind(fn))
        self._cache[id(fn)] = (fn, compiled)
        return compiled

    def rebind(self, fn):
        """``fn`` with the kernels it calls compiled, itself left uncompiled (for a custom top-level jit)."""
        return _rebind(fn, self)
