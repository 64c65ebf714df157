"""The touchpoint credit models: a walk over the journeys for one milestone, crediting each
conversion by position (first, last, lead creation, linear, U, W, full path, time decay) or
handing the paths to the Markov and Shapley models.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

import attrs

from smarketing.attribution._cells import _channel_order, _Key
from smarketing.attribution._journeys import _Journey
from smarketing.attribution._markov import _markov
from smarketing.attribution._shapley import _shapley
from smarketing.lifecycle import Lifecycle

#: The shares of the position-based models: each position's share, then the rest's.
_POSITIONS: Final = {
    "u_shaped": ((0.4, 0.4), 0.2),
    "w_shaped": ((0.3, 0.3, 0.3), 0.1),
    "full_path": ((0.225, 0.225, 0.225, 0.225), 0.1),
}
#: The milestones `ROI` reports on: the lead's creation, then the stages of the default path.
_CREATED: Final = ""
_FUNNEL: Final = (("leads", _CREATED), ("mqls", "mql"), ("sqls", "sql"), ("customers", "customer"))


@attrs.frozen(eq=False)
class _Inputs:
    """What `roi` and `compare` need to apply the model again: the journeys and the options."""

    journeys: tuple[_Journey, ...]
    lifecycle: Lifecycle
    opportunity: str
    half_life: timedelta
    order: int
    valued: bool


@attrs.define
class _Tally:
    """Credit for one milestone under one model, keyed by (channel, campaign); ``None``: no
    touch. `paths` are the journeys' keys with their conversions and non-conversions."""

    conversions: int = 0
    no_touch: int = 0
    journeys: int = 0
    total_revenue: float = 0.0
    credit: dict[_Key | None, float] = attrs.field(factory=dict)
    revenue: dict[_Key | None, float] | None = None
    paths: list[tuple[tuple[_Key, ...], float, float]] = attrs.field(factory=list)


def _tally(
    inputs: _Inputs,
    model: str,
    milestone: str,
    start: datetime | None,
    end: datetime | None,
    *,
    paths: bool = False,
) -> _Tally:
    """Walk the journeys once for `milestone` (``""``: the lead's creation) and credit them;
    the journeys' paths are kept for the data-driven models, or when `paths` asks for them."""
    tally = _Tally(revenue={} if inputs.valued else None)
    paths = paths or model in ("markov", "shapley")
    weighted: list[tuple[tuple[_Key, ...], float, float, float]] = []
    shares_of = _SHARES.get(model)
    opportunity = inputs.opportunity
    half_life = inputs.half_life.total_seconds()
    credit, revenue = tally.credit, tally.revenue
    for j in inputs.journeys:
        reached = j.created_at if milestone == _CREATED else j.entries.get(milestone)
        if reached is not None and start is not None and reached < start:
            continue  # converted before the window: not part of it
        converted = reached is not None and (end is None or reached <= end)
        tally.journeys += 1
        cutoff = reached if converted else end
        times = j.times
        n = len(times) if cutoff is None else bisect_right(times, cutoff)
        amount = j.value or 0.0
        if not converted:
            if n and paths:
                weighted.append((j.keys[:n], 0.0, 1.0, 0.0))
            continue
        tally.conversions += 1
        tally.total_revenue += amount
        if not n:
            tally.no_touch += 1
            credit[None] = credit.get(None, 0.0) + 1.0
            if revenue is not None:
                revenue[None] = revenue.get(None, 0.0) + amount
            continue
        keys = j.keys
        if paths:
            weighted.append((keys[:n], 1.0, 0.0, amount))
        if shares_of is None:
            continue
        assert reached is not None
        positions = _Positions(
            n, times, reached, j.created_at, j.entries.get(opportunity), half_life
        )
        for i, share in shares_of(positions):
            key = keys[i]
            credit[key] = credit.get(key, 0.0) + share
            if revenue is not None:
                revenue[key] = revenue.get(key, 0.0) + share * amount
    tally.paths = [(keys, c, nn) for keys, c, nn, _ in weighted]
    if model == "markov":
        _markov_tally(tally, weighted, inputs.order)
    elif model == "shapley":
        _shapley_tally(tally, weighted)
    return tally


@attrs.frozen
class _Positions:
    """A converting journey's touches as the position models see them."""

    n: int
    times: Sequence[datetime]
    reached: datetime
    created: datetime
    opportunity: datetime | None
    half_life: float

    def last_by(self, moment: datetime) -> int:
        """The last touch at or before `moment`, or the first touch when none is."""
        return max(bisect_right(self.times, moment, 0, self.n) - 1, 0)

    @property
    def creation(self) -> int:
        return self.last_by(self.created)

    @property
    def opportunity_touch(self) -> int:
        entered = self.opportunity
        if entered is None or entered > self.reached:
            return self.n - 1  # no opportunity before the milestone: the won touch stands in
        return self.last_by(entered)


def _first(p: _Positions) -> list[tuple[int, float]]:
    return [(0, 1.0)]


def _last(p: _Positions) -> list[tuple[int, float]]:
    return [(p.n - 1, 1.0)]


def _creation(p: _Positions) -> list[tuple[int, float]]:
    return [(p.creation, 1.0)]


def _linear(p: _Positions) -> list[tuple[int, float]]:
    return [(i, 1.0 / p.n) for i in range(p.n)]


def _time_decay(p: _Positions) -> list[tuple[int, float]]:
    # Relative to the latest touch, so that old journeys do not underflow to all zeros.
    latest = p.times[p.n - 1]
    weights = [0.5 ** ((latest - p.times[i]).total_seconds() / p.half_life) for i in range(p.n)]
    total = math.fsum(weights)
    return [(i, w / total) for i, w in enumerate(weights)]


def _positional(model: str) -> Callable[[_Positions], list[tuple[int, float]]]:
    shares, rest = _POSITIONS[model]

    def split(p: _Positions) -> list[tuple[int, float]]:
        where = [0, p.creation]
        if len(shares) > 2:
            where.append(p.opportunity_touch)
        if len(shares) > 3:
            where.append(p.n - 1)
        out = list(zip(where, shares, strict=True))
        held = set(where)
        others = [i for i in range(1, max(where)) if i not in held]
        targets = others or sorted(held)
        out += [(i, rest / len(targets)) for i in targets]
        return out

    return split


_SHARES: Final[Mapping[str, Callable[[_Positions], list[tuple[int, float]]]]] = {
    "first_touch": _first,
    "last_touch": _last,
    "lead_creation": _creation,
    "linear": _linear,
    "time_decay": _time_decay,
    **{name: _positional(name) for name in _POSITIONS},
}


def _markov_tally(
    tally: _Tally, weighted: list[tuple[tuple[_Key, ...], float, float, float]], order: int
) -> None:
    paths: dict[tuple[_Key, ...], tuple[float, float]] = {}
    worth: float = 0.0
    for keys, conversions, nulls, amount in weighted:
        c, nn = paths.get(keys, (0.0, 0.0))
        paths[keys] = (c + conversions, nn + nulls)
        worth += amount
    credit, _, _, conversions = _markov(paths, order)
    for key, share in credit.items():
        tally.credit[key] = share
        if tally.revenue is not None:
            tally.revenue[key] = share / conversions * worth if conversions else 0.0


def _shapley_tally(
    tally: _Tally, weighted: list[tuple[tuple[_Key, ...], float, float, float]]
) -> None:
    for key, share in _shapley((keys, c) for keys, c, _, _ in weighted).items():
        tally.credit[key] = share
    if tally.revenue is not None:
        for key, share in _shapley((keys, a) for keys, _, _, a in weighted).items():
            tally.revenue[key] = share


def _keys(credit: Mapping[_Key | None, float]) -> list[_Key]:
    return [k for k in credit if k is not None]


def _by_channel(credit: Mapping[_Key | None, float]) -> Mapping[str | None, float]:
    out: dict[str | None, float] = {}
    for key, share in credit.items():
        name = None if key is None else key[0]
        out[name] = out.get(name, 0.0) + share
    return MappingProxyType({c: out[c] for c in sorted(out, key=_channel_order)})
