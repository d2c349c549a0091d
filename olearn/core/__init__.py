"""Contracts shared by learners, environments and the engine."""
