"""The OpenAI-compatible provider against a real chat-completions server on 127.0.0.1 (a tiny uvicorn app)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request

from agents import Researcher, list_seeds
from agents.pricing import ModelPrice, PriceTable
from agents.providers.config import OpenAICompatibleConfig
from agents.providers.openai_compatible import OpenAICompatibleProvider
from agents.providers.retry import RetrySettings


class ChatServer:
    """Answers /v1/chat/completions with queued replies, keeps the requests, can fail the first N with 503."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.failures = 0
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> Any:
            from fastapi.responses import JSONResponse

            self.requests.append(await request.json())
            if self.failures:
                self.failures -= 1
                return JSONResponse({"error": {"message": "busy"}}, status_code=503)
            return self.replies.pop(0)

        self.socket = socket.socket()  # bound here and handed to uvicorn: no race for the port
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reply(
        self, message: dict[str, Any], finish_reason: str, prompt: int = 40, completion: int = 8, cached: int = 0
    ) -> None:
        self.replies.append(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": "local-model",
                "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            }
        )


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    server.thread.start()
    deadline = time.monotonic() + 10
    while not server.server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield server
    server.server.should_exit = True
    server.thread.join(timeout=5)
    server.socket.close()


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def make_provider(server: ChatServer) -> OpenAICompatibleProvider:
    config = OpenAICompatibleConfig(
        model="local-model",
        base_url=server.base_url,
        retry=RetrySettings(max_attempts=3, initial_wait_s=0.01, max_wait_s=0.05),
    )
    prices = PriceTable({"local-model": ModelPrice(input=1.0, output=2.0, cache_write=0.0, cache_read=0.1)})
    return OpenAICompatibleProvider(config, prices)


def test_a_session_against_a_chat_completions_server(chat_server: ChatServer, lab: Any) -> None:
    chat_server.failures = 1  # one 503 first: retried by the provider
    chat_server.reply(
        {
            "content": "Writing a method.",
            "tool_calls": [
                tool_call("call_1", "write_file", '{"path": "methods/a.py", "content": "x = 1\\n"}'),
                tool_call("call_2", "write_file", '{"path": "methods/b.py", "content": '),  # cut-off JSON
            ],
        },
        "tool_calls",
        prompt=1000,
        completion=50,
        cached=600,
    )
    chat_server.reply({"content": "Done."}, "stop")
    researcher = Researcher("r0", make_provider(chat_server), lab.registry(), lab.run, list_seeds()[0])
    state = researcher.run_session(1, lab.context("r0"))

    assert state.end_reason == "end_turn"
    assert (lab.run.workspace("r0") / "methods/a.py").read_text() == "x = 1\n"
    first, _, second = chat_server.requests
    assert first["model"] == "local-model"
    assert first["messages"][0]["role"] == "system" and "You are r0" in first["messages"][0]["content"]
    assert {tool["function"]["name"] for tool in first["tools"]} >= {"write_file", "run_experiment"}
    assistant, ok_result, bad_result = second["messages"][-3:]
    assert [call["id"] for call in assistant["tool_calls"]] == ["call_1", "call_2"]
    assert ok_result == {"role": "tool", "tool_call_id": "call_1", "content": ok_result["content"]}
    assert "methods/a.py" in ok_result["content"]
    assert bad_result["tool_call_id"] == "call_2" and "not valid JSON" in bad_result["content"]
    assert bad_result["content"].startswith("[tool error]")
    # 400 uncached at $1, 600 cached at $0.10, 50 out at $2 per Mtok, then the second turn's defaults
    assert state.usage.cache_read == 600
    assert state.cost_usd == pytest.approx((400 * 1 + 600 * 0.1 + 50 * 2) / 1e6 + (40 * 1 + 8 * 2) / 1e6)
