"""The send-and-receive loop (`--loop`): its report check and its entry in the kinds table."""

from __future__ import annotations

from typing import ClassVar, Literal

from mailprobe.evidence import Observation
from mailprobe.kinds.base import CheckBase, Kind, provider_first
from mailprobe.lang import Lang
from mailprobe.loop.facts import LoopFacts, LoopRun


def _summary(run: LoopRun, lang: Lang) -> str:
    from mailprobe.loop.summary import summary

    return summary(run, lang)


class LoopCheck(CheckBase):
    kind: Literal["loop"] = "loop"
    data: LoopFacts
    observed: ClassVar[type[Observation]] = LoopRun


KIND = Kind(names=("loop",), observation=LoopRun, check=LoopCheck, summary=_summary, rank=provider_first)
