"""`sam build` into the run's own build dir, and the layer mistake --break-layer makes on purpose."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from local.sam_local import ROOT, TEMPLATE, SamLocalError
from local.sam_local.containers import run_logged

#: The layer the template builds (its logical id): what --break-layer breaks.
LAYER_ID = "DomainLayer"


def break_layer(layer: Path) -> None:
    """Move the built layer's packages out of `python/` to its root: the packaging mistake that
    leaves them off Lambda's path (/opt/python), the one this check must catch."""
    nested = layer / "python"
    if not nested.is_dir():
        raise SamLocalError(f"{layer} has no python/ folder to break")
    for child in sorted(nested.iterdir()):
        child.rename(layer / child.name)
    nested.rmdir()


def sam_build(sam: str, build_dir: Path, runtime: str, log: Path) -> None:
    """`sam build` for the image's runtime into the run's own build dir (`make build` keeps
    .aws-sam/build), uncached: the layer is built from its sources every run."""
    version = runtime.removeprefix("python")
    env = {
        **os.environ,
        "LAYER_PYTHON_VERSION": version,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
    }
    command = [sam, "build", "--template", str(TEMPLATE), "--build-dir", str(build_dir), "--no-cached"]
    command += ["--parameter-overrides", f"PythonRuntime={runtime}"]
    run_logged(command, log, "sam build", timeout=600, env=env, cwd=ROOT, append=False)


def sam_executable() -> str:
    found = shutil.which("sam", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        raise SamLocalError("the sam CLI is not installed: run make install (requirements-dev.txt has it)")
    return found
