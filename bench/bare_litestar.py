"""The floor for GET /api/v1/me: a bare Litestar app with one GET route and a small JSON answer.

    python -m bench.bare_litestar PORT

Served by uvicorn like the gateway (`gateway.__main__`: default loop and HTTP implementation,
access log off, log level warning), in a process of its own.
"""

from __future__ import annotations

import sys
import uuid

import uvicorn
from litestar import Litestar, get

USER_ID = str(uuid.uuid4())


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, str]:
    """A small JSON answer, about the size of a short profile."""
    return {"id": USER_ID, "email": "bench@example.nl", "full_name": "Bench User", "language": "nl"}


app = Litestar(route_handlers=[bare], openapi_config=None)


def main() -> None:
    """Serve on 127.0.0.1:PORT until SIGTERM."""
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
