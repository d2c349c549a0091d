"""Differential privacy for expert learners: kernels of the building blocks, the accountant, the audit."""
