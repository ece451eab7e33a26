"""UI messages in English, Simplified and Traditional Chinese; the safe lookup `t` is in `messages`."""
