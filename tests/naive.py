"""Slow, obviously correct reference learners, written from the textbooks with NumPy.

Each takes ``loss(t, k)`` (the environment) and returns the actions and losses of every round.
Learners that sample consume the same counter-based draws as olearn's (stream, round, index),
so whole trajectories can be compared; everything else (indices, weights, normalisers) is
computed here independently: KL-UCB and Tsallis-INF by plain bisection instead of Newton.
"""
import math

import numpy as np

from olearn.core import rng


def _argmax_first(values):
    return int(np.flatnonzero(values == values.max())[0])


def ucb1(loss, k, horizon, c=2.0):
    n, s = np.zeros(k), np.zeros(k)
    actions, losses = [], []
    for t in range(horizon):
        if np.any(n == 0):
            a = int(np.flatnonzero(n == 0)[0])
        else:
            a = _argmax_first(s / n + np.sqrt(c * math.log(t + 1) / n))
        x = loss(t, a)
        n[a] += 1
        s[a] += 1 - x
        actions.append(a)
        losses.append(x)
    return np.array(actions), np.array(losses)


def _kl(p, q):
    out = 0.0
    if p > 0:
        out += p * math.log(p / q)
    if p < 1:
        out += (1 - p) * math.log((1 - p) / (1 - q))
    return out


def kl_index(p, bound):
    lo, hi = p, 1.0
    if bound <= 0:
        return p
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid >= 1.0 or _kl(p, mid) > bound:
            hi = mid
        else:
            lo = mid
    return lo


def kl_ucb(loss, k, horizon, c=0.0):
    n, s = np.zeros(k), np.zeros(k)
    actions, losses, indices = [], [], []
    for t in range(horizon):
        if np.any(n == 0):
            a = int(np.flatnonzero(n == 0)[0])
            idx = None
        else:
            explore = math.log(t + 1)
            if c > 0 and math.log(t + 1) > 1:
                explore += c * math.log(math.log(t + 1))
            idx = np.array([kl_index(min(max(s[i] / n[i], 0), 1), explore / n[i]) for i in range(k)])
            a = _argmax_first(idx)
        x = loss(t, a)
        n[a] += 1
        s[a] += 1 - x
        actions.append(a)
        losses.append(x)
        indices.append(idx)
    return np.array(actions), np.array(losses), indices


def epsilon_greedy(loss, k, horizon, epsilon=0.1, decay=False, seed=0):
    n, s = np.zeros(k), np.zeros(k)
    actions, losses = [], []
    for t in range(horizon):
        eps = min(1.0, epsilon * k / (t + 1)) if decay else epsilon
        if rng.uniform(seed, rng.LEARNER, t, 0) < eps:
            a = min(int(rng.uniform(seed, rng.LEARNER, t, 1) * k), k - 1)
        elif np.any(n == 0):
            a = int(np.flatnonzero(n == 0)[0])
        else:
            a = _argmax_first(s / n)
        x = loss(t, a)
        n[a] += 1
        s[a] += 1 - x
        actions.append(a)
        losses.append(x)
    return np.array(actions), np.array(losses)


def _draw(probs, seed, t):
    """Inversion sampling on the learner's stream (the same uniform olearn uses)."""
    u = rng.uniform(seed, rng.LEARNER, t, 0)
    cum = np.cumsum(probs)
    hits = np.flatnonzero((u < cum) & (probs > 0))
    return int(hits[0]) if hits.size else int(np.flatnonzero(probs > 0)[-1])


def exp3(loss, k, horizon, eta=None, seed=0):
    eta = math.sqrt(2 * math.log(k) / (horizon * k)) if eta is None else eta
    lhat = np.zeros(k)
    actions, losses, probs_seen = [], [], []
    for t in range(horizon):
        w = np.exp(-eta * (lhat - lhat.min()))
        p = w / w.sum()
        a = _draw(p, seed, t)
        x = loss(t, a)
        lhat[a] += x / p[a]
        actions.append(a)
        losses.append(x)
        probs_seen.append(p)
    return np.array(actions), np.array(losses), np.array(probs_seen)


def hedge(loss, k, horizon, eta=None, seed=0):
    eta = math.sqrt(8 * math.log(k) / horizon) if eta is None else eta
    cum = np.zeros(k)
    actions, losses, expected = [], [], []
    for t in range(horizon):
        w = np.exp(-eta * (cum - cum.min()))
        p = w / w.sum()
        a = _draw(p, seed, t)
        vec = np.array([loss(t, i) for i in range(k)])
        actions.append(a)
        losses.append(vec[a])
        expected.append(p @ vec)
        cum += vec
    return np.array(actions), np.array(losses), np.array(expected)


def tsallis_probs(lhat, eta):
    """p_i = 4 / (eta (L_i - x))^2 with sum p = 1, x found by bisection below min L."""
    lo, hi = lhat.min() - 2 * math.sqrt(len(lhat)) / eta - 1.0, lhat.min() - 1e-300
    total = lambda x: np.sum(4.0 / (eta * (lhat - x)) ** 2)  # noqa: E731
    for _ in range(300):
        mid = (lo + hi) / 2
        if total(mid) > 1:
            hi = mid
        else:
            lo = mid
    p = 4.0 / (eta * (lhat - (lo + hi) / 2)) ** 2
    return p / p.sum()


def tsallis_inf(loss, k, horizon, shift=0.0, normalize=False, seed=0):
    lhat = np.zeros(k)
    seen = []
    actions, losses, probs_seen = [], [], []
    for t in range(horizon):
        scale = max(np.mean(seen) - shift, 1e-12) if normalize and seen else 1.0
        p = tsallis_probs(lhat / scale, 2 / math.sqrt(t + 1))
        a = _draw(p, seed, t)
        x = loss(t, a)
        lhat[a] += (x - shift) / p[a]
        seen.append(x)
        actions.append(a)
        losses.append(x)
        probs_seen.append(p)
    return np.array(actions), np.array(losses), np.array(probs_seen)


def thompson(loss, k, horizon, seed=0):
    succ, fail = np.zeros(k), np.zeros(k)
    actions, losses = [], []
    for t in range(horizon):
        theta = np.array([rng.beta(seed, rng.LEARNER, t, i, 1 + succ[i], 1 + fail[i]) for i in range(k)])
        a = _argmax_first(theta)
        x = loss(t, a)
        r = min(max(1 - x, 0.0), 1.0)
        if r == 1.0 or (r > 0 and rng.uniform(seed, rng.LEARNER_UPDATE, t, 0) < r):
            succ[a] += 1
        else:
            fail[a] += 1
        actions.append(a)
        losses.append(x)
    return np.array(actions), np.array(losses)


def gaussian_thompson(loss, k, horizon, sigma=1.0, seed=0):
    n, s = np.zeros(k), np.zeros(k)
    actions, losses = [], []
    for t in range(horizon):
        theta = s / (n + 1) + sigma / np.sqrt(n + 1) * np.array([rng.normal(seed, rng.LEARNER, t, i) for i in range(k)])
        a = _argmax_first(theta)
        x = loss(t, a)
        n[a] += 1
        s[a] += 1 - x
        actions.append(a)
        losses.append(x)
    return np.array(actions), np.array(losses)
