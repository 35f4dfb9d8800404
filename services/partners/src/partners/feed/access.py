"""Who may read which part of the partner feed: nats-server users with narrow permissions.

Each partner is a NATS user (bcrypt password) that may, for each organisation it was granted:
  - create its one durable consumer on the PARTNER stream, named `<partner>-<organisation_id>`,
    filtered to `partner.<organisation_id>.…` (the filter is part of the API subject, and the
    server refuses a configuration whose filter differs from it);
  - pull from that consumer, acknowledge its messages, read its info, delete it;
  - subscribe to `partner.<organisation_id>.>` (core NATS, live only) and to its own inbox
    prefix `_INBOX_<partner>.>` (where pulled messages and API answers arrive).
Nothing else: no other subjects, no stream info, no direct-get or message-get, no publishing.
The platform's services connect as the user `platform` (anonymous connections count as it on the
development stack, `no_auth_user`; in production give them its password in NATS_URL instead).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
from servicekit.streams import PARTNER_STREAM


def _password(nbytes: int) -> str:
    """A random password that never starts with "-": partners pass it on command lines
    (`--password <it>`), where a leading dash reads as an option."""
    while True:
        password = secrets.token_urlsafe(nbytes)
        if not password.startswith("-"):
            return password


PARTNER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PLATFORM_USER = "platform"


def consumer_name(partner: str, organisation_id: str) -> str:
    """The one durable consumer a partner may have for an organisation."""
    return f"{partner}-{organisation_id}"


def inbox_prefix(partner: str) -> str:
    """The inbox prefix a partner connects with (nats.connect(inbox_prefix=...))."""
    return f"_INBOX_{partner}"


@dataclass
class Partner:
    """A partner system: its password's bcrypt hash and the organisations it may follow."""

    password_hash: str
    organisations: list[str] = field(default_factory=list)


@dataclass
class FeedAccess:
    """Every partner's grants; kept as JSON beside the generated server configuration."""

    platform_password: str
    anonymous_platform: bool = True
    partners: dict[str, Partner] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, server_config: Path | None = None) -> FeedAccess:
        """Read the grants, or start empty when none exist: with the platform password of the
        server's configuration when it has one (the first one `make run` writes), else a fresh
        one. Keeping it matters: nats-server drops every connection of a user whose password
        a reload changed, and the services are connected as that user."""
        if not path.exists():
            kept = platform_password_in(server_config) if server_config else None
            return cls(platform_password=kept or _password(32))
        raw = json.loads(path.read_text())
        return cls(
            platform_password=raw["platform_password"],
            anonymous_platform=raw.get("anonymous_platform", True),
            partners={name: Partner(**p) for name, p in raw.get("partners", {}).items()},
        )

    def save(self, path: Path) -> None:
        """Write the grants (only the owner may read them)."""
        raw = {
            "platform_password": self.platform_password,
            "anonymous_platform": self.anonymous_platform,
            "partners": {
                name: {"password_hash": p.password_hash, "organisations": p.organisations}
                for name, p in sorted(self.partners.items())
            },
        }
        _write_private(path, json.dumps(raw, indent=2) + "\n")

    def grant(self, partner: str, organisation_ids: list[str]) -> str | None:
        """Let `partner` follow the organisations; its new password when it is new."""
        if not PARTNER_NAME.match(partner):
            raise ValueError("a partner name is 1-40 of a-z, 0-9, _ and -, starting with a letter")
        if partner == PLATFORM_USER:
            raise ValueError(f"{PLATFORM_USER!r} is the platform's own user")
        wanted = [str(uuid.UUID(o)) for o in organisation_ids]
        password = None
        if partner not in self.partners:
            password = _password(24)
            self.partners[partner] = Partner(_hash(password))
        known = self.partners[partner].organisations
        known.extend(o for o in wanted if o not in known)
        return password

    def revoke(self, partner: str, organisation_ids: list[str] | None = None) -> None:
        """Take organisations away from a partner, or the partner altogether."""
        if organisation_ids is None:
            self.partners.pop(partner, None)
            return
        gone = {str(uuid.UUID(o)) for o in organisation_ids}
        if partner in self.partners:
            p = self.partners[partner]
            p.organisations = [o for o in p.organisations if o not in gone]

    def new_password(self, partner: str) -> str:
        """Give a partner a new password (the old one stops working at the next reload)."""
        password = _password(24)
        self.partners[partner].password_hash = _hash(password)
        return password

    def server_config(self) -> str:
        """The nats-server configuration (authorization) for these grants."""
        # In clear: nats-server compares an anonymous client's (missing) password with the
        # no_auth_user's own, which a bcrypt hash would never match. The services present it
        # (NATS_URL nats://platform:<password>@host) where anonymous connections are off.
        users = [
            _user(
                PLATFORM_USER,
                self.platform_password,
                {"publish": ">", "subscribe": ">"},
            )
        ]
        for name, partner in sorted(self.partners.items()):
            users.append(_user(name, partner.password_hash, permissions(name, partner)))
        lines = [
            "# Generated by `python -m partners.feed_access`; edits are overwritten.",
            "authorization {",
            "  users = [",
            *(f"    {user}" for user in users),
            "  ]",
            "}",
        ]
        if self.anonymous_platform:
            lines.append(f"no_auth_user: {json.dumps(PLATFORM_USER)}")
        return "\n".join(lines) + "\n"


def platform_password_in(server_config: Path) -> str | None:
    """The platform user's password in a configuration written like server_config() (one
    JSON object per user line); None when there is none."""
    if not server_config.exists():
        return None
    for line in server_config.read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                user = json.loads(line)
                if user.get("user") == PLATFORM_USER and isinstance(user.get("password"), str):
                    return str(user["password"])
    return None


def permissions(name: str, partner: Partner) -> dict[str, object]:
    """A partner's publish and subscribe allow-lists (everything else is denied)."""
    publish: list[str] = []
    subscribe = [f"{inbox_prefix(name)}.>"]
    for organisation in partner.organisations:
        consumer = consumer_name(name, organisation)
        api = f"$JS.API.CONSUMER.%s.{PARTNER_STREAM}.{consumer}"
        publish += [
            f"$JS.API.CONSUMER.CREATE.{PARTNER_STREAM}.{consumer}.partner.{organisation}.>",
            api % "INFO",
            api % "DELETE",
            f"$JS.API.CONSUMER.MSG.NEXT.{PARTNER_STREAM}.{consumer}",
            f"$JS.ACK.{PARTNER_STREAM}.{consumer}.>",
        ]
        subscribe.append(f"partner.{organisation}.>")
    # An empty allow-list would mean "no restriction" to nats-server: deny everything instead.
    publish_rule: dict[str, list[str]] = {"allow": publish} if publish else {"deny": [">"]}
    return {"publish": publish_rule, "subscribe": {"allow": subscribe}}


def _user(name: str, password_hash: str, perms: dict[str, object]) -> str:
    return json.dumps({"user": name, "password": password_hash, "permissions": perms})


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=11)).decode()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(text)
    tmp.replace(path)
