"""dfs-weight, hrrn, dlpm, spf and slack: validity, ties, defining behaviour, identities."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.more_policies import DLPM, DFSWeight, Slack, service
from solvers.policies import make_policy, policy_names
from solvers.policy import Policy, QueueView
from solvers.simulate import simulate
from tests.strategies import cost_models, instances
from theory.errors import InstanceError
from theory.instance import CostModel, Instance, Query

NEW = ["dfs-weight", "hrrn", "dlpm", "spf", "slack"]


def _inst(prompts, arrivals=None, cost=CostModel(), bound=None) -> Instance:
    arrivals = arrivals or [0] * len(prompts)
    return Instance(tuple(Query(f"q{i}", a, tuple(p)) for i, (p, a) in enumerate(zip(prompts, arrivals))),
                    cost, bound)


def _order(inst, name, **params):
    return simulate(inst, make_policy(name, **params)).order


def test_all_registered():
    assert set(NEW) <= set(policy_names())


@settings(max_examples=60, deadline=None)
@given(instances(max_n=8, cost=cost_models()), st.sampled_from(NEW), st.integers(0, 30))
def test_valid_deterministic_and_queue_independent(inst, name, bound):
    inst = inst.with_bound(bound)
    a = simulate(inst, make_policy(name))
    assert sorted(a.order) == list(range(inst.n))
    assert a.claimed_finish == a.evaluation.finish
    assert simulate(inst, make_policy(name)).order == a.order
    assert simulate(inst, make_policy(name), naive=True).order == a.order


@settings(max_examples=40, deadline=None)
@given(instances(max_n=8, segmented=True, cost=cost_models()), st.sampled_from(NEW))
def test_valid_on_segments(inst, name):
    res = simulate(inst.with_bound(5), make_policy(name))
    assert sorted(res.order) == list(range(inst.n))


@pytest.mark.parametrize("name", NEW)
def test_ties_go_to_earliest_arrival_then_position(name):
    # equal lengths, nothing shared: every score ties
    inst = _inst([(i, 100 + i) for i in range(5)], arrivals=[3, 0, 0, 1, 0], bound=1000)
    assert _order(inst, name) == (1, 2, 4, 3, 0)


# ------------------------------------------------------------------ spf and hrrn

def test_spf_shortest_first():
    inst = _inst([(1,) * 10, (2,) * 5, (3,) * 2])
    assert _order(inst, "spf") == (2, 1, 0)


def test_hrrn_ages_where_spf_does_not():
    # q0 occupies the server until 10; at 10, q1 waited 9 for 8 (ratio 17/8), q2 waited 1 for 2 (3/2)
    inst = _inst([(1,) * 10, (2,) * 8, (3,) * 2], arrivals=[0, 1, 9])
    assert _order(inst, "hrrn") == (0, 1, 2)
    assert _order(inst, "spf") == (0, 2, 1)


def test_spf_counts_cached_tokens():
    # after q0, q1 is 9 tokens but 8 cached (cost 1); q2 is 2 tokens, nothing cached (cost 2)
    inst = _inst([(1,) * 8, (1,) * 8 + (5,), (3, 3)], arrivals=[0, 1, 1])
    assert _order(inst, "spf") == (0, 1, 2)


@settings(max_examples=40, deadline=None)
@given(instances(max_n=7, equal_arrivals=True, cost=cost_models(c_attn=(0, 0.5), base=(0,))))
def test_hrrn_equals_spf_with_equal_arrivals(inst):
    # A blocker runs from 0; the others all arrive at 0.5 and wait. Then every ratio is
    # 1 + wait/service with one common wait > 0: the largest ratio is the smallest service.
    blocker = Query("blocker", 0, (1000,))
    late = tuple(Query(q.id, 0.5, q.units) for q in inst.queries)
    inst = Instance((blocker,) + late, inst.cost)
    assert _order(inst, "hrrn") == _order(inst, "spf")


# ------------------------------------------------------------------ dfs-weight

class DFSOracle(Policy):
    """SGLang's full ordering: a unit trie of cached prefixes, heavy children first, a node's
    own requests after its children; the first request of that order."""

    name = "dfs-oracle"

    def choose(self, view: QueueView) -> int:
        root: dict = {"kids": {}, "reqs": []}
        for i in view.waiting():
            q = view.instance.queries[i]
            node, tokens, k = root, 0, 0
            while tokens < view.overlap(i):
                unit = q.units[k]
                tokens += unit[1] if q.segmented else 1
                node = node["kids"].setdefault(unit, {"kids": {}, "reqs": []})
                k += 1
            node["reqs"].append(i)

        def weight(node):
            return len(node["reqs"]) + sum(weight(c) for c in node["kids"].values())

        def oldest(node):
            keys = [(view.instance.queries[i].arrival, i) for i in node["reqs"]]
            return min(keys + [oldest(c) for c in node["kids"].values() if weight(c)], default=(math.inf, 0))

        def dfs(node, out):
            for child in sorted(node["kids"].values(), key=lambda c: (-weight(c), oldest(c))):
                dfs(child, out)
            out.extend(sorted(node["reqs"], key=lambda i: (view.instance.queries[i].arrival, i)))
            return out
        return dfs(root, [])[0]


@settings(max_examples=80, deadline=None)
@given(instances(max_n=8, cost=cost_models(caches=("radix", "lru", "previous"))))
def test_dfs_weight_matches_full_dfs_oracle(inst):
    assert simulate(inst, DFSWeight()).order == simulate(inst, DFSOracle()).order


@settings(max_examples=40, deadline=None)
@given(instances(max_n=8, segmented=True, cost=cost_models(caches=("radix",))))
def test_dfs_weight_matches_oracle_on_segments(inst):
    assert simulate(inst, DFSWeight()).order == simulate(inst, DFSOracle()).order


@settings(max_examples=40, deadline=None)
@given(instances(max_n=8, cost=cost_models(caches=("previous",))))
def test_dfs_weight_is_lpm_under_previous_cache(inst):
    assert _order(inst, "dfs-weight") == _order(inst, "lpm")


def test_dfs_weight_prefers_heavy_subtree_over_deeper_match():
    prompts = [(1, 1, 1, 1, 9), (2, 2, 8), (1, 1, 1, 1, 5), (2, 2, 5), (2, 2, 6), (2, 2, 7)]
    inst = _inst(prompts, arrivals=[0, 0, 100, 100, 100, 100], cost=CostModel(cache="radix"))
    assert _order(inst, "lpm") == (0, 1, 2, 3, 4, 5)
    assert _order(inst, "dfs-weight") == (0, 1, 3, 4, 2, 5)  # last two: weights tie, oldest


# ------------------------------------------------------------------ dlpm

def test_dlpm_shares_the_server_between_groups():
    a = (1, 1, 1, 1)
    prompts = [a + (10,), a + (11,), a + (12,), a + (13,), a + (14,), (2, 2, 2, 2, 15)]
    inst = _inst(prompts)
    assert _order(inst, "lpm") == (0, 1, 2, 3, 4, 5)
    # quantum 5 = one uncached prompt: group A runs out of credit after q0, so B's q5 goes next
    assert _order(inst, "dlpm", quantum=5, group_units=1) == (0, 5, 1, 2, 3, 4)


def test_dlpm_skips_the_prefix_common_to_all():
    common = (7, 7, 7)
    inst = _inst([common + (1, 1, 9), common + (1, 1, 8), common + (2, 2, 9)])
    policy = DLPM(group_units=1)
    policy.reset(inst)
    assert policy.group == [0, 0, 1]
    no_skip = DLPM(group_units=1, skip_common=False)
    no_skip.reset(inst)
    assert no_skip.group == [0, 0, 0]


@settings(max_examples=40, deadline=None)
@given(instances(max_n=8, cost=cost_models()), st.sampled_from([1, 3, 1000]))
def test_dlpm_with_one_group_is_lpm(inst, quantum):
    one = Instance(tuple(Query(q.id, q.arrival, (99,) + q.units) for q in inst.queries), inst.cost)
    assert _order(one, "dlpm", quantum=quantum, group_units=1, skip_common=False) == _order(one, "lpm")


@settings(max_examples=60, deadline=None)
@given(instances(min_n=2, max_n=8, cost=st.builds(CostModel, st.just("previous"), st.just(0.0),
                                                   st.sampled_from([0.7, 1.3, 29.22]), st.just(0.0))),
       st.sampled_from([0.05, 0.1, 0.3, 1e-9, 1e-300]))
def test_dlpm_refill_survives_float_round_off(inst, quantum):
    """With decimal services and tiny quanta, floor(-debt/quantum) + 1 refills can leave every
    group at debt <= 0 in floating point (e.g. a debt of 146.1 and quantum 0.05): DLPM must
    still pick (it once raised ValueError on an empty candidate list)."""
    order = _order(inst, "dlpm", quantum=quantum, group_units=1)
    assert sorted(order) == list(range(inst.n))


def test_dlpm_refill_of_a_debt_that_rounds_badly():
    policy = DLPM(quantum=0.05, group_units=1, skip_common=False)
    inst = _inst([(1, 2), (1, 3)])
    policy.reset(inst)
    from solvers.waiting import WaitingQueue
    from theory.cache import make_cache
    queue = WaitingQueue(inst, make_cache(inst.cost))
    queue.add(0)
    queue.add(1)
    view = QueueView(inst, queue)
    policy.deficit = {0: -146.1}
    assert policy.choose(view) in (0, 1)
    assert policy.deficit[0] + 0.0 != -146.1  # the group was refilled


@pytest.mark.parametrize("params", [{"quantum": 0}, {"quantum": math.inf}, {"group_units": 0},
                                    {"quantum": "x"}])
def test_dlpm_bad_parameters(params):
    with pytest.raises(InstanceError):
        make_policy("dlpm", **params)


# ------------------------------------------------------------------ slack

def _slack_case(bound):
    # q0 runs 0..7. At 7: q1 (arrived 1) shares 6 tokens with q0 (service 1); q2 (arrived 1,
    # waited 6) needs 3. slack(q2) = T - 6 - 3.
    return _inst([(1,) * 6 + (0,), (1,) * 6 + (2,), (5, 5, 5)], arrivals=[0, 1, 1], bound=bound)


def test_slack_serves_query_at_risk():
    assert _order(_slack_case(9.5), "lpm") == (0, 1, 2)
    assert _order(_slack_case(9.5), "slack") == (0, 2, 1)  # slack 0.5 < service(LPM pick) = 1


def test_slack_leaves_safe_and_doomed_queries_to_lpm():
    assert _order(_slack_case(20), "slack") == (0, 1, 2)   # slack 11: safe
    assert _order(_slack_case(8), "slack") == (0, 1, 2)    # slack -1: cannot meet T anyway
    assert _order(_slack_case(20), "slack", margin=20) == (0, 2, 1)  # margin widens "at risk"


@settings(max_examples=40, deadline=None)
@given(instances(max_n=8, cost=cost_models()))
def test_slack_without_bound_is_lpm(inst):
    assert inst.ttft_bound is None
    assert _order(inst, "slack") == _order(inst, "lpm")


def test_slack_policy_bound_overrides_instance():
    assert simulate(_slack_case(None), Slack(bound=9.5)).order == (0, 2, 1)
    with pytest.raises(InstanceError):
        Slack(bound=-1)


def test_service_uses_cost_model():
    inst = _inst([(1, 2, 3, 4)], cost=CostModel(c_attn=0.5, per_token=2, base=3))

    class Probe(Policy):
        seen = None

        def choose(self, view):
            Probe.seen = service(view, 0)
            return 0
    simulate(inst, Probe())
    assert Probe.seen == 3 + (2 + 0.5 * 4) * 4


@settings(max_examples=40, deadline=None)
@given(instances(min_n=2, max_n=8, cost=cost_models()), st.lists(st.integers(0, 7), max_size=20))
def test_waiting_lists_agree_with_naive_queue(inst, ops):
    # waiting() feeds every rescoring policy: the indexed queue must list exactly what the
    # oracle lists, in (arrival, position) order, after any arrivals and removals.
    from solvers.waiting import NaiveWaitingQueue, WaitingQueue
    from theory.cache import make_cache
    fast, slow = WaitingQueue(inst, make_cache(inst.cost)), NaiveWaitingQueue(inst, make_cache(inst.cost))
    nxt = 0
    for op in ops:
        present = sorted(slow.items)
        if op % 2 == 0 and present:
            i = present[op % len(present)]
            fast.remove(i)
            slow.remove(i)
        elif nxt < inst.n:
            fast.add(nxt)
            slow.add(nxt)
            nxt += 1
        assert list(fast.waiting()) == list(slow.waiting())
        assert len(fast) == len(slow)
