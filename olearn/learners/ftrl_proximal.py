"""FTRL-Proximal with per-coordinate learning rates and L1/L2 regularization (problem kind ``oco``).

``ftrl_proximal``: McMahan, Holt, Sculley et al. (KDD 2013), "Ad click prediction: a view from the
trenches", Algorithm 1; McMahan (AISTATS 2011), "Follow-the-regularized-leader and mirror descent:
equivalence theorems and L1 regularization".  With g_t the gradient at the played point x_t and, per
coordinate i (alpha, beta > 0; lambda1, lambda2 >= 0)::

    sigma_{t,i} = (sqrt(n_{t-1,i} + g_{t,i}^2) - sqrt(n_{t-1,i})) / alpha,
    z_{t,i}     = z_{t-1,i} + g_{t,i} - sigma_{t,i} x_{t,i},        n_{t,i} = n_{t-1,i} + g_{t,i}^2,
    x_{t+1,i}   = 0                                                  if |z_{t,i}| <= lambda1,
                = -(z_{t,i} - sign(z_{t,i}) lambda1) / ((beta + sqrt(n_{t,i})) / alpha + lambda2)  otherwise,

which is the closed form of the per-coordinate FTRL step

    x_{t+1} = argmin_x  <g_{1:t}, x> + sum_i [ beta / (2 alpha) x_i^2 + sum_{s<=t} sigma_{s,i} (x_i - x_{s,i})^2 / 2 ]
                        + lambda1 ||x||_1 + lambda2 ||x||_2^2 / 2

(sigma_{1:t,i} = sqrt(n_{t,i}) / alpha, so coordinate i's learning rate is alpha / (beta + sqrt(n_{t,i}))).
The objective is a sum of one-dimensional strictly convex terms, so on the box [-r, r]^d its minimizer is the
coordinate-wise clip of the unconstrained one: the learner plays the ``free`` domain (R^d) and the box;
balls and simplices couple the coordinates and are refused.  x_1 = 0 (z = n = 0).  With lambda1 = lambda2 = 0
on R^d the step is x_{t+1,i} = x_{t,i} - alpha g_{t,i} / (beta + sqrt(n_{t,i})): unprojected diagonal AdaGrad
(``adagrad`` with delta = beta and eta D_inf = alpha).

Regret (lambda1 = lambda2 = 0; the Strong FTRL Lemma for proximal regularizers, McMahan, JMLR 2017 survey
"A survey of algorithms and analysis for adaptive online learning", its FTRL-Proximal bound (Theorem 2), with
r_{0:t} 1-strongly convex in the norm sum_i sigma_{0:t,i} x_i^2, sigma_{0:t,i} = (beta + sqrt(n_{t,i})) / alpha):
for every u in X,

    R_T(u) <= sum_i [ beta u_i^2 / (2 alpha) + sum_t sigma_{t,i} (u_i - x_{t,i})^2 / 2
                      + (alpha / 2) sum_t g_{t,i}^2 / (beta + sqrt(n_{t,i})) ]
           <= sum_i [ beta u_i^2 / (2 alpha) + (D_i^2 / (2 alpha) + alpha) sqrt(n_{T,i}) ]

with D_i >= max_t |u_i - x_{t,i}| (2 r on the box) and the standard sum_t a_t / sqrt(a_{1:t}) <= 2 sqrt(a_{1:T});
alpha = D_i / sqrt(2) gives sqrt(2) D_i sqrt(n_{T,i}) per coordinate.  The update reads the point it
played (the feedback's ``action``), so delayed feedback uses the right x_t.

State: ``[z (d), n (d)]``; row: ``[d, alpha, beta, lambda1, lambda2]``.
"""
import math

from olearn.core.kernel import kernel
from olearn.core.params import Param
from olearn.core.spec import LearnerType
from olearn.engine import domains
from olearn.engine.oco import require_domains, zero_state
from olearn.learners.oco import DIM, _dim

ALPHA = Param("alpha", 1.0, "learning-rate scale: coordinate i steps alpha / (beta + sqrt(sum_s g_{s,i}^2)); "
              "alpha = D / sqrt(2) (D the comparator's range per coordinate) minimizes the regret bound",
              low=0.0, open_low=True)
BETA = Param("beta", 1.0, "beta > 0 in the per-coordinate rate alpha / (beta + sqrt(n_i)): the initial "
             "regularizer beta ||x||^2 / (2 alpha)", low=0.0, open_low=True)
LAMBDA1 = Param("lambda1", 0.0, "L1 strength: lambda1 ||x||_1 in the FTRL objective (x_i = 0 while |z_i| <= lambda1)", low=0.0)
LAMBDA2 = Param("lambda2", 0.0, "L2 strength: lambda2 ||x||^2 / 2 in the FTRL objective", low=0.0)


@kernel
def ftrl_proximal_act(state, params, obs, t, seed, action):
    """x_i = 0 if |z_i| <= lambda1, else -(z_i - sign(z_i) lambda1) / ((beta + sqrt(n_i)) / alpha + lambda2);
    clipped to [-r, r] on the box."""
    d = int(params[0])
    alpha, beta, lambda1, lambda2 = params[1], params[2], params[3], params[4]
    box = int(obs[0]) == domains.BOX
    r = obs[1]
    for i in range(d):
        z = state[i]
        if abs(z) <= lambda1:
            x = 0.0
        else:
            shrunk = z - lambda1 if z > 0.0 else z + lambda1
            x = -shrunk / ((beta + math.sqrt(state[d + i])) / alpha + lambda2)
        if box:
            x = min(max(x, -r), r)
        action[i] = x


@kernel
def ftrl_proximal_update(state, params, obs, action, feedback, t, seed):
    """sigma_i = (sqrt(n_i + g_i^2) - sqrt(n_i)) / alpha;  z_i += g_i - sigma_i x_i;  n_i += g_i^2 (x the played point)."""
    d = int(params[0])
    alpha = params[1]
    for i in range(d):
        g = feedback[1 + i]
        n_new = state[d + i] + g * g
        sigma = (math.sqrt(n_new) - math.sqrt(state[d + i])) / alpha
        state[i] += g - sigma * action[i]
        state[d + i] = n_new


FTRL_PROXIMAL = LearnerType(
    name="ftrl_proximal",
    summary="FTRL-Proximal, per-coordinate rates alpha/(beta + sqrt(sum g_i^2)) and L1/L2 (McMahan et al. 2013, Alg. 1): "
    "exact zeros under L1; free domain or box",
    reference="McMahan, Holt, Sculley et al. (KDD 2013), Alg. 1; McMahan (AISTATS 2011); McMahan (JMLR 2017), Thm 2: "
    "regret <= sum_i [beta u_i^2/(2 alpha) + (D_i^2/(2 alpha) + alpha) sqrt(sum_t g_{t,i}^2)] at lambda1 = lambda2 = 0",
    feedback="full",
    kind="oco",
    params=(DIM, ALPHA, BETA, LAMBDA1, LAMBDA2),
    state_size=lambda v, k, d: 2 * k,
    row=lambda v, k, d, h: [_dim("ftrl_proximal", v, k), v["alpha"], v["beta"], v["lambda1"], v["lambda2"]],
    init=zero_state,
    act=ftrl_proximal_act,
    update=ftrl_proximal_update,
    test_params=({}, {"alpha": 0.5, "beta": 0.1, "lambda1": 0.05, "lambda2": 0.5}),
)

require_domains("ftrl_proximal", (domains.BOX, domains.FREE))

LEARNERS = (FTRL_PROXIMAL,)
