"""A bounded fuzz target for the mail reply parsers (`make fuzz`; not part of `make test`).

Feeds mutated server replies — seeds of real greetings and capability answers, byte flips, splices, junk,
over-long lines — to the IMAP / POP3 / SMTP greeting and capability readers and to the login reply
classifier. Each must return a value or raise ProbeError, within its bound. Stops after FUZZ_SECONDS (default
60) or FUZZ_ITERATIONS, whichever comes first; exits 1 with the input on the first other outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import time
from typing import Any

from mailprobe.login.classify import classify, decode_reply
from mailprobe.net.connect import ProbeError
from mailprobe.net.deadline import Deadline
from mailprobe.net.dialogue import Dialogue
from mailprobe.probes import imap, pop3, smtp

SEEDS: dict[str, list[bytes]] = {
    "imap": [b"* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n", b"* BYE too many\r\n",
             b"* PREAUTH hi\r\n* CAPABILITY IMAP4rev1 ID\r\na1 OK done\r\n", b"* OK x\r\na1 BAD no\r\n"],
    "pop3": [b"+OK POP3 ready\r\n", b"-ERR [SYS/TEMP] busy\r\n", b"+OK\r\n+OK capa\r\nSTLS\r\nUSER\r\n.\r\n"],
    "smtp": [b"220 smtp.example ESMTP\r\n", b"421 4.7.0 try later\r\n", b"220-a\r\n220 b\r\n250-x\r\n250 STARTTLS\r\n",
             b"554 5.7.1 no\r\n"],
}
MODULES: dict[str, Any] = {"imap": imap, "pop3": pop3, "smtp": smtp}
PER_CALL_S = 2.0


class _Sink:
    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


def mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        if choice < 0.3 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.5:
            data[rng.randrange(len(data) + 1):rng.randrange(len(data) + 1)] = rng.randbytes(rng.randint(1, 16))
        elif choice < 0.65:
            data += bytes([rng.choice(b"\r\n\x00 *+-.0123456789")]) * rng.randint(1, 5000)
        elif choice < 0.8 and data:
            cut = rng.randrange(len(data))
            data = data[:cut] + data[rng.randrange(cut, len(data) + 1):]
        else:
            data += rng.choice([s for seeds in SEEDS.values() for s in seeds])
    return bytes(data)


async def one(protocol: str, data: bytes) -> None:
    module = MODULES[protocol]
    for reader_name in ("read_greeting", "read_capabilities"):
        reader = asyncio.StreamReader(limit=2**16)
        reader.feed_data(data)
        reader.feed_eof()
        dialogue = Dialogue(reader, _Sink(), Deadline(PER_CALL_S), PER_CALL_S)  # type: ignore[arg-type]
        with contextlib.suppress(ProbeError):
            await asyncio.wait_for(getattr(module, reader_name)(dialogue), PER_CALL_S + 1.0)
    classify(decode_reply(data), protocol)  # type: ignore[arg-type]


def main() -> int:
    seconds = float(os.environ.get("FUZZ_SECONDS", "60"))
    iterations = int(os.environ.get("FUZZ_ITERATIONS", "1000000"))
    rng = random.Random(int(os.environ.get("FUZZ_SEED", str(time.time_ns()))))
    ended = time.monotonic() + seconds
    done = 0
    while done < iterations and time.monotonic() < ended:
        protocol = rng.choice(list(SEEDS))
        data = mutate(rng, rng.choice(SEEDS[protocol])) if rng.random() < 0.9 else rng.randbytes(rng.randint(0, 512))
        try:
            asyncio.run(one(protocol, data))
        except Exception as exc:  # the finding: anything but a value or ProbeError
            print(f"FAIL {protocol} {type(exc).__name__}: {exc}\ninput: {data[:2000]!r}", file=sys.stderr)
            return 1
        done += 1
    print(f"fuzz: {done} inputs, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
