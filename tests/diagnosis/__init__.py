"""Tests of the diagnosis: rules, ranking and the cause catalogue."""
