"""`make sam-local`: every function through SAM's own emulator, checked by what it answers.

`python -m local.sam_local` (the Makefile sets PYTHONPATH=layers/orders_domain:.) runs, in order:

1. Preflight (`containers.py`, `build.py`): the Docker daemon (installed with apt-get and started
   when missing and we are root), the Lambda-like image (built once, tagged with a hash of its
   recipe), then `sam build` into `.sam-local/build` for that image's runtime (python3.11).
2. The local AWS endpoint (`endpoint.py`): DynamoDB Local, and moto for the rest of AWS (the stream
   consumer's EventBridge, notify_order's SES), behind one address the containers reach.
3. The world (`world.py`): what every `events/*.json` names (its API key, orders, products), made
   through the functions' own handlers in this process, copied into a table pair of its own per event.
4. Every `events/*.json` through `sam local invoke` of the function whose route it is (`invoke.py`),
   its printed answer checked against `expectations.py` (SAM exits 0 even when the handler raised).
5. `sam local start-api` (`start_api.py`): create, get and one more call per function's route through
   the authorizer with a real key; a request without a key and one for another tenant are refused.

`run.py` runs them in that order. Everything a run writes goes under `.sam-local/` (ignored by git:
it holds a .gitignore of its own). `--help` lists the options (`__main__.py`).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
#: Where a run keeps what it makes (the build, env-vars files, logs); SAM_LOCAL_DIR moves it.
WORK_DIR_NAME = ".sam-local"
#: The --env-vars file in the repository: what the functions get locally (runs write filled copies).
ENV_FILE = ROOT / "local" / "sam-env.json"
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"


class SamLocalError(Exception):
    """Something the run needs is missing: one line that says what, and how to fix it."""
