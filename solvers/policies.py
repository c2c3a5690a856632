"""Online policies: FCFS, LPM and k-LPM (the paper's Algorithm 1), plus a registry.

Further policies register themselves with ``register`` from their own modules.
"""
from __future__ import annotations

import math
from typing import Callable

from solvers.policy import Policy, QueueView
from theory.errors import InstanceError

REGISTRY: dict[str, Callable[..., Policy]] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator adding a policy class to the registry under ``name``."""
    def add(cls: type) -> type:
        cls.name = name
        REGISTRY[name] = cls
        return cls
    return add


@register("fcfs")
class FCFS(Policy):
    """First come, first served: the oldest waiting query."""

    def choose(self, view: QueueView) -> int:
        return view.oldest()


@register("lpm")
class LPM(Policy):
    """Longest prefix match against the cache; ties to the oldest."""

    def choose(self, view: QueueView) -> int:
        return view.longest_match()[0]


@register("klpm")
class KLPM(Policy):
    """k-LPM (Algorithm 1): the i-th start (i = 0, 1, ...) takes the oldest waiting query when
    i mod k = 0, else the longest prefix match. k = 1 is FCFS; k = inf is LPM."""

    def __init__(self, k: float = 2) -> None:
        if not (k == math.inf or (float(k).is_integer() and k >= 1)):
            raise InstanceError(f"k: must be an integer >= 1 or inf, got {k}")
        self.k = k if k == math.inf else int(k)

    def choose(self, view: QueueView) -> int:
        if self.k != math.inf and view.step % self.k == 0:
            return view.oldest()
        return view.longest_match()[0]

    def describe(self) -> str:
        return f"klpm(k={'inf' if self.k == math.inf else self.k})"


def make_policy(name: str, **params) -> Policy:
    """Return a new policy from the registry; InstanceError for unknown names or parameters."""
    _load_extra_policies()
    if name not in REGISTRY:
        raise InstanceError(f"policy: unknown policy {name!r} (choose from {sorted(REGISTRY)})")
    try:
        return REGISTRY[name](**params)
    except TypeError as exc:
        raise InstanceError(f"policy {name!r}: bad parameters {params} ({exc})") from None


def policy_names() -> list[str]:
    """Return the names of all registered policies."""
    _load_extra_policies()
    return sorted(REGISTRY)


def _load_extra_policies() -> None:
    import importlib
    try:
        importlib.import_module("solvers.more_policies")
    except ModuleNotFoundError as exc:
        if exc.name != "solvers.more_policies":
            raise
