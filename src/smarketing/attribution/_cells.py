"""The order of channels and campaigns, and their Markdown cells, for every credit table."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

from smarketing._format import cell as _cell
from smarketing._format import grouped, when

#: A touch's unit of credit: its channel and its campaign (``None`` without a campaign level).
_Key: TypeAlias = tuple[str, str | None]


def _channel_order(channel: str | None) -> tuple[bool, str]:
    return (channel is None, channel or "")


def _key_order(key: _Key) -> tuple[str, bool, str]:
    return (key[0], key[1] is not None, key[1] or "")


def _unit_order(unit: object) -> tuple[str, bool, str]:
    if isinstance(unit, tuple):
        return _key_order(unit)
    return (str(unit), False, "")


def _when(moment: datetime | None) -> str:
    return when(moment, unknown="the start")


def _channel_cell(channel: str | None) -> str:
    return "(no touch)" if channel is None else _cell(channel)


def _count(value: float | None) -> str:
    return grouped(value, decimals=1)


def _money(value: float | None) -> str:
    return grouped(value)
