"""Real Dovecot (IMAP + POP3) and Postfix (submission, SASL through Dovecot) on loopback, for integration tests.

Each server runs from Debian's packages with its OWN configuration in a private temporary directory: its own
certificate from a trustme CA, its own users, maildirs, queue, sockets, pid files and logs. Nothing in
/etc/dovecot, /etc/postfix or the system's mail spool is read or written, and no system port is used: every
listener is on a free port of 127.0.0.2 (`IP`; why not 127.0.0.1 is said there).

`.ci/system-packages` installs the packages. Where the binaries are missing, or a server does not come up,
starting raises `ServerUnavailable` with the reason (and the last lines of the server's log); the pytest
fixtures in conftest.py turn that into a skip.

Dovecot runs in the foreground (`dovecot -F -c dovecot.conf`), Postfix as a private instance
(`postfix -c <dir> start-fg`, its master in the foreground); both are children of the test process in their
own process groups, and `stop()` ends them (and removes the directory) however far the start got.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import trustme

from tests.lab.dnsserver import LabDnsServer

HOST = "mail.example.test"
# Not 127.0.0.1: Dovecot counts a connection whose client address equals its own as secured and then allows
# plaintext logins even with `ssl = required`. Clients connect from 127.0.0.1 (Linux's source address for all
# of 127.0.0.0/8), so on 127.0.0.2 Dovecot treats them as it treats a remote client.
IP = "127.0.0.2"
DOMAIN = "example.test"
USER = f"alice@{DOMAIN}"
PASSWORD = "Correct-Horse-7-Battery"
WRONG_PASSWORD = "Wrong-Horse-7-Battery"
# The delivering world (`delivery=True`, the send-and-receive loop): one mailbox per way mail can go wrong, each
# logging in with PASSWORD and sending to itself. A Sieve rule files JUNK_USER's loop message as junk; FULL_USER's
# quota is spent; Postfix refuses BLOCKED_USER as a sender (check_sender_access), says 4xx to
# DEFERRED_USER, and holds HELD_USER's mail in its queue (accepted, never delivered).
JUNK_USER = f"junky@{DOMAIN}"
FULL_USER = f"full@{DOMAIN}"
BLOCKED_USER = f"blocked@{DOMAIN}"
DEFERRED_USER = f"tempfail@{DOMAIN}"
HELD_USER = f"held@{DOMAIN}"
LOOP_USERS = (USER, JUNK_USER, FULL_USER, BLOCKED_USER, DEFERRED_USER, HELD_USER)
FULL_QUOTA_BYTES = 20_000  # FULL_USER's quota, filled before the servers start
BLOCKED_REPLY = "553 5.7.1 Mail from must equal authorized user"
DEFERRED_REPLY = "451 4.7.1 Service unavailable, try again later"
SIEVE_JUNK = f"""require ["fileinto", "envelope"];
if allof (exists "X-Mailprobe-Loop", envelope :is "to" "{JUNK_USER}") {{
  fileinto "Junk";
  stop;
}}
"""

STARTUP_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
LOG_TAIL_LINES = 12

INSTALL_HINT = ".ci/system-packages installs it"
DOVECOT_BINARY = "dovecot"
POSTFIX_BINARY = "postfix"
POSTFIX_MASTER = "/usr/lib/postfix/sbin/master"
LMTP_BINARY = "/usr/lib/dovecot/lmtp"
SIEVE_PLUGIN = "/usr/lib/dovecot/modules/lib90_sieve_plugin.so"
# Debian puts the daemons in /usr/sbin, which a non-root PATH often lacks.
SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")

DOVECOT_PORTS = ("imaps", "imap_starttls", "pop3s", "pop3_starttls")
POSTFIX_PORTS = ("smtps", "submission")
# Implicit TLS ports; the others greet in plain text and offer STARTTLS.
IMPLICIT_TLS_PORTS = frozenset({"imaps", "pop3s", "smtps"})
GREETINGS = {
    "imaps": b"* OK",
    "imap_starttls": b"* OK",
    "pop3s": b"+OK",
    "pop3_starttls": b"+OK",
    "smtps": b"220 ",
    "submission": b"220 ",
}


class ServerUnavailable(Exception):
    """A real server cannot be used here: not installed, not allowed, or it did not come up."""


@dataclass(frozen=True)
class RealServers:
    """Where the loopback servers are and how to log in: what a client (or mailprobe) needs.

    Connect to `ip` and verify the certificate against `ca_file` for `host` (SNI `host`).
    `ports` has `imaps`, `imap_starttls`, `pop3s`, `pop3_starttls`, and, where Postfix runs, `smtps` and
    `submission` (STARTTLS).
    """

    host: str
    ip: str
    ports: Mapping[str, int]
    ca_file: Path
    user: str
    password: str
    wrong_password: str
    logs: Mapping[str, Path] = field(default_factory=dict)

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts only the test CA (check the host name with server_hostname=host)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in SBIN_DIRS:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_ports(ip: str, count: int) -> list[int]:
    """`count` distinct ports that are free on `ip` right now (held open together so they differ)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((ip, 0))
            ports.append(sock.getsockname()[1])
        return ports


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = text.strip().splitlines()[-lines:]
    return "\n".join(tail) if tail else f"(empty log at {path})"


def wait_for_greeting(
    ip: str,
    port: int,
    *,
    expect: bytes,
    tls_context: ssl.SSLContext | None,
    host: str,
    deadline: float,
    process: subprocess.Popen[bytes] | None = None,
) -> bytes:
    """Connect until `ip:port` answers with a line starting with `expect`.

    Raises TimeoutError at `deadline`, or at once when `process` (the server) has exited.
    """
    last_error = "no attempt"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (process is not None and process.poll() is not None):
            raise TimeoutError(f"{ip}:{port} gave no greeting: {last_error}")
        try:
            with contextlib.ExitStack() as stack:
                sock = stack.enter_context(socket.create_connection((ip, port), timeout=min(remaining, 2.0)))
                if tls_context is not None:
                    sock = stack.enter_context(tls_context.wrap_socket(sock, server_hostname=host))
                with sock.makefile("rb") as stream:
                    line = stream.readline(1024)
            if line.startswith(expect):
                return line.rstrip(b"\r\n")
            last_error = f"unexpected greeting {line!r}"
        except (OSError, ssl.SSLError) as error:
            last_error = f"{type(error).__name__}: {error}"
        time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM the process (and its group), then SIGKILL what is left of the group."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    # The group outlives its leader when children linger; they must not.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)


@dataclass
class Lab:
    """The private directory with the test CA, the server certificate and the users, shared by both servers."""

    root: Path
    ca_file: Path
    cert_file: Path
    key_file: Path
    chain_file: Path
    host: str = HOST
    ip: str = IP

    @classmethod
    def create(cls, host: str = HOST, ip: str = IP) -> Lab:
        # Not pytest's tmp_path: its parents are 0700, and the servers' unprivileged users must get in.
        root = Path(tempfile.mkdtemp(prefix="mailprobe-realservers-"))
        root.chmod(0o755)
        ca = trustme.CA(organization_name="mailprobe real-servers test CA")
        leaf = ca.issue_cert(host)
        ca_file, cert_file, key_file, chain_file = (
            root / "test-ca.pem",
            root / "server-cert.pem",
            root / "server-key.pem",
            root / "server-key-and-chain.pem",
        )
        ca.cert_pem.write_to_path(str(ca_file))
        cert_file.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        key_file.write_bytes(leaf.private_key_pem.bytes())
        chain_file.write_bytes(leaf.private_key_and_cert_chain_pem.bytes())
        for secret in (key_file, chain_file):
            secret.chmod(0o600)
        return cls(root=root, ca_file=ca_file, cert_file=cert_file, key_file=key_file, chain_file=chain_file,
                   host=host, ip=ip)

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class _Accounts:
    """Which system users the Dovecot processes run as."""

    login_user: str
    internal_user: str
    internal_group: str
    mail_uid: int
    mail_gid: int
    chroot_login: bool

    @classmethod
    def for_this_process(cls) -> _Accounts:
        if os.geteuid() != 0:
            # Unprivileged: every Dovecot process runs as us (Dovecot supports that; no chroot then).
            me = pwd.getpwuid(os.geteuid())
            group = grp.getgrgid(me.pw_gid).gr_name
            return cls(me.pw_name, me.pw_name, group, me.pw_uid, me.pw_gid, chroot_login=False)
        # As root (CI): the package's own unprivileged users; mail is accessed as `dovecot`.
        try:
            dovecot = pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError as error:
            raise ServerUnavailable(f"dovecot's system users are missing ({error}); {INSTALL_HINT}") from None
        return cls("dovenull", "dovecot", "dovecot", dovecot.pw_uid, dovecot.pw_gid, chroot_login=True)


# Dovecot delays every authentication from an address that recently failed one (2 s, doubling up to 15 s,
# for about half a minute), and all test clients come from 127.0.0.1: one wrong-password test would slow
# every later login in the session. The penalty lives in anvil; an auth process that cannot open anvil's
# penalty socket goes without. (What is left: failures are answered in batches, about 0.5 s later.)
_NO_AUTH_PENALTY = """
  unix_listener anvil-auth-penalty {
    mode = 0
  }"""


def _postfix_user() -> str | None:
    """Who may use Dovecot's auth socket: Postfix's smtpd runs as `postfix` (as root; else as us)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return None
    return "postfix"


class Dovecot:
    """`dovecot -F -c <dir>/dovecot.conf`: IMAP and POP3, implicit TLS and STARTTLS, plus an auth socket."""

    def __init__(
        self, lab: Lab, *, auth_failure_delay_s: int = 0, auth_penalty: bool = False, delivery: bool = False
    ) -> None:
        self.lab = lab
        # delivery: also LMTP (for Postfix), Sieve, quota and special-use folders; the loop's mailboxes
        self.delivery = delivery
        self.lmtp_socket = self.dir_for(lab) / "run" / "lmtp-postfix"
        self.dir = lab.root / "dovecot"
        self.base_dir = self.dir / "run"
        self.log = self.dir / "dovecot.log"
        self.config = self.dir / "dovecot.conf"
        self.auth_socket = self.base_dir / "auth-postfix"
        self.auth_failure_delay_s = auth_failure_delay_s
        self.auth_penalty = auth_penalty
        self.ports: dict[str, int] = {}
        self.greetings: dict[str, bytes] = {}
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def dir_for(lab: Lab) -> Path:
        return lab.root / "dovecot"

    def start(self) -> None:
        binary = find_binary(DOVECOT_BINARY)
        if binary is None:
            raise ServerUnavailable(f"dovecot not installed ({INSTALL_HINT})")
        if self.delivery and not (Path(LMTP_BINARY).exists() and Path(SIEVE_PLUGIN).exists()):
            raise ServerUnavailable(f"dovecot-lmtpd or dovecot-sieve not installed ({INSTALL_HINT})")
        accounts = _Accounts.for_this_process()
        self.dir.mkdir()
        (self.dir / "state").mkdir()
        mail_root = self.dir / "mail"
        mail_root.mkdir()
        os.chown(mail_root, accounts.mail_uid, accounts.mail_gid)
        mail_root.chmod(0o700)
        users = self.dir / "users"
        home = mail_root / USER
        users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{accounts.mail_uid}:{accounts.mail_gid}::{home}::\n")
        if self.delivery:
            users.write_text("".join(self._loop_user(mail_root, user, accounts) for user in LOOP_USERS))
            (self.dir / "before.sieve").write_text(SIEVE_JUNK)
        users.chmod(0o640)
        if os.geteuid() == 0:
            os.chown(users, 0, grp.getgrnam("dovecot").gr_gid)
        self.ports = dict(zip(DOVECOT_PORTS, free_ports(self.lab.ip, len(DOVECOT_PORTS)), strict=True))
        self.config.write_text(self._config(accounts, users, _postfix_user()))
        # What Dovecot says before its log is open (a bad config) goes to the same file.
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [binary, "-F", "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()

    def _loop_user(self, mail_root: Path, user: str, accounts: _Accounts) -> str:
        """A passwd-file line; FULL_USER gets a small quota and a maildir already holding most of it."""
        home = mail_root / user
        extra = ""
        if user == FULL_USER:
            extra = f"userdb_quota_rule=*:storage={FULL_QUOTA_BYTES}B"
            new = home / "Maildir" / "cur"
            new.mkdir(parents=True)
            filler = "Subject: filler\r\n\r\n" + "x" * FULL_QUOTA_BYTES + "\r\n"  # at its quota: LMTP refuses more
            (new / f"1700000000.filler.{self.lab.host}:2,S").write_text(filler)
            for path in (home, home / "Maildir", new, *new.iterdir()):
                os.chown(path, accounts.mail_uid, accounts.mail_gid)
        return f"{user}:{{PLAIN}}{PASSWORD}:{accounts.mail_uid}:{accounts.mail_gid}::{home}::{extra}\n"

    def _delivery_config(self, postfix_user: str | None) -> str:
        if not self.delivery:
            return ""
        owner = "" if postfix_user is None else f"\n    user = {postfix_user}\n    group = {postfix_user}"
        return f"""
protocols = $protocols lmtp
mail_plugins = $mail_plugins quota
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
  postmaster_address = postmaster@{DOMAIN}
}}
lmtp_save_to_detail_mailbox = no
quota_full_tempfail = no
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage=100M
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_before = {self.dir / "before.sieve"}
}}
namespace inbox {{
  inbox = yes
  mailbox Junk {{
    special_use = \\Junk
    auto = create
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = create
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service lmtp {{
  unix_listener lmtp-postfix {{
    mode = 0660{owner}
  }}
}}
"""

    def _config(self, accounts: _Accounts, users: Path, postfix_user: str | None) -> str:
        # Without root nothing can chroot (Debian chroots the login processes and anvil).
        chroot = "" if accounts.chroot_login else "\n  chroot ="
        penalty = "" if self.auth_penalty else _NO_AUTH_PENALTY
        listener_owner = "" if postfix_user is None else f"\n    user = {postfix_user}\n    group = {postfix_user}"
        return f"""# mailprobe integration tests: a private Dovecot on loopback. Nothing here reads /etc/dovecot.
base_dir = {self.base_dir}
state_dir = {self.dir / "state"}
log_path = {self.log}
info_log_path = {self.log}
debug_log_path = {self.log}
protocols = imap pop3
listen = {self.lab.ip}
default_login_user = {accounts.login_user}
default_internal_user = {accounts.internal_user}
default_internal_group = {accounts.internal_group}
first_valid_uid = {accounts.mail_uid}
last_valid_uid = {accounts.mail_uid}
first_valid_gid = {accounts.mail_gid}
last_valid_gid = {accounts.mail_gid}

ssl = required
ssl_cert = <{self.lab.cert_file}
ssl_key = <{self.lab.key_file}

auth_mechanisms = plain login
auth_failure_delay = {self.auth_failure_delay_s} secs
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
mail_location = maildir:~/Maildir

service imap-login {{
  inet_listener imap {{
    address = {self.lab.ip}
    port = {self.ports["imap_starttls"]}
  }}
  inet_listener imaps {{
    address = {self.lab.ip}
    port = {self.ports["imaps"]}
    ssl = yes
  }}{chroot}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {self.lab.ip}
    port = {self.ports["pop3_starttls"]}
  }}
  inet_listener pop3s {{
    address = {self.lab.ip}
    port = {self.ports["pop3s"]}
    ssl = yes
  }}{chroot}
}}
service anvil {{{penalty}{chroot}
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0660{listener_owner}
  }}
}}
{self._delivery_config(postfix_user)}"""

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        context = self.lab.client_context()
        for name, port in self.ports.items():
            tls = context if name in IMPLICIT_TLS_PORTS else None
            try:
                self.greetings[name] = wait_for_greeting(
                    self.lab.ip, port, expect=GREETINGS[name], tls_context=tls, host=self.lab.host,
                    deadline=deadline, process=self.process,
                )
            except TimeoutError as error:
                self.stop()
                raise ServerUnavailable(self._failure(f"dovecot did not come up: {error}")) from None
        # Postfix asks this socket for SASL; it appears with the auth service.
        while not self.auth_socket.exists():
            if time.monotonic() > deadline:
                self.stop()
                raise ServerUnavailable(self._failure(f"dovecot made no auth socket at {self.auth_socket}"))
            time.sleep(0.05)
        while self.delivery and not self.lmtp_socket.exists():
            if time.monotonic() > deadline:
                self.stop()
                raise ServerUnavailable(self._failure(f"dovecot made no LMTP socket at {self.lmtp_socket}"))
            time.sleep(0.05)

    def _failure(self, reason: str) -> str:
        exited = ""
        if self.process is not None and self.process.poll() is not None:
            exited = f" (dovecot exited with {self.process.returncode})"
        return f"{reason}{exited}; last lines of {self.log}:\n{log_tail(self.log)}"

    def stop(self) -> None:
        stop_process(self.process)


class Postfix:
    """A private Postfix instance (`postfix -c <dir> start-fg`): smtps and submission with Dovecot SASL."""

    def __init__(self, lab: Lab, dovecot: Dovecot) -> None:
        self.lab = lab
        self.dovecot = dovecot
        self.dir = lab.root / "postfix"
        self.config_dir = self.dir / "etc"
        self.log = self.dir / "postfix.log"
        self.ports: dict[str, int] = {}
        self.greetings: dict[str, bytes] = {}
        self.process: subprocess.Popen[bytes] | None = None
        self._binary: str | None = None

    def start(self) -> None:
        binary = find_binary(POSTFIX_BINARY)
        if binary is None or not Path(POSTFIX_MASTER).exists():
            raise ServerUnavailable(f"postfix not installed ({INSTALL_HINT})")
        if os.geteuid() != 0:
            raise ServerUnavailable("postfix needs root to start even a private instance (CI runs as root)")
        try:
            pwd.getpwnam("postfix")
            grp.getgrnam("postdrop")
        except KeyError as error:
            raise ServerUnavailable(f"postfix's system users are missing ({error}); {INSTALL_HINT}") from None
        self._binary = binary
        self.config_dir.mkdir(parents=True)
        # The queue must exist (owned by root); `postfix check` makes what goes inside it.
        (self.dir / "queue").mkdir(mode=0o755)
        self.log.touch()
        self.ports = dict(zip(POSTFIX_PORTS, free_ports(self.lab.ip, len(POSTFIX_PORTS)), strict=True))
        (self.config_dir / "main.cf").write_text(self._main_cf())
        (self.config_dir / "master.cf").write_text(self._master_cf())
        # start-fg: the integrity check (which creates the queue directories), then the master in the
        # foreground, a child of ours; `postfix stop` or a signal ends it.
        with (self.dir / "start-fg.out").open("ab") as output:
            self.process = subprocess.Popen(
                [binary, "-c", str(self.config_dir), "start-fg"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self._env(),
            )
        self._wait_until_ready()

    def _env(self) -> dict[str, str]:
        # MAIL_CONFIG is what -c sets too; a clean environment keeps the developer's own settings out.
        return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "MAIL_CONFIG": str(self.config_dir)}

    def _main_cf(self) -> str:
        return f"""# mailprobe integration tests: a private Postfix on loopback; /etc/postfix's main.cf is not read.
compatibility_level = 3.6
queue_directory = {self.dir / "queue"}
data_directory = {self.dir / "data"}
mail_spool_directory = {self.dir / "spool"}
mail_owner = postfix
setgid_group = postdrop
maillog_file = {self.log}
maillog_file_prefixes = {self.dir}

myhostname = {self.lab.host}
mydomain = {DOMAIN}
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = $myhostname ESMTP
biff = no
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
# This instance delivers nothing anywhere: accepted mail bounces.
default_transport = error:5.7.1 the mailprobe test instance delivers nothing
relay_transport = $default_transport
local_transport = $default_transport

smtpd_tls_chain_files = {self.lab.chain_file}
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {self.dovecot.auth_socket}
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
# Loopback is in mynetworks, yet only an authenticated client may relay.
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
{self._delivery_cf()}"""

    def _delivery_cf(self) -> str:
        """The delivering world: mail for the domain goes to Dovecot over LMTP; one sender refused, one told to
        try later, one recipient's mail held in the queue."""
        if not self.dovecot.delivery:
            return ""
        return f"""virtual_mailbox_domains = {DOMAIN}
virtual_transport = lmtp:unix:{self.dovecot.lmtp_socket}
smtpd_reject_unlisted_recipient = no
smtpd_delay_reject = no
smtpd_sender_restrictions = check_sender_access inline:{{ {{ {BLOCKED_USER} = {BLOCKED_REPLY} }},
  {{ {DEFERRED_USER} = {DEFERRED_REPLY} }} }}
smtpd_recipient_restrictions = check_recipient_access inline:{{ {{ {HELD_USER} = HOLD }} }},
  permit_sasl_authenticated, reject
"""

    def _master_cf(self) -> str:
        ip = self.lab.ip
        return f"""# mailprobe integration tests: no port 25, nothing chrooted.
# service type  private unpriv  chroot  wakeup  maxproc command
{ip}:{self.ports["smtps"]} inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
{ip}:{self.ports["submission"]} inet n - n - - smtpd
  -o syslog_name=postfix/submission
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        context = self.lab.client_context()
        for name, port in self.ports.items():
            tls = context if name in IMPLICIT_TLS_PORTS else None
            try:
                self.greetings[name] = wait_for_greeting(
                    self.lab.ip, port, expect=GREETINGS[name], tls_context=tls, host=self.lab.host,
                    deadline=deadline, process=self.process,
                )
            except TimeoutError as error:
                reason = self._failure(f"postfix did not come up: {error}")
                self.stop()
                raise ServerUnavailable(reason) from None

    def _failure(self, reason: str) -> str:
        exited = ""
        if self.process is not None and self.process.poll() is not None:
            exited = f" (postfix start-fg exited with {self.process.returncode})"
        start_out = self.dir / "start-fg.out"
        return (
            f"{reason}{exited}; last lines of {self.log}:\n{log_tail(self.log)}\n"
            f"and of {start_out}:\n{log_tail(start_out, 5)}"
        )

    def stop(self) -> None:
        if self.process is None:
            return
        if self._binary is not None and self.process.poll() is None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    [self._binary, "-c", str(self.config_dir), "stop"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=self._env(),
                    timeout=STOP_TIMEOUT_S,
                    check=False,
                )
        stop_process(self.process)
        # The master detaches into its own session: if `postfix stop` did not end it, its pid file names it.
        master = self._running_master()
        if master is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(master, signal.SIGKILL)

    def _running_master(self) -> int | None:
        """The pid of this instance's master if it still runs (`master -t` tests its lock), else None."""
        try:
            test = subprocess.run(
                [POSTFIX_MASTER, "-c", str(self.config_dir), "-t"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=self._env(),
                timeout=STOP_TIMEOUT_S,
                check=False,
            )
            if test.returncode == 0:
                return None
            pid = int((self.dir / "queue" / "pid" / "master.pid").read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            return None
        return pid if POSTFIX_MASTER.encode() in cmdline else None


def servers_info(lab: Lab, dovecot: Dovecot, postfix: Postfix | None = None) -> RealServers:
    ports = dict(dovecot.ports)
    logs = {"dovecot": dovecot.log}
    if postfix is not None:
        ports.update(postfix.ports)
        logs["postfix"] = postfix.log
    return RealServers(
        host=lab.host,
        ip=lab.ip,
        ports=MappingProxyType(ports),
        ca_file=lab.ca_file,
        user=USER,
        password=PASSWORD,
        wrong_password=WRONG_PASSWORD,
        logs=MappingProxyType(logs),
    )


@contextlib.contextmanager
def running_servers(*, postfix: bool = True, delivery: bool = False) -> Iterator[RealServers]:
    """Start Dovecot (and Postfix) for the length of the block, outside pytest too (e.g. a benchmark).
    `delivery`: the delivering world of the send-and-receive loop (LMTP, Sieve, quota, the loop's users)."""
    lab = Lab.create()
    dovecot = Dovecot(lab, delivery=delivery)
    mta = Postfix(lab, dovecot) if postfix else None
    try:
        dovecot.start()
        if mta is not None:
            mta.start()
        yield servers_info(lab, dovecot, mta)
    finally:
        if mta is not None:
            mta.stop()
        dovecot.stop()
        lab.remove()


# -- the world a check of these servers needs: the provider's profile and the MX in a lab DNS server -----------

PROFILE = """\
id = "examplemail"
mx_patterns = ['^mail\\.example\\.test\\.?$']

[names]
en = "{name}"
zh-Hans = "示例邮箱"
zh-Hant = "示例郵件"

[[servers]]
protocol = "imap"
host = "{host}"
port = {imaps}
tls = "implicit"

[[servers]]
protocol = "smtp"
host = "{host}"
port = {smtp_port}
tls = "{smtp_tls}"
"""
POP3_SERVER = """
[[servers]]
protocol = "pop3"
host = "{host}"
port = {pop3s}
tls = "implicit"
"""


def profile(real: RealServers, name: str, *, implicit: bool = False, pop3: bool = False) -> str:
    """The provider's profile of these servers: IMAP over TLS; submission with STARTTLS (587's way) or with
    implicit TLS (465's); POP3 over TLS if asked."""
    port = real.ports["smtps" if implicit else "submission"]
    text = PROFILE + (POP3_SERVER if pop3 else "")
    return text.format(name=name, host=real.host, smtp_port=port, smtp_tls="implicit" if implicit else "starttls",
                       **real.ports)


@contextlib.contextmanager
def mx_dns(real: RealServers) -> Iterator[LabDnsServer]:
    """A lab DNS server that names these servers the domain's MX."""
    zone = {"example.test": {"MX": [f"10 {real.host}."]}, real.host: {"A": [real.ip]}}
    with LabDnsServer(zone) as server:
        yield server


def check_args(real: RealServers, dns: LabDnsServer, tmp_path: Path, profile_text: str) -> list[str]:
    """`mailprobe check`'s options that point it at these servers only: the profile (written under TMP_PATH),
    their CA, the lab DNS server, no baseline, a state file of its own."""
    providers = tmp_path / "providers"
    providers.mkdir(exist_ok=True)
    (providers / "examplemail.toml").write_text(profile_text, encoding="utf-8")
    return ["--provider", "examplemail", "--providers-dir", str(providers), "--ca-file", str(real.ca_file),
            "--nameserver", dns.nameserver, "--no-baseline", "--state", str(tmp_path / "state.db")]
