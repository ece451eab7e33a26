"""Admin mode (`check --admin`): ask the provider's own administrator API why a login fails.

- `api.py`: the profile's `admin_api = {type = "…"}` (pure data, read by profiles.py);
- `adapters.py`: the table from that type to its client module (`exmail`, `graph`, `google`);
- `credentials.py`: the administrator's credentials, from the environment or an owner-only file;
- `http.py`: httpx under the run's deadline, trust, resolver and address policy, with every credential masked;
- `records.py`: the evidence of its own kind (`AdminRecord`, `kind = "admin"`), which the diagnosis reads;
- `run.py`: one mailbox's record, as the check asks for it.

Kept light: profiles.py imports `api.py` at start-up; nothing here imports httpx until a check asks.
"""
