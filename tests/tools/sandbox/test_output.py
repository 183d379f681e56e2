"""The head+tail output cap."""

from __future__ import annotations

from tools.sandbox.output import HeadTailBuffer


def test_small_output_is_kept_whole() -> None:
    buffer = HeadTailBuffer(100)
    buffer.feed(b"hello ")
    buffer.feed(b"world")
    assert buffer.text() == "hello world" and not buffer.truncated


def test_large_output_keeps_head_and_tail_and_says_what_was_cut() -> None:
    buffer = HeadTailBuffer(100)
    payload = bytes(range(256)) * 40  # 10240 bytes, fed in uneven chunks
    for start in range(0, len(payload), 7):
        buffer.feed(payload[start : start + 7])
    text = buffer.text()
    assert buffer.truncated and buffer.total == len(payload)
    head, _, rest = text.partition("\n[... output cut: ")
    assert head.encode("utf-8", "surrogateescape")[:10] == payload[:10] or head.startswith("\x00\x01")
    assert "10140 bytes of 10240 dropped" in rest


def test_tail_is_the_last_bytes_even_after_one_huge_chunk() -> None:
    buffer = HeadTailBuffer(20)
    buffer.feed(b"A" * 10)
    buffer.feed(b"B" * 1000)
    buffer.feed(b"CDE")
    text = buffer.text(notes=["timed out"])
    assert text.startswith("A" * 10)
    assert text.split("...]\n")[1].startswith("B" * 7 + "CDE")
    assert text.endswith("[aar sandbox: timed out]")
