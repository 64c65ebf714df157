"""Attribution's values as data: costs, credit and ROI tables, for the one converter.

`Attribution` is written only: its methods re-credit the journeys, which its data does not
hold. The tables made from it, `ROI` and `ModelComparison`, read back. Credit is written as
``[channel, credit]`` pairs (the channel may be null: no touch), largest first; an ROI row
adds the figures derived from its `ChannelROI` (read back, they are derived again).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeAlias

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from smarketing import _convert
from smarketing._convert import RAW
from smarketing.attribution._cells import _channel_order, _Key
from smarketing.attribution._markov import MarkovCredit
from smarketing.attribution._result import Attribution, ModelComparison
from smarketing.attribution._roi import _FIGURES, ROI, ChannelROI, Cost

#: A channel and its credit; the data writes it as ``[channel, credit]``.
_Pair: TypeAlias = tuple[str | None, float]
#: What an ROI row adds to its `ChannelROI`'s data: the figures derived from it.
_DERIVED = tuple(f for f in _FIGURES if f not in attrs.fields_dict(ChannelROI))


def _pairs(credit: Mapping[str | None, float] | None) -> list[list[object]] | None:
    if credit is None:
        return None
    ordered = sorted(credit.items(), key=lambda kv: (-kv[1], _channel_order(kv[0])))
    return [[channel, share] for channel, share in ordered]


def _triples(credit: Mapping[_Key, float]) -> list[list[object]]:
    return [[channel, campaign, share] for (channel, campaign), share in credit.items()]


@_convert.shapes(Cost, ChannelROI, MarkovCredit, ROI, ModelComparison)
def _as_data(conv: cattrs.Converter) -> None:
    # A cost's amount reaches `Cost` as it is in the data (RAW), so that "5" is reported.
    conv.register_structure_hook(Cost, make_dict_structure_fn(Cost, conv, amount=RAW))
    conv.register_structure_hook(ChannelROI, _convert.figures(ChannelROI, conv))

    def rows_data(channels: tuple[ChannelROI, ...]) -> list[dict[str, object]]:
        # A row is its ChannelROI's data and the figures derived from it.
        return [conv.unstructure(r) | {f: getattr(r, f) for f in _DERIVED} for r in channels]

    def rows(value: object, _type: object) -> tuple[ChannelROI, ...]:
        given = _convert.a_list(value, list)
        own = [{k: v for k, v in r.items() if k not in _DERIVED} if isinstance(r, Mapping)
               else r for r in given]  # fmt: skip
        return conv.structure(own, tuple[ChannelROI, ...])

    table = override(unstruct_hook=rows_data, struct_hook=rows)
    conv.register_unstructure_hook(
        ROI, make_dict_unstructure_fn(ROI, conv, channels=table, campaigns=table)
    )
    conv.register_structure_hook(
        ROI, make_dict_structure_fn(ROI, conv, channels=table, campaigns=table)
    )

    def columns_data(credit: Mapping[str, Mapping[str | None, float]]) -> dict[str, object]:
        # A column per model, in the models' order: its [channel, credit] pairs.
        return {m: [[ch, v] for ch, v in column.items()] for m, column in credit.items()}

    def columns(value: object, _type: object) -> Mapping[str, Mapping[str | None, float]]:
        data = conv.structure(value, dict[str, list[_Pair]])
        return MappingProxyType({m: MappingProxyType(dict(pairs)) for m, pairs in data.items()})

    credit_pair = _convert.pair(
        "[channel, credit]", _convert.structure_optional_text, _convert.number
    )
    conv.register_structure_hook_func(lambda t: t == _Pair, credit_pair)
    credit = override(unstruct_hook=columns_data, struct_hook=columns)
    names = override(struct_hook=lambda value, _type: tuple(_convert.texts(value, _type)))
    conv.register_unstructure_hook(
        ModelComparison, make_dict_unstructure_fn(ModelComparison, conv, credit=credit)
    )
    conv.register_structure_hook(
        ModelComparison, make_dict_structure_fn(ModelComparison, conv, credit=credit, models=names)
    )


@_convert.shapes(Attribution, written_only=True)
def _as_written(conv: cattrs.Converter) -> None:
    pairs = override(unstruct_hook=_pairs)
    conv.register_unstructure_hook(
        Attribution,
        make_dict_unstructure_fn(
            Attribution,
            conv,
            conversion_credit=pairs,
            revenue_credit=pairs,
            campaign_credit=override(unstruct_hook=_triples),
            _inputs=override(omit=True),
        ),
    )
