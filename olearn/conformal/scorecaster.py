"""A scorecaster: an autoregressive forecast of the next conformity score, fitted online (kernels).

The "D" of conformal PID control (Angelopoulos, Candes and Tibshirani, NeurIPS 2023, section 2.3): a
forecast s^_{t+1} of the next score, to which quantile tracking and the integrator add their correction,
so the radius follows what is predictable in the scores (a season, a trend in the forecaster's
errors) and the feedback loop only has to learn the rest.  Their experiments fit a theta model over a
trailing window; here an AR(p) with intercept, fitted by recursive least squares with forgetting
factor lambda (Haykin, Adaptive Filter Theory, ch. 10)::

    x_t = [1, S_{t-1}, ..., S_{t-p}],   k = P x_t / (lambda + x_t' P x_t),
    theta <- theta + k (S_t - theta' x_t),   P <- (P - k x_t' P) / lambda,   P_0 = I / ridge,

which with lambda = 1 is exactly ridge regression, argmin sum_s (S_s - theta' x_s)^2 + ridge ||theta||^2,
over the rounds seen so far.  With lambda < 1, P grows by 1 / lambda per round along directions the
regressors do not excite (constant scores excite one: P overflowed after ~6,800 rounds at lambda = 0.95,
then the radii were NaN); so a round whose P / lambda would have a larger trace than P_0's, m / ridge,
keeps P without the division (the usual bound on covariance windup; well-excited fits never reach it).  The forecast theta' x_{t+1} is clipped to [0, max_s S_s]: scores are
>= 0, and a bounded scorecast keeps the coverage guarantee of the tracking step (for scores in [0, B],
|mean miscoverage - alpha| <= (2 B + lr) / (lr T) when K_I = 0).  Until p scores have been seen the
forecast is 0.

Block layout (at ``at`` in a state row): ``[n seen, max score, theta (m), P (m x m), P x (m), window (p)]``
with m = p + 1 and the window holding S_t, S_{t-1}, ..., S_{t-p+1} (most recent first).
"""
from olearn.core.kernel import kernel


def block_size(lags: int) -> int:
    m = lags + 1
    return 2 + 2 * m + m * m + lags


@kernel
def ar_reset(state, at, p, ridge):
    """P_0 = I / ridge (theta, the window and the counts at zero, as the state was zeroed)."""
    m = p + 1
    for i in range(m):
        state[at + 2 + m + i * m + i] = 1.0 / ridge


@kernel
def _regressor(state, at, p, i):
    """x_i: 1 for the intercept, then the window S_{t-1}, ..., S_{t-p} of the scores before this one."""
    m = p + 1
    return 1.0 if i == 0 else state[at + 2 + 2 * m + m * m + i - 1]


@kernel
def ar_observe(state, at, p, forget, ridge, score):
    """One recursive-least-squares step on (x, S) once the window is full, then S enters the window."""
    m = p + 1
    theta, cov, px, window = at + 2, at + 2 + m, at + 2 + m + m * m, at + 2 + 2 * m + m * m
    if state[at] >= p:
        quad = 0.0
        miss = score
        for i in range(m):
            s = 0.0
            for j in range(m):
                s += state[cov + i * m + j] * _regressor(state, at, p, j)
            state[px + i] = s
            quad += _regressor(state, at, p, i) * s
            miss -= state[theta + i] * _regressor(state, at, p, i)
        denom = forget + quad
        trace = 0.0
        for i in range(m):
            trace += state[cov + i * m + i] - state[px + i] * state[px + i] / denom
        inflate = forget if trace / forget <= m / ridge else 1.0
        for i in range(m):
            state[theta + i] += state[px + i] * miss / denom
            for j in range(m):
                state[cov + i * m + j] = (state[cov + i * m + j] - state[px + i] * state[px + j] / denom) / inflate
    for i in range(p - 1, 0, -1):
        state[window + i] = state[window + i - 1]
    state[window] = score
    state[at] += 1.0
    state[at + 1] = max(state[at + 1], score)


@kernel
def ar_forecast(state, at, p):
    """theta' [1, S_t, ..., S_{t-p+1}] clipped to [0, max score seen]; 0 before p scores."""
    if state[at] < p:
        return 0.0
    m = p + 1
    s = 0.0
    for i in range(m):
        s += state[at + 2 + i] * _regressor(state, at, p, i)
    return min(max(s, 0.0), state[at + 1])
