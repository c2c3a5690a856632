"""The radix KV cache: the theory's lru cache model, with real KV tensors on its nodes.

``RadixKVCache`` *is* a ``theory.cache.RadixCache`` (so ``solvers.waiting.WaitingQueue`` and the
policies read the real tree through ``match``) built on the one ``theory.radix.RadixTree``:

- ``Node.value`` is a ``KVBlock``: the KV of that node's edge, ``[layers, 2, kv_heads, tokens,
  head_dim]``, plus the token size of each unit of the edge (so a split after ``k`` units knows
  where to cut the tensor); the tree's ``split_value`` hook splits blocks on node splits.
- ``acquire(query)``: longest cached prefix of the prompt, its KV gathered, its nodes locked so
  nothing a request in flight reads can be evicted. ``release`` unlocks.
- ``admit(query, step, kv=...)``: exactly the theory's lru rule — the whole prompt is inserted
  with ``last_access = step``, new nodes take their slice of the request's KV, then LRU unlocked
  leaves are evicted whole until at most ``capacity`` tokens remain (``RadixTree.evict``).

The tree is keyed by the query's *units* (as the theory cache is), so a segmented prompt matches
only whole segments, exactly like the simulator; KV lengths are always in tokens.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from theory.cache import RadixCache
from theory.instance import Query
from theory.radix import Node, RadixTree


@dataclass(frozen=True)
class KVBlock:
    """KV of one edge: ``kv`` ``[layers, 2, kv_heads, tokens, head_dim]``; ``sizes`` tokens per unit."""

    kv: Any
    sizes: tuple[int, ...]


def _sizes(units: tuple) -> tuple[int, ...]:
    return tuple(u[1] if type(u) is tuple else 1 for u in units)


def split_block(block: KVBlock, k_units: int) -> tuple[KVBlock, KVBlock]:
    """Return (upper, lower) blocks of ``block`` cut after ``k_units`` units (copies, so that
    freeing one half really frees its memory)."""
    cut = sum(block.sizes[:k_units])
    upper = KVBlock(block.kv[:, :, :, :cut].clone(), block.sizes[:k_units])
    lower = KVBlock(block.kv[:, :, :, cut:].clone(), block.sizes[k_units:])
    return upper, lower


@dataclass(frozen=True)
class Lease:
    """A request's hold on its cached prefix: ``tokens`` cached, their ``kv`` (None if 0), and
    the node locked for it."""

    tokens: int
    kv: Any
    node: Node


class RadixKVCache(RadixCache):
    """A theory lru cache whose nodes carry KV tensors; ``capacity`` in tokens."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity=capacity)
        self.tree = RadixTree(split_value=split_block)
        self.evicted_tokens = 0

    def acquire(self, query: Query) -> Lease:
        """Return the Lease of ``query``'s longest cached prefix; locks it (mutates)."""
        import torch
        m = self.tree.match(query.units)
        parts = [n.value.kv for n in self.tree.walk_up(m.node) if n is not self.tree.root][::-1]
        held = m.node
        if m.child is not None:
            cut = sum(m.child.value.sizes[:m.child_units])
            parts.append(m.child.value.kv[:, :, :, :cut])
            held = m.child  # lock the partly matched edge whole; the match stays pure
        self.tree.lock(held)
        kv = torch.cat(parts, dim=3) if parts else None
        if kv is not None and kv.shape[3] != m.tokens:
            raise AssertionError(f"KV holds {kv.shape[3]} tokens, tree says {m.tokens}")
        return Lease(m.tokens, kv, held)

    def release(self, lease: Lease) -> None:
        """Undo ``acquire`` (mutates)."""
        self.tree.unlock(lease.node)

    def admit(self, query: Query, step: int, kv: Any = None, kv_start: int = 0) -> None:
        """Insert ``query``'s whole prompt at ``step`` and evict to capacity (mutates).

        ``kv`` holds the prompt's KV from token ``kv_start`` on (the tokens the request computed);
        every node the insert creates lies past the request's locked prefix, so it is covered."""
        if kv is None:
            raise ValueError("the KV cache admits a prompt only with its KV")
        offsets = [0]
        for s in _sizes(query.units):
            offsets.append(offsets[-1] + s)

        def make_value(node: Node, start: int, end: int) -> KVBlock:
            a, b = offsets[start] - kv_start, offsets[end] - kv_start
            if a < 0:
                raise AssertionError("a new node starts inside the request's cached prefix")
            return KVBlock(kv[:, :, :, a:b].clone(), _sizes(query.units[start:end]))

        self.tree.insert(query.units, now=step, make_value=make_value)
        self.evicted_tokens += self.tree.evict(self.capacity, on_evict=self._free)

    @staticmethod
    def _free(node: Node) -> None:
        node.value = None

    def check(self) -> None:
        """Raise AssertionError unless the tree is sound and every node's KV matches its edge."""
        self.tree.check_invariants()
        assert self.tree.total_tokens <= self.capacity or any(
            n.lock_ref > 0 for n in self.tree.nodes() if n is not self.tree.root), "over capacity"
        for node in self.tree.nodes():
            if node is self.tree.root:
                continue
            block = node.value
            assert block is not None and block.kv.shape[3] == node.edge_tokens == sum(block.sizes)
