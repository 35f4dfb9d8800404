"""Identity's login handler, in process: the same refusal for strangers, rehashing, 403 rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from contracts.commands.sessions import Login
from identity.bootstrap import Identity
from identity.entrypoints.sessions import SessionHandlers
from identity.state.credentials import password_hash_of
from servicekit.rpc import Refused
from servicekit.sealing import seal

from tests.scenery import STRONG_PASSWORD, Clock, identity_on


@pytest.fixture
def database_file(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'identity.db'}"


def login_command(keys: dict[str, str], email: str, password: str) -> Login:
    return Login(
        email=email,
        sealed_password=seal(keys["IDENTITY_PUBLIC_KEY"], password),
        client_address="192.0.2.10",
    )


def signed_up(identity: Identity, email: str, verified: bool = True) -> None:
    identity.registration.register(
        email=email,
        password_hash=identity.passwords.hash(STRONG_PASSWORD),
        full_name="Ann",
        language="nl",
        environment_name=None,
    )
    user = identity.app.user_for(email)
    assert user is not None
    if verified:
        user.verify_email(Clock()())
        identity.app.save(user)


async def refusal(identity: Identity, command: Login) -> Refused:
    with pytest.raises(Refused) as refused:
        await SessionHandlers(identity).login(command)
    return refused.value


async def test_a_stranger_and_a_wrong_password_are_refused_word_for_word(
    database_file: str, keys: dict[str, str]
) -> None:
    identity = identity_on(database_file, keys)
    signed_up(identity, "ann@example.nl")
    wrong = await refusal(identity, login_command(keys, "ann@example.nl", "wrong password!!"))
    stranger = await refusal(identity, login_command(keys, "bob@example.nl", STRONG_PASSWORD))
    assert wrong.problem == stranger.problem
    assert wrong.problem.status == 401


async def test_the_right_password_of_an_unverified_address_is_a_403(
    database_file: str, keys: dict[str, str]
) -> None:
    identity = identity_on(database_file, keys)
    signed_up(identity, "ann@example.nl", verified=False)
    refused = await refusal(identity, login_command(keys, "ann@example.nl", STRONG_PASSWORD))
    assert refused.problem.status == 403
    assert refused.problem.type == "urn:problem:identity:email-not-verified"


async def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_login(
    database_file: str, keys: dict[str, str]
) -> None:
    cheap = identity_on(database_file, keys)
    signed_up(cheap, "ann@example.nl")
    user_id = cheap.app.user_id_for("ann@example.nl")
    assert user_id is not None
    with cheap.database.transaction(commit=False) as session:
        old_hash = password_hash_of(session, user_id)
    assert old_hash is not None and "m=8,t=1,p=1" in old_hash

    stronger = identity_on(
        database_file,
        keys,
        argon2_time_cost=2,
        argon2_memory_cost_kib=19456,
        argon2_parallelism=1,
    )
    started = await SessionHandlers(stronger).login(
        login_command(keys, "ann@example.nl", STRONG_PASSWORD)
    )
    assert started.user.email == "ann@example.nl"
    with stronger.database.transaction(commit=False) as session:
        new_hash = password_hash_of(session, user_id)
    assert new_hash is not None and "m=19456,t=2,p=1" in new_hash
    assert stronger.passwords.verify(new_hash, STRONG_PASSWORD)
