"""--loop's options as the command line gives them: checked before anything is sent (bad input: exit 3)."""

from __future__ import annotations

import sys

from mailprobe.address import parse_address
from mailprobe.lang import Lang
from mailprobe.loop.run import LoopOptions, Say, recipient


def loop_options(addresses: tuple[str, ...], to: str | None, allow: tuple[str, ...], budget_s: float,
                 lang: Lang = "en") -> LoopOptions:
    """Raises UsageError when --loop-to names an address the loop may not send to."""
    options = LoopOptions(budget_s=budget_s, to=to, allow=allow, say=_progress(lang))
    for address in addresses:
        recipient(parse_address(address), options)
    return options


def _progress(lang: Lang) -> Say | None:
    """Progress lines on a terminal (stderr), none otherwise."""
    if not sys.stderr.isatty():
        return None
    from mailprobe.locales.messages import t

    def say(key: str, params: dict[str, object]) -> None:
        print(t(key, lang, **params), file=sys.stderr, flush=True)

    return say
