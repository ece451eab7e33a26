"""Suite-wide settings: hypothesis never times a single example (timing targets belong in bench/, and the
machines are shared and noisy)."""

from hypothesis import settings

settings.register_profile("mailprobe", deadline=None)
settings.load_profile("mailprobe")
