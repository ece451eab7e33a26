"""Renderers: one function each, Report → str. They format; they never decide."""
