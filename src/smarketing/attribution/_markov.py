"""The Markov model: removal effects solved exactly on the absorbing chain of the paths."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Mapping
from types import MappingProxyType
from typing import TypeAlias, TypeVar

import attrs

from smarketing.attribution._checks import Paths, _check_order, _check_paths

K = TypeVar("K", bound=Hashable)


@attrs.frozen
class MarkovCredit:
    """The Markov model's result: credit per channel and the removal effects behind it.

    Attributes:
        credit: conversions credited per channel: the conversions times the channel's removal
            effect over the sum of all removal effects.
        removal_effects: per channel, the share of the conversion probability lost when the
            channel is removed from the chain (its states lead nowhere).
        conversion_probability: the chain's probability of ending in a conversion.
        conversions: the paths' conversions.
        order: the chain's order (states are the last `order` channels).
    """

    credit: Mapping[str, float] = attrs.field(hash=False)
    removal_effects: Mapping[str, float] = attrs.field(hash=False)
    conversion_probability: float
    conversions: float
    order: int


def markov_credit(paths: Paths, order: int = 1) -> MarkovCredit:
    """The Markov model of `paths` ``{(channel, ...): (conversions, non_conversions)}``.

    Consecutive repeats of a channel are one state (``A > A > B`` is ``A > B``), as
    ChannelAttribution counts them; a state is the last `order` channels of the path so far.
    The removal effect of a channel is found by solving the absorbing chain exactly with and
    without it (a linear solve, no simulation, no cut at the longest path).

    >>> r = markov_credit({("email", "paid"): (3, 1), ("paid",): (1, 3)})
    >>> round(r.conversion_probability, 6), {c: round(v, 6) for c, v in r.credit.items()}
    (0.5, {'email': 1.333333, 'paid': 2.666667})
    """
    _check_order(order)
    checked = _check_paths(paths, "markov_credit(paths)")
    credit, effects, probability, conversions = _markov(checked, order)
    names = sorted(credit)
    return MarkovCredit(
        credit=MappingProxyType({c: credit[c] for c in names}),
        removal_effects=MappingProxyType({c: effects[c] for c in names}),
        conversion_probability=probability,
        conversions=conversions,
        order=order,
    )


def _markov(
    paths: Mapping[tuple[K, ...], tuple[float, float]], order: int
) -> tuple[dict[K, float], dict[K, float], float, float]:
    """Credit, removal effects, conversion probability and conversions of the chain of `paths`.

    States are tuples of the last `order` channels (shorter at a path's start); the start
    state is ``()``. Each absorbing probability is solved by Gaussian elimination.
    """
    # One pass counts the moves between states (start: ``()``) and each path's last state;
    # the states are numbered afterwards.
    edges, ends, conversions = (_first_order if order == 1 else _higher_order)(paths, order)
    index: dict[tuple[K, ...], int] = {}
    for _, current in edges:
        index.setdefault(current, len(index))
    moves: list[dict[int, float]] = [{} for _ in index]
    totals = [0.0] * len(index)
    converts = [0.0] * len(index)
    entry: dict[int, float] = {}
    for (before, current), weight in edges.items():
        if before:
            i = index[before]
            moves[i][index[current]] = weight
            totals[i] += weight
        else:
            entry[index[current]] = weight
    for state, (c, weight) in ends.items():
        converts[index[state]] += c
        totals[index[state]] += weight
    channels = {k for s in index for k in s}
    members = [frozenset(s) for s in index]
    everyone = list(range(len(moves)))
    base = _absorption(everyone, moves, converts, totals, entry)
    effects: dict[K, float] = {}
    for channel in sorted(channels, key=repr):
        kept = [i for i in everyone if channel not in members[i]]
        without = _absorption(kept, moves, converts, totals, entry)
        effects[channel] = (base - without) / base if base > 0 else 0.0
    total_effect = math.fsum(effects.values())
    credit = {
        k: conversions * e / total_effect if total_effect > 0 else 0.0 for k, e in effects.items()
    }
    return credit, effects, base, conversions


_Counts: TypeAlias = tuple[
    dict[tuple[tuple[K, ...], tuple[K, ...]], float], dict[tuple[K, ...], list[float]], float
]


def _higher_order(paths: Mapping[tuple[K, ...], tuple[float, float]], order: int) -> _Counts[K]:
    """The moves between states (the last `order` channels; the start is ``()``), the
    conversions and weight ending in each state, and the conversions."""
    edges: defaultdict[tuple[tuple[K, ...], tuple[K, ...]], float] = defaultdict(float)
    ends: defaultdict[tuple[K, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])
    conversions = 0.0
    start: tuple[K, ...] = ()
    for path, (c, nn) in paths.items():
        weight = c + nn
        if not weight:
            continue
        conversions += c
        previous, last = start, None
        for k in path:
            if k != last:  # a repeat of the channel just seen is the same state
                current = (*previous, k)[-order:]
                edges[previous, current] += weight
                previous, last = current, k
        end = ends[previous]
        end[0] += c
        end[1] += weight
    return edges, ends, conversions


def _first_order(paths: Mapping[tuple[K, ...], tuple[float, float]], _order: int) -> _Counts[K]:
    """`_higher_order` for order 1, counting moves between channels (the hot path)."""
    moves: defaultdict[tuple[K | None, K], float] = defaultdict(float)
    finals: defaultdict[K, list[float]] = defaultdict(lambda: [0.0, 0.0])
    conversions = 0.0
    for path, (c, nn) in paths.items():
        weight = c + nn
        if not weight:
            continue
        conversions += c
        last = None
        for k in path:
            if k != last:
                moves[last, k] += weight
                last = k
        end = finals[last]  # type: ignore[index]  # paths are never empty
        end[0] += c
        end[1] += weight
    edges: dict[tuple[tuple[K, ...], tuple[K, ...]], float] = {
        (() if a is None else (a,), (b,)): w for (a, b), w in moves.items()
    }
    return edges, {(k,): v for k, v in finals.items()}, conversions


def _absorption(
    kept: list[int],
    moves: list[dict[int, float]],
    converts: list[float],
    totals: list[float],
    entry: Mapping[int, float],
) -> float:
    """The probability of conversion from the start when only the `kept` states remain (a
    removed state leads nowhere): solves (I - Q) x = r over the kept states."""
    position = {s: i for i, s in enumerate(kept)}
    size = len(kept)
    rows: list[list[float]] = []
    rhs: list[float] = []
    for s in kept:
        row = [0.0] * size
        row[position[s]] = 1.0
        total = totals[s]
        for t, w in moves[s].items():
            j = position.get(t)
            if j is not None:
                row[j] -= w / total
        rows.append(row)
        rhs.append(converts[s] / total)
    x = _solve(rows, rhs)
    started = math.fsum(entry.values())
    reach = math.fsum(w * x[position[s]] for s, w in entry.items() if s in position)
    return reach / started if started else 0.0


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (`a` and `b` are overwritten)."""
    n = len(b)
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if pivot != col:
            a[col], a[pivot] = a[pivot], a[col]
            b[col], b[pivot] = b[pivot], b[col]
        top = a[col]
        head = top[col]
        for r in range(col + 1, n):
            row = a[r]
            factor = row[col] / head
            if factor:
                for k in range(col, n):
                    if top[k]:
                        row[k] -= factor * top[k]
                b[r] -= factor * b[col]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        row = a[r]
        acc = b[r] - math.fsum(row[k] * x[k] for k in range(r + 1, n) if row[k])
        x[r] = acc / row[r]
    return x
