"""Experiments as data: TOML configs expanded into (configuration, seed chunk) units, run here or on
Dask, stored as resumable parquet chunks, summarized and drawn.

>>> from olearn import experiment
>>> exp = experiment.parse({"environments": [{"name": "bernoulli", "means": [0.2, 0.8]}],
...                         "learners": [{"name": "exp3", "eta": [0.1, 0.2]}], "run": {"horizon": 50, "seeds": 4}})
>>> [c.label for c in exp.configurations]
['exp3(eta=0.1)', 'exp3(eta=0.2)']
"""
from olearn.experiment.config import ConfigError, Experiment, load, parse
from olearn.experiment.sweep import SweepExistsError, run_experiment

__all__ = ["load", "parse", "run_experiment", "Experiment", "ConfigError", "SweepExistsError"]
