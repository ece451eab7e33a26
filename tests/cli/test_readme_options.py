"""The README lists the options of `check` once, and the list is the one `mailprobe check --help` prints."""

from __future__ import annotations

import re

from mailprobe.render import FORMATS
from tests.support.command import REPO, Run

README = (REPO / "README.md").read_text(encoding="utf-8")
HEADING = "Options of `check`"


def _paragraph() -> str:
    assert README.count(HEADING) == 1, f"the README has {README.count(HEADING)} paragraphs {HEADING!r}"
    start = README.index(HEADING)
    return README[start:README.index("\n\n", start)]


def test_the_readme_lists_every_option_of_check_once_and_no_other(run: Run) -> None:
    helped = run("check", "--help")
    assert helped.code == 0, helped.stderr
    # The option rows of click's help: two spaces, maybe a short form, the long name.
    offered = set(re.findall(r"^  (?:-\w, )?(--[a-z][a-z-]*)", helped.stdout, re.M)) - {"--help"}
    assert len(offered) > 20, helped.stdout
    listed = set(re.findall(r"`(--[a-z][a-z-]*)", _paragraph()))
    assert listed == offered, f"only in --help: {sorted(offered - listed)}; in the README: {sorted(listed - offered)}"


def test_the_readme_lists_every_format(run: Run) -> None:
    [formats] = re.findall(r"`--format ([a-z]+(?:\|[a-z]+)+)`", _paragraph())
    assert formats.split("|") == list(FORMATS)
    assert f"[{formats}]" in run("check", "--help").stdout
