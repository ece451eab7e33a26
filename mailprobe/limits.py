"""mailprobe's own resource limits: how many checks may run at once without running out of sockets.

A check holds up to some dozens of sockets at once (its own DNS questions, every address of the provider's
hosts, the baseline). With the common soft limit of 1,024 open files, 64 checks at once would turn
"Too many open files" into what looks like the user's DNS failing; mailprobe raises its soft limit where
the hard limit allows and otherwise runs fewer checks at once rather than fail.
"""

from __future__ import annotations

SOCKETS_PER_CHECK = 48
RESERVED_FILES = 64  # standard streams, the interpreter's own files, a state database
OPEN_FILES_WANTED = 8192


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
