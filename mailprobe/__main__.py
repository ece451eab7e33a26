"""`python -m mailprobe` and the `mailprobe` command: the signal handlers first, then everything else."""

import mailprobe.stopping as stopping


def main() -> None:
    stopping.install()  # before any other import: SIGTERM / SIGHUP while loading unwind as Ctrl-C does
    try:
        from mailprobe.cli import main as run_command

        run_command()
    except KeyboardInterrupt as exc:  # a signal before the command's own handling was in place
        stopping.stop(exc)


if __name__ == "__main__":
    main()
