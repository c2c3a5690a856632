"""Hypothesis strategies shared by every test module (the one place they live)."""
from __future__ import annotations

from hypothesis import strategies as st

from theory.instance import CostModel, Instance, Query


def prompts(alphabet: int = 3, max_len: int = 6) -> st.SearchStrategy[tuple[int, ...]]:
    """Token tuples over a small alphabet, so that prefixes are often shared."""
    return st.lists(st.integers(0, alphabet - 1), min_size=1, max_size=max_len).map(tuple)


def segment_prompts(max_len: int = 4) -> st.SearchStrategy[tuple]:
    """Segment tuples ((key, size), ...) with few keys and sizes, so that prefixes are shared."""
    seg = st.tuples(st.integers(0, 2), st.sampled_from([1, 3]))
    return st.lists(seg, min_size=1, max_size=max_len).map(tuple)


def cost_models(caches=("previous", "radix", "lru"), c_attn=(0, 0.5), base=(0, 2)) -> st.SearchStrategy[CostModel]:
    """Cost models over the given cache kinds and parameter choices (lru capacity 0..12)."""
    @st.composite
    def build(draw):
        cache = draw(st.sampled_from(caches))
        cap = draw(st.integers(0, 12)) if cache == "lru" else None
        return CostModel(cache=cache, c_attn=draw(st.sampled_from(c_attn)), per_token=draw(st.sampled_from([1, 2])),
                         base=draw(st.sampled_from(base)), capacity=cap)
    return build()


@st.composite
def instances(draw, min_n: int = 1, max_n: int = 6, cost: st.SearchStrategy[CostModel] | None = None,
              equal_arrivals: bool = False, segmented: bool = False, max_arrival: int = 12) -> Instance:
    """Small instances with integer arrivals and shared prefixes."""
    n = draw(st.integers(min_n, max_n))
    queries = []
    for j in range(n):
        arrival = 0 if equal_arrivals else draw(st.integers(0, max_arrival))
        units = draw(segment_prompts() if segmented else prompts())
        queries.append(Query(f"q{j}", arrival, units, segmented))
    model = draw(cost) if cost is not None else CostModel()
    return Instance(tuple(queries), model)


def rate_cost_models(caches=("previous", "radix"), c_attn=(0, 0.5, 1, 3), base=(0, 2),
                     per_token=(0, 1, 2)) -> st.SearchStrategy[CostModel]:
    """Capacity-free cost models (previous/radix) over the given choices, per_token 0 included."""
    return st.builds(CostModel, cache=st.sampled_from(caches), c_attn=st.sampled_from(c_attn),
                     per_token=st.sampled_from(per_token), base=st.sampled_from(base))
