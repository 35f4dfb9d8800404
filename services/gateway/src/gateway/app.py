"""The Litestar application: public HTTP API, problem+json errors, OpenAPI at /schema."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from nats.aio.client import Client
from servicekit.streams import REVOKED_SESSIONS_TTL_SECONDS

from gateway.access_tokens import AccessTokenVerifier
from gateway.allow import AllowEveryMethod
from gateway.api_document import document_problems
from gateway.auth import Authentication
from gateway.bus import Bus
from gateway.directory import DirectoryMirror
from gateway.observability import correlation_and_metrics
from gateway.problems import EXCEPTION_HANDLERS
from gateway.revocations import RevokedSessions
from gateway.routes.directory import DirectoryController, asking
from gateway.routes.invitation_page import InvitationPageController
from gateway.routes.invitations import InvitationController
from gateway.routes.invoices import InvoiceController, ValidationController
from gateway.routes.me import MeController, Profiles
from gateway.routes.my_notifications import (
    MyNotificationsController,
    OperatorNotificationsController,
)
from gateway.routes.operations import OperationsController
from gateway.routes.ops_bus import OperatorBusController
from gateway.routes.ops_dashboard import OpsDashboardController
from gateway.routes.ops_organisations import OperatorOrganisationController
from gateway.routes.organisations import OrganisationController, RegisterController
from gateway.routes.partners import PartnerController
from gateway.routes.password_change import PasswordChangeController
from gateway.routes.password_resets import PasswordResetController
from gateway.routes.photo import PhotoController
from gateway.routes.registrations import RegistrationController
from gateway.routes.reset_page import ResetPageController
from gateway.routes.sessions import SessionController
from gateway.routes.users import UserController
from gateway.routes.verify_page import VerifyPageController
from gateway.settings import GatewaySettings
from gateway.web import WEB_ROUTES, not_found

DOCUMENT_BODY_LIMIT = 10 * 1024 * 1024


def create_app(settings: GatewaySettings | None = None, bus: Bus | None = None) -> Litestar:
    """Build the gateway; `bus` may be given by tests."""
    settings = settings or GatewaySettings()
    bus = bus or Bus(settings.nats_servers, settings.request_timeout_seconds)
    authentication = Authentication(
        # A token may not outlive the revocation list's memory of its session.
        AccessTokenVerifier(settings.jwt_public_keys, REVOKED_SESSIONS_TTL_SECONDS - 60),
        RevokedSessions(),
        settings.trusted_proxies,
    )

    async def follow_revocations(nc: Client) -> None:
        await authentication.revoked.follow(nc, settings.stream_replicas)

    bus.when_connected(follow_revocations)
    directory = DirectoryMirror(ask=asking(bus))
    bus.when_connected(directory.follow)
    profiles = Profiles.following(bus, authentication)
    allow = AllowEveryMethod()
    app = Litestar(
        route_handlers=[
            RegistrationController,
            SessionController,
            MeController,
            PhotoController,
            PasswordChangeController,
            PasswordResetController,
            OperationsController,
            VerifyPageController,
            ResetPageController,
            InvitationController,
            UserController,
            InvitationPageController,
            RegisterController,
            OrganisationController,
            DirectoryController,
            OperatorOrganisationController,
            ValidationController,
            InvoiceController,
            MyNotificationsController,
            OperatorNotificationsController,
            OperatorBusController,
            OpsDashboardController,
            PartnerController,
            *WEB_ROUTES,
        ],
        dependencies={
            "bus": Provide(lambda: bus, sync_to_thread=False),
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "authentication": Provide(lambda: authentication, sync_to_thread=False),
            "directory": Provide(lambda: directory, sync_to_thread=False),
            "profiles": Provide(lambda: profiles, sync_to_thread=False),
        },
        exception_handlers={**EXCEPTION_HANDLERS, NotFoundException: not_found},
        middleware=[correlation_and_metrics],
        before_send=[allow],
        request_max_body_size=DOCUMENT_BODY_LIMIT,
        on_startup=[bus.start],
        on_shutdown=[bus.stop],
        openapi_config=OpenAPIConfig(
            title="E-invoicing platform API",
            version="1.0.0",
            description="The public HTTP API. Errors are RFC 9457 application/problem+json. "
            "Authenticated calls send Authorization: Bearer <access_token> from POST "
            "/api/v1/sessions. The event bus is described by the AsyncAPI document at "
            "/asyncapi.json.",
            path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="The access token from POST /api/v1/sessions (15 minutes).",
                    ),
                    "OperatorToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="The operators' token (OPERATOR_TOKEN), for /ops routes.",
                    ),
                }
            ),
        ),
    )
    allow.learn(app)
    # Built once, before the first request: how each operation refuses, as problem+json.
    document_problems(app.openapi_schema)
    return app
