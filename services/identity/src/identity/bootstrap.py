"""Composition root: settings in, a wired identity service out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.sealing import seal

from identity.application import IdentityApplication
from identity.domain.receiving_prompt import OrganisationReceiving
from identity.domain.throttling import LoginThrottle
from identity.domain.user import User
from identity.integration.inbound import OrganisationEvents
from identity.projections.organisations import organisations_visible_to
from identity.security.access_tokens import AccessTokenIssuer
from identity.security.password_hashing import PasswordHashing
from identity.security.revocations import RevocationPublisher
from identity.settings import IdentitySettings
from identity.state.tables import create_state_tables
from identity.usecases.organisation_moves import OrganisationMoves
from identity.usecases.password_reset import PasswordResets
from identity.usecases.profile import OrganisationsOf, Profiles
from identity.usecases.registration import Registration
from identity.usecases.sessions import Sessions


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


@dataclass
class Identity:
    """The identity service's parts, wired."""

    settings: IdentitySettings
    app: IdentityApplication
    database: SharedDatabase
    executor: StoreExecutor
    passwords: PasswordHashing
    access_tokens: AccessTokenIssuer
    revocations: RevocationPublisher
    registration: Registration
    sessions: Sessions
    password_resets: PasswordResets
    profiles: Profiles
    organisations_of: OrganisationsOf
    organisation_events: OrganisationEvents


def bootstrap(
    settings: IdentitySettings | None = None, clock: Callable[[], datetime] = utc_now
) -> Identity:
    """Build the identity service from settings (environment variables by default)."""
    settings = settings or IdentitySettings()
    app = IdentityApplication(store_environment(settings.database_url))
    database = SharedDatabase(app)
    create_state_tables(database.engine)
    # Commands arriving together commit together (see servicekit.executor); a use case's
    # events and state rows still commit or fail as one.
    executor = StoreExecutor("identity", database)
    seal_token = partial(seal, settings.notifications_public_key)
    throttle = LoginThrottle(
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_failure_window_minutes),
        known_address_memory=timedelta(days=settings.known_address_days),
    )
    return Identity(
        settings=settings,
        app=app,
        database=database,
        executor=executor,
        passwords=PasswordHashing(
            settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism
        ),
        access_tokens=AccessTokenIssuer(
            settings.identity_jwt_private_key, settings.access_token_lifetime_seconds, clock
        ),
        revocations=RevocationPublisher(database, executor, settings.access_token_lifetime, clock),
        registration=Registration(
            app,
            database,
            seal_token=seal_token,
            verification_ttl=timedelta(hours=settings.verification_ttl_hours),
            sign_up_notice_quiet_period=timedelta(minutes=settings.sign_up_notice_quiet_minutes),
            clock=clock,
        ),
        sessions=Sessions(
            app,
            database,
            throttle=throttle,
            refresh_token_lifetime=timedelta(hours=settings.refresh_token_lifetime_hours),
            clock=clock,
        ),
        password_resets=PasswordResets(
            app,
            database,
            seal_token=seal_token,
            token_ttl=timedelta(minutes=settings.password_reset_ttl_minutes),
            quiet_period=timedelta(seconds=settings.password_reset_quiet_seconds),
            clock=clock,
        ),
        profiles=Profiles(app),
        organisations_of=partial(_organisations_of, database),
        organisation_events=OrganisationEvents(OrganisationMoves(app, clock)),
    )


def _organisations_of(database: SharedDatabase, user: User) -> Sequence[OrganisationReceiving]:
    """The user's organisations from identity's read model (run on the store thread)."""
    with database.transaction(commit=False) as session:
        return organisations_visible_to(session, user)
