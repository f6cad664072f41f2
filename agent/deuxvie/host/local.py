"""LocalHost: the real machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence

from deuxvie.host import block
from deuxvie.host.base import CommandNotFound, CommandResult, CommandTimeout, Host, LineStream

# Tools must print C-locale numbers and messages: parsers rely on it (smartctl prints
# "2.000.398.934.016 bytes" under de_DE).
_ENV_OVERRIDES = {"LC_ALL": "C", "LANG": "C"}


class LocalHost(Host):
    def __init__(self, extra_path: Sequence[str] = ("/usr/sbin", "/sbin")) -> None:
        env = dict(os.environ)
        env.update(_ENV_OVERRIDES)
        # Debian keeps smartctl, hdparm, dmidecode in /usr/sbin, not on a user's PATH.
        parts = env.get("PATH", "").split(os.pathsep)
        env["PATH"] = os.pathsep.join(parts + [p for p in extra_path if p not in parts])
        self._env = env

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = 60.0,
        input_bytes: bytes | None = None,
    ) -> CommandResult:
        argv = tuple(argv)
        if not argv:
            raise ValueError("empty argv")
        if self.which(argv[0]) is None:
            raise CommandNotFound(f"{argv[0]}: command not found")
        start = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                input=input_bytes,
                stdin=None if input_bytes is not None else subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout_s,
                env=self._env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CommandTimeout(f"{' '.join(argv)}: no answer after {timeout_s:g} s") from exc
        except FileNotFoundError as exc:
            raise CommandNotFound(f"{argv[0]}: command not found") from exc
        return CommandResult(
            argv=argv,
            returncode=proc.returncode,
            stdout=proc.stdout,
            stderr=proc.stderr,
            duration_s=time.monotonic() - start,
        )

    def read_bytes(self, path: str) -> bytes:
        with open(path, "rb") as fh:
            return fh.read()

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(path))

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def realpath(self, path: str) -> str:
        return os.path.realpath(path)

    def which(self, name: str) -> str | None:
        if os.sep in name:
            return name if os.access(name, os.X_OK) else None
        return shutil.which(name, path=self._env["PATH"])

    def open_block(self, path: str, write: bool) -> block.BlockIO:
        return block.open_block(path, write)

    def write_text(self, path: str, text: str) -> None:
        with open(path, "w") as fh:
            fh.write(text)

    def stream_lines(self, argv: Sequence[str]) -> LineStream:
        argv = tuple(argv)
        if not argv or self.which(argv[0]) is None:
            raise CommandNotFound(f"{argv[0] if argv else '?'}: command not found")
        return _ProcessLines(argv, self._env)


class _ProcessLines(LineStream):
    def __init__(self, argv: tuple[str, ...], env: dict[str, str]) -> None:
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, text=True, errors="replace", bufsize=1,
        )  # fmt: skip

    def __iter__(self) -> Iterator[str]:
        assert self._proc.stdout is not None
        yield from self._proc.stdout

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
