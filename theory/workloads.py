"""Seeded workload generators: the paper's Definition 4, SGLang's shared-prefix shape, paper-like.

Every generator returns an ``Instance`` (queries listed in arrival order, ids ``q0, q1, ...``);
``generate(kind, **params)`` also returns the ``meta`` dict (generator, parameters, seed) to pass
to ``theory.instance_io.save_instance``. The same parameters and seed always give the same
instance (``random.Random(seed)``).

Prompt content. Each *part* of a prompt (a user prefix, a document, an instruction, a profile,
a history, a question) is drawn once and gets fresh, never reused token ids from one running
counter, so unrelated parts never match by accident and two prompts share exactly the parts the
generator meant them to share. ``encoding="segments"`` writes each part as one segment
``(key, length)`` instead (same overlaps, far smaller files, faster simulation); ``"tokens"``
(default) writes real token ids, as the paper's model and the real engine need. Token ids grow
with the total prompt size; a runtime with a small vocabulary must remap them.

Time unit. Arrivals are in the time unit of the cost model: with the default unit costs
(``per_token = 1``) one time unit is the prefill time of one token, so a rate of 0.001 queries
per time unit offers about one 1,000-token prompt per 1,000 token-times (load ~1 without reuse).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable

from theory.errors import InstanceError
from theory.instance import CostModel, Instance, Query, Unit
from theory.instance_io import MAX_NUMBER, MAX_PROMPT_TOKENS, MAX_QUERIES, MAX_TOTAL_PROMPT

ENCODINGS = ("tokens", "segments")
MAX_TOTAL_TOKENS = 50_000_000  # with encoding="tokens"; larger workloads should use segments


@dataclass(frozen=True)
class Workload:
    """A generated instance and the meta record (generator, params, seed) to store with it."""

    instance: Instance
    meta: dict


class _Parts:
    """Hands out fresh content for prompt parts: token ids, or one keyed segment per part."""

    def __init__(self, encoding: str) -> None:
        self.segmented = encoding == "segments"
        self.next_id = 0

    def part(self, length: int) -> tuple[Unit, ...]:
        """Return ``length`` fresh tokens (or one fresh segment); ``()`` for length 0."""
        if length == 0:
            return ()
        if self.segmented:
            self.next_id += 1
            return ((self.next_id - 1, length),)
        start = self.next_id
        self.next_id += length
        return tuple(range(start, start + length))


# ---------------------------------------------------------------- parameter checks

def _int(name: str, value: Any, low: int, high: int = MAX_PROMPT_TOKENS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InstanceError(f"{name}: must be an integer >= {low}, got {value!r}")
    if value > high:
        raise InstanceError(f"{name}: absurdly large value {value} (limit {high})")
    return value


def _number(name: str, value: Any, positive: bool = False, allow_inf: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and not math.isnan(value)
    if ok and math.isinf(value):
        ok = allow_inf and value > 0
    if not ok or value < 0 or (positive and value == 0):
        what = "> 0" if positive else ">= 0"
        raise InstanceError(f"{name}: must be a finite number {what}{' or inf' if allow_inf else ''}, got {value!r}")
    return float(value)


def _common(seed: Any, cost: Any, ttft_bound: Any, encoding: Any) -> None:
    _int("seed", seed, 0, 2**63 - 1)
    if not isinstance(cost, CostModel):
        raise InstanceError(f"cost: must be a CostModel, got {type(cost).__name__}")
    if ttft_bound is not None:
        _number("ttft_bound", ttft_bound)
    if encoding not in ENCODINGS:
        raise InstanceError(f"encoding: must be one of {list(ENCODINGS)}, got {encoding!r}")


def _check_size(n: int, total_tokens: int, encoding: str) -> None:
    """Refuse workloads that the instance reader would refuse, or too large to build in memory."""
    if n > MAX_QUERIES:
        raise InstanceError(f"size: {n} queries exceeds the format's limit of {MAX_QUERIES}")
    if encoding == "tokens" and total_tokens > MAX_TOTAL_TOKENS:
        raise InstanceError(f"size: {total_tokens} prompt tokens in all exceeds {MAX_TOTAL_TOKENS} "
                            "with encoding 'tokens'; use encoding 'segments'")
    if total_tokens > MAX_TOTAL_PROMPT:
        raise InstanceError(f"size: {total_tokens} prompt tokens in all exceeds the format's limit of {MAX_TOTAL_PROMPT}")


# ---------------------------------------------------------------- shared helpers

def poisson_arrivals(n: int, rate: float, rng: random.Random) -> list[float]:
    """Return ``n`` non-decreasing arrival times: 0, then exponential gaps of mean 1/rate.

    ``rate = inf`` puts every arrival at 0. Times are rounded to 1e-6 for readable files."""
    if math.isinf(rate):
        return [0.0] * n
    t, out = 0.0, []
    for j in range(n):
        if j:
            t += rng.expovariate(rate)
        out.append(round(t, 6))
    return out


def lognormal_length(rng: random.Random, mean: float, sigma: float, low: int = 1) -> int:
    """Return a log-normal integer length with the given mean (0 for mean 0), at least ``low``."""
    if mean == 0:
        return 0
    mu = math.log(mean) - sigma * sigma / 2  # so that E[X] = mean
    return max(low, round(rng.lognormvariate(mu, sigma)))


def _instance(prompts: list[tuple[Unit, ...]], arrivals: list[float], segmented: bool,
              cost: CostModel, ttft_bound: float | None) -> Instance:
    if arrivals and max(arrivals) > MAX_NUMBER:
        raise InstanceError(f"arrivals: reach {max(arrivals):.3g}, beyond the format's limit of {MAX_NUMBER:g} "
                            "(lower the spacing or raise the rate)")
    queries = tuple(Query(f"q{j}", a, p, segmented) for j, (p, a) in enumerate(zip(prompts, arrivals)))
    return Instance(queries, cost, ttft_bound)


# ---------------------------------------------------------------- the generators

def definition4(u: int = 100, d: int = 50, s: float = 40.0, users: int = 4, repeats: int = 5,
                seed: int = 0, *, cost: CostModel = CostModel(), ttft_bound: float | None = None,
                encoding: str = "tokens") -> Instance:
    """Return the paper's Definition 4 "regular arrival shuffled queue" (fixed lengths).

    ``users`` user prefixes of ``u`` tokens; each is followed by ``repeats`` unique documents of
    ``d`` tokens (n = users·repeats queries, a prefix tree of height two). The n prompts are
    shuffled and the i-th arrives at ``i·s``."""
    _int("u", u, 0), _int("d", d, 1), _number("s", s), _int("users", users, 1)
    _int("repeats", repeats, 1), _common(seed, cost, ttft_bound, encoding)
    _check_size(users * repeats, users * repeats * (u + d), encoding)
    rng, parts = random.Random(seed), _Parts(encoding)
    prefixes = [parts.part(u) for _ in range(users)]
    owners = [p for p in range(users) for _ in range(repeats)]
    rng.shuffle(owners)
    prompts = [prefixes[p] + parts.part(d) for p in owners]
    return _instance(prompts, [i * s for i in range(len(prompts))], parts.segmented, cost, ttft_bound)


def shared_prefix(groups: int = 8, prompts_per_group: int = 8, system_len: int = 512,
                  question_len: int = 64, rate: float = 0.002, seed: int = 0, *,
                  cost: CostModel = CostModel(), ttft_bound: float | None = None,
                  encoding: str = "tokens") -> Instance:
    """Return SGLang's generated-shared-prefix benchmark shape with Poisson arrivals.

    ``groups`` system prompts of ``system_len`` tokens, each followed by ``prompts_per_group``
    distinct questions of ``question_len`` tokens (fixed lengths, as SGLang's generator uses);
    the prompts are shuffled and arrive as a Poisson process of ``rate`` queries per time unit."""
    _int("groups", groups, 1), _int("prompts_per_group", prompts_per_group, 1)
    _int("system_len", system_len, 0), _int("question_len", question_len, 1)
    _number("rate", rate, positive=True, allow_inf=True), _common(seed, cost, ttft_bound, encoding)
    n = groups * prompts_per_group
    _check_size(n, n * (system_len + question_len), encoding)
    rng, parts = random.Random(seed), _Parts(encoding)
    systems = [parts.part(system_len) for _ in range(groups)]
    owners = [g for g in range(groups) for _ in range(prompts_per_group)]
    rng.shuffle(owners)
    prompts = [systems[g] + parts.part(question_len) for g in owners]
    return _instance(prompts, poisson_arrivals(n, rate, rng), parts.segmented, cost, ttft_bound)


PROFILE_SIGMA, HISTORY_SIGMA, QUESTION_SIGMA = 0.25, 0.6, 0.4


def paper_like(users: int = 20, queries_per_user: int = 10, instruction_len: int = 200,
               profile_len: int = 100, history_len: int = 500, question_len: int = 50,
               rate: float = 0.001, seed: int = 0, *, max_len: int = 8192, zipf: float = 0.0,
               cost: CostModel = CostModel(), ttft_bound: float | None = None,
               encoding: str = "tokens") -> Instance:
    """Return a workload shaped like the paper's: instruction + profile + history + question.

    One instruction of ``instruction_len`` tokens is shared by all users. Each user has a
    profile (log-normal, mean ``profile_len``, sigma 0.25: profiles are templated, so they vary
    little) and a history of past interactions (log-normal, mean ``history_len``, sigma 0.6:
    heavy-tailed, some users have much more history); both are drawn once per user and shared
    by all ``queries_per_user`` queries of that user. Each query ends with its own question
    (log-normal, mean ``question_len``, sigma 0.4, at least 1 token). A prompt longer than
    ``max_len`` tokens has its history cut (then its profile), like the paper's 8k-token prompts.
    The prompts are shuffled and arrive as a Poisson process of ``rate`` per time unit.

    User popularity. With ``zipf = 0`` (default) every user has exactly ``queries_per_user``
    queries. With ``zipf = a > 0`` the number of queries stays n = users·queries_per_user, but
    each query's user is drawn independently: user p (rank p + 1, p = 0 .. users − 1, user 0
    the most popular) with probability (p + 1)^−a / Σ_r r^−a. A user may then have no query."""
    _int("users", users, 1), _int("queries_per_user", queries_per_user, 1)
    _int("instruction_len", instruction_len, 0), _int("profile_len", profile_len, 0)
    _int("history_len", history_len, 0), _int("question_len", question_len, 1)
    _number("rate", rate, positive=True, allow_inf=True), _common(seed, cost, ttft_bound, encoding)
    _int("max_len", max_len, 1), _number("zipf", zipf)
    if max_len <= instruction_len:
        raise InstanceError(f"max_len: must exceed instruction_len ({instruction_len}), got {max_len}")
    n = users * queries_per_user
    mean_len = instruction_len + profile_len + history_len + question_len
    _check_size(n, n * min(max_len, mean_len * 3), encoding)  # generous: log-normal tails
    rng, parts = random.Random(seed), _Parts(encoding)
    instruction = parts.part(instruction_len)
    owners = _owners(rng, users, queries_per_user, zipf)
    room = max_len - instruction_len  # tokens left for profile + history + question
    questions = [min(room, lognormal_length(rng, question_len, QUESTION_SIGMA)) for _ in range(n)]
    longest_q = [1] * users
    for j, p in enumerate(owners):
        longest_q[p] = max(longest_q[p], questions[j])
    user_parts = [_user_part(rng, parts, profile_len, history_len, room - longest_q[p]) for p in range(users)]
    prompts = [instruction + user_parts[p] + parts.part(questions[j]) for j, p in enumerate(owners)]
    return _instance(prompts, poisson_arrivals(n, rate, rng), parts.segmented, cost, ttft_bound)


def _owners(rng: random.Random, users: int, queries_per_user: int, zipf: float) -> list[int]:
    """Return the user of each of the users·queries_per_user queries, in arrival order."""
    n = users * queries_per_user
    if zipf == 0:
        owners = [p for p in range(users) for _ in range(queries_per_user)]
        rng.shuffle(owners)
        return owners
    weights = [(p + 1) ** -zipf for p in range(users)]
    return rng.choices(range(users), weights=weights, k=n)


def _user_part(rng: random.Random, parts: _Parts, profile_len: int, history_len: int,
               room: int) -> tuple[Unit, ...]:
    """Return one user's profile + history, cut (history first) to at most ``room`` tokens."""
    profile = lognormal_length(rng, profile_len, PROFILE_SIGMA)
    history = lognormal_length(rng, history_len, HISTORY_SIGMA)
    history = max(0, min(history, room - profile))
    profile = max(0, min(profile, room - history))
    return parts.part(profile) + parts.part(history)


GENERATORS: dict[str, Callable[..., Instance]] = {
    "definition4": definition4, "shared-prefix": shared_prefix, "paper-like": paper_like}


def generate(kind: str, **params: Any) -> Workload:
    """Return the ``Workload`` of generator ``kind`` (a key of ``GENERATORS``) with ``params``.

    ``meta`` records the generator, every parameter (defaults filled in) and the seed; the cost
    model and bound are stored in the instance itself, not in meta."""
    import inspect
    if kind not in GENERATORS:
        raise InstanceError(f"generator: unknown workload {kind!r} (choose from {sorted(GENERATORS)})")
    fn = GENERATORS[kind]
    sig = inspect.signature(fn)
    unknown = sorted(set(params) - set(sig.parameters))
    if unknown:
        raise InstanceError(f"{kind}: unknown parameter {unknown[0]!r}")
    bound = sig.bind(**params)
    bound.apply_defaults()
    instance = fn(**params)
    record = {k: v for k, v in bound.arguments.items() if k not in ("cost", "ttft_bound")}
    record["rate"] = "inf" if isinstance(record.get("rate"), float) and math.isinf(record["rate"]) else record.get("rate")
    if kind == "definition4":
        record.pop("rate")
    if kind == "paper-like" and record.get("zipf") == 0:
        record.pop("zipf")  # uniform popularity: files stay byte-identical to those before zipf
    return Workload(instance, {"generator": kind, "seed": record.pop("seed"), "params": record})
