"""UI messages in English, Simplified and Traditional Chinese, and the safe lookup `t`."""

from mailprobe.locales.messages import t

__all__ = ["t"]
