#!/usr/bin/env bash
# Installs the system packages aar needs when they are missing and we are root, and starts a Docker
# engine in the background when none answers. Quiet and fast (well under a second) when all is in place.
set -euo pipefail

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)

if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "aar setup: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "aar setup: missing ${need[*]}; install them (not root, so not doing it here)" >&2
  fi
fi

engine_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v dockerd >/dev/null 2>&1 && ! engine_answers; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "aar setup: starting dockerd in the background (log: /tmp/aar-dockerd.log)" >&2
    nohup setsid dockerd >/tmp/aar-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do engine_answers && break; sleep 0.5; done
    engine_answers || { echo "aar setup: dockerd did not come up; see /tmp/aar-dockerd.log" >&2; exit 1; }
  else
    echo "aar setup: no Docker engine answers; the bwrap sandbox backend will be used" >&2
  fi
fi
