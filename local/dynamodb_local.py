"""DynamoDB Local (AWS's own engine, DynamoDBLocal.jar from the npm package amplify-dynamodb-simulator).

`npm install` at the repository root puts the jar under node_modules; Java 17 runs it. Used by
`make serve` (persisted under .local-data/) and by the integration tests (in memory, free port).
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

EMULATOR_DIR = Path("node_modules") / "amplify-dynamodb-simulator" / "emulator"
JAR_NAME = "DynamoDBLocal.jar"
START_TIMEOUT_SECONDS = 30.0
STOP_GRACE_SECONDS = 10.0
HOST = "127.0.0.1"
REGION = "us-east-1"
DUMMY_CREDENTIAL = "local"  # DynamoDB Local accepts any credentials; botocore needs some to sign


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be started."""


def jar_path(root: str | Path = ".") -> Path | None:
    """Path of DynamoDBLocal.jar under `root`/node_modules, or None when `npm install` has not run."""
    root = Path(root)
    candidate = root / EMULATOR_DIR / JAR_NAME
    if candidate.is_file():
        return candidate
    # Another package (or a future layout of this one) may ship it elsewhere in node_modules.
    found = sorted((root / "node_modules").glob(f"**/{JAR_NAME}")) if (root / "node_modules").is_dir() else []
    return found[0] if found else None


def java_available() -> bool:
    """True when a working `java` is on PATH."""
    java = shutil.which("java")
    if not java:
        return False
    try:
        probe = subprocess.run([java, "-version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


_USAGE_CLASS = "com/amazonaws/services/dynamodbv2/local/main/CommandLineInputConstants.class"


def _supports_host_option(jar: Path) -> bool:
    # DynamoDB Local up to at least 1.25 has no -host option and listens on every interface;
    # read its usage text (cheap, no JVM start) so a version that adds one gets loopback only.
    try:
        with zipfile.ZipFile(jar) as archive:
            usage = archive.read(_USAGE_CLASS)
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return b"[-host" in usage


class DynamoDBLocal:
    """A DynamoDB Local process: `with DynamoDBLocal(db_path=...) as ddb: ddb.endpoint_url`."""

    def __init__(
        self,
        root: str | Path = ".",
        *,
        jar: Path | None = None,
        port: int | None = None,
        db_path: Path | None = None,
        start_timeout: float = START_TIMEOUT_SECONDS,
    ) -> None:
        found = jar or jar_path(root)
        # java runs in its own working directory, so the path must not be relative.
        self.jar = found.resolve() if found else None
        self.port = port
        self.db_path = db_path
        self.start_timeout = start_timeout
        self.endpoint_url: str | None = None
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._workdir: Path | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, port: int | None = None, db_path: Path | None = None) -> DynamoDBLocal:
        """Start and wait until it answers ListTables; a free loopback port when `port` is None."""
        if self.running:
            return self
        if self.jar is None or not self.jar.is_file():
            raise DynamoDBLocalError(
                f"{JAR_NAME} not found (run `npm install` at the repository root; looked for {EMULATOR_DIR})"
            )
        java = shutil.which("java")
        if java is None:
            raise DynamoDBLocalError("java not found on PATH (DynamoDB Local needs Java 17 or later)")
        port = port if port is not None else self.port
        db_path = db_path if db_path is not None else self.db_path
        # A port picked here may be taken by someone else before java binds it: retry with a new one.
        attempts = 1 if port is not None else 3
        for attempt in range(attempts):
            chosen = port if port is not None else free_port()
            try:
                self._launch(java, chosen, db_path)
                return self
            except DynamoDBLocalError as error:
                if attempt + 1 == attempts or "Address already in use" not in str(error):
                    raise
        raise AssertionError("unreachable")

    def _launch(self, java: str, port: int, db_path: Path | None) -> None:
        assert self.jar is not None
        self._workdir = Path(tempfile.mkdtemp(prefix="dynamodb-local-"))
        self.log_path = self._workdir / "dynamodb-local.log"
        command = [
            java,
            f"-Djava.library.path={self.jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(self.jar),
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(port),
        ]
        if _supports_host_option(self.jar):
            command += ["-host", HOST]
        if db_path is not None:
            db_path = Path(db_path).resolve()
            db_path.mkdir(parents=True, exist_ok=True)
            command += ["-dbPath", str(db_path)]
        else:
            command.append("-inMemory")
        # A file, not a PIPE: nobody reads java's output while it runs, and a full pipe would block it.
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            command, cwd=self._workdir, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.port = port
        self.db_path = db_path
        self.endpoint_url = f"http://{HOST}:{port}"
        atexit.register(self.stop)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
        deadline = time.monotonic() + self.start_timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited with code {self._process.returncode}:\n{self.log_tail()}"
                )
            try:
                client.list_tables(Limit=1)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise DynamoDBLocalError(
                        f"DynamoDB Local did not answer on {self.endpoint_url} "
                        f"within {self.start_timeout:.0f} s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after a grace period) and remove its log directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        atexit.unregister(self.stop)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines java wrote (for error messages)."""
        if self.log_path is None or not self.log_path.exists():
            return "(no output)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(no output)"

    def client(self, **config: Any) -> Any:
        """A boto3 DynamoDB client for this endpoint (dummy credentials); `config` -> botocore Config."""
        import boto3
        from botocore.config import Config

        if self.endpoint_url is None:
            raise DynamoDBLocalError("DynamoDB Local is not started")
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            config=Config(**config) if config else None,
            aws_access_key_id=DUMMY_CREDENTIAL,
            aws_secret_access_key=DUMMY_CREDENTIAL,
        )

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
