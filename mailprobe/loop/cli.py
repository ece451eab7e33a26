"""--loop's options as the command line gives them: checked before anything is sent (bad input: exit 3)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mailprobe.address import Target, parse_address
from mailprobe.lang import Lang
from mailprobe.loop.run import LoopOptions, Say, recipient


def loop_options(targets: Sequence[Target], to: str | None, allow: tuple[str, ...], budget_s: float,
                 lang: Lang = "en") -> LoopOptions:
    """The options for TARGETS (the mailboxes, parsed once at the edge), --loop-to parsed here, once. Raises
    UsageError when --loop-to names an address the loop may not send to."""
    options = LoopOptions(budget_s=budget_s, to=parse_address(to) if to is not None else None, allow=allow,
                          say=_progress(lang))
    for target in targets:
        recipient(target, options)
    return options


def _progress(lang: Lang) -> Say | None:
    """Progress lines on a terminal (stderr), none otherwise."""
    if not sys.stderr.isatty():
        return None
    from mailprobe.locales.messages import t

    def say(key: str, params: dict[str, object]) -> None:
        print(t(key, lang, **params), file=sys.stderr, flush=True)

    return say
