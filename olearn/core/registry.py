"""A name -> type registry (learners, environments) with ``make(name, **params)``."""
from __future__ import annotations

from olearn.core.errors import ParameterError, UnknownNameError


class Registry(dict):
    """Registered types by name; ``what`` names the kind in error messages."""

    def __init__(self, what: str, made_type: type):
        super().__init__()
        self.what, self.made_type = what, made_type
        #: names of the types the package itself registers (set once they are in): a pickled one is found by name
        self.builtin = frozenset()

    def register(self, spec_type):
        """Add a type (its name must be new)."""
        if spec_type.name in self:
            raise ValueError(f"a {self.what} named {spec_type.name!r} is already registered")
        self[spec_type.name] = spec_type
        return spec_type

    def make(self, name, **params):
        """An instance by registered name; an instance passes through unchanged (with no parameters: it holds its own)."""
        if isinstance(name, self.made_type):
            if params:  # they would be dropped without a word: the instance already holds its values
                key = next(iter(params))
                raise ParameterError(name.name, key, params[key], f"nothing: {name!r} is already made (give the "
                                     f"parameters with its name, make({name.name!r}, {key}=...))")
            return name
        if not isinstance(name, str) or name not in self:
            raise UnknownNameError(self.what, name, self)
        return self[name].make(**params)

    def names(self) -> list[str]:
        return sorted(self)
