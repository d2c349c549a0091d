"""Exponentiated gradient (``exponentiated_gradient``) against independent truth.

Its NumPy reference (probabilities kept directly) equals it round by round on the SEA worlds' simplices
(``tests/test_oco_reference.py``); parity, the GPU simulator and the step-wise replay run as for every oco learner.
Here: the regret bound of the tuned step on adversarial linear losses, and the portfolio world.
"""
import math

import numpy as np
import pytest

import environments
import olearn
from olearn.core.kernel import kernel
from environments.oco_custom import user_loss


@kernel
def blocks(x, g, t, seed):
    """<g_t, x> with g_{t,i} = 1 except g_{t,k} = -1 for k = (t // 37) mod d and g_{t,0} = 0.2 (so that expert 0
    is best over the whole run): the best coordinate moves every 37 rounds."""
    d = x.size
    value = 0.0
    for i in range(d):
        g[i] = 1.0
        if i == (t // 37) % d:
            g[i] = -1.0
        if i == 0 and g[i] > 0.0:
            g[i] = 0.2
        value += g[i] * x[i]
    return value


@pytest.mark.parametrize("d, radius", [(2, 1.0), (5, 1.0), (8, 3.0)])
def test_regret_is_under_hoeffdings_bound_on_adversarial_linear_losses(d, radius):
    """Linear losses with |g_i| <= G = 1 on the simplex of total r: regret to the best point (a vertex, from the
    known gradients) <= r G sqrt(2 T ln d), the bound at the tuned eta; uniform play pays far more."""
    horizon = 3000
    env = user_loss(blocks, dim=d, domain="simplex", radius=radius)
    res = olearn.run(olearn.make("exponentiated_gradient"), env, horizon=horizon, seeds=[0], trace=True,
                     checkpoints=[horizon], backend="python")  # each user world would compile anew
    grads = np.ones((horizon, d))
    grads[np.arange(horizon), (np.arange(horizon) // 37) % d] = -1.0
    grads[:, 0] = np.where(grads[:, 0] > 0, 0.2, grads[:, 0])
    best = radius * grads.sum(axis=0).min()
    regret = res.losses[0, 0].sum() - best
    uniform = radius * grads.mean(axis=1).sum() - best
    bound = radius * math.sqrt(2 * horizon * math.log(d))
    print(d, radius, "regret", regret, "bound", bound, "uniform", uniform)
    assert regret <= bound and regret < 0.5 * uniform


def test_on_covers_market_with_the_gradient_bound_of_its_relatives():
    """Portfolios (Helmbold et al. 1998): on Cover's market the gradients' entries are at most max r / min <x, r>
    = 2 / 0.5 = 4; tuned with G = 4, EG's regret at T = 2,000 is under r G sqrt(2 T ln 2) = 211 (measured 0.73:
    its start, the uniform portfolio, is the best one here, and its tuned step is small), where a fixed eta = 2,
    tuned to nothing, pays 32.0 at T = 250 and 257.0 at 2,000 (linear in T).  (python backend: compiling this pairing
    would cost more than the run.)"""
    env = environments.make("portfolio")
    runs = {kw: olearn.run(olearn.make("exponentiated_gradient", **dict([kw])), env, horizon=2000, seeds=1,
                           checkpoints=[250, 2000], backend="python").metric("regret")[0, 0]
            for kw in (("lipschitz", 4.0), ("eta", 2.0))}
    tuned, large = runs[("lipschitz", 4.0)], runs[("eta", 2.0)]
    print(tuned, large)
    assert tuned[1] <= 4.0 * math.sqrt(2 * 2000 * math.log(2)) and tuned[1] < 0.01 * large[1]
    assert large[1] / large[0] > 6.0  # a step tuned to nothing: regret linear in T (8x the rounds)
