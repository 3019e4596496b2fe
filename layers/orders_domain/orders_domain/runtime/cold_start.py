"""A Lambda cold start without cyclic garbage collection while the function initialises.

Initialisation builds what lives as long as the process: modules, pydantic schemas, clients.
Python's cyclic collector still walks all of it as it grows (a full collection with a large young
heap), about 35 ms of a cold start measured here, and finds nothing to free. Inside Lambda only
(`AWS_LAMBDA_FUNCTION_NAME`, which the runtime and `sam local` set), `pause()` turns it off when
`orders_domain` is first imported, and `resume()` after the first invocation freezes what exists
(`gc.freeze`: later collections never scan it again, warm requests included) and turns it back on.
Reference counting frees everything as usual meanwhile; only cycles wait for `resume()`.
"""

from __future__ import annotations

import gc
import os

_paused = False


def pause() -> None:
    global _paused
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and gc.isenabled() and not _paused:
        gc.disable()
        _paused = True


def resume() -> None:
    """After the first invocation (every handler calls it; a no-op afterwards)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
