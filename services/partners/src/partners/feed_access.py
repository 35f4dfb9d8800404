"""`python -m partners.feed_access`: give partner systems credentials for the live NATS feed.

    python -m partners.feed_access grant acme <organisation_id> [<organisation_id> ...]
    python -m partners.feed_access revoke acme [<organisation_id> ...]
    python -m partners.feed_access password acme
    python -m partners.feed_access show

Grants live in <var>/nats/partners.json; every change rewrites <var>/nats/authorization.conf,
which `make run` starts nats-server with, and asks a running nats-server to reload it. A new
partner's password (or a new one) is printed once; hand it to the partner with the NATS URL.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from partners.feed.access import FeedAccess, consumer_name, inbox_prefix


def grants_file(var_dir: Path) -> Path:
    """Where the grants are kept."""
    return var_dir / "nats" / "partners.json"


def config_file(var_dir: Path) -> Path:
    """The generated nats-server configuration."""
    return var_dir / "nats" / "authorization.conf"


def write_config(var_dir: Path, access: FeedAccess) -> Path:
    """Save the grants and (re)write the server configuration."""
    access.save(grants_file(var_dir))
    path = config_file(var_dir)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(access.server_config())
    tmp.replace(path)
    return path


def _reload(pid_file: Path | None) -> str:
    if pid_file is None or not pid_file.exists():
        return "no running nats-server found: the next start reads it"
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)  # nats-server: reload config
    except (ValueError, ProcessLookupError, PermissionError) as error:
        return f"could not signal nats-server ({error}); restart it to apply"
    return "signalled nats-server to reload it (its log says whether it could)"


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success."""
    parser = argparse.ArgumentParser(prog="python -m partners.feed_access", description=__doc__)
    parser.add_argument("--var-dir", type=Path, default=Path(os.environ.get("VAR_DIR", "var")))
    parser.add_argument(
        "--pid-file", type=Path, help="nats-server's pid file (default: <var>/nats/nats.pid)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grant = commands.add_parser("grant", help="let a partner follow organisations")
    grant.add_argument("partner")
    grant.add_argument("organisations", nargs="+")
    revoke = commands.add_parser("revoke", help="take organisations (or all) away")
    revoke.add_argument("partner")
    revoke.add_argument("organisations", nargs="*")
    password = commands.add_parser("password", help="give a partner a new password")
    password.add_argument("partner")
    commands.add_parser("show", help="list partners and their organisations")
    args = parser.parse_args(argv)

    access = FeedAccess.load(grants_file(args.var_dir), config_file(args.var_dir))
    secret: str | None = None
    try:
        if args.command == "grant":
            secret = access.grant(args.partner, args.organisations)
        elif args.command == "revoke":
            access.revoke(args.partner, args.organisations or None)
        elif args.command == "password":
            if args.partner not in access.partners:
                print(f"no partner {args.partner!r}", file=sys.stderr)
                return 1
            secret = access.new_password(args.partner)
        else:
            for name, partner in sorted(access.partners.items()):
                print(name, *partner.organisations)
            return 0
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    path = write_config(args.var_dir, access)
    print(f"wrote {path}; {_reload(args.pid_file or args.var_dir / 'nats' / 'nats.pid')}")
    if secret is not None:
        print(
            f"user: {args.partner}\npassword: {secret}\ninbox prefix: {inbox_prefix(args.partner)}"
        )
        for organisation in access.partners[args.partner].organisations:
            print(f"consumer for {organisation}: {consumer_name(args.partner, organisation)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
