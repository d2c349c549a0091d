"""Sequences of linear systems as bandit worlds (filled in by the omega-tuning work)."""

ENVIRONMENTS = ()
