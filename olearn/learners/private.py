"""Differentially private expert learners (filled in by the private-experts work)."""

LEARNERS = ()
