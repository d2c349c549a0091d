"""Contextual bandit learners (filled in by the omega-tuning work)."""

LEARNERS = ()
