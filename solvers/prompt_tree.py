"""The prefix tree of all prompts of an instance, shared by the polynomial-cell algorithms."""
from __future__ import annotations

from theory.instance import Instance
from theory.radix import RadixTree


def prompt_tree(instance: Instance) -> tuple[RadixTree, dict[int, list[int]]]:
    """Return (the radix tree of all prompts, {id(node): positions of the queries whose prompt
    ends exactly at that node, ascending}). Later inserts only split nodes above an end node, so
    every recorded node still ends where its queries' prompts end."""
    tree = RadixTree()
    ends: dict[int, list[int]] = {}
    for i, q in enumerate(instance.queries):
        ends.setdefault(id(tree.insert(q.units)), []).append(i)
    return tree, ends
