"""The identity process: request/reply commands, the outbox relay, the revocation publisher."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from contracts.commands.identity import RegisterUser, VerifyEmail
from contracts.commands.invitations import (
    AcceptInvitation,
    AuthoriseOrganisation,
    DescribeInvitation,
    InviteUser,
    ListUsers,
    RevokeMembership,
)
from contracts.commands.my_account import (
    ChangeEmailPreferences,
    ChangePassword,
    ChangeProfile,
    GetPhoto,
    SetPhoto,
    SetReceivingPrompt,
)
from contracts.commands.password_reset import ConfirmPasswordReset, RequestPasswordReset
from contracts.commands.profile import GetProfile
from contracts.commands.sessions import EndSession, Login, RefreshSession
from nats.js import JetStreamContext
from servicekit.consumer import EventConsumer
from servicekit.rpc import serve
from servicekit.streams import revoked_sessions
from servicekit.worker import ServiceWorker

from identity.bootstrap import Identity, bootstrap
from identity.entrypoints.invitations import InvitationHandlers
from identity.entrypoints.my_account import MyAccountHandlers
from identity.entrypoints.password_reset import PasswordResetHandlers
from identity.entrypoints.photo import PhotoHandlers
from identity.entrypoints.profile import ProfileHandlers
from identity.entrypoints.registration import RegistrationHandlers
from identity.entrypoints.sessions import SessionHandlers
from identity.integration.outbound import to_envelope
from identity.projections import organisations as organisation_events

CONTEXT = "identity"


def build_worker(identity: Identity | None = None) -> ServiceWorker:
    """Wire identity's handlers, relay and revocation publisher onto a service worker."""
    identity = identity or bootstrap()
    worker = ServiceWorker(CONTEXT, identity.settings)
    saved = worker.publish_from(identity.app, identity.executor, to_envelope)

    registration = RegistrationHandlers(identity, saved)
    sessions = SessionHandlers(identity)
    resets = PasswordResetHandlers(identity, saved)
    profiles = ProfileHandlers(identity)
    serve(worker.broker, RegisterUser, registration.register, queue=CONTEXT)
    serve(worker.broker, VerifyEmail, registration.verify_email, queue=CONTEXT)
    serve(worker.broker, Login, sessions.login, queue=CONTEXT)
    serve(worker.broker, RefreshSession, sessions.refresh, queue=CONTEXT)
    serve(worker.broker, EndSession, sessions.end_session, queue=CONTEXT)
    serve(worker.broker, RequestPasswordReset, resets.request, queue=CONTEXT)
    serve(worker.broker, ConfirmPasswordReset, resets.confirm, queue=CONTEXT)
    serve(worker.broker, GetProfile, profiles.profile, queue=CONTEXT)
    account = MyAccountHandlers(identity, saved)
    serve(worker.broker, ChangeProfile, account.change_profile, queue=CONTEXT)
    serve(worker.broker, ChangeEmailPreferences, account.change_email_preferences, queue=CONTEXT)
    serve(worker.broker, SetReceivingPrompt, account.set_receiving_prompt, queue=CONTEXT)
    serve(worker.broker, ChangePassword, account.change_password, queue=CONTEXT)
    photos = PhotoHandlers(identity, saved)
    serve(worker.broker, SetPhoto, photos.set_photo, queue=CONTEXT)
    serve(worker.broker, GetPhoto, photos.photo, queue=CONTEXT)
    worker.on_connected(photos.attach)
    invitations = InvitationHandlers(identity, saved)
    serve(worker.broker, InviteUser, invitations.invite, queue=CONTEXT)
    serve(worker.broker, DescribeInvitation, invitations.describe, queue=CONTEXT)
    serve(worker.broker, AcceptInvitation, invitations.accept, queue=CONTEXT)
    serve(worker.broker, ListUsers, invitations.users, queue=CONTEXT)
    serve(worker.broker, RevokeMembership, invitations.revoke, queue=CONTEXT)
    serve(worker.broker, AuthoriseOrganisation, invitations.organisation_access, queue=CONTEXT)

    async def on_connected(js: JetStreamContext) -> None:
        identity.revocations.attach(await revoked_sessions(js, identity.settings.stream_replicas))
        worker.add_loop(identity.revocations.run, identity.revocations.stop)

    worker.on_connected(on_connected)

    organisations = EventConsumer(
        durable=organisation_events.CONSUMER,
        subject=organisation_events.SUBJECT,
        database=identity.database,
        executor=identity.executor,
        effect=identity.organisation_events.apply,
        ack_wait_seconds=identity.settings.consumer_ack_wait_seconds,
        on_applied=partial(_after_organisation_event, identity, saved),
    )
    worker.consume(organisations)
    return worker


def _after_organisation_event(identity: Identity, saved: Callable[[], None]) -> None:
    # A move may have recorded user events and ended sessions: publish both now.
    saved()
    identity.revocations.wake()
