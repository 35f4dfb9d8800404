"""Follow one organisation's events on the partner feed, resuming where the last run stopped.

    python examples/partner_subscriber.py --user acme --password '...' \\
        --organisation 6f0c...-uuid [--server nats://127.0.0.1:14222] [--idle-seconds 10]

Credentials come from the platform's operators (`python -m partners.feed_access grant`). The
durable consumer lives on the server: acknowledged events are never delivered again, so a
restarted subscriber continues with the first event it has not acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError

STREAM = "PARTNER"


async def follow(
    server: str, user: str, password: str, organisation: str, idle_seconds: float | None
) -> None:
    """Print each event of the organisation as it arrives; acknowledge it once handled."""
    # Our permissions allow replies only under our own inbox prefix.
    nc = await nats.connect(
        server,
        user=user,
        password=password,
        inbox_prefix=f"_INBOX_{user}",
        allow_reconnect=False,
        error_cb=_quiet,
    )
    js = nc.jetstream()
    durable = f"{user}-{organisation}"  # the one consumer name we may use for it
    # Creating it again with the same configuration is harmless; it keeps its position.
    with contextlib.suppress(BadRequestError):
        await js.add_consumer(
            STREAM,
            ConsumerConfig(
                name=durable,
                durable_name=durable,
                filter_subject=f"partner.{organisation}.>",
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=30,
            ),
        )
    subscription = await js.pull_subscribe_bind(durable, STREAM)
    try:
        while True:
            try:
                messages = await subscription.fetch(batch=50, timeout=idle_seconds or 5)
            except NatsTimeout:
                if idle_seconds is not None:
                    return
                continue
            for message in messages:
                event = json.loads(message.data)
                print(event["time"], event["type"], json.dumps(event["data"]))
                await message.ack()  # handled: never delivered again
    finally:
        await nc.close()


async def _quiet(error: Exception) -> None:
    """nats-py reports a refusal here as well as raising it: say it once, in main()."""


def main() -> None:
    """Parse the arguments and follow the feed until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="nats://127.0.0.1:14222")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--organisation", required=True)
    parser.add_argument(
        "--idle-seconds", type=float, help="stop when nothing new came for this long"
    )
    args = parser.parse_args()
    try:
        asyncio.run(
            follow(args.server, args.user, args.password, args.organisation, args.idle_seconds)
        )
    except KeyboardInterrupt:
        pass
    except Exception as error:  # refused user or organisation, server gone: say so, plainly
        reason = str(error) or type(error).__name__
        if "authorization" in reason.lower() or isinstance(error, NatsTimeout):
            reason += (
                " (a wrong user or password, or an organisation this user was not granted: "
                "ask the platform's operators)"
            )
        sys.exit(f"cannot follow the feed: {reason}")


if __name__ == "__main__":
    main()
