"""The command line, one module per command: `check`, `serve`, `history`, `explain`, `settings`, `providers`,
`schema`; the options and converters they share (`options.py`), the command group (`group.py`), and the process
around them: the collector, signals, a closed output pipe and the exit (`lifecycle.py`, `main.py`). Commands
parse options, call the check, render and exit with the status code; nothing else."""

import gc
import sys

# A command is short: the cyclic collector would walk the growing heap again and again while the models
# build their schemas at start-up (about a fifth of a check's wall time, for some 1 MB it would free). A run
# that lasts, a batch or the exporter, turns it back on (`lifecycle.collect_again`).
gc.disable()
# Start-up imports run in a background thread while the event loop waits on sockets: each time the loop wakes
# to an answer it waits for the importing thread to hand the GIL over, 5 ms by default, again and again
# while a check's questions come back. A tenth of that keeps the loop near its answers.
sys.setswitchinterval(0.0005)

from mailprobe.cli.main import main  # noqa: E402 - after the collector is off: click is the first heavy import

__all__ = ["main"]
