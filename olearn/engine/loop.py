"""The fused loop: one function per seed, composed from the learner's and environment's kernels.

For each seed, for each round t::

    observe(t) -> obs;  act -> action;  interact -> feedback, loss, regret statistics
    update (now, or when delayed feedback falls due);  at checkpoints: conclude (what the metrics
    need from the learner, e.g. its recommended arm), then record metrics

:func:`make_seed_loop` builds that per-seed kernel; :func:`run_batch` maps it
over (configuration, seed) jobs with ``prange`` (a plain ``range`` when run
uncompiled).  Backends compile these very functions; nothing here is
backend-specific.

Work layout (one float64 row per job, offsets in ``layout``):
learner state | environment state | obs | action | feedback | stats | pending-event buffer.
"""
from numba import prange

from olearn.core.kernel import kernel
from olearn.engine.delays import delay_of


@kernel
def no_conclusion(es, ep, obs, t, ls, lp, stats):
    """The ``conclude`` of a problem whose metrics need nothing from the learner at a checkpoint."""
    return


def make_seed_loop(learner_type, env_type, interact, record, delayed: bool, trace: bool, conclude=no_conclusion):
    l_init, l_act, l_update = learner_type.init, learner_type.act, learner_type.update
    e_reset, e_observe = env_type.reset, env_type.observe

    @kernel
    def run_seed(lp, ep, dp, seed, horizon, ckpts, work, layout, out, trace_actions, trace_losses):
        ls = work[layout[0] : layout[1]]
        es = work[layout[1] : layout[2]]
        obs = work[layout[2] : layout[3]]
        action = work[layout[3] : layout[4]]
        fb = work[layout[4] : layout[5]]
        stats = work[layout[5] : layout[6]]
        for i in range(layout[2], layout[7]):
            work[i] = 0.0
        e_reset(es, ep, seed)
        l_init(ls, lp, seed)
        n_obs = layout[3] - layout[2]
        n_act = layout[4] - layout[3]
        n_fb = layout[5] - layout[4]
        cap = layout[8]
        event = n_obs + n_act + n_fb
        due = work[layout[6] : layout[6] + cap]
        if delayed:
            for i in range(cap):
                due[i] = -1.0
        c = 0
        for t in range(horizon):
            e_observe(es, ep, t, seed, obs)
            l_act(ls, lp, obs, t, seed, action)
            loss = interact(es, ep, obs, action, t, seed, fb, stats)
            if trace:
                trace_actions[t] = action[0]
                trace_losses[t] = loss
            if not delayed:
                l_update(ls, lp, obs, action, fb, t, seed)
            else:
                # store the event in the slot of its emission round, then deliver what is due now
                slot = t % cap
                due[slot] = t + delay_of(dp, t, seed)
                base = layout[6] + cap + slot * event
                for i in range(event):
                    work[base + i] = work[layout[2] + i]
                first, last = t - cap + 1, t
                if int(dp[0]) == 0:  # a fixed delay D: only the event of round t - D can fall due now
                    first = t - int(dp[1])
                    last = first
                for s in range(max(first, 0), last + 1):
                    slot = s % cap
                    if due[slot] == t:
                        base = layout[6] + cap + slot * event
                        l_update(
                            ls, lp,
                            work[base : base + n_obs],
                            work[base + n_obs : base + n_obs + n_act],
                            work[base + n_obs + n_act : base + event],
                            s, seed,
                        )
                        due[slot] = -1.0
            if t + 1 == ckpts[c]:
                conclude(es, ep, obs, t, ls, lp, stats)
                record(stats, ep, out[c])
                c += 1

    return run_seed


def make_batch(run_seed):
    @kernel
    def run_batch(lp_table, config_of, seeds, ep, dp, horizon, ckpts, work, layout, out, trace_actions, trace_losses):
        for j in prange(seeds.size):
            run_seed(
                lp_table[config_of[j]], ep, dp, seeds[j], horizon, ckpts,
                work[j], layout, out[j], trace_actions[j], trace_losses[j],
            )

    return run_batch
