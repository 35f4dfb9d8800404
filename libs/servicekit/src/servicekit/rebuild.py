"""`python -m servicekit.rebuild <context> <model>`: rebuild a running service's read model.

Asks the service over NATS (NATS_URL) to rebuild, then waits and prints how it went; exits 1
when the rebuild failed or the rebuilt model differs from the live one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import nats

from servicekit.readmodels import RebuildRequest, read_models_subject, rebuild_subject
from servicekit.settings import CommonSettings


async def rebuild(nats_url: str, context: str, model: str, timeout: float) -> dict[str, object]:
    """Start the rebuild and poll until it is over; its final status."""
    nc = await nats.connect(servers=[u.strip() for u in nats_url.split(",") if u.strip()])
    try:
        request = RebuildRequest(model=model).model_dump_json().encode()
        answer = json.loads((await nc.request(rebuild_subject(context), request, timeout=5)).data)
        if "state" not in answer:
            raise SystemExit(answer["error"])
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.5)
            raw = await nc.request(read_models_subject(context), b"", timeout=5)
            status: dict[str, object] = next(s for s in json.loads(raw.data) if s["model"] == model)
            if status["state"] != "running":
                return status
        raise SystemExit(f"the rebuild did not finish within {timeout} s (it goes on)")
    finally:
        await nc.close()


def main() -> None:
    """Parse the arguments, rebuild, print the outcome as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("context", help="the service, e.g. invoicing")
    parser.add_argument("model", help="the read model, e.g. organisations")
    parser.add_argument("--timeout", type=float, default=3600.0)
    arguments = parser.parse_args()
    status = asyncio.run(
        rebuild(CommonSettings().nats_url, arguments.context, arguments.model, arguments.timeout)
    )
    print(json.dumps(status, indent=2))
    sys.exit(0 if status["state"] == "done" and status["matches_live"] is not False else 1)


if __name__ == "__main__":
    main()
