"""mailprobe's own resource limits: how many checks may run at once without running out of sockets.

A check holds up to some dozens of sockets at once (its own DNS questions, every address of the provider's
hosts, the baseline). With the common soft limit of 1,024 open files, 64 checks at once would turn
"Too many open files" into what looks like the user's DNS failing; mailprobe raises its soft limit where
the hard limit allows and otherwise runs fewer checks at once rather than fail.
"""

from __future__ import annotations

from dataclasses import dataclass

# A check's sockets open at once, enforced where they are opened: its connections (net/connect.py SocketBudget,
# held from connect to close) and its DNS questions in flight (net/resolver.py), kept apart so that
# connections held open by slow servers never starve the questions.
CONNECTIONS_PER_CHECK = 32
QUESTIONS_PER_CHECK = 64  # a single check's first burst (every provider's hosts, prefetched) is some 60
SOCKETS_PER_CHECK = CONNECTIONS_PER_CHECK + QUESTIONS_PER_CHECK
RESERVED_FILES = 64  # standard streams, the interpreter's own files, a state database
OWN_FILES = 16  # what one process holds besides its checks' sockets: streams, the event loop, its threads' files
OPEN_FILES_WANTED = 8192
# How many of an unknown domain's mail exchangers are looked up (to tell a dangling MX); past it, the
# verdict rests on the most preferred ones, and the MX lookup says how many were left (`targets_not_followed`).
MAX_MX_HOSTS = 10


@dataclass(frozen=True)
class Sockets:
    """How many connections and DNS questions one check may hold open at once."""

    connections: int
    questions: int


def raise_open_files(wanted: int = OPEN_FILES_WANTED) -> int:
    """Raise the soft RLIMIT_NOFILE towards WANTED (never past the hard limit); return the soft limit."""
    try:
        import resource
    except ImportError:  # not on this platform: assume a common default
        return 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (OSError, ValueError):
            pass
    return soft if soft != resource.RLIM_INFINITY else wanted


def checks_at_once(requested: int) -> int:
    """REQUESTED, lowered so that every check in flight keeps its sockets well under the open-file limit."""
    room = max(1, (raise_open_files() - RESERVED_FILES) // SOCKETS_PER_CHECK)
    return max(1, min(requested, room))


def socket_budget(checks: int = 1) -> Sockets:
    """Each of CHECKS checks' share of the open-file limit (raised first where the hard limit allows), at most
    SOCKETS_PER_CHECK: under a low limit (`ulimit -n 24`) a check waits for its own sockets rather than run out
    of them and read "Too many open files" as the network's answer."""
    room = (raise_open_files() - OWN_FILES) // max(1, checks)
    if room >= SOCKETS_PER_CHECK:
        return Sockets(CONNECTIONS_PER_CHECK, QUESTIONS_PER_CHECK)
    questions = max(1, room // 3)
    return Sockets(max(1, room - questions), questions)
