"""Administrator credentials for `check --admin`: from the environment or an owner-only file
(`--admin-credentials FILE`), never from argv; held as Secrets, never printed, logged or stored.

The file is TOML, one table per API type, with the same fields the environment names:

    [exmail]                     # MAILPROBE_EXMAIL_CORPID, MAILPROBE_EXMAIL_CORPSECRET
    corpid = "ww…"
    corpsecret = "…"
    [graph]                      # MAILPROBE_GRAPH_TENANT, MAILPROBE_GRAPH_CLIENT_ID, MAILPROBE_GRAPH_CLIENT_SECRET
    tenant = "contoso.onmicrosoft.com"
    client_id = "…"
    client_secret = "…"
    [google]                     # MAILPROBE_GOOGLE_KEY_FILE, MAILPROBE_GOOGLE_ADMIN
    key_file = "/etc/mailprobe/google-key.json"
    admin = "admin@example.com"
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from mailprobe.adminapis import APIS
from mailprobe.errors import UsageError
from mailprobe.secret import Credentials, Secret

MAX_FILE_BYTES = 64 * 1024


def env_name(api: str, name: str) -> str:
    return f"MAILPROBE_{api.upper()}_{name.upper()}"


def looked_for() -> str:
    """Every variable `--admin` reads, grouped by API, as one sentence's worth."""
    groups = [" and ".join(env_name(api, name) for name in entry.fields) + f" ({entry.provider})"
              for api, entry in APIS.items()]
    return "; ".join(groups)


@dataclass(frozen=True)
class ApiCredentials:
    """One API's credentials: public identifiers as text, secrets as Secret. Prints without its secrets."""

    api: str
    values: Mapping[str, str | Secret] = field(repr=False)

    def text(self, name: str) -> str:
        value = self.values[name]
        return value.reveal() if isinstance(value, Secret) else value

    @property
    def signs_in(self) -> Credentials:
        """The app's identifier and secret as the one credentials value a `--login` uses too (secret.Credentials),
        masked by the same masker. Only for an API whose spec names the pair (Google signs a key file instead)."""
        pair = APIS[self.api].signs_in
        if pair is None:
            raise KeyError(f"{self.api} signs in with no identifier and secret pair")
        secret = self.values[pair[1]]
        return Credentials(self.text(pair[0]), secret if isinstance(secret, Secret) else Secret(secret))

    def __repr__(self) -> str:
        return f"ApiCredentials({self.api!r}, {sorted(self.values)!r})"

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("administrator credentials are never pickled")


@dataclass(frozen=True)
class AdminCredentials:
    """The credentials found, by API type."""

    apis: Mapping[str, ApiCredentials] = field(default_factory=dict)

    def get(self, api: str) -> ApiCredentials | None:
        return self.apis.get(api)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("administrator credentials are never pickled")


def load(path: str | None, environ: Mapping[str, str] | None = None) -> AdminCredentials:
    """The credentials `--admin` runs with: the file's tables (when PATH is given), else the environment's
    variables. Raises UsageError, naming what is wrong and never a value: a file others may read, a table or
    variable set only in part, or nothing at all (then every variable looked for is named)."""
    env = os.environ if environ is None else environ
    found: dict[str, ApiCredentials] = {}
    if path is not None:
        tables = _read_file(path)
        for api, table in tables.items():
            found[api] = _complete(api, table, f"--admin-credentials {path}: [{api}]")
    else:
        for api, entry in APIS.items():
            given = {name: env[env_name(api, name)] for name in entry.fields if env.get(env_name(api, name))}
            if given:
                found[api] = _complete(api, given, "--admin")
    if not found:
        raise UsageError(f"--admin: no administrator credentials found; looked for {looked_for()}, "
                         "or --admin-credentials FILE")
    for api, credentials in found.items():  # a field naming a file of secrets: that file is owner-only too
        for name, what in APIS[api].files.items():
            require_owner_only(credentials.text(name), what)
    return AdminCredentials(found)


def _complete(api: str, given: Mapping[str, object], where: str) -> ApiCredentials:
    names = APIS[api].fields
    missing = [name for name in names if not isinstance(given.get(name), str) or not given.get(name)]
    if missing:
        what = ", ".join(env_name(api, n) if where == "--admin" else n for n in missing)
        raise UsageError(f"{where}: {APIS[api].provider} credentials are incomplete: {what} missing")
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise UsageError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(names)})")
    values: dict[str, str | Secret] = {
        name: Secret(str(given[name])) if name in APIS[api].secrets else str(given[name]) for name in names
    }
    return ApiCredentials(api, values)


def require_owner_only(path: str, what: str) -> os.stat_result:
    """Refuse a credentials file that is not a regular file of this user's, readable by its owner only."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UsageError(f"{what} {path}: {exc.strerror or 'cannot be read'}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{what} {path}: not a regular file")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise UsageError(f"{what} {path}: owned by another user (uid {info.st_uid}); it must be your own")
    if info.st_mode & 0o077:
        raise UsageError(f"{what} {path}: readable or writable by others (mode {stat.S_IMODE(info.st_mode):04o}); "
                         f"it holds secrets: chmod 600 {path}")
    return info


def _read_file(path: str) -> dict[str, dict[str, object]]:
    require_owner_only(path, "--admin-credentials")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--admin-credentials {path}: {exc.strerror or 'cannot be read'}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UsageError(f"--admin-credentials {path}: larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The parser's message may quote the line, which may hold a secret: only where it failed.
        where = re.search(r"at line (\d+)", str(exc))
        at = f" (line {where.group(1)})" if where else ""
        raise UsageError(f"--admin-credentials {path}: not valid UTF-8 TOML{at}") from None
    tables: dict[str, dict[str, object]] = {}
    for api, table in data.items():
        if api not in APIS:
            raise UsageError(f"--admin-credentials {path}: unknown table [{api}] (tables: {', '.join(APIS)})")
        if not isinstance(table, dict):
            raise UsageError(f"--admin-credentials {path}: [{api}] must be a table")
        tables[api] = table
    return tables
