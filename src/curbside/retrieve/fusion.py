"""Fusing ranked lists: reciprocal rank fusion and a convex mix of normalised scores."""

from __future__ import annotations

RRF_K = 60  # Cormack, Clarke & Buettcher (SIGIR 2009): k = 60


def rrf(rankings: list[list[tuple[int, float]]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the lists that hold each id."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (item, _score) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)


def convex(
    rankings: list[list[tuple[int, float]]], weights: list[float]
) -> list[tuple[int, float]]:
    """Weighted sum of min-max normalised scores; an id missing from a list scores 0 there."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        scores = [s for _, s in ranking]
        low, high = min(scores), max(scores)
        span = high - low or 1.0
        for item, score in ranking:
            fused[item] = fused.get(item, 0.0) + weight * (score - low) / span
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)
