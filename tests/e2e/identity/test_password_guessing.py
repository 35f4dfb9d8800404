"""Nobody learns which addresses have accounts, and guessing passwords soon has to wait."""

from __future__ import annotations

import statistics
import time

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import login, register, verified_user

TRIES = 30


def timed_login(stack: Stack, email: str, password: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    answer = login(stack, email, password, address=a_client())
    return answer, time.perf_counter() - started


def test_an_unknown_address_and_a_wrong_password_look_and_take_the_same(system: Stack) -> None:
    # Fewer than ten tries per account and one per client address: no throttle interferes.
    accounts = [an_address("known") for _ in range(4)]
    for email in accounts:
        assert register(system, email).status_code == 202
    wrong, unknown = [], []
    for i in range(TRIES):
        # Alternating, so a slower moment of the machine hits both alike.
        wrong.append(timed_login(system, accounts[i % 4], f"not the password {i}"))
        unknown.append(timed_login(system, an_address("nobody"), f"not the password {i}"))

    bodies = {(a.status_code, a.text) for a, _ in wrong + unknown}
    assert len(bodies) == 1, f"every answer identical, got {bodies}"
    [(status, _body)] = bodies
    assert status == 401
    # The fastest tries show what each path costs itself; a busy machine only ever adds time,
    # so medians alone would compare the neighbours' load as much as our two paths.
    wrong_fastest = min(t for _, t in wrong)
    unknown_fastest = min(t for _, t in unknown)
    difference = abs(wrong_fastest - unknown_fastest) / max(wrong_fastest, unknown_fastest)
    assert difference <= 0.20, f"fastest {wrong_fastest:.3f}s vs {unknown_fastest:.3f}s"
    wrong_median = statistics.median(t for _, t in wrong)
    unknown_median = statistics.median(t for _, t in unknown)
    spread = abs(wrong_median - unknown_median) / max(wrong_median, unknown_median)
    assert spread <= 0.35, f"medians {wrong_median:.3f}s vs {unknown_median:.3f}s"


def test_the_eleventh_failure_from_one_address_waits_with_retry_after(system: Stack) -> None:
    guesser = a_client()
    for i in range(10):
        answer = login(system, an_address("target"), f"guess number {i}", address=guesser)
        assert answer.status_code == 401
    eleventh = login(system, an_address("target"), "guess number 11", address=guesser)
    assert eleventh.status_code == 429
    assert eleventh.headers["content-type"].startswith("application/problem+json")
    assert eleventh.json()["type"] == "urn:problem:identity:too-many-login-attempts"
    retry_after = int(eleventh.headers["retry-after"])
    assert 0 < retry_after <= 15 * 60
    # Another address is not held back by this one's failures.
    someone = verified_user(system, an_address("bystander"))
    assert login(system, someone, address=a_client()).status_code == 201


def test_strangers_guessing_an_account_do_not_lock_its_owner_out(system: Stack) -> None:
    owner_home = a_client()
    email = verified_user(system, an_address("owner"))
    assert login(system, email, address=owner_home).status_code == 201

    # A distributed guesser: ten failures on the account, from five addresses.
    for i in range(10):
        assert (
            login(system, email, f"guess {i} at it", address=f"2001:db8:bad::{i % 5}").status_code
            == 401
        )
    # The account now waits for addresses it has never signed in from, right password or not.
    stranger = login(system, email, address=a_client())
    assert stranger.status_code == 429 and int(stranger.headers["retry-after"]) > 0
    # Its owner, at home, signs in as usual.
    assert login(system, email, address=owner_home).status_code == 201


def test_an_unknown_account_is_throttled_exactly_like_a_known_one(system: Stack) -> None:
    known = verified_user(system, an_address("throttled"))
    unknown = an_address("ghost")
    answers: dict[str, list[int]] = {known: [], unknown: []}
    for email in (known, unknown):
        for i in range(11):
            address = f"2001:db8:{'a' if email == known else 'b'}0::{i}"
            answers[email].append(
                login(system, email, f"guess {i} at it", address=address).status_code
            )
    assert answers[known] == answers[unknown] == [401] * 10 + [429]
