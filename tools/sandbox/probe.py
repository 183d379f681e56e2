"""Run INSIDE a sandbox by the self-test (standard library only): checks the isolation and prints JSON.

argv[1] is a JSON object: {"hidden": [paths that must be unreadable], "readonly": [paths that must refuse writes]}.
Each check is {"name", "ok", "detail"}.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sys
from pathlib import Path


def _refused(action: object) -> tuple[bool, str]:
    try:
        action()  # type: ignore[operator]
    except OSError as exc:
        return True, type(exc).__name__
    return False, "succeeded"


def check_network() -> dict:
    results = []
    for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("172.17.0.1", 2375), ("10.0.0.1", 80)):
        ok, how = _refused(lambda h=host, p=port: socket.create_connection((h, p), timeout=2).close())
        results.append((ok, f"{host}:{port} {how}"))
    interfaces = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
    only_loopback = interfaces in ([], ["lo"])
    detail = "; ".join(d for _, d in results) + f"; interfaces {interfaces or 'hidden'}"
    return {"name": "network_connect", "ok": all(ok for ok, _ in results) and only_loopback, "detail": detail}


def check_dns() -> dict:
    try:
        found = socket.getaddrinfo("pypi.org", 443)
    except OSError as exc:
        return {"name": "dns_lookup", "ok": True, "detail": f"pypi.org: {type(exc).__name__}"}
    return {"name": "dns_lookup", "ok": False, "detail": f"pypi.org resolved to {found[0][4]}"}


def check_hidden(paths: list[str]) -> dict:
    seen = []
    for path in paths:
        readable, _ = _refused(lambda p=path: Path(p).read_bytes() if Path(p).is_file() else os.listdir(p))
        if not readable or os.path.exists(path):
            seen.append(path)
    detail = f"{len(paths)} paths absent" if not seen else f"visible: {seen}"
    return {"name": "hidden_files", "ok": not seen, "detail": detail}


def check_docker_socket() -> dict:
    sockets = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"]
    present = [s for s in sockets if os.path.exists(s)]
    if os.environ.get("DOCKER_HOST"):
        present.append("DOCKER_HOST=" + os.environ["DOCKER_HOST"])
    return {"name": "docker_socket", "ok": not present, "detail": f"present: {present}" if present else "absent"}


def check_writes(readonly: list[str]) -> dict:
    accepted = []
    for folder in ["/", "/usr", "/etc", sys.prefix, *readonly]:
        target = Path(folder) / ".aar_write_probe"
        refused, _ = _refused(lambda t=target: t.write_text("x"))
        if not refused:
            accepted.append(folder)
            target.unlink()
    workspace_ok, _ = _refused(lambda: Path("/workspace/.aar_write_probe").write_text("x"))
    Path("/workspace/.aar_write_probe").unlink(missing_ok=True)
    ok = not accepted and not workspace_ok
    detail = "only /workspace and /tmp are writable" if ok else f"writable: {accepted}; workspace refused: {workspace_ok}"
    return {"name": "writes_outside_workspace", "ok": ok, "detail": detail}


def check_privileges() -> dict:
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    cap_eff = int(fields.get("CapEff", "0").strip(), 16)
    no_new = fields.get("NoNewPrivs", "0").strip() == "1"
    ok = os.getuid() != 0 and cap_eff == 0 and no_new
    detail = f"uid {os.getuid()}, CapEff {cap_eff:#x}, NoNewPrivs {int(no_new)}"
    return {"name": "unprivileged", "ok": ok, "detail": detail}


def check_python() -> dict:
    missing = [m for m in ("numpy", "torch", "transformers", "w2s_core") if importlib.util.find_spec(m) is None]
    leaked = [m for m in ("tools", "orchestrator", "agents") if importlib.util.find_spec(m) is not None]
    ok = not missing and not leaked
    detail = "numpy, torch, transformers, w2s_core importable; tools, orchestrator, agents not"
    if not ok:
        detail = f"not importable: {missing}; importable but must not be: {leaked}"
    return {"name": "python_env", "ok": ok, "detail": detail}


def main() -> None:
    spec = json.loads(sys.argv[1])
    checks = [
        check_network(),
        check_dns(),
        check_hidden(spec["hidden"]),
        check_docker_socket(),
        check_writes(spec["readonly"]),
        check_privileges(),
        check_python(),
    ]
    sys.stdout.write(json.dumps(checks) + "\n")


if __name__ == "__main__":
    main()
