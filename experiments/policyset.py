"""Policy labels used by the experiments: ``fcfs``, ``lpm``, ``klpm2``, ``klpminf``, ``dlpm`` ...

A label names a registered policy, with k-LPM's k appended to ``klpm``. ``every_policy`` lists
the policies an experiment compares: FCFS, k-LPM for a few k, LPM and whatever else is
registered (solvers/more_policies.py), each with its default parameters.
"""
from __future__ import annotations

import math

from experiments.config import k_label
from solvers.policies import make_policy, policy_names
from solvers.policy import Policy
from theory.errors import InstanceError


def klpm_label(k: float) -> str:
    """Return the label of k-LPM with this k (``klpm2``, ``klpminf``)."""
    return f"klpm{k_label(k)}"


def parse_label(label: str) -> tuple[str, dict]:
    """Return (registry name, parameters) for a label; InstanceError if it names nothing."""
    if label.startswith("klpm") and label != "klpm":
        text = label[4:]
        if text == "inf":
            return "klpm", {"k": math.inf}
        if text.isdigit() and int(text) >= 1:
            return "klpm", {"k": int(text)}
        raise InstanceError(f"policy label {label!r}: k must be an integer >= 1 or inf")
    if label not in policy_names():
        raise InstanceError(f"policy label {label!r}: unknown policy (known: {policy_names()})")
    return label, {}


def make(label: str) -> Policy:
    """Return a fresh policy for ``label``."""
    name, params = parse_label(label)
    return make_policy(name, **params)


def every_policy(ks: tuple[float, ...] = (2, 4)) -> list[str]:
    """Return labels of FCFS, k-LPM for ``ks``, LPM and every other registered policy."""
    labels = ["fcfs"] + [klpm_label(k) for k in ks] + ["lpm"]
    for name in policy_names():
        if name in ("fcfs", "lpm", "klpm"):
            continue
        try:
            make_policy(name)
        except InstanceError:
            continue  # needs parameters we cannot choose generically
        labels.append(name)
    return labels
