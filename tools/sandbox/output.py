"""Capped command output: the first and the last bytes are kept, the middle is counted and dropped."""

from __future__ import annotations

from collections import deque


class HeadTailBuffer:
    """Keeps ``limit`` bytes at most, half from the start and half from the end, whatever is fed in."""

    def __init__(self, limit: int) -> None:
        self._head_limit = limit // 2
        self._tail_limit = limit - self._head_limit
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        if len(chunk) >= self._tail_limit:
            self._tail.clear()
            chunk = chunk[-self._tail_limit :]
            self._tail_size = 0
        self._tail.append(chunk)
        self._tail_size += len(chunk)
        while self._tail_size - len(self._tail[0]) >= self._tail_limit:
            self._tail_size -= len(self._tail.popleft())

    @property
    def truncated(self) -> bool:
        return self.total > self._head_limit + self._tail_limit

    def text(self, notes: list[str] | None = None) -> str:
        """The kept bytes as text, with a line saying how much was cut and any extra notes at the end."""
        tail = b"".join(self._tail)
        if self.truncated:
            tail = tail[-self._tail_limit :]
            cut = self.total - len(self._head) - len(tail)
            body = (
                self._head.decode("utf-8", "replace")
                + f"\n[... output cut: {cut} bytes of {self.total} dropped from the middle ...]\n"
                + tail.decode("utf-8", "replace")
            )
        else:
            body = (bytes(self._head) + tail).decode("utf-8", "replace")
        for note in notes or []:
            body += f"\n[aar sandbox: {note}]"
        return body
