"""Strongly adaptive experts (CBCE over Hedge copies on a geometric covering; Jun, Orabona, Wright and Willett, AISTATS 2017).

Backend parity and the conformance checks run with every registered learner (tests/test_parity.py,
tests/test_conformance.py).  Here: the learner equals a slow reference written from the paper's
description, action for action; on a world whose best expert changes every P rounds its regret on
windows of every length k stays within the theorem's order sqrt(k log T) and grows like sqrt(k),
while Hedge's grows linearly up to the period; the combinator refuses bandit learners.
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.core import rng
from olearn.learners import experts_adaptive
from olearn.learners.bandits import EXP3


def _draw(u, probs):
    """Inversion over the positive entries, as the engine's categorical draw."""
    acc, last = 0.0, 0
    for k, p in enumerate(probs):
        if p > 0.0:
            last = k
            acc += p
            if u < acc:
                return k
    return last


class ReferenceSAHedge:
    """CBCE over Hedge copies: a copy starts at every round s = 1, 2, ... with lifetime g 2^v2(s) and
    eta = sqrt(8 ln K / (lifetime + 1)) (or the given eta), prior 1 / (s^2 (1 + floor log2 s)); bets
    w = z / n (1 + wz); follow copy J ~ p (p ∝ prior max(w, 0), the prior when no bet is positive);
    meta gradient clip(sum_j p_j (l(a_j) - l(a_i)) / R_t, -1 if w > 0 else 0, 1), R_t the largest loss range."""

    def __init__(self, n_arms, seed, horizon, g=8, max_rounds=100_000, eta=None):
        levels = int(math.floor(math.log2(max_rounds))) + 1
        self.cap = (g // 2 + 1) * levels if g % 2 else (g // 2) * levels + 1
        self.levels = int(math.floor(math.log2(max(max_rounds, horizon)))) + 1  # the etas are sized for both
        self.K, self.seed, self.g, self.eta = n_arms, seed, g, eta
        self.s, self.R, self.copies = 1, 0.0, []

    def _weights(self):
        bets = np.array([c["z"] / c["n"] * (1 + c["wz"]) if c["n"] else 0.0 for c in self.copies])
        prior = np.array([c["prior"] for c in self.copies]) / sum(c["prior"] for c in self.copies)
        weight = prior * np.maximum(bets, 0.0)
        return weight / weight.sum() if weight.sum() > 0 else prior

    def act(self, t):
        self.copies = [c for c in self.copies if c["n"] <= c["life"]]
        if len(self.copies) == self.cap:
            self.copies.pop(0)
        s = self.s
        v2 = (s & -s).bit_length() - 1
        life = self.g * 2 ** min(v2, self.levels - 1)
        eta = self.eta if self.eta is not None else math.sqrt(8 * math.log(self.K) / (life + 1))
        self.copies.append(dict(z=0.0, wz=0.0, n=0, life=self.g * 2 ** v2, eta=eta,
                                prior=1.0 / (s * s * (1 + math.floor(math.log2(s)))), L=np.zeros(self.K)))
        for c in self.copies:
            w = np.exp(-c["eta"] * (c["L"] - c["L"].min()))
            c["arm"] = _draw(rng.uniform(self.seed, rng.LEARNER, c["n"], 0), w / w.sum())
        follow = _draw(rng.uniform(self.seed, experts_adaptive.FOLLOW, t, 0), self._weights())
        return self.copies[follow]["arm"]

    def update(self, losses):
        self.R = max(self.R, losses.max() - losses.min())
        p = self._weights()
        ell = np.array([losses[c["arm"]] for c in self.copies])
        for c, e in zip(self.copies, ell):
            w = c["z"] / c["n"] * (1 + c["wz"]) if c["n"] else 0.0
            excess = sum(pj * (lj - e) for pj, lj in zip(p, ell))  # the meta loss p @ ell minus e, summed without cancellation
            gt = float(np.clip(excess / self.R if self.R > 0 else 0.0, -1.0 if w > 0 else 0.0, 1.0))
            c["z"] += gt
            c["wz"] += gt * w
            c["n"] += 1
            c["L"] += losses
        self.s += 1


def _switching_losses(T, K, period, seed=0):
    """Losses 0.6 except the current best expert's 0.2 (it moves every ``period`` rounds), plus N(0, 0.1^2), clipped to [0, 1]."""
    noise = np.random.default_rng(seed).standard_normal((T, K))
    L = np.full((T, K), 0.6)
    L[np.arange(T), (np.arange(T) // period) % K] = 0.2
    return np.clip(L + 0.1 * noise, 0.0, 1.0)


@pytest.mark.parametrize("values", [{}, {"g": 2, "max_rounds": 16}, {"g": 3, "max_rounds": 64, "eta": 2.0}])
def test_matches_the_reference_action_for_action(values):
    T, K = 300, 4
    L = _switching_losses(T, K, period=40, seed=1)
    run = olearn.run(olearn.make("strongly_adaptive_hedge", **values), environments.make("loss_matrix", losses=L),
                     horizon=T, seeds=[0, 7], backend="python", trace=True)
    for j, seed in enumerate([0, 7]):
        ref = ReferenceSAHedge(K, seed, T, **values)
        arms = []
        for t in range(T):
            arms.append(ref.act(t))
            ref.update(L[t])
        np.testing.assert_array_equal(run.actions[0, j], arms)


def _window_regret(played, L, k):
    """max over windows [s, s + k) of (the learner's loss there - the best expert's)."""
    P = np.r_[0.0, np.cumsum(played)]
    C = np.vstack([np.zeros(L.shape[1]), np.cumsum(L, axis=0)])
    s = np.arange(L.shape[0] - k + 1)
    return np.max(P[s + k] - P[s] - (C[s + k] - C[s]).min(axis=1))


def test_window_regret_grows_like_sqrt_k_while_hedges_grows_linearly():
    T, K, period, seeds = 2048, 5, 128, 8
    L = _switching_losses(T, K, period)
    env = environments.make("loss_matrix", losses=L)
    lengths = np.array([16, 32, 64, 128])
    regret = {}
    for name in ("strongly_adaptive_hedge", "hedge"):
        run = olearn.run(olearn.make(name), env, horizon=T, seeds=seeds, backend="cpu", trace=True)
        regret[name] = np.array([np.mean([_window_regret(run.losses[0, s], L, k) for s in range(seeds)]) for k in lengths])
    sa, plain = regret["strongly_adaptive_hedge"], regret["hedge"]
    assert np.all(sa <= np.sqrt(lengths * math.log(T)))  # the theorem's order, with constant 1
    slope = np.polyfit(np.log(lengths), np.log(sa), 1)[0]
    assert slope < 0.65, f"window regret grows like k^{slope:.2f}"  # measured 0.47
    assert np.polyfit(np.log(lengths), np.log(plain), 1)[0] > 0.75  # Hedge: about linear up to the period (0.88)
    assert sa[-1] < 0.5 * plain[-1]  # measured 14.7 against 50.7


def test_anytime_and_step_wise_without_a_horizon():
    tuner = olearn.stepwise(olearn.make("strongly_adaptive_hedge", n_arms=3), seed=0)
    losses = np.array([0.9, 0.1, 0.5])
    arms = []
    for _ in range(200):
        arms.append(tuner.act())
        tuner.update(arms[-1], losses)
    assert np.mean(np.array(arms[-50:]) == 1) > 0.9


def test_the_combinator_takes_full_information_learners_only():
    with pytest.raises(ValueError, match="full-information.*'exp3'.*'bandit' feedback"):
        experts_adaptive.strongly_adaptive(EXP3, "sa_exp3", "not a full-information learner")


def test_one_combinator_name_for_every_kind_of_base():
    from olearn.conformal.ogd import SF_OGD
    from olearn.learners import REGISTRY, strongly_adaptive

    built = {n: strongly_adaptive(b, "sa_" + n, "CBCE over " + n, g=4)
             for n, b in [("hedge", REGISTRY["hedge"]), ("ogd", REGISTRY["ogd"]), ("sf_ogd", SF_OGD)]}
    assert {n: t.kind for n, t in built.items()} == {"hedge": "arms", "ogd": "oco", "sf_ogd": "scores"}
    assert all({p.name: p.default for p in t.params}["g"] == 4 for t in built.values())
    with pytest.raises(ValueError, match="start=.*'hedge' is of kind 'arms'"):
        strongly_adaptive(REGISTRY["hedge"], "x", "y", start=lambda state, params, radius: None)
    with pytest.raises(ValueError, match="'ucb1'.*'bandit' feedback"):
        strongly_adaptive(REGISTRY["ucb1"], "x", "y")


def test_every_copy_plays_hedge_tuned_to_its_own_lifetime():
    """The covering's copy started at round s lives L = g 2^v2(s) rounds and runs Hedge for a horizon of L + 1:
    its weights, read from the engine's state after each act, are exp(-eta (L_copy - min L_copy)) normalised with
    eta = sqrt(8 ln K / (g 2^v2(s) + 1)), v2 computed here from s.  With a horizon of 300 (levels sized for it,
    past max_rounds = 16) this holds for every copy the run starts, the copy of round 256 (v2 = 8, the top level)
    included: rows sized for one level fewer, or a clamp one level lower, tune it for 257 rounds instead of 513."""
    K, T, g = 4, 300, 2
    L = _switching_losses(T, K, period=40, seed=2)
    tuner = olearn.stepwise(olearn.make("strongly_adaptive_hedge", n_arms=K, g=g, max_rounds=16), seed=0,
                            backend="python", horizon=T)
    width = 9 + 2 * K  # the covering's slots, then Hedge's [L (K), p (K)]
    seen = set()
    for t in range(T):
        arm = tuner.act()
        state = tuner.state
        for i in range(int(state[1])):
            e = 3 + i * width
            s = int(state[e])
            v2 = (s & -s).bit_length() - 1
            eta = math.sqrt(8 * math.log(K) / (g * 2**v2 + 1))
            cum, probs = state[e + 9 : e + 9 + K], state[e + 9 + K : e + width]
            w = np.exp(-eta * (cum - cum.min()))
            np.testing.assert_allclose(probs, w / w.sum(), rtol=1e-12, atol=1e-15, err_msg=f"round {t}, copy of {s}")
            seen.add(s)
        tuner.update(arm, L[t])
    assert 256 in seen and 128 in seen


from olearn.learners import covering  # noqa: E402


@pytest.mark.parametrize("call, name", [
    (lambda: experts_adaptive.levels(0, None), "max_rounds"),
    (lambda: experts_adaptive.levels(64.0, None), "max_rounds"),
    (lambda: experts_adaptive.levels(True, None), "max_rounds"),
    (lambda: experts_adaptive.levels(64, 0), "horizon"),
    (lambda: experts_adaptive.levels(64, math.nan), "horizon"),
    (lambda: covering.capacity(0, 64), "g"),
    (lambda: covering.capacity(8.5, 64), "g"),
    (lambda: covering.capacity(8, -1), "n_rounds"),
    (lambda: covering.capacity(8, False), "n_rounds"),
    (lambda: covering.covering_params(0), "g"),
    (lambda: covering.covering_params(None), "g"),
])
def test_levels_and_covering_refuse_bad_input_by_name(call, name):
    with pytest.raises(olearn.ParameterError) as err:
        call()
    assert err.value.name == name and f"parameter '{name}'" in str(err.value), str(err.value)
    # L = floor(log2 T) + 1 = 7 levels for 64 rounds: (g // 2) L + 1 for even g, (g // 2 + 1) L for odd g
    assert (experts_adaptive.levels(64, None), experts_adaptive.levels(64, 200)) == (7, 8)
    assert (covering.capacity(8, 64), covering.capacity(3, 64)) == (29, 14)
