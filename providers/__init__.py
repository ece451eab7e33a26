"""Provider profile data files; shipped inside the wheel as mailprobe.providers."""
