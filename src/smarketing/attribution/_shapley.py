"""The Shapley model: each path's conversions split evenly over its distinct channels."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from smarketing.attribution._checks import Paths, _check_paths

K = TypeVar("K", bound=Hashable)


def shapley_credit(paths: Paths) -> dict[str, float]:
    """The Shapley value of each channel in the game whose coalition value is the conversions
    of the paths whose channels all lie in the coalition.

    That game is a sum of unanimity games (one per path), so its Shapley value is exact in
    closed form for any number of channels: each path's conversions split evenly over its
    distinct channels. Non-conversions do not enter the game.

    >>> shapley_credit({("email", "paid", "email"): (3, 5), ("paid",): (1, 0)})
    {'email': 1.5, 'paid': 2.5}
    """
    checked = _check_paths(paths, "shapley_credit(paths)")
    credit = _shapley((path, conversions) for path, (conversions, _) in checked.items())
    return {c: credit[c] for c in sorted(credit)}


def _shapley(paths: Iterable[tuple[tuple[K, ...], float]]) -> dict[K, float]:
    credit: dict[K, float] = {}
    for path, worth in paths:
        members = set(path)
        share = worth / len(members)
        for member in members:
            credit[member] = credit.get(member, 0.0) + share
    return credit
