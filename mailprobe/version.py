"""mailprobe's version: a module of its own, so plumbing never imports the package front."""

__version__ = "0.1.0"
