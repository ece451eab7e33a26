"""Admin mode (`check --admin`): ask the provider's own administrator API why a login fails.

- `api.py`: the profile's `admin_api = {type = "…"}` (pure data, read by profiles.py, checked against the table);
- `adapters.py`: the adapter table of the `admin_api` type: a name → its credentials' fields and its client module
  (`exmail`, `graph`, `google`);
- `credentials.py`: the administrator's credentials, from the environment or an owner-only file;
- `http.py`: httpx under the run's deadline, trust, resolver and address policy, with every credential masked;
- `run.py`: one mailbox's record, as the check asks for it.

The record is an observation kind of its own, with its home in the kinds table: `kinds/admin.py` (`AdminRecord`,
`kind = "admin"`, its check and summary line) and `kinds/admin.toml` (its words); `diagnosis/rules/admin.py`
reads it.

Kept light: profiles.py imports `api.py` at start-up; nothing here imports httpx until a check asks.
"""
