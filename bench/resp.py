"""A Redis server for the leaderboard baseline, and the smallest client that speaks to it: RESP2 over
asyncio streams, pipelined. Hand-rolled on purpose: a general client's own overhead would flatter us,
and the bench needs no new dependency for four commands."""
from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import asynccontextmanager


def available(install: bool) -> tuple[str | None, str]:
    """The redis-server binary, installing Debian's package when allowed; else None and why not."""
    found = shutil.which("redis-server")
    if found or not install:
        return found, "" if found else "redis-server is not installed (run without --no-install to apt-get it)"
    if not shutil.which("apt-get"):
        return None, "redis-server is missing and there is no apt-get to install it"
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
        try:
            subprocess.run(step, check=True, capture_output=True, timeout=600)
        except (subprocess.SubprocessError, OSError) as exc:
            return None, f"could not install redis-server ({' '.join(step[:2])}: {exc})"
    found = shutil.which("redis-server")
    return found, "" if found else "apt-get ran but redis-server is still missing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def server(binary: str):
    """A throwaway redis-server on loopback, no persistence; yields its port."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("redis-server did not start")
                    await asyncio.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)


class Resp:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int) -> "Resp":
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    @staticmethod
    def encode(*args) -> bytes:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts += [f"${len(data)}\r\n".encode(), data, b"\r\n"]
        return b"".join(parts)

    async def pipeline(self, *commands) -> list:
        """Send every command, then read every reply: one round trip."""
        self.writer.write(b"".join(self.encode(*c) for c in commands))
        await self.writer.drain()
        return [await self._reply() for _ in commands]

    async def _reply(self):
        line = (await self.reader.readline())[:-2]
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else (await self.reader.readexactly(size + 2))[:-2].decode()
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [await self._reply() for _ in range(size)]
        raise RuntimeError(f"unexpected reply {line!r}")

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()
