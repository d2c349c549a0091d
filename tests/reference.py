"""Slow, obviously-correct reference learners and environments, written from the textbooks.

Nothing here calls an olearn kernel.  The only thing shared with olearn is the *source of
randomness*: learners that sample read the same counter-based draws
(``olearn.core.rng.uniform / beta / normal``, called with the same (seed, stream, t, index)
as the learner documents), so that whole trajectories can be compared action by action.
Everything else -- indices, weights, normalisers (bisection, never Newton), sampling by
inversion, delayed delivery -- is computed here independently with NumPy / plain Python.

A reference learner is an object with ``act(t) -> (arm, info)`` and
``update(s, arm, info, feedback)`` (``info`` is whatever the learner needs to remember from
its decision, e.g. the probability of the played arm; ``s`` is the round the feedback
belongs to).  :func:`play` drives one against ``loss(t, k)`` and returns the per-round
actions and losses; every learner also has a one-call helper (``ucb1(loss, K, T, ...)``).
"""
from __future__ import annotations

import math

import numpy as np

from olearn.core import rng

# ---------------------------------------------------------------- driver


def play(learner, loss, n_arms, horizon, full=False, delays=None):
    """Run ``learner`` for ``horizon`` rounds; feedback of round s reaches it at the end of round
    ``s + delays[s]`` (all events due at the same round in emission order; never after the horizon).

    Returns ``(actions, losses)`` as NumPy arrays (int, float).
    """
    pending = []  # [due, emission round, arm, info, feedback]
    actions = np.zeros(horizon, dtype=np.int64)
    losses = np.zeros(horizon)
    for t in range(horizon):
        arm, info = learner.act(t)
        assert 0 <= arm < n_arms
        x = float(loss(t, arm))
        feedback = np.array([float(loss(t, k)) for k in range(n_arms)]) if full else x
        actions[t], losses[t] = arm, x
        d = 0 if delays is None else int(delays[t])
        pending.append((t + d, t, arm, info, feedback))
        due_now = sorted((e for e in pending if e[0] == t), key=lambda e: e[1])
        pending = [e for e in pending if e[0] != t]
        for _, s, a, inf, fb in due_now:
            learner.update(s, a, inf, fb)
    return actions, losses


def drawn_expert(seed, t, p):
    """The expert an experts learner draws from p in round t: the inversion of its uniform (stream LEARNER, index 0),
    the last one if rounding leaves the uniform above the cumulative sum."""
    u = rng.uniform(seed, rng.LEARNER, t, 0)
    return int(min(np.searchsorted(np.cumsum(p), u, side="right"), len(p) - 1))


def _first_argmax(values):
    values = np.asarray(values, dtype=float)
    return int(np.flatnonzero(values == values.max())[0])


def _invert(u, probs):
    """Inverse-CDF sampling: the first arm whose cumulative probability exceeds u (arms with
    probability zero are never chosen; if rounding leaves u above the total, the last arm with
    positive probability)."""
    probs = np.asarray(probs, dtype=float)
    cum = 0.0
    for k, p in enumerate(probs):
        if p > 0:
            cum += p
            if u < cum:
                return k
    return int(np.flatnonzero(probs > 0)[-1])


# ---------------------------------------------------------------- index policies


class _Means:
    """Plays n[k] and summed rewards s[k] (reward = 1 - loss)."""

    def __init__(self, k):
        self.k = k
        self.n = np.zeros(k)
        self.s = np.zeros(k)

    def update(self, s, arm, info, feedback):
        self.n[arm] += 1
        self.s[arm] += 1.0 - feedback

    def unplayed(self):
        idx = np.flatnonzero(self.n == 0)
        return int(idx[0]) if idx.size else None


class UCB1(_Means):
    """Auer et al. (2002): argmax mean_k + sqrt(c ln(t+1) / n_k); unplayed arms first."""

    def __init__(self, k, c=2.0):
        super().__init__(k)
        self.c = c

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        return _first_argmax([self.s[k] / self.n[k] + math.sqrt(self.c * math.log(t + 1) / self.n[k]) for k in range(self.k)]), None


class DiscountedUCB(_Means):
    """Garivier and Moulines (2011): N_k and S_k discounted by gamma after every feedback; argmax
    S_k / N_k + 2 sqrt(xi ln(sum N) / N_k), arms with N_k = 0 (never played, or discounted to 0) first;
    gamma = 1 - sqrt(Upsilon / T) / 4."""

    def __init__(self, k, horizon, gamma=None, xi=0.6, breakpoints=1):
        super().__init__(k)
        self.gamma = gamma if gamma is not None else 1 - math.sqrt(min(breakpoints, horizon) / horizon) / 4
        self.xi = xi

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        n = self.n.sum()
        return _first_argmax(self.s / self.n + 2 * np.sqrt(self.xi * max(math.log(n), 0.0) / self.n)), None

    def update(self, s, arm, info, feedback):
        self.n *= self.gamma
        self.s *= self.gamma
        super().update(s, arm, info, feedback)


class SlidingWindowUCB(_Means):
    """Garivier and Moulines (2011): N_k, S_k over the last tau feedbacks; argmax S_k / N_k +
    sqrt(xi ln(sum N) / N_k), arms absent from the window first.  The sums are kept as olearn keeps
    them (the leaving feedback subtracted, then the new one added, so rounding agrees bit for bit) and
    checked against the window summed afresh after every feedback."""

    def __init__(self, k, tau=200, xi=0.6):
        super().__init__(k)
        self.tau, self.xi, self.window = tau, xi, []

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        n = self.n.sum()
        return _first_argmax(self.s / self.n + math.sqrt(self.xi) * np.sqrt(max(math.log(n), 0.0) / self.n)), None

    def update(self, s, arm, info, feedback):
        if len(self.window) == self.tau:
            old, r = self.window.pop(0)
            self.n[old] -= 1
            self.s[old] -= r
        self.window.append((arm, 1.0 - feedback))
        super().update(s, arm, info, feedback)
        for k in range(self.k):
            rewards = [r for a, r in self.window if a == k]
            assert self.n[k] == len(rewards) and abs(self.s[k] - sum(rewards)) < 1e-9


class MUCB:
    """Cao, Wen, Kveton and Xie (2019), Algorithm 1: rewards since the restart tau (the first round after the
    last alarm); round robin (arm (t - tau) mod floor(K / gamma)) while that is below K, else argmax
    mean + sqrt(2 ln(t - tau + 1) / n), unplayed arms first; after a feedback of round s, an arm with w
    rewards since tau alarms when its last w / 2 and the w / 2 before them differ in sum by more than b, and
    the alarm drops every arm's rewards (tau = s + 1); a delayed reward of a round s < tau is dropped.  Defaults
    b = sqrt(w ln(2 K T^2) / 2) and gamma = sqrt(breakpoints K min(w/2, ceil(b/delta) + 3 sqrt(w)) / (2T)), delta by default
    2 (sqrt(ln(2 K T^2)) + sqrt(ln(2T))) / sqrt(w) (Remark 1 solved for delta)."""

    def __init__(self, k, horizon, window=200, threshold=None, gamma=None, breakpoints=1, delta=None):
        self.k, self.w = k, window
        log_kt = math.log(2 * k * horizon**2)
        self.b = math.sqrt(window * log_kt / 2) if threshold is None else threshold
        if gamma is None:
            if delta is None:
                delta = 2 * (math.sqrt(log_kt) + math.sqrt(math.log(2 * horizon))) / math.sqrt(window)
            gamma = min(1.0, math.sqrt(breakpoints * k * min(window / 2, math.ceil(self.b / delta) + 3 * math.sqrt(window))
                                       / (2 * horizon)))
        self.period = math.floor(k / gamma) if gamma > k / 2.0**52 else 2**52
        self.tau, self.rewards = 0, [[] for _ in range(k)]

    def act(self, t):
        offset = max(t - self.tau, 0)
        if offset % self.period < self.k:
            return offset % self.period, None
        n = np.array([len(r) for r in self.rewards], dtype=float)
        if np.any(n == 0):
            return int(np.flatnonzero(n == 0)[0]), None
        return _first_argmax(self.index(np.array([sum(r) for r in self.rewards]) / n, n, offset)), None

    def index(self, means, n, offset):
        return means + np.sqrt(2.0 * math.log(offset + 1) / n)

    def update(self, s, arm, info, feedback):
        if s < self.tau:  # a delayed reward of a round before the restart
            return
        self.rewards[arm].append(1.0 - feedback)
        last = self.rewards[arm][-self.w:]
        if len(last) == self.w and abs(sum(last[self.w // 2:]) - sum(last[: self.w // 2])) > self.b:
            self.tau, self.rewards = s + 1, [[] for _ in range(self.k)]


class CUSUMUCB:
    """Liu, Lee and Shroff (2018), CD-UCB with two-sided CUSUM: with probability alpha a uniform arm (draws 0 and 1
    of the learner stream, as epsilon-greedy's), else argmax mean + sqrt(xi ln n / N) over each arm's rewards since
    its own last alarm (n = all of them), unplayed arms first.  After a reward, the test is recomputed from the
    arm's whole list: u_0 = the mean of the first M, then g+ and g- over the rest; either above h, after a reward
    of round s, drops that arm's list (its restart tau_a = s + 1); a delayed reward of the arm from a round before
    tau_a is dropped.  h = ln(T / breakpoints), alpha = sqrt(ln(T / breakpoints) / (T / breakpoints)) by default."""

    def __init__(self, k, horizon, samples=100, epsilon=0.05, threshold=None, alpha=None, breakpoints=1, xi=2.0, seed=0):
        ratio = horizon / breakpoints
        self.k, self.m, self.eps, self.xi, self.seed = k, samples, epsilon, xi, seed
        self.h = math.log(ratio) if threshold is None else threshold
        self.alpha = min(1.0, math.sqrt(math.log(ratio) / ratio)) if alpha is None else alpha
        self.rewards = [[] for _ in range(k)]
        self.tau = [0] * k
        self.alarms = []

    def act(self, t):
        if rng.uniform(self.seed, rng.LEARNER, t, 0) < self.alpha:
            return min(int(rng.uniform(self.seed, rng.LEARNER, t, 1) * self.k), self.k - 1), None
        n = np.array([len(r) for r in self.rewards], dtype=float)
        if np.any(n == 0):
            return int(np.flatnonzero(n == 0)[0]), None
        means = np.array([sum(r) for r in self.rewards]) / n
        return _first_argmax(means + np.sqrt(self.xi * math.log(n.sum()) / n)), None

    def update(self, s, arm, info, feedback):
        if s < self.tau[arm]:  # a delayed reward of a round before the arm's restart
            return
        y = self.rewards[arm]
        y.append(1.0 - feedback)
        if len(y) <= self.m:
            return
        u0 = sum(y[: self.m]) / self.m
        up = down = 0.0
        for v in y[self.m:]:
            up, down = max(0.0, up + v - u0 - self.eps), max(0.0, down + u0 - v - self.eps)
            if up > self.h or down > self.h:
                self.restart(s, arm)
                return

    def restart(self, s, arm):
        self.rewards[arm] = []
        self.tau[arm] = s + 1
        self.alarms.append(s)


class PHTUCB(CUSUMUCB):
    """The same with the Page-Hinkley test: the k-th reward since the restart is compared with the mean of the
    first k (itself included), from the first reward on."""

    def __init__(self, k, horizon, epsilon=0.05, threshold=None, alpha=None, breakpoints=1, xi=2.0, seed=0):
        super().__init__(k, horizon, 0, epsilon, threshold, alpha, breakpoints, xi, seed)

    def update(self, s, arm, info, feedback):
        if s < self.tau[arm]:
            return
        y = self.rewards[arm]
        y.append(1.0 - feedback)
        up = down = 0.0
        for j, v in enumerate(y):
            mean = sum(y[: j + 1]) / (j + 1)
            up, down = max(0.0, up + v - mean - self.eps), max(0.0, down + mean - v - self.eps)
            if up > self.h or down > self.h:
                self.restart(s, arm)
                return


class GLRklUCB:  # M-UCB's round robin and restarts, the kl-UCB index, the GLR test
    """Besson, Kaufmann, Maillard and Seznec (2022), GLR-klUCB with global restarts: with o = t - tau, arm o mod
    floor(K / alpha) while that is below K, else the kl-UCB index (bisection) with ln(o + 1) over the rewards since
    tau, unplayed arms first.  After each Delta_n-th reward of an arm, every split s = Delta_s, 2 Delta_s, ... < n of
    its list y: s kl(mean(y[:s]), mean(y)) + (n - s) kl(mean(y[s:]), mean(y)) >= ln(3 n^(3/2) / delta) (means clipped
    to [0, 1]) drops every arm's list (tau = s + 1).  delta = 1/sqrt(Upsilon T), alpha = sqrt(Upsilon ln T / T)."""

    def __init__(self, k, horizon, alpha=None, delta=None, breakpoints=1, test_every=1, split_every=1, capacity=None, seed=0):
        alpha = min(1.0, math.sqrt(breakpoints * math.log(horizon) / horizon)) if alpha is None else alpha
        self.delta = 1.0 / math.sqrt(breakpoints * horizon) if delta is None else delta
        self.period = math.floor(k / alpha) if alpha > k / 2.0**52 else 2**52
        self.k, self.every, self.split = k, test_every, split_every
        self.tau, self.rewards, self.alarms = 0, [[] for _ in range(k)], []

    act = MUCB.act

    def index(self, means, n, offset):
        return [kl_index(min(max(means[j], 0.0), 1.0), math.log(offset + 1) / n[j]) for j in range(self.k)]

    def update(self, s, arm, info, feedback):
        if s < self.tau:  # a delayed reward of a round before the restart
            return
        y = self.rewards[arm]
        y.append(1.0 - feedback)
        n = len(y)
        if n < 2 or n % self.every:
            return
        clip = lambda x: min(max(x, 0.0), 1.0)  # noqa: E731
        mean = clip(sum(y) / n)
        stat = max((j * bernoulli_kl(clip(sum(y[:j]) / j), mean) + (n - j) * bernoulli_kl(clip(sum(y[j:]) / (n - j)), mean)
                    for j in range(self.split, n, self.split)), default=0.0)
        if stat >= math.log(3 * n**1.5 / self.delta):
            self.tau, self.rewards = s + 1, [[] for _ in range(self.k)]
            self.alarms.append(s)


class MOSS(_Means):
    """Audibert and Bubeck (2009): argmax mean_k + sqrt(max(ln(T / (K n_k)), 0) / n_k); unplayed arms first."""

    def __init__(self, k, horizon):
        super().__init__(k)
        self.horizon = horizon

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        bonus = np.sqrt(np.maximum(np.log(self.horizon / (self.k * self.n)), 0.0) / self.n)
        return _first_argmax(self.s / self.n + bonus), None


def bernoulli_kl(p, q):
    out = 0.0
    if p > 0:
        out += p * math.log(p / q) if q > 0 else math.inf
    if p < 1:
        out += (1 - p) * math.log((1 - p) / (1 - q)) if q < 1 else math.inf
    return out


def kl_index(p, bound, tol=1e-12):
    """max {q in [p, 1] : kl(p, q) <= bound} by plain bisection (to ``tol``)."""
    if bound <= 0 or p >= 1:
        return p
    if bernoulli_kl(p, 1.0) <= bound:  # only when p == 1 (kl(p, 1) is infinite otherwise)
        return 1.0
    lo, hi = p, 1.0  # kl(p, lo) <= bound < kl(p, hi)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if mid == lo or mid == hi:
            break
        if bernoulli_kl(p, mid) <= bound:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


class KLUCB(_Means):
    """Garivier and Cappe (2011): argmax max{q : n_k kl(mean_k, q) <= ln(t+1) + c ln ln(t+1)}."""

    def __init__(self, k, c=0.0):
        super().__init__(k)
        self.c = c
        self.indices = []  # the indices of every round where all arms had been played

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        explore = math.log(t + 1)
        if self.c > 0 and math.log(t + 1) > 1:
            explore += self.c * math.log(math.log(t + 1))
        means = np.clip(self.s / self.n, 0.0, 1.0)
        idx = np.array([kl_index(means[k], explore / self.n[k]) for k in range(self.k)])
        self.indices.append(idx)
        return _first_argmax(idx), None


class KLUCBPlusPlus(MOSS):
    """Menard and Garivier (2017), KL-UCB++: argmax max{q : n_k kl(mean_k, q) <= log+(y (log+(y)^2 + 1))},
    y = T / (K n_k), the index by bisection; unplayed arms first (MOSS's counts and horizon, its own index)."""

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        index = []
        for k in range(self.k):
            y = self.horizon / (self.k * self.n[k])
            g = max(math.log(y * (max(math.log(y), 0.0) ** 2 + 1.0)), 0.0)
            index.append(kl_index(min(max(self.s[k] / self.n[k], 0.0), 1.0), g / self.n[k]))
        return _first_argmax(index), None


class IMED(_Means):
    """Honda and Takemura (2015): argmin_k n_k kl(mean_k, max_j mean_j) + ln n_k (means clipped to [0, 1]);
    unplayed arms first, ties to the lowest index.  kl(p, 1) = inf for p < 1 (see :func:`bernoulli_kl`)."""

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first, None
        means = np.clip(self.s / self.n, 0.0, 1.0)
        top = means.max()
        index = [self.n[k] * bernoulli_kl(means[k], top) + math.log(self.n[k]) for k in range(self.k)]
        return int(np.flatnonzero(np.asarray(index) == min(index))[0]), None


class UCBV:
    """Audibert, Munos and Szepesvari (2009): argmax mean_k + sqrt(2 V_k E / n_k) + 3 c b E / n_k, E = zeta ln(t+1),
    V_k the (biased) empirical variance of arm k's rewards, two-pass from the list of its rewards; unplayed arms first."""

    def __init__(self, k, zeta=1.2, c=1.0, scale=1.0):
        self.rewards = [[] for _ in range(k)]
        self.zeta, self.c, self.scale = zeta, c, scale

    def act(self, t):
        for k, r in enumerate(self.rewards):
            if not r:
                return k, None
        e = self.zeta * math.log(t + 1)
        index = []
        for r in self.rewards:  # correctly rounded sums: arms with the same rewards in any order tie exactly
            n = len(r)
            mean = math.fsum(r) / n
            var = math.fsum((x - mean) ** 2 for x in r) / n
            index.append(mean + math.sqrt(2 * var * e / n) + 3 * self.c * self.scale * e / n)
        return _first_argmax(index), None

    def update(self, s, arm, info, feedback):
        self.rewards[arm].append(1.0 - feedback)


class UCBTuned:
    """Auer, Cesa-Bianchi and Fischer (2002), UCB1-TUNED: argmax mean_k + sqrt(ln n / n_k min(1/4, V_k)),
    V_k = (1/n_k) sum r^2 - mean_k^2 + sqrt(2 ln n / n_k), n the plays so far (at least 1 in the log); unplayed arms
    first; sums correctly rounded, from the list of each arm's rewards."""

    def __init__(self, k):
        self.rewards = [[] for _ in range(k)]

    def act(self, t):
        for k, r in enumerate(self.rewards):
            if not r:
                return k, None
        log_n = math.log(max(t, 1))
        index = []
        for r in self.rewards:
            n = len(r)
            mean = math.fsum(r) / n
            v = math.fsum(x * x for x in r) / n - mean * mean + math.sqrt(2 * log_n / n)
            index.append(mean + math.sqrt(log_n / n * min(0.25, v)))
        return _first_argmax(index), None

    def update(self, s, arm, info, feedback):
        self.rewards[arm].append(1.0 - feedback)


class SuccessiveElimination(_Means):
    """Even-Dar, Mannor and Mansour (2006), as Slivkins (2019, section 1.3) writes it for regret: play the active arms
    in turn (fewest plays first, lowest index); after each reward, once every active arm has been played, drop those
    with mean_k + r(n_k) < max_j (mean_j - r(n_j)), r(n) = sqrt(2 ln T / n)."""

    def __init__(self, k, horizon):
        super().__init__(k)
        self.active = np.ones(k, dtype=bool)
        self.log_t = math.log(horizon)

    def act(self, t):
        live = np.flatnonzero(self.active)
        return int(live[np.argmin(self.n[live])]), None

    def update(self, s, arm, info, feedback):
        super().update(s, arm, info, feedback)
        live = np.flatnonzero(self.active)
        if np.all(self.n[live] > 0):
            n = self.n[live]
            r = np.sqrt(2 * self.log_t / n)
            means = self.s[live] / n
            self.active[live[means + r < (means - r).max()]] = False


class BayesUCB(_Means):
    """Kaufmann, Cappe and Garivier (2012): argmax_k of the upper 1/((t+1) max(ln T, 1)^c) quantile of
    Beta(1 + S_k, 1 + n_k - S_k) (SciPy's), rewards clipped to [0, 1]; unplayed arms first."""

    def __init__(self, k, horizon, c=0.0):
        super().__init__(k)
        self.scale = max(math.log(horizon), 1.0) ** c

    def act(self, t):
        from scipy import stats

        first = self.unplayed()
        if first is not None:
            return first, None
        delta = 1.0 / ((t + 1) * self.scale)
        return _first_argmax([stats.beta.isf(delta, 1 + s, 1 + n - s) for n, s in zip(self.n, self.s)]), None

    def update(self, s, arm, info, feedback):
        self.n[arm] += 1
        self.s[arm] += min(max(1.0 - feedback, 0.0), 1.0)


class ExploreThenCommit(_Means):
    """Lattimore and Szepesvari (2020), ch. 6: arm t mod K while t < m K, then the best empirical mean, chosen at
    the first such round at which every arm has feedback and kept (arms without feedback are played first)."""

    def __init__(self, k, horizon, m=None):
        super().__init__(k)
        self.m = m if m is not None else max(1, math.ceil((horizon / k) ** (2.0 / 3.0)))
        self.commit = None

    def act(self, t):
        if t < self.m * self.k:
            return t % self.k, None
        if self.commit is None:
            first = self.unplayed()
            if first is not None:
                return first, None
            self.commit = _first_argmax(self.s / self.n)
        return self.commit, None


class EpsilonGreedy(_Means):
    """With probability eps_t (eps, or min(1, eps K / (t+1)) when decaying) a uniform arm
    (draw 0 decides, draw 1 picks the arm, stream LEARNER), else the best empirical mean."""

    def __init__(self, k, epsilon=0.1, decay=False, seed=0):
        super().__init__(k)
        self.epsilon, self.decay, self.seed = epsilon, decay, seed

    def act(self, t):
        eps = min(1.0, self.epsilon * self.k / (t + 1)) if self.decay else self.epsilon
        if rng.uniform(self.seed, rng.LEARNER, t, 0) < eps:
            return min(int(math.floor(rng.uniform(self.seed, rng.LEARNER, t, 1) * self.k)), self.k - 1), None
        first = self.unplayed()
        if first is not None:
            return first, None
        return _first_argmax(self.s / self.n), None


# ---------------------------------------------------------------- weights


def exp_weights(cum_loss, eta):
    """p proportional to exp(-eta L) (computed in log space for stability)."""
    z = -eta * np.asarray(cum_loss, dtype=float)
    w = np.exp(z - z.max())
    return w / w.sum()


def tsallis_probs(cum_loss, eta, tol=1e-15):
    """p_i = 4 / (eta (L_i - x))^2 normalised, x < min L found by bisection on sum_i p_i(x) = 1."""
    L = np.asarray(cum_loss, dtype=float)
    k = L.size
    total = lambda x: np.sum(4.0 / (eta * (L - x)) ** 2)  # noqa: E731
    hi = L.min() - 2.0 / eta  # the minimal arm alone contributes 1: total >= 1
    lo = L.min() - 2.0 * math.sqrt(k) / eta  # every term <= 1/K: total <= 1
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi or hi - lo <= tol * (1 + abs(mid)):
            break
        if total(mid) > 1.0:
            hi = mid
        else:
            lo = mid
    x = 0.5 * (lo + hi)
    w = 4.0 / (eta * (L - x)) ** 2
    return w / w.sum()


class EXP3:
    """Auer et al. (2002), loss form: p ∝ exp(-eta Lhat), Lhat_a += loss / p_a."""

    def __init__(self, k, horizon, eta=None, seed=0):
        self.k, self.seed = k, seed
        self.eta = eta if eta is not None else math.sqrt(2 * math.log(k) / (horizon * k))
        self.L = np.zeros(k)
        self.probs = []

    def act(self, t):
        p = exp_weights(self.L, self.eta)
        self.probs.append(p)
        a = _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), p)
        return a, p[a]

    def update(self, s, arm, p_arm, feedback):
        self.L[arm] += feedback / p_arm


class EXP3S:
    """Auer et al. (2002), Exp3.S in their reward form, weights as written (w_k = 1 at the start):
    p = (1 - gamma) w / W + gamma / K; w_a *= exp(gamma x / (p_a K)); w_k += e alpha W / K."""

    def __init__(self, k, horizon, gamma=None, alpha=None, switches=1, seed=0):
        self.k, self.seed = k, seed
        self.alpha = alpha if alpha is not None else 1.0 / horizon
        self.gamma = gamma if gamma is not None else min(
            1.0, math.sqrt(k * (switches * math.log(k * horizon) + math.e) / ((math.e - 1) * horizon)))
        self.w = np.ones(k)

    def act(self, t):
        p = (1 - self.gamma) * self.w / self.w.sum() + self.gamma / self.k
        a = _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), p)
        return a, p[a]

    def update(self, s, arm, p_arm, feedback):
        total = self.w.sum()
        self.w[arm] *= math.exp(self.gamma * (1.0 - feedback) / (p_arm * self.k))
        self.w += math.e * self.alpha * total / self.k


class REXP3(EXP3S):
    """Besbes, Gur and Zeevi (2014): Exp3 (Exp3.S with alpha = 0) restarted with w_k = 1 at the start of every batch
    of Delta rounds, Delta = ceil((K ln K)^(1/3) (T / V_T)^(2/3)) (within [1, T]), gamma = min(1, sqrt(K ln K /
    ((e - 1) Delta))); feedback emitted in an earlier batch than the current one is ignored."""

    def __init__(self, k, horizon, variation=1.0, batch=None, gamma=None, seed=0):
        if batch is None:
            batch = int(min(horizon, max(1, math.ceil((k * math.log(k)) ** (1 / 3) * (horizon / variation) ** (2 / 3)))))
        if gamma is None:
            gamma = min(1.0, math.sqrt(k * math.log(k) / ((math.e - 1) * batch)))
        super().__init__(k, horizon, gamma=gamma, alpha=0.0, seed=seed)
        self.batch, self.current = batch, 0

    def act(self, t):
        if t // self.batch != self.current:
            self.current = t // self.batch
            self.w = np.ones(self.k)
        return super().act(t)

    def update(self, s, arm, p_arm, feedback):
        if s // self.batch == self.current:
            super().update(s, arm, p_arm, feedback)


class AdaNormalHedge:
    """Luo and Schapire (2015), from the paper: p ∝ (Phi(R + 1, C + 1) - Phi(R - 1, C + 1)) / 2 over the awake experts
    (every expert when ``awake`` is None), Phi(R, C) = exp([R]_+^2 / 3C) evaluated directly, uniform over them while
    those weights are all 0; after the round r_i = <p, l> - l_i for the awake experts, R += r, C += |r|."""

    def __init__(self, k):
        self.R, self.C = np.zeros(k), np.zeros(k)

    def weights(self, awake=None):
        awake = np.ones(self.R.size, dtype=bool) if awake is None else np.asarray(awake, dtype=bool)
        phi = lambda r: np.exp(np.maximum(r, 0.0) ** 2 / (3.0 * (self.C + 1.0)))  # noqa: E731
        w = np.where(awake, (phi(self.R + 1.0) - phi(self.R - 1.0)) / 2.0, 0.0)
        return w / w.sum() if w.sum() > 0.0 else awake / awake.sum()

    def update(self, w, losses, awake=None):
        losses = np.asarray(losses, dtype=float)
        r = w @ losses - losses
        if awake is not None:
            r = np.where(awake, r, 0.0)
        self.R += r
        self.C += np.abs(r)


class EXP3P:
    """Auer et al. (2002), Exp3.P with weights as written: w_k = exp(alpha gamma / 3 sqrt(T / K)) at the start,
    p = (1 - gamma) w / W + gamma / K, w_k *= exp(gamma / (3K) (xhat_k + alpha / (p_k sqrt(K T)))) for every k."""

    def __init__(self, k, horizon, gamma=None, alpha=None, delta=0.01, seed=0):
        self.k, self.seed, self.root_kt = k, seed, math.sqrt(k * horizon)
        self.gamma = gamma if gamma is not None else (
            min(3 / 5, 2 * math.sqrt(3 * k * math.log(k) / (5 * horizon))) if k > 1 else 3 / 5)
        self.alpha = alpha if alpha is not None else 2 * math.sqrt(math.log(k * horizon / delta))
        self.w = np.full(k, math.exp(self.alpha * self.gamma / 3 * math.sqrt(horizon / k)))

    def act(self, t):
        p = (1 - self.gamma) * self.w / self.w.sum() + self.gamma / self.k
        return _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), p), p

    def update(self, s, arm, p, feedback):
        xhat = np.zeros(self.k)
        xhat[arm] = (1.0 - feedback) / p[arm]
        self.w = self.w * np.exp(self.gamma / (3 * self.k) * (xhat + self.alpha / (p * self.root_kt)))


class EXP3IX(EXP3):
    """Neu (2015): EXP3 with Lhat_a += loss / (p_a + gamma), eta = sqrt(2 ln K / (T K)), gamma = eta / 2."""

    def __init__(self, k, horizon, eta=None, gamma=None, seed=0):
        super().__init__(k, horizon, eta, seed)
        self.gamma = gamma if gamma is not None else self.eta / 2

    def update(self, s, arm, p_arm, feedback):
        self.L[arm] += feedback / (p_arm + self.gamma)


class TsallisINF:
    """Zimmert and Seldin (2021), alpha = 1/2, eta_t = 2 / sqrt(t+1); optional loss shift and
    normalisation of the estimates by (running mean loss - shift) while that is positive."""

    def __init__(self, k, shift=0.0, normalize=False, seed=0):
        self.k, self.shift, self.normalize, self.seed = k, shift, normalize, seed
        self.L = np.zeros(k)
        self.loss_sum = 0.0
        self.loss_count = 0
        self.probs = []

    def act(self, t):
        scale = 1.0
        if self.normalize and self.loss_count > 0 and self.loss_sum / self.loss_count > self.shift:
            scale = self.loss_sum / self.loss_count - self.shift
        p = tsallis_probs(self.L / scale, 2.0 / math.sqrt(t + 1))
        self.probs.append(p)
        a = _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), p)
        return a, p[a]

    def update(self, s, arm, p_arm, feedback):
        self.L[arm] += (feedback - self.shift) / p_arm
        self.loss_sum += feedback
        self.loss_count += 1


class Hedge:
    """Freund and Schapire (1997): p ∝ exp(-eta L), L += loss vector, eta = sqrt(8 ln K / T)."""

    def __init__(self, k, horizon, eta=None, seed=0):
        self.k, self.seed = k, seed
        self.eta = eta if eta is not None else math.sqrt(8 * math.log(k) / horizon)
        self.L = np.zeros(k)
        self.probs = []

    def act(self, t):
        p = exp_weights(self.L, self.eta)
        self.probs.append(p)
        return _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), p), None

    def update(self, s, arm, info, feedback):
        self.L += feedback


class FixedShare:
    """Herbster and Warmuth (1998) as in Cesa-Bianchi and Lugosi (2006), section 5.2: w uniform at the start;
    v = w exp(-eta l), w = alpha / K + (1 - alpha) v / sum v; alpha = m / (T - 1), eta = sqrt(8 B / T) with
    B = (m + 1) ln K + (T - 1) H(alpha)."""

    def __init__(self, k, horizon, eta=None, alpha=None, switches=1, seed=0):
        self.k, self.seed = k, seed
        m = min(switches, horizon - 1)
        rate = m / (horizon - 1) if horizon > 1 else 0.0
        self.alpha = alpha if alpha is not None else rate
        entropy = 0.0 if rate in (0.0, 1.0) else -rate * math.log(rate) - (1 - rate) * math.log(1 - rate)
        self.eta = eta if eta is not None else math.sqrt(8 * ((m + 1) * math.log(k) + (horizon - 1) * entropy) / horizon)
        self.w = np.full(k, 1.0 / k)

    def act(self, t):
        return _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), self.w), None

    def update(self, s, arm, info, feedback):
        v = self.w * np.exp(-self.eta * np.asarray(feedback))
        self.w = self.alpha / self.k + (1 - self.alpha) * v / v.sum()


class AdaHedge:
    """de Rooij, van Erven, Grünwald and Koolen (2014): eta_t = ln K / Delta_{t-1} (infinite at Delta = 0,
    where the weights are uniform on the leaders); delta_t = h_t - m_t with h_t = w . l and the mix
    loss m_t = -(1/eta) ln(w . exp(-eta l)) (min of l over the leaders at infinite eta); Delta_t = Delta_{t-1} + delta_t."""

    def __init__(self, k, seed=0):
        self.k, self.seed = k, seed
        self.L, self.gap, self.gaps, self.hedge_losses = np.zeros(k), 0.0, [], []

    def _weights(self):
        if self.gap == 0.0:
            leaders = self.L == self.L.min()
            return leaders / leaders.sum(), math.inf
        eta = math.log(self.k) / self.gap
        return exp_weights(self.L, eta), eta

    def act(self, t):
        w, _ = self._weights()
        return _invert(rng.uniform(self.seed, rng.LEARNER, t, 0), w), None

    def update(self, s, arm, info, feedback):
        w, eta = self._weights()
        h = float(w @ feedback)
        m = feedback[w > 0].min() if eta == math.inf else -math.log(float(w @ np.exp(-eta * feedback))) / eta
        self.gap += max(h - m, 0.0)
        self.gaps.append(self.gap)
        self.hedge_losses.append(h)
        self.L += feedback


# ---------------------------------------------------------------- Thompson sampling


class Thompson:
    """Beta(1, 1) prior; theta_k = rng.beta(seed, LEARNER, t, k, 1 + S_k, 1 + F_k); a reward
    r = 1 - loss counts as a success with probability r (draw 0 of stream LEARNER_UPDATE at the
    feedback's round)."""

    def __init__(self, k, seed=0):
        self.k, self.seed = k, seed
        self.S = np.zeros(k)
        self.F = np.zeros(k)

    def act(self, t):
        theta = [rng.beta(self.seed, rng.LEARNER, t, k, 1.0 + self.S[k], 1.0 + self.F[k]) for k in range(self.k)]
        return _first_argmax(theta), None

    def update(self, s, arm, info, feedback):
        r = min(max(1.0 - feedback, 0.0), 1.0)
        if r == 1.0 or (r > 0.0 and rng.uniform(self.seed, rng.LEARNER_UPDATE, s, 0) < r):
            self.S[arm] += 1
        else:
            self.F[arm] += 1


class DiscountedThompson(Thompson):
    """Raj and Kalyani (2017): Thompson sampling on S_k, F_k discounted by gamma after every feedback, then the
    Bernoulli(r) trial; gamma = 1 - sqrt(Upsilon / T) / 4 by default."""

    def __init__(self, k, horizon, gamma=None, breakpoints=1, seed=0):
        super().__init__(k, seed)
        self.gamma = gamma if gamma is not None else 1 - math.sqrt(min(breakpoints, horizon) / horizon) / 4

    def update(self, s, arm, info, feedback):
        self.S *= self.gamma
        self.F *= self.gamma
        super().update(s, arm, info, feedback)


class GaussianThompson(_Means):
    """theta_k = S_k / (n_k + 1) + sigma / sqrt(n_k + 1) * rng.normal(seed, LEARNER, t, k)."""

    def __init__(self, k, sigma=1.0, seed=0):
        super().__init__(k)
        self.sigma, self.seed = sigma, seed

    def act(self, t):
        theta = [
            self.s[k] / (self.n[k] + 1) + self.sigma / math.sqrt(self.n[k] + 1) * rng.normal(self.seed, rng.LEARNER, t, k)
            for k in range(self.k)
        ]
        return _first_argmax(theta), None


# ---------------------------------------------------------------- one-call helpers


def ucb1(loss, k, horizon, c=2.0, seed=0, delays=None):
    return play(UCB1(k, c), loss, k, horizon, delays=delays)


def kl_ucb(loss, k, horizon, c=0.0, seed=0, delays=None):
    return play(KLUCB(k, c), loss, k, horizon, delays=delays)


def kl_ucb_pp(loss, k, horizon, seed=0, delays=None):
    return play(KLUCBPlusPlus(k, horizon), loss, k, horizon, delays=delays)


def imed(loss, k, horizon, seed=0, delays=None):
    return play(IMED(k), loss, k, horizon, delays=delays)


def ucb_v(loss, k, horizon, zeta=1.2, c=1.0, scale=1.0, seed=0, delays=None):
    return play(UCBV(k, zeta, c, scale), loss, k, horizon, delays=delays)


def ucb_tuned(loss, k, horizon, seed=0, delays=None):
    return play(UCBTuned(k), loss, k, horizon, delays=delays)


def successive_elimination(loss, k, horizon, seed=0, delays=None):
    return play(SuccessiveElimination(k, horizon), loss, k, horizon, delays=delays)


def bayes_ucb(loss, k, horizon, c=0.0, seed=0, delays=None):
    return play(BayesUCB(k, horizon, c), loss, k, horizon, delays=delays)


def epsilon_greedy(loss, k, horizon, epsilon=0.1, decay=False, seed=0, delays=None):
    return play(EpsilonGreedy(k, epsilon, decay, seed), loss, k, horizon, delays=delays)


def explore_then_commit(loss, k, horizon, m=None, seed=0, delays=None):
    return play(ExploreThenCommit(k, horizon, m), loss, k, horizon, delays=delays)


def moss(loss, k, horizon, seed=0, delays=None):
    return play(MOSS(k, horizon), loss, k, horizon, delays=delays)


def exp3_ix(loss, k, horizon, eta=None, gamma=None, seed=0, delays=None):
    return play(EXP3IX(k, horizon, eta, gamma, seed), loss, k, horizon, delays=delays)


def exp3s(loss, k, horizon, gamma=None, alpha=None, switches=1, seed=0, delays=None):
    return play(EXP3S(k, horizon, gamma, alpha, switches, seed), loss, k, horizon, delays=delays)


def rexp3(loss, k, horizon, variation=1.0, batch=None, gamma=None, seed=0, delays=None):
    return play(REXP3(k, horizon, variation, batch, gamma, seed), loss, k, horizon, delays=delays)


def exp3(loss, k, horizon, eta=None, seed=0, delays=None):
    return play(EXP3(k, horizon, eta, seed), loss, k, horizon, delays=delays)


def sliding_window_ucb(loss, k, horizon, tau=200, xi=0.6, seed=0, delays=None):
    return play(SlidingWindowUCB(k, tau, xi), loss, k, horizon, delays=delays)


def discounted_ucb(loss, k, horizon, gamma=None, xi=0.6, breakpoints=1, seed=0, delays=None):
    return play(DiscountedUCB(k, horizon, gamma, xi, breakpoints), loss, k, horizon, delays=delays)


def m_ucb(loss, k, horizon, window=200, threshold=None, gamma=None, breakpoints=1, delta=None, seed=0, delays=None):
    return play(MUCB(k, horizon, window, threshold, gamma, breakpoints, delta), loss, k, horizon, delays=delays)


def cusum_ucb(loss, k, horizon, samples=100, epsilon=0.05, threshold=None, alpha=None, breakpoints=1, xi=2.0, seed=0, delays=None):
    return play(CUSUMUCB(k, horizon, samples, epsilon, threshold, alpha, breakpoints, xi, seed), loss, k, horizon, delays=delays)


def pht_ucb(loss, k, horizon, epsilon=0.05, threshold=None, alpha=None, breakpoints=1, xi=2.0, seed=0, delays=None):
    return play(PHTUCB(k, horizon, epsilon, threshold, alpha, breakpoints, xi, seed), loss, k, horizon, delays=delays)


def glr_klucb(loss, k, horizon, alpha=None, delta=None, breakpoints=1, test_every=1, split_every=1, capacity=None, seed=0,
              delays=None):
    return play(GLRklUCB(k, horizon, alpha, delta, breakpoints, test_every, split_every, capacity), loss, k, horizon, delays=delays)


def tsallis_inf(loss, k, horizon, shift=0.0, normalize=False, seed=0, delays=None):
    return play(TsallisINF(k, shift, normalize, seed), loss, k, horizon, delays=delays)


def exp3_p(loss, k, horizon, gamma=None, alpha=None, delta=0.01, seed=0, delays=None):
    return play(EXP3P(k, horizon, gamma, alpha, delta, seed), loss, k, horizon, delays=delays)


def fixed_share(loss, k, horizon, eta=None, alpha=None, switches=1, seed=0, delays=None):
    return play(FixedShare(k, horizon, eta, alpha, switches, seed), loss, k, horizon, full=True, delays=delays)


def hedge(loss, k, horizon, eta=None, seed=0, delays=None):
    return play(Hedge(k, horizon, eta, seed), loss, k, horizon, full=True, delays=delays)


def adahedge(loss, k, horizon, seed=0, delays=None):
    return play(AdaHedge(k, seed), loss, k, horizon, full=True, delays=delays)


def thompson(loss, k, horizon, seed=0, delays=None):
    return play(Thompson(k, seed), loss, k, horizon, delays=delays)


def discounted_thompson(loss, k, horizon, gamma=None, breakpoints=1, seed=0, delays=None):
    return play(DiscountedThompson(k, horizon, gamma, breakpoints, seed), loss, k, horizon, delays=delays)


def gaussian_thompson(loss, k, horizon, sigma=1.0, seed=0, delays=None):
    return play(GaussianThompson(k, sigma, seed), loss, k, horizon, delays=delays)


#: registered learner name -> reference helper
LEARNERS = {
    "ucb1": ucb1,
    "moss": moss,
    "explore_then_commit": explore_then_commit,
    "exp3_ix": exp3_ix,
    "discounted_ucb": discounted_ucb,
    "sliding_window_ucb": sliding_window_ucb,
    "exp3s": exp3s,
    "rexp3": rexp3,
    "m_ucb": m_ucb,
    "cusum_ucb": cusum_ucb,
    "pht_ucb": pht_ucb,
    "glr_klucb": glr_klucb,
    "kl_ucb": kl_ucb,
    "imed": imed,
    "ucb_v": ucb_v,
    "bayes_ucb": bayes_ucb,
    "epsilon_greedy": epsilon_greedy,
    "exp3": exp3,
    "tsallis_inf": tsallis_inf,
    "hedge": hedge,
    "fixed_share": fixed_share,
    "exp3_p": exp3_p,
    "adahedge": adahedge,
    "thompson": thompson,
    "gaussian_thompson": gaussian_thompson,
    "ucb_tuned": ucb_tuned,
    "successive_elimination": successive_elimination,
    "kl_ucb_pp": kl_ucb_pp,
    "discounted_thompson": discounted_thompson,
}


def reference_run(name, params, loss, k, horizon, seed, delays=None):
    """The reference trajectory of learner ``name`` with olearn-style ``params`` (no n_arms)."""
    params = {key: v for key, v in params.items() if key != "n_arms"}
    return LEARNERS[name](loss, k, horizon, seed=seed, delays=delays, **params)


# ---------------------------------------------------------------- adaptive loss sequences for experts


def expert_adversary(kind, n_experts, rounds, seed):
    """A loss sequence chooser: loss(t, w) -> l_t in [0, 1]^K, given the weights the learner plays."""
    draw = np.random.default_rng(seed)
    if kind == "random":
        return lambda t, w: draw.random(n_experts)
    if kind == "binary":
        means = np.linspace(0.2, 0.8, n_experts)
        return lambda t, w: (draw.random(n_experts) < means).astype(float)
    if kind == "switching":  # expert 0 best for the first half, then the last expert, noise on top
        return lambda t, w: np.clip(0.5 + 0.15 * draw.standard_normal(n_experts)
                                    - 0.4 * (np.arange(n_experts) == (0 if t < rounds // 2 else n_experts - 1)), 0.0, 1.0)
    # adaptive: the expert of largest weight loses 1, the others 0
    return lambda t, w: (np.arange(n_experts) == np.argmax(w)).astype(float)


# ---------------------------------------------------------------- environments, from their documentation


def env_loss(env, seed):
    """``loss(t, k)`` of ``env`` (an olearn Environment) for ``seed``, rewritten from its documented law."""
    v, name = env.values, env.name
    u = lambda t, k: rng.uniform(seed, rng.ENV, t, k)  # noqa: E731
    if name == "bernoulli":
        means = np.asarray(v["means"], dtype=float)
        return lambda t, k: 0.0 if u(t, k) < means[k] else 1.0
    if name == "gaussian":
        means = np.asarray(v["means"], dtype=float)
        return lambda t, k: 1.0 - means[k] - v["sigma"] * rng.normal(seed, rng.ENV, t, k)
    if name == "piecewise_bernoulli":
        means = np.asarray(v["means"], dtype=float)
        cps = list(np.asarray(v["change_points"]))

        def seg(t):
            return sum(1 for c in cps if t >= c)

        return lambda t, k: 0.0 if u(t, k) < means[seg(t), k] else 1.0
    if name == "loss_matrix":
        m = np.asarray(v["losses"], dtype=float)
        return lambda t, k: float(m[t, k])
    return lambda t, k: _adversarial_loss(env, seed, t, k)


def good_arm(env, seed):
    """The hidden good arm of lower_bound / experts: floor(u K) with u = uniform(seed, ENV, 0, 2^32)."""
    k = env.n_actions
    return min(int(math.floor(rng.uniform(seed, rng.ENV, 0, 2**32) * k)), k - 1)


def _adversarial_loss(env, seed, t, k):
    v, name = env.values, env.name
    u = rng.uniform(seed, rng.ENV, t, k)
    if name == "switching":
        best = (t // v["period"]) % v["n_arms"]
        mean = 0.5 - v["gap"] if k == best else 0.5
        return 1.0 if u < mean else 0.0
    if name == "lower_bound":
        mean = 0.5 - v["gap"] if k == good_arm(env, seed) else 0.5
        return 1.0 if u < mean else 0.0
    if name == "experts":
        return u * (1 - 2 * v["gap"]) if k == good_arm(env, seed) else u
    raise KeyError(name)


def env_mean_loss(env, seed):
    """``mean(t, k)``: the expected loss of arm k at round t (``None`` for loss matrices)."""
    v, name = env.values, env.name
    if name in ("bernoulli", "gaussian"):
        means = np.asarray(v["means"], dtype=float)
        return lambda t, k: 1.0 - means[k]
    if name == "piecewise_bernoulli":
        means = np.asarray(v["means"], dtype=float)
        cps = list(np.asarray(v["change_points"]))
        return lambda t, k: 1.0 - means[sum(1 for c in cps if t >= c), k]
    if name == "switching":
        return lambda t, k: 0.5 - v["gap"] if k == (t // v["period"]) % v["n_arms"] else 0.5
    if name in ("lower_bound", "experts"):
        g = good_arm(env, seed)
        return lambda t, k: 0.5 - v["gap"] if k == g else 0.5
    return None


# ---------------------------------------------------------------- linear contextual bandits


class LinUCB:
    """Disjoint LinUCB (Li, Chu, Langford and Schapire, WWW 2010, Algorithm 1), recomputed from
    scratch every round: A_a = lam I + sum x x', b_a = sum r x (r = 1 - loss), theta_a = inv(A_a) b_a,
    index theta_a . x + alpha sqrt(x' inv(A_a) x), first argmax.  Features: the context, then a 1
    when ``intercept`` (or when there is no context)."""

    def __init__(self, k, d, alpha=1.0, lam=1.0, intercept=True):
        self.d, self.intercept = d, intercept or d == 0
        m = d + 1 if self.intercept else d
        self.alpha = alpha
        self.A = np.array([lam * np.eye(m) for _ in range(k)])
        self.b = np.zeros((k, m))

    def features(self, x):
        x = np.asarray(x, dtype=float)[: self.d]
        return np.append(x, 1.0) if self.intercept else x

    def index(self, x):
        x = self.features(x)
        out = []
        for A, b in zip(self.A, self.b):
            inv = np.linalg.inv(A)
            out.append(float((inv @ b) @ x + self.alpha * math.sqrt(max(float(x @ inv @ x), 0.0))))
        return np.array(out)

    def act(self, x):
        return _first_argmax(self.index(x))

    def update(self, x, arm, loss):
        x = self.features(x)
        self.A[arm] += np.outer(x, x)
        self.b[arm] += (1.0 - loss) * x


class LinTS(LinUCB):
    """Linear Thompson sampling (Agrawal and Goyal, ICML 2013) with one model per arm: the sample
    x . theta~_a, theta~_a ~ N(inv(A_a) b_a, v^2 inv(A_a)), is N(x . theta_a, v^2 x' inv(A_a) x), drawn
    from z_a = rng.normal(seed, LEARNER, t, a); first argmax.  ``act(x, t)`` takes the round."""

    def __init__(self, k, d, v=0.5, lam=1.0, intercept=True, seed=0):
        super().__init__(k, d, alpha=0.0, lam=lam, intercept=intercept)
        self.v, self.seed = v, seed

    def act(self, x, t):
        x = self.features(x)
        out = []
        for a, (A, b) in enumerate(zip(self.A, self.b)):
            inv = np.linalg.inv(A)
            z = rng.normal(self.seed, rng.LEARNER, t, a)
            out.append(float((inv @ b) @ x + self.v * math.sqrt(max(float(x @ inv @ x), 0.0)) * z))
        return _first_argmax(out)


class SquareCB(LinUCB):
    """SquareCB (Foster and Rakhlin, ICML 2020, Algorithm 1) over per-arm ridge regressions recomputed from
    scratch: yhat_a = 1 - inv(A_a) b_a . x, b the first argmin, p_a = 1 / (K + gamma_t (yhat_a - yhat_b)) for
    a != b and the rest on b, gamma_t = gamma_scale sqrt(t + 1); the arm is the first with u < p_0 + ... + p_a,
    u = rng.uniform(seed, LEARNER, t, 0).  ``act(x, t)`` returns (arm, its probability)."""

    def __init__(self, k, d, gamma_scale=10.0, lam=1.0, intercept=True, seed=0):
        super().__init__(k, d, alpha=0.0, lam=lam, intercept=intercept)
        self.gamma_scale, self.seed = gamma_scale, seed

    def act(self, x, t):
        x = self.features(x)
        yhat = np.array([1.0 - float(np.linalg.solve(A, b) @ x) for A, b in zip(self.A, self.b)])
        best = int(np.argmin(yhat))
        k = yhat.size
        p = 1.0 / (k + self.gamma_scale * math.sqrt(t + 1.0) * (yhat - yhat[best]))
        p[best] = 0.0
        p[best] = 1.0 - p.sum()
        u = rng.uniform(self.seed, rng.LEARNER, t, 0)
        arm = int(np.searchsorted(np.cumsum(p), u, side="right"))
        arm = min(arm, k - 1)
        return arm, float(p[arm])


def unit_sphere(seed, t, first, d, stream=rng.ENV):
    """g / ||g|| with g_j = rng.normal(seed, stream, t, first + j) (e_1 for g = 0)."""
    g = np.array([rng.normal(seed, stream, t, first + j) for j in range(d)])
    n = np.linalg.norm(g)
    return g / n if n > 0 else np.eye(d)[0]


class LinearContextual:
    """``linear_contextual`` written from its documentation: theta (given, or per seed on the sphere
    from round 2^62), contexts on the sphere, mean reward 1/2 + 1/2 clip(theta_k . x, -1, 1)."""

    def __init__(self, env, seed):
        v = env.values
        self.seed = seed
        self.k, self.d = env.n_actions, env.obs_dim
        if v["theta"] is not None:
            self.theta = np.asarray(v["theta"], dtype=float)
        else:
            self.theta = np.array([unit_sphere(seed, 1 << 62, k * self.d, self.d) for k in range(self.k)])
        self.gaussian, self.sigma = v["noise"] == "gaussian", v["sigma"]

    def context(self, t):
        return unit_sphere(self.seed, t, self.k, self.d)

    def means(self, t):
        """Mean rewards of every arm at round t."""
        return 0.5 + 0.5 * np.clip(self.theta @ self.context(t), -1.0, 1.0)

    def losses(self, t):
        """Realized losses of every arm at round t."""
        mu = self.means(t)
        if self.gaussian:
            return np.array([1.0 - mu[k] - self.sigma * rng.normal(self.seed, rng.ENV, t, k) for k in range(self.k)])
        return np.array([0.0 if rng.uniform(self.seed, rng.ENV, t, k) < mu[k] else 1.0 for k in range(self.k)])


# ---------------------------------------------------------------- rested rotting arms


class RottingWorld:
    """``environments.rotting`` from its documentation: arm k's n-th play (n = 0, 1, ...) has loss
    1 - table[k, min(n, M - 1)] - sigma normal(seed, ENV, t, k); only the played arm's count moves."""

    def __init__(self, table, sigma, seed):
        self.table, self.sigma, self.seed = np.asarray(table, dtype=float), float(sigma), seed
        self.plays = [0] * self.table.shape[0]

    def mean(self, k):
        return float(self.table[k, min(self.plays[k], self.table.shape[1] - 1)])

    def loss(self, t, k):
        return 1.0 - self.mean(k) - self.sigma * rng.normal(self.seed, rng.ENV, t, k)


def greedy_oracle_rewards(table, horizon):
    """Cumulative mean reward of the best policy on rested non-increasing arms over rounds 1..horizon:
    the sum of the t largest values of {mu_k(n)} (each arm's last column repeats for ever)."""
    table = np.asarray(table, dtype=float)
    values = np.concatenate([table[:, :-1].ravel(), np.repeat(table[:, -1], horizon)])
    return np.cumsum(np.sort(values)[::-1][:horizon])


def play_rested(learner, world, horizon):
    """Drive ``learner`` (act(t) -> arm; update(arm, loss)) on a rested ``world``; (actions, losses)."""
    actions, losses = np.zeros(horizon, dtype=np.int64), np.zeros(horizon)
    for t in range(horizon):
        arm = learner.act(t)
        x = world.loss(t, arm)
        world.plays[arm] += 1
        learner.update(arm, x)
        actions[t], losses[t] = arm, x
    return actions, losses


class _RecentWindows:
    """Every reward of every arm kept; mean(k, h) averages arm k's latest complete aligned block of h
    rewards, its plays (B - 1) h + 1 .. B h with B = floor(N_k / h) (None before its first)."""

    def __init__(self, k, alpha, sigma):
        self.k, self.alpha, self.sigma = k, alpha, sigma
        self.rewards = [[] for _ in range(k)]

    def update(self, arm, loss):
        self.rewards[arm].append(1.0 - loss)

    def mean(self, k, h):
        blocks = len(self.rewards[k]) // h
        return None if blocks == 0 else sum(self.rewards[k][(blocks - 1) * h: blocks * h]) / h

    def lengths(self, k):
        """h = 1, 2, 4, ... up to the arm's plays."""
        h = 1
        while h <= len(self.rewards[k]):
            yield h
            h *= 2

    def width2(self, t):
        return 2.0 * self.sigma * self.sigma * self.alpha * (math.log(t) if t > 1 else 0.0)

    def unplayed(self):
        return next((k for k in range(self.k) if not self.rewards[k]), None)


class RAWUCB(_RecentWindows):
    """Seznec et al. (2020): argmax_k min_h mean_k^h + sqrt(2 sigma^2 alpha ln t / h)."""

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first
        c2 = self.width2(t)
        return _first_argmax([min(self.mean(k, h) + math.sqrt(c2 / h) for h in self.lengths(k)) for k in range(self.k)])


class FEWA(_RecentWindows):
    """Seznec et al. (2019): keep the arms within 2 sqrt(2 sigma^2 alpha ln t / h) of the best mean over
    windows h = 1, 2, 4, ... until one remains or some remaining arm has fewer than the next h plays;
    play the remaining arm with the fewest plays among those."""

    def act(self, t):
        first = self.unplayed()
        if first is not None:
            return first
        c2 = self.width2(t)
        alive, h = list(range(self.k)), 1
        while True:
            means = {k: self.mean(k, h) for k in alive}
            top = max(means.values())
            alive = [k for k in alive if means[k] >= top - 2.0 * math.sqrt(c2 / h)]
            h *= 2
            if len(alive) == 1:
                return alive[0]
            short = [k for k in alive if len(self.rewards[k]) < h]
            if short:
                return min(short, key=lambda k: (len(self.rewards[k]), k))
