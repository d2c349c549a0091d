"""The engine: joins a learner, an environment and a recorder into one fused per-seed loop."""
