"""User-facing errors: each names the parameter and what is allowed."""


class ParameterError(ValueError):
    """A parameter is outside its allowed values."""

    def __init__(self, owner: str, name: str, value, allowed: str):
        self.owner, self.name, self.value, self.allowed = owner, name, value, allowed
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{owner}: parameter '{name}' = {shown} is invalid; allowed: {allowed}")


class UnknownNameError(KeyError):
    """A learner, environment, backend or metric name that is not registered."""

    def __init__(self, what: str, name, known):
        self.what, self.name, self.known = what, name, sorted(known)
        super().__init__(f"unknown {what} {name!r}; choose one of: {', '.join(self.known)}")

    def __str__(self):  # KeyError would quote the message
        return self.args[0]


class BackendUnavailableError(RuntimeError):
    """A backend was asked for but cannot run on this machine."""
