"""A seeded simulation of an LLM application with a semantic cache in front.

Nothing here calls a real model: :class:`LLMStandIn` answers from the FAQ data
file with a latency and a price drawn from a seeded generator, so every run of
the lab gives the same numbers. The prices and latencies are *illustrative
parameters*, not AWS or model-vendor figures — change them and watch the
conclusions move.

The traffic: ``n`` questions whose intents follow a Zipf-like popularity (a
few questions are asked a lot), each phrased in one of several ways. Because
every prompt carries its true intent, the simulation can count what a real
cache cannot see: **wrong answers** — hits that served the answer to a
different question.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .embed import default_embedder, load_text


@dataclass
class Intent:
    name: str
    answer: str
    phrasings: List[str]


def load_intents() -> List[Intent]:
    """The FAQ intents shipped in engine/semantic/data/faq.txt."""
    out: List[Intent] = []
    for line in load_text("faq.txt"):
        if line.startswith("##"):
            name, answer = line[2:].split("|", 1)
            out.append(Intent(name.strip(), answer.strip(), []))
        else:
            out[-1].phrasings.append(line)
    return out


def tokens(text: str) -> int:
    """A rough token count (~1.3 tokens per English word)."""
    return max(1, round(len(text.split()) * 1.3))


@dataclass
class LLMStandIn:
    """A pretend LLM: seeded latency and per-token cost; answers from the FAQ.

    ``input_price``/``output_price`` are dollars per million tokens;
    ``output_tokens`` is the typical answer length (answers are padded to it,
    as a chatty model would be)."""

    seed: int = 0
    base_latency_s: float = 0.6
    per_token_s: float = 0.015
    input_price: float = 3.0
    output_price: float = 15.0
    output_tokens: int = 250

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.answers: Dict[str, str] = {}
        self.calls = 0
        self.cost = 0.0
        self.latency = 0.0
        for it in load_intents():
            for p in it.phrasings:
                self.answers[p] = it.answer
        self._stripped = {p.lower().strip(" ?!.:)"): a for p, a in self.answers.items()}

    def call_cost(self, prompt: str) -> float:
        return (tokens(prompt) * self.input_price + self.output_tokens * self.output_price) / 1e6

    def __call__(self, prompt: str) -> str:
        self.calls += 1
        self.cost += self.call_cost(prompt)
        jitter = self.rng.lognormvariate(0, 0.25)
        self.latency += (self.base_latency_s + self.output_tokens * self.per_token_s) * jitter
        # The stand-in "understands" a prompt if it contains a known phrasing.
        if prompt in self.answers:
            return self.answers[prompt]
        low = prompt.lower()
        for p, a in self._stripped.items():
            if p in low:
                return a
        return "I am not sure."


#: What people wrap their questions in. They make most prompts unique byte for
#: byte — an exact-match cache misses them, a semantic one need not.
OPENERS = ("", "", "Hi, ", "Hello! ", "Quick question: ", "Please help: ", "hey ")
CLOSERS = ("", "", " Thanks!", " thank you", " asap", " :)", " Any idea?")


def traffic(n: int, seed: int = 0, zipf: float = 1.1, wrap: bool = True) -> List[Tuple[str, str]]:
    """``n`` (prompt, intent) pairs: intents by Zipf popularity, phrasing
    uniform, and (``wrap``) a random greeting/sign-off around many of them."""
    rng = random.Random(seed)
    intents = load_intents()
    order = list(range(len(intents)))
    rng.shuffle(order)
    weights = [1.0 / (rank + 1) ** zipf for rank in range(len(intents))]
    out = []
    for _ in range(n):
        it = intents[order[rng.choices(range(len(intents)), weights)[0]]]
        prompt = rng.choice(it.phrasings)
        if wrap:
            prompt = rng.choice(OPENERS) + prompt + rng.choice(CLOSERS)
        out.append((prompt, it.name))
    return out


class MemoEmbedder:
    """Wraps an embedder with a dict, so a repeated prompt is embedded once
    (the simulation reuses phrasings; a real cache would pay each time)."""

    def __init__(self, embed=None):
        self.embed = embed if embed is not None else default_embedder()
        self.memo: Dict[str, object] = {}

    def __call__(self, text: str):
        v = self.memo.get(text)
        if v is None:
            v = self.memo[text] = self.embed(text)
        return v


#: Per-request cost and latency of the cache path itself (embedding the
#: prompt + one KNN query). Illustrative: an embedding API call costs about
#: $0.02 per million tokens; the cache node's hourly price spread over its
#: requests is of the same order.
CACHE_COST_PER_LOOKUP = 0.000_02
CACHE_LATENCY_S = 0.005


@dataclass
class RunResult:
    threshold: float
    requests: int
    hits: int
    wrong: int
    exact_hits: int           # what an exact-match (byte-for-byte) cache would have hit
    cost_no_cache: float
    cost_with_cache: float
    latency_no_cache: float
    latency_with_cache: float

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.requests

    @property
    def wrong_ratio(self) -> float:
        return self.wrong / self.requests

    @property
    def exact_hit_ratio(self) -> float:
        return self.exact_hits / self.requests

    @property
    def savings(self) -> float:
        return 1 - self.cost_with_cache / self.cost_no_cache

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "hit_ratio": self.hit_ratio,
                "wrong_ratio": self.wrong_ratio, "savings": self.savings,
                "exact_hit_ratio": self.exact_hit_ratio,
                "mean_latency_no_cache_s": self.latency_no_cache / self.requests,
                "mean_latency_with_cache_s": self.latency_with_cache / self.requests,
                "hits": self.hits, "wrong": self.wrong, "requests": self.requests}


def run(threshold: float, n: int = 300, seed: int = 0, ttl: Optional[int] = 3600,
        seconds_between: float = 1.0, embed=None, algorithm: str = "FLAT",
        zipf: float = 1.1) -> RunResult:
    """Serve ``n`` requests through a fresh engine node with a semantic cache
    at ``threshold``; cost and latency with the cache vs calling the LLM every time.
    The cache holds at most a few hundred entries here, so its index is FLAT
    (exact, and cheaper than building a graph at this size)."""
    from .. import connect
    from ..node.node import Node
    from .cache import SemanticCache

    node = Node(seed=seed)
    client = connect(node)
    embedder = embed if embed is not None else MemoEmbedder()
    cache = SemanticCache(client, embed=embedder, threshold=threshold, ttl=ttl, algorithm=algorithm)
    llm = LLMStandIn(seed=seed)
    baseline = LLMStandIn(seed=seed)
    lat_cache = 0.0
    seen = set()
    exact = 0
    for prompt, intent in traffic(n, seed, zipf=zipf):
        exact += prompt in seen
        seen.add(prompt)
        baseline(prompt)
        before = llm.latency
        cache.ask(prompt, llm, intent=intent)
        lat_cache += CACHE_LATENCY_S + (llm.latency - before)
        node.clock.advance(seconds_between)
    cost_cache = llm.cost + n * CACHE_COST_PER_LOOKUP
    return RunResult(threshold, n, cache.stats.hits, cache.stats.wrong, exact, baseline.cost, cost_cache,
                     baseline.latency, lat_cache)


def sweep(thresholds, n: int = 300, seed: int = 0, **kw) -> List[dict]:
    """:func:`run` at each threshold (same traffic each time), as dicts."""
    embed = kw.pop("embed", None) or MemoEmbedder()
    return [run(t, n, seed, embed=embed, **kw).as_dict() for t in thresholds]


def savings_at(hit_ratio: float, overhead_ratio: float) -> float:
    """The savings model behind "up to 88% at a 90% hit ratio": every request
    pays the cache's overhead (a fraction ``overhead_ratio`` of one LLM call),
    only misses pay the LLM. Savings = hit_ratio - overhead_ratio."""
    return hit_ratio - overhead_ratio


def implied_overhead(hit_ratio: float = 0.90, savings: float = 0.88) -> float:
    """The cache overhead (as a fraction of one LLM call) that makes the
    claim come out exactly: 0.90 - 0.88 = 0.02."""
    return hit_ratio - savings
