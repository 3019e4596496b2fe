"""The Docker daemon and the Lambda-like image SAM runs the functions in.

No image registry is reachable on the CI machines, so AWS's Lambda base images cannot be pulled.
The image is built here instead (about a minute, once): Debian 12's minimal root file system from
debootstrap (its python3 is 3.11, the python3.11 runtime), awslambdaric and boto3 installed into its
/var/runtime with this machine's pip (wheels for the image's Python, so no network inside it),
imported into Docker, and image/Dockerfile on top (image/bootstrap: how the emulator starts a
function). Its tag is a hash of that recipe (the two files, the Debian suite, the pins), so a
changed recipe builds a new image and an unchanged one is never built again. It is tagged `latest`
as well, for the README's plain `sam local` commands.

The daemon is the one the Docker SDK finds (DOCKER_HOST, else /var/run/docker.sock): SAM uses the
same one. As root, a missing daemon is installed (apt-get: docker.io) and started; otherwise, and
whenever that fails, one line says what is missing and how to fix it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from local.sam_local import ROOT, SamLocalError

#: Debian 12's python3: the runtime the functions are built for and run with (PythonRuntime).
PYTHON_VERSION = "3.11"
RUNTIME = f"python{PYTHON_VERSION}"
SUITE = "bookworm"
MIRROR = os.environ.get("SAM_LOCAL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
AWSLAMBDARIC = "awslambdaric==4.2.2"
IMAGE_REPO = "orders-sam-local"
RECIPE_DIR = Path(__file__).resolve().parent / "image"
#: The layer's requirements pin the boto3 the functions are tested with: the image's runtime has it.
LAYER_REQUIREMENTS = ROOT / "layers" / "orders_domain" / "requirements.txt"
#: Debian package of each program the run may install.
APT_PACKAGES = {"dockerd": "docker.io", "debootstrap": "debootstrap"}
DAEMON_WAIT_SECONDS = 30.0
#: The longest an install or build step may take (debootstrap takes about a minute).
STEP_TIMEOUT_SECONDS = 900.0

ClientFactory = Callable[[], Any]


# ---------------------------------------------------------------------------- the recipe (pure)
def runtime_requirements(layer_requirements: str) -> list[str]:
    """What the image's runtime holds besides the standard library: awslambdaric and the boto3
    the layer's requirements pin (the layer leaves boto3 to the runtime, as Lambda's has one)."""
    pins = [
        line.split("#", 1)[0].strip()
        for line in layer_requirements.splitlines()
        if line.split("#", 1)[0].strip().lower().startswith("boto3==")
    ]
    if not pins:
        raise SamLocalError(f"{LAYER_REQUIREMENTS.relative_to(ROOT)} pins no boto3 (boto3==x.y.z): pin one")
    return [AWSLAMBDARIC, pins[0]]


def recipe_hash(files: Mapping[str, bytes], parameters: Sequence[str]) -> str:
    """12 hex digits naming one recipe: the files' names and contents and the parameters."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    for parameter in parameters:
        digest.update(parameter.encode() + b"\0")
    return digest.hexdigest()[:12]


def image_tag() -> str:
    """`orders-sam-local:<hash of the recipe>`."""
    files = {path.name: path.read_bytes() for path in sorted(RECIPE_DIR.iterdir()) if path.is_file()}
    requirements = runtime_requirements(LAYER_REQUIREMENTS.read_text(encoding="utf-8"))
    return f"{IMAGE_REPO}:{recipe_hash(files, [SUITE, PYTHON_VERSION, *requirements])}"


# ---------------------------------------------------------------------------- the daemon
def daemon_problem(error: str, *, dockerd: bool, root: bool) -> str:
    """The one line that says why the daemon cannot be used and what to do about it."""
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if "ermission denied" in error:
        return f"the Docker daemon at {where} refuses this user: add it to the docker group, or run as root"
    if not dockerd:
        return (
            f"no Docker daemon at {where} and dockerd is not installed: install Docker "
            "(Debian: apt-get install docker.io) and start it, or run make sam-local as root, which does"
        )
    reason = (
        "its socket does not exist"
        if "No such file" in error
        else "connection refused"
        if "refused" in error
        else " ".join(error.split())[:120]
    )
    fix = (
        "start it (dockerd &), or run without --no-setup, which does" if root else "start it (sudo dockerd &)"
    )
    return f"no Docker daemon at {where} ({reason}): {fix}"


def _ping(client_factory: ClientFactory) -> tuple[Any | None, str]:
    try:
        client = client_factory()
        client.ping()
    except Exception as error:  # noqa: BLE001 - the SDK raises DockerException, requests' and OS errors
        return None, " ".join(str(error).split()) or type(error).__name__
    return client, ""


def ensure_daemon(
    work_dir: Path,
    *,
    setup: bool = True,
    client_factory: ClientFactory | None = None,
    which: Callable[[str], str | None] = shutil.which,
    is_root: bool | None = None,
    say: Callable[[str], None] = print,
) -> Any:
    """A Docker client whose daemon answers; as root (and `setup`), installs and starts one first."""
    factory = client_factory or _docker_from_env
    client, error = _ping(factory)
    if client is not None:
        return client
    root = os.geteuid() == 0 if is_root is None else is_root
    if not (setup and root):
        raise SamLocalError(daemon_problem(error, dockerd=which("dockerd") is not None, root=root))
    if which("dockerd") is None:
        # debootstrap too when it is missing (the image is built next): one apt-get update, not two
        packages = [APT_PACKAGES[tool] for tool in ("dockerd", "debootstrap") if which(tool) is None]
        say(f"Docker is not installed: installing {' '.join(packages)} with apt-get")
        apt_install(packages, work_dir)
    log = work_dir / "dockerd.log"
    say(f"starting dockerd (log: {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log})")
    process = _start_dockerd(log)
    deadline = time.monotonic() + DAEMON_WAIT_SECONDS
    while time.monotonic() < deadline:
        client, error = _ping(factory)
        if client is not None:
            return client
        if process.poll() is not None:
            raise SamLocalError(
                f"dockerd exited with code {process.returncode}: {_last_line(log)} (see {log})"
            )
        time.sleep(0.5)
    raise SamLocalError(
        f"dockerd did not answer within {DAEMON_WAIT_SECONDS:.0f} s: {_last_line(log)} (see {log})"
    )


def _docker_from_env() -> Any:
    import docker

    return docker.from_env(timeout=120)


def _start_dockerd(log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        # Its own session: the daemon outlives this run, so the next one finds it (and the image).
        # overlay2: vfs works too but is 5-10x slower; the default bridge and iptables stay, as SAM
        # reaches the container through a published port.
        return subprocess.Popen(
            ["dockerd", "--storage-driver=overlay2"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def apt_install(packages: Sequence[str], work_dir: Path) -> None:
    """apt-get install the packages (root only); SamLocalError naming the log when it fails."""
    log = work_dir / "apt-get.log"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        run_logged(command, log, f"`{' '.join(command)}`", timeout=STEP_TIMEOUT_SECONDS, env=env)


def run_logged(
    command: list[str],
    log: Path,
    what: str,
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    append: bool = True,
) -> None:
    """Run a step with its output in `log`; one line naming the step, its last line and the log when
    it fails or runs past `timeout` (a stalled download never hangs the run)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab" if append else "wb") as out:
        try:
            done = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise SamLocalError(f"{what} ran past {timeout:.0f} s: {_last_line(log)} (see {log})") from None
    if done.returncode:
        raise SamLocalError(f"{what} failed: {_last_line(log)} (see {log})")


def host_gateway(client: Any, image: str) -> str:
    """The host's address as the containers reach it: what `--add-host
    host.docker.internal:host-gateway` resolves to (Docker's default bridge's gateway), asked of
    a container of the image, since not every daemon's bridge names its gateway in IPAM."""
    import docker

    resolve = "import socket; print(socket.gethostbyname('host.docker.internal'))"
    try:
        output = client.containers.run(
            image,
            ["python3", "-S", "-c", resolve],
            extra_hosts={"host.docker.internal": "host-gateway"},
            remove=True,
        )
    except docker.errors.DockerException as error:
        raise SamLocalError(
            f"a container of {image} cannot start or has no host-gateway ({' '.join(str(error).split())}): "
            "Docker 20.10 or later is needed, with its default bridge (not --bridge=none)"
        ) from None
    return str(output.decode().strip())


# ---------------------------------------------------------------------------- the image
def ensure_image(
    client: Any, work_dir: Path, *, build: bool = True, say: Callable[[str], None] = print
) -> str:
    """The image's tag, built first when this recipe has none yet."""
    import docker

    tag = image_tag()
    try:
        client.images.get(tag)
        client.images.get(tag).tag(IMAGE_REPO, "latest")
        return tag
    except docker.errors.ImageNotFound:
        pass
    if not build:
        raise SamLocalError(f"image {tag} is missing: run make sam-local once (it builds it, about a minute)")
    say(f"building image {tag} (debootstrap {SUITE}, about a minute; once per recipe)")
    _build(client, tag, work_dir / "image")
    return tag


def remove_run_containers(client: Any, endpoint: str) -> int:
    """Remove what SAM left running of this run's function containers (a `sam` stopped on a timeout,
    or one slow to stop its warm containers): the Lambda containers whose environment points at this
    run's endpoint, which no other run shares."""
    import docker

    removed = 0
    mark = f"DYNAMODB_ENDPOINT_URL={endpoint}"
    for container in client.containers.list(all=True, filters={"label": "sam.cli.container.type=lambda"}):
        if mark in (container.attrs.get("Config") or {}).get("Env", []):
            try:
                container.remove(force=True)
                removed += 1
            except docker.errors.APIError:
                pass  # gone meanwhile (SAM removed it)
    return removed


def prune_derived(client: Any, image: str) -> int:
    """Remove the untagged images built on `image` (SAM rebuilds its image with the layer in it on
    every invoke; a run whose layer changed leaves the last run's untagged). Never another image."""
    import docker

    try:
        ours = client.images.get(image).id
        removed = 0
        for dangling in client.images.list(filters={"dangling": True}):
            parent, hops = dangling.attrs.get("Parent"), 0
            while parent and parent != ours and hops < 20:
                parent, hops = client.images.get(parent).attrs.get("Parent"), hops + 1
            if parent == ours:
                client.images.remove(dangling.id)
                removed += 1
    except docker.errors.APIError:
        return 0  # in use by a container, or removed meanwhile: the next run tries again
    return removed


def _build(client: Any, tag: str, scratch: Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    rootfs, log = scratch / "rootfs", scratch / "build.log"
    if shutil.which("debootstrap") is None:
        if os.geteuid() != 0:
            raise SamLocalError(
                "debootstrap is not installed: apt-get install debootstrap (as root), then run again"
            )
        apt_install(["debootstrap"], scratch)
    debootstrap = ["debootstrap", "--variant=minbase", "--include=python3", SUITE, str(rootfs), MIRROR]
    run_logged(debootstrap, log, "building the image: debootstrap", timeout=STEP_TIMEOUT_SECONDS)
    requirements = runtime_requirements(LAYER_REQUIREMENTS.read_text(encoding="utf-8"))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(rootfs / "var" / "runtime")]
    wheels = ["--only-binary=:all:", "--platform", "manylinux2014_x86_64", "--implementation", "cp"]
    pip += [*wheels, "--python-version", PYTHON_VERSION, *requirements]
    run_logged(pip, log, "building the image: pip install (runtime)", timeout=STEP_TIMEOUT_SECONDS)
    # The host's resolver has no meaning inside the image (Docker writes its own).
    (rootfs / "etc" / "resolv.conf").unlink(missing_ok=True)
    archive = scratch / "rootfs.tar"
    tar = ["tar", "-C", str(rootfs), "-cf", str(archive), "."]
    run_logged(tar, log, "building the image: tar", timeout=STEP_TIMEOUT_SECONDS)
    base_repo, base_tag = f"{IMAGE_REPO}-base", tag.split(":", 1)[1]
    client.api.import_image_from_file(str(archive), repository=base_repo, tag=base_tag)
    try:
        client.images.build(
            path=str(RECIPE_DIR), tag=tag, buildargs={"BASE": f"{base_repo}:{base_tag}"}, rm=True, pull=False
        )
    except Exception as error:  # noqa: BLE001 - BuildError or APIError, both with the reason
        raise SamLocalError(f"docker build of {tag} failed: {' '.join(str(error).split())}") from None
    client.images.get(tag).tag(IMAGE_REPO, "latest")
    shutil.rmtree(scratch, ignore_errors=True)


def _last_line(log: Path) -> str:
    try:
        lines = [
            line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()
        ]
    except OSError:
        return "(no log)"
    return lines[-1].strip() if lines else "(no output)"
