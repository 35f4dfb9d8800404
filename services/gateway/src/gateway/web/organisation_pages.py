"""Organisations: the KvK register, adding by hand, identifiers, activation, receiving, PDF
options, members and invitations. Every change goes through the JSON API's own request models
and commands, so the same rules answer in the same words."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.commands.invitations import (
    InvitationSent,
    InviteUser,
    ListUsers,
    MembershipRevokedReply,
    RevokeMembership,
    UserList,
)
from contracts.commands.organisations import (
    AddIdentifier,
    GetOrganisation,
    Organisation,
    PdfOptions,
    RegisterResults,
    RemoveIdentifier,
    RequestActivation,
    SearchRegister,
    SetPdfOptions,
    SetReceiving,
)
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from pydantic import ValidationError

from gateway.organisation_access import organisation_access
from gateway.problems import Problem
from gateway.routes.invitations import InvitationRequest
from gateway.routes.organisations import (
    NewIdentifier,
    NewOrganisation,
    PdfOptionsChoice,
    add_organisation,
    organisation_admin,
    visible_organisations,
)
from gateway.web.explain import Explanation, explain, explain_form
from gateway.web.session_pages import Form
from gateway.web.visit import Visit

ADDRESS_FIELDS = ("street", "house_number", "postal_code", "city", "country")


class OrganisationPages(Controller):
    """/organisations and /organisations/{id} with its forms."""

    path = "/organisations"

    @get("/")
    async def organisations(
        self,
        visit: NamedDependency[Visit],
        q: FromQuery[str] = "",
        kvk_number: FromQuery[str] = "",
        place: FromQuery[str] = "",
    ) -> Response[str]:
        """The list, the register search (with its results) and the form to add by hand."""
        return await self._list(visit, search={"q": q, "kvk_number": kvk_number, "place": place})

    async def _list(
        self,
        visit: Visit,
        status: int = 200,
        search: dict[str, str] | None = None,
        problem: Explanation | None = None,
        form: dict[str, Any] | None = None,
    ) -> Response[str]:
        caller = visit.signed_in()
        organisations = await visible_organisations(caller, visit.bus)
        search = search or {}
        results: RegisterResults | None = None
        search_problem = None
        if any(value.strip() for value in search.values()):
            try:
                results = await visit.bus.call(
                    SearchRegister(**{k: v[:100].strip() or None for k, v in search.items()}),
                    RegisterResults,
                )
            except (Problem, ValidationError) as refusal:
                search_problem = (
                    explain(refusal, visit.language)
                    if isinstance(refusal, Problem)
                    else explain_form(refusal, visit.language)
                )
        # The search form sent with nothing in it says so, instead of showing nothing.
        asked = any(key in visit.request.query_params for key in ("q", "kvk_number", "place"))
        searched_empty = asked and not any(value.strip() for value in search.values())
        return visit.page(
            "organisations.html",
            status,
            organisations=organisations.organisations,
            may_add=caller.role == "admin",
            search=search,
            searched_empty=searched_empty,
            results=results,
            search_problem=search_problem,
            problem=problem,
            form=form or {"country": "NL"},
        )

    @post("/", status_code=200)
    async def add(self, visit: NamedDependency[Visit], data: Form) -> Response[str] | Redirect:
        """From the register (`kvk_number` alone, from a search result) or by hand."""
        visit.check_csrf(data)
        caller = visit.signed_in()
        fields: dict[str, Any] = {k: v.strip() for k, v in data.items() if k != "csrf_token"}
        if data.get("source") == "kvk":
            body: dict[str, Any] = {"kvk_number": fields.get("kvk_number", "")}
        else:
            body = {
                "name": fields.get("name", ""),
                "address": {k: fields.get(k) or None for k in ADDRESS_FIELDS},
            }
            body["address"]["country"] = (fields.get("country") or "NL").upper()
            for optional in ("vat_id", "kvk_number", "oin"):
                if fields.get(optional):
                    body[optional] = fields[optional]
        try:
            added = await add_organisation(NewOrganisation(**body), caller, visit.bus)
        except ValidationError as error:
            return await self._list(
                visit, 422, problem=explain_form(error, visit.language), form=fields
            )
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return await self._list(visit, problem.status, problem=problem, form=fields)
        return visit.redirect(f"/organisations/{added.id}?done=orgs.added")

    @get("/{organisation_id:uuid}")
    async def organisation(
        self, visit: NamedDependency[Visit], organisation_id: UUID
    ) -> Response[str]:
        """Details, identifiers, activation, receiving, PDF options, members, invitations."""
        return await self._detail(visit, organisation_id)

    async def _detail(
        self,
        visit: Visit,
        organisation_id: UUID,
        status: int = 200,
        problem: Explanation | None = None,
        section: str = "",
        form: dict[str, Any] | None = None,
    ) -> Response[str]:
        caller = visit.signed_in()
        # Like the API's routes: an environment admin administers every organisation of it
        # (identity may not have heard of one added a moment ago).
        administers = caller.role == "admin"
        if not administers:
            access = await organisation_access(organisation_id, caller, visit.bus)
            administers = access.role == "admin"
        organisation = await visit.bus.call(
            GetOrganisation(caller=caller, organisation_id=organisation_id), Organisation
        )
        members = None
        if caller.role == "admin":
            users = await visit.bus.call(ListUsers(caller=caller), UserList)
            members = [
                (user, grant.role)
                for user in users.users
                for grant in user.memberships
                if grant.organisation_id == organisation_id
            ]
        return visit.page(
            "organisation.html",
            status,
            organisation=organisation,
            administers=administers,
            members=members,
            problem=problem,
            section=section,
            form=form or {},
        )

    async def _act(
        self,
        visit: Visit,
        organisation_id: FromPath[UUID],
        section: str,
        form: dict[str, Any],
        act: Any,
    ) -> Response[str] | Redirect:
        """Check the caller administers the organisation, then act; refusals shown in words."""
        visit.check_csrf(form)
        caller = visit.signed_in()
        try:
            admin = await organisation_admin(organisation_id, caller, visit.bus)
            done = await act(admin)
        except ValidationError as error:
            problem = explain_form(error, visit.language)
            return await self._detail(visit, organisation_id, 422, problem, section, form)
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return await self._detail(
                visit, organisation_id, problem.status, problem, section, form
            )
        return visit.redirect(f"/organisations/{organisation_id}?done={done}#{section}")

    @post("/{organisation_id:uuid}/identifiers", status_code=200)
    async def add_identifier(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], data: Form
    ) -> Response[str] | Redirect:
        """Like POST .../identifiers: a value that fails a check names the check."""

        async def act(admin: Any) -> str:
            identifier = NewIdentifier(scheme=data.get("scheme", ""), value=data.get("value", ""))
            await visit.bus.call(
                AddIdentifier(
                    caller=admin,
                    organisation_id=organisation_id,
                    scheme=identifier.scheme,
                    value=identifier.value,
                ),
                Organisation,
            )
            return "org.identifier.added"

        return await self._act(visit, organisation_id, "identifiers", data, act)

    @post("/{organisation_id:uuid}/identifiers/{scheme:str}/remove", status_code=200)
    async def remove_identifier(
        self,
        visit: NamedDependency[Visit],
        organisation_id: FromPath[UUID],
        scheme: FromPath[str],
        data: Form,
    ) -> Response[str] | Redirect:
        """Like DELETE .../identifiers/{scheme}: a register organisation keeps its KvK number."""

        async def act(admin: Any) -> str:
            await visit.bus.call(
                RemoveIdentifier(
                    caller=admin, organisation_id=organisation_id, scheme=scheme[:100]
                ),
                Organisation,
            )
            return "org.identifier.removed"

        return await self._act(visit, organisation_id, "identifiers", data, act)

    @post("/{organisation_id:uuid}/activation", status_code=200)
    async def activate(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], data: Form
    ) -> Response[str] | Redirect:
        """Like POST .../activation."""

        async def act(admin: Any) -> str:
            organisation = await visit.bus.call(
                RequestActivation(caller=admin, organisation_id=organisation_id), Organisation
            )
            return "org.activated" if organisation.status == "active" else "org.activation_pending"

        return await self._act(visit, organisation_id, "activation", data, act)

    @post("/{organisation_id:uuid}/receiving", status_code=200)
    async def receiving(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], data: Form
    ) -> Response[str] | Redirect:
        """Like PUT .../receiving."""

        async def act(admin: Any) -> str:
            enabled = data.get("enabled") == "true"
            await visit.bus.call(
                SetReceiving(caller=admin, organisation_id=organisation_id, enabled=enabled),
                Organisation,
            )
            return "org.receiving.now_on" if enabled else "org.receiving.now_off"

        return await self._act(visit, organisation_id, "receiving", data, act)

    @post("/{organisation_id:uuid}/pdf-options", status_code=200)
    async def pdf_options(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], data: Form
    ) -> Response[str] | Redirect:
        """Like PUT .../pdf-options."""

        async def act(admin: Any) -> str:
            choice = PdfOptionsChoice(
                generate_pdf=data.get("generate_pdf", ""),
                merge_attachments=data.get("merge_attachments") == "on",
            )
            await visit.bus.call(
                SetPdfOptions(
                    caller=admin,
                    organisation_id=organisation_id,
                    options=PdfOptions(**choice.model_dump()),
                ),
                Organisation,
            )
            return "org.pdf.saved"

        return await self._act(visit, organisation_id, "pdf", data, act)

    @post("/{organisation_id:uuid}/invitations", status_code=200)
    async def invite(
        self, visit: NamedDependency[Visit], organisation_id: FromPath[UUID], data: Form
    ) -> Response[str] | Redirect:
        """Like POST /api/v1/invitations, into this organisation, in the visitor's language."""

        async def act(admin: Any) -> str:
            invitation = InvitationRequest(
                email=data.get("email", ""),
                organisation_ids=[organisation_id],
                role=data.get("role", "member"),
                language=visit.language,
            )
            await visit.bus.call(
                InviteUser(
                    caller=admin,
                    email=str(invitation.email),
                    organisation_ids=invitation.organisation_ids,
                    role=invitation.role,
                    language=invitation.language,
                ),
                InvitationSent,
            )
            return "org.invited"

        return await self._act(visit, organisation_id, "members", data, act)

    @post("/{organisation_id:uuid}/members/{user_id:uuid}/remove", status_code=200)
    async def remove_member(
        self,
        visit: NamedDependency[Visit],
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
        data: Form,
    ) -> Response[str] | Redirect:
        """Like DELETE /api/v1/users/{user_id}/memberships/{organisation_id}."""

        async def act(admin: Any) -> str:
            await visit.bus.call(
                RevokeMembership(caller=admin, user_id=user_id, organisation_id=organisation_id),
                MembershipRevokedReply,
            )
            return "org.members.removed"

        return await self._act(visit, organisation_id, "members", data, act)
