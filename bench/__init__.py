"""Benchmarks of mailprobe that print figures (run by `make bench`); they report, they do not gate CI."""
