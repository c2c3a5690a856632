"""The radix tree against a naive longest-common-prefix oracle, with invariants after each step."""
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.strategies import prompts, segment_prompts
from theory.instance import unit_tokens
from theory.radix import RadixTree, common_prefix


def lcp(a, b):
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return k


def oracle_match(stored, units):
    """Tokens of the longest prefix of ``units`` that is a prefix of some stored prompt."""
    best = max((lcp(s, units) for s in stored), default=0)
    return unit_tokens(units[:best])


@given(st.lists(st.integers(0, 2), max_size=300), st.lists(st.integers(0, 2), max_size=300),
       st.integers(0, 5), st.integers(0, 5))
def test_common_prefix_matches_naive(a, b, i, j):
    i, j = min(i, len(a)), min(j, len(b))
    assert common_prefix(a, i, b, j) == lcp(a[i:], b[j:])


def test_common_prefix_long_shared():
    a = list(range(1000)) + [1]
    b = list(range(1000)) + [2]
    assert common_prefix(a, 0, b, 0) == 1000


@given(st.lists(prompts(), max_size=12), st.lists(prompts(), max_size=6))
def test_match_against_oracle(stored, probes):
    tree = RadixTree()
    for p in stored:
        tree.insert(p)
        tree.check_invariants()
    for p in stored + probes:
        assert tree.match_tokens(p) == oracle_match(stored, p)
    assert tree.total_tokens == len({p[:k] for p in stored for k in range(1, len(p) + 1)})


@given(st.lists(segment_prompts(), max_size=10), st.lists(segment_prompts(), max_size=5))
def test_match_segments_against_oracle(stored, probes):
    tree = RadixTree()
    for p in stored:
        tree.insert(p)
    tree.check_invariants()
    for p in stored + probes:
        assert tree.match_tokens(p) == oracle_match(stored, p)


def test_match_is_pure():
    tree = RadixTree()
    tree.insert((1, 2, 3, 4))
    before = [(n.edge, n.depth_tokens) for n in tree.nodes()]
    m = tree.match((1, 2, 9))
    assert m.tokens == 2 and m.child is not None and m.child_units == 2
    assert [(n.edge, n.depth_tokens) for n in tree.nodes()] == before


class TreeMachine(RuleBasedStateMachine):
    """Inserts, locks, unlocks and evictions against a model of which prompts may remain."""

    def __init__(self):
        super().__init__()
        self.tree = RadixTree()
        self.clock = 0
        self.locked = []  # (node, prompt)
        self.inserted = []

    @rule(p=prompts(max_len=5))
    def insert(self, p):
        self.clock += 1
        self.tree.insert(p, now=self.clock)
        self.inserted.append(p)

    @rule(p=prompts(max_len=5))
    def lock(self, p):
        node = self.tree.insert(p, now=self.clock)
        self.tree.lock(node)
        self.locked.append((node, p))
        self.inserted.append(p)

    @rule()
    def unlock(self):
        if self.locked:
            node, _ = self.locked.pop(0)
            self.tree.unlock(node)

    @rule(goal=st.integers(0, 12))
    def evict(self, goal):
        target = goal
        before = self.tree.total_tokens
        freed = self.tree.evict(target)
        assert self.tree.total_tokens == before - freed
        locked_tokens = len({p[:k] for _, p in self.locked for k in range(1, len(p) + 1)})
        # Evicts down to the target unless locked prefixes hold more than that.
        assert self.tree.total_tokens <= max(target, locked_tokens)
        for _, p in self.locked:
            assert self.tree.match_tokens(p) == len(p), "a locked prefix was evicted"

    @invariant()
    def consistent(self):
        self.tree.check_invariants()
        for p in self.inserted[-5:]:
            # Whatever remains is a prefix of something inserted.
            assert self.tree.match_tokens(p) <= len(p)


TestTreeMachine = TreeMachine.TestCase
TestTreeMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)


def test_evict_prefers_least_recently_used():
    tree = RadixTree()
    tree.insert((1, 2), now=1)
    tree.insert((3, 4), now=2)
    tree.insert((1, 5), now=3)  # touches [1]; leaf [2] keeps access 1
    tree.evict(4)
    assert tree.match_tokens((1, 2)) == 1 and tree.match_tokens((3, 4)) == 2 and tree.match_tokens((1, 5)) == 2
