"""Building the sandbox image: offline from Debian packages (no registry needed) or from a Dockerfile.

Offline: ``apt-get download`` the packages in ``sandbox_images/offline/packages.txt`` (cached, so a rebuild
downloads nothing), ``dpkg-deb -x`` them into a root filesystem, add users and mount points, tar it and
``docker import`` it; Python comes from the host, mounted read-only at run time. Dockerfile (``cpu``/``cuda``):
a self-contained image with its own Python and the core's dependencies, for machines that reach a registry.
Every image carries a label with the hash of its inputs: when that matches, building is a no-op (~1 s).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from docker import DockerClient
from docker.errors import DockerException, ImageNotFound

from aar import get_logger
from tools.sandbox.base import SandboxError
from tools.sandbox.config import DEFAULT_IMAGE, SANDBOX_UID
from tools.sandbox.docker import PYTHON_LABEL, docker_client

log = get_logger(__name__)

ImageKind = Literal["auto", "offline", "cpu", "cuda"]
IMAGES_DIR = Path(__file__).resolve().parents[2] / "sandbox_images"
INPUTS_LABEL = "aar.inputs"
RECIPE_LABEL = "aar.recipe"
_OFFLINE_RECIPE_VERSION = "1"  # bump when the offline build steps below change
_MOUNT_POINTS = ("workspace", "data", "models", "tmp", "opt/aar/src")
_ETC_FILES = {
    "etc/passwd": f"root:x:0:0:root:/root:/bin/bash\nresearcher:x:{SANDBOX_UID}:{SANDBOX_UID}:researcher:/tmp:/bin/bash\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "etc/group": f"root:x:0:\nresearcher:x:{SANDBOX_UID}:\nnogroup:x:65534:\n",
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
}


@dataclass(frozen=True)
class BuildResult:
    tag: str
    recipe: str
    inputs_hash: str
    built: bool  # False when an image with the same inputs was already there
    seconds: float


def cache_dir() -> Path:
    """Where downloaded .deb files are kept: ``$AAR_CACHE/sandbox-debs`` (default ``~/.cache/aar``)."""
    root = os.environ.get("AAR_CACHE") or str(Path.home() / ".cache" / "aar")
    return Path(root) / "sandbox-debs"


def offline_packages() -> list[str]:
    text = (IMAGES_DIR / "offline" / "packages.txt").read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def _os_release() -> str:
    path = Path("/etc/os-release")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def inputs_hash(recipe: str) -> str:
    """A hash of everything an image of this recipe is built from."""
    digest = hashlib.sha256(recipe.encode())
    if recipe == "offline":
        parts = [_OFFLINE_RECIPE_VERSION, platform.machine(), _os_release(), *offline_packages(), *_ETC_FILES.values()]
    else:
        parts = [(IMAGES_DIR / f"Dockerfile.{recipe}").read_text(encoding="utf-8")]
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:16]


def can_build_offline() -> bool:
    return all(shutil.which(tool) for tool in ("apt-get", "dpkg-deb", "tar"))


def choose_recipe(kind: ImageKind) -> str:
    """``auto``: the offline builder where apt and dpkg exist (it needs no registry), else the CPU Dockerfile."""
    if kind != "auto":
        return kind
    return "offline" if can_build_offline() else "cpu"


def build_image(kind: ImageKind = "auto", tag: str = DEFAULT_IMAGE, force: bool = False) -> BuildResult:
    """Build (or find up to date) the sandbox image and tag it ``tag``. SandboxError when it cannot."""
    started = time.monotonic()
    client = docker_client()
    try:
        return _build_with(client, kind, tag, force, started)
    finally:
        client.close()


def _build_with(client: DockerClient, kind: ImageKind, tag: str, force: bool, started: float) -> BuildResult:
    recipe = choose_recipe(kind)
    wanted = inputs_hash(recipe)
    if not force and _current_inputs(client, tag) == (recipe, wanted):
        return BuildResult(tag, recipe, wanted, built=False, seconds=time.monotonic() - started)
    labels = {INPUTS_LABEL: wanted, RECIPE_LABEL: recipe}
    previous = _image_id(client, tag)
    if recipe == "offline":
        _build_offline(client, tag, labels)
    else:
        _build_dockerfile(client, recipe, tag, labels)
    if previous and previous != _image_id(client, tag):
        _remove_quietly(client, previous)
    log.info("sandbox_image_built", tag=tag, recipe=recipe, seconds=round(time.monotonic() - started, 1))
    return BuildResult(tag, recipe, wanted, built=True, seconds=time.monotonic() - started)


def _current_inputs(client: DockerClient, tag: str) -> tuple[str, str] | None:
    try:
        labels = client.images.get(tag).labels or {}
    except ImageNotFound:
        return None
    return labels.get(RECIPE_LABEL, ""), labels.get(INPUTS_LABEL, "")


def _image_id(client: DockerClient, tag: str) -> str | None:
    try:
        return str(client.images.get(tag).id)
    except ImageNotFound:
        return None


def _remove_quietly(client: DockerClient, image_id: str) -> None:
    """Drop the image a rebuild replaced, unless a container still uses it."""
    try:
        client.images.remove(image_id)
    except DockerException as exc:
        log.info("sandbox_old_image_kept", image=image_id[:19], reason=str(exc)[:200])


def download_debs(packages: list[str], dest: Path) -> list[Path]:
    """The .deb of each package, downloaded into ``dest`` only when not cached there already."""
    dest.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if not any(dest.glob(f"{p}_*.deb"))]
    if missing:
        done = subprocess.run(["apt-get", "download", *missing], cwd=dest, capture_output=True, text=True)
        if done.returncode != 0 and os.geteuid() == 0:
            # A fresh machine may have no package lists yet (slim images delete them): fetch them once.
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True)
            done = subprocess.run(["apt-get", "download", *missing], cwd=dest, capture_output=True, text=True)
        if done.returncode != 0:
            raise SandboxError(
                "apt-get download failed (run `apt-get update` first?): " + done.stderr.strip()[-500:]
            )
    debs = []
    for package in packages:
        found = sorted(dest.glob(f"{package}_*.deb"))
        if not found:
            raise SandboxError(f"package {package!r} was not downloaded into {dest}")
        debs.append(found[-1])
    return debs


def make_rootfs(debs: list[Path], root: Path) -> None:
    """Unpack the packages into ``root`` and add the users, the mount points and a traversable /root."""
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, capture_output=True)
    for rel, text in _ETC_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for rel in _MOUNT_POINTS:
        (root / rel).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    # The host Python may live under /root (pyenv as root): its mount point's parents must be traversable.
    (root / "root").mkdir(exist_ok=True)
    (root / "root").chmod(0o755)
    if not (root / "bin" / "sh").exists():
        (root / "bin" / "sh").symlink_to("dash")


def _build_offline(client: DockerClient, tag: str, labels: dict[str, str]) -> None:
    if not can_build_offline():
        raise SandboxError("the offline image needs apt-get, dpkg-deb and tar on this host")
    debs = download_debs(offline_packages(), cache_dir())
    with tempfile.TemporaryDirectory(prefix="aar-rootfs-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        make_rootfs(debs, root)
        archive = Path(tmp) / "rootfs.tar"
        subprocess.run(
            ["tar", "-C", str(root), "--owner=0", "--group=0", "--numeric-owner", "-cf", str(archive), "."],
            check=True,
            capture_output=True,
        )
        repository, _, version = tag.rpartition(":")
        changes = [f"LABEL {key}={value}" for key, value in {**labels, PYTHON_LABEL: "host"}.items()]
        changes += ['CMD ["sleep", "infinity"]', "ENV PATH=/usr/local/bin:/usr/bin:/bin"]
        try:
            client.api.import_image_from_file(
                str(archive), repository=repository or tag, tag=version or "latest", changes=changes
            )
        except DockerException as exc:
            raise SandboxError(f"docker import failed: {exc}") from exc


def _build_dockerfile(client: DockerClient, recipe: str, tag: str, labels: dict[str, str]) -> None:
    dockerfile = IMAGES_DIR / f"Dockerfile.{recipe}"
    if not dockerfile.exists():
        raise SandboxError(f"no Dockerfile for recipe {recipe!r} at {dockerfile}")
    try:
        client.images.build(
            path=str(IMAGES_DIR), dockerfile=dockerfile.name, tag=tag, labels=labels, rm=True, pull=False
        )
    except DockerException as exc:
        raise SandboxError(
            f"building {dockerfile.name} failed (it needs a reachable registry; try --image offline): {exc}"
        ) from exc
