"""Network plumbing shared by the probes: the deadline, the one resolver, TLS, line dialogues."""
