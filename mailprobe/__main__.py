"""`python -m mailprobe`."""

from mailprobe.cli import main

main()
