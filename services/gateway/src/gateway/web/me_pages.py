"""Personal data, the password, the profile photo (with a preview before upload) and e-mail
preferences."""

from __future__ import annotations

from typing import Annotated, Any

from contracts.commands.my_account import (
    ChangeEmailPreferences,
    ChangeProfile,
    GetPhoto,
    PhotoReference,
)
from contracts.commands.profile import EmailPreferences
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from pydantic import ValidationError

from gateway.problems import Problem
from gateway.routes.me import EmailPreferenceChoices, ProfileChanges
from gateway.routes.password_change import PasswordChangeRequest, change_password
from gateway.routes.photo import PHOTO_BODY_LIMIT, read_photo, store_photo
from gateway.web.explain import Explanation, explain, explain_form
from gateway.web.phones import shown_phone
from gateway.web.session_pages import Form
from gateway.web.visit import Visit

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
CHOICES = tuple(EmailPreferences.model_fields)


class MePages(Controller):
    """/account, /account/password, /account/photo, /account/email."""

    path = "/account"

    @get("/")
    async def account_page(self, visit: NamedDependency[Visit]) -> Response[str]:
        """Name, phone, language and photo."""
        return await self._account(visit)

    async def _account(
        self,
        visit: Visit,
        status: int = 200,
        problem: Explanation | None = None,
        photo_problem: Explanation | None = None,
        form: dict[str, Any] | None = None,
        password_problem: Explanation | None = None,
    ) -> Response[str]:
        profile = await visit.profile()
        has_photo = True
        try:
            await visit.bus.call(GetPhoto(caller=visit.signed_in()), PhotoReference)
        except Problem as missing:
            if missing.status_code != 404:
                raise
            has_photo = False
        return visit.page(
            "account.html",
            status,
            profile=profile,
            form=form or {**profile.model_dump(), "phone": shown_phone(profile.phone)},
            has_photo=has_photo,
            problem=problem,
            photo_problem=photo_problem,
            password_problem=password_problem,
        )

    @post("/", status_code=200)
    async def change(self, visit: NamedDependency[Visit], data: Form) -> Response[str] | Redirect:
        """Change like PATCH /api/v1/me; an empty phone removes it."""
        visit.check_csrf(data)
        caller = visit.signed_in()
        phone = data.get("phone", "").strip()
        fields: dict[str, Any] = {"full_name": data.get("full_name", ""), "phone": phone or None}
        if data.get("language"):
            fields["language"] = data["language"]
        try:
            changes = ProfileChanges(**fields)
            profile = await visit.profiles.change(
                caller,
                ChangeProfile(
                    caller=caller,
                    full_name=changes.full_name,
                    phone=changes.phone,
                    remove_phone=changes.phone is None,
                    language=changes.language,
                ),
            )
        except ValidationError as error:
            problem = explain_form(error, visit.language)
            return await self._account(visit, 422, problem, form=fields)
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return await self._account(visit, problem.status, problem, form=fields)
        visit.choose_language(profile.language)
        return visit.redirect("/account?done=account.saved")

    @post("/password", status_code=200)
    async def password(self, visit: NamedDependency[Visit], data: Form) -> Response[str] | Redirect:
        """Change like PUT /api/v1/me/password: every session ends, so log in again."""
        visit.check_csrf(data)
        caller = visit.signed_in()
        try:
            wanted = PasswordChangeRequest(
                current_password=data.get("current_password", ""),
                new_password=data.get("new_password", ""),
            )
            await change_password(
                caller, wanted, visit.request, visit.bus, visit.settings, visit.authentication
            )
        except ValidationError as error:
            problem = explain_form(error, visit.language)
            return await self._account(visit, 422, password_problem=problem)
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return await self._account(visit, problem.status, password_problem=problem)
        visit.end_session()
        return visit.redirect("/login?done=password.changed")

    @get("/photo")
    async def photo(self, visit: NamedDependency[Visit]) -> Response[bytes]:
        """The stored photo, exactly as GET /api/v1/me/photo answers it."""
        return visit.keep_cookies(await read_photo(visit.signed_in(), visit.bus, visit.settings))

    @post("/photo", status_code=200, request_max_body_size=PHOTO_BODY_LIMIT + 64 * 1024)
    async def upload_photo(
        self, visit: NamedDependency[Visit], data: Upload
    ) -> Response[str] | Redirect:
        """Keep the chosen photo like PUT /api/v1/me/photo (identity checks and re-encodes)."""
        visit.check_csrf(data)
        caller = visit.signed_in()
        upload = data.get("photo")
        body = await upload.read() if isinstance(upload, UploadFile) else b""
        if not body:
            problem = Explanation(visit.say("photo.missing"))
            return await self._account(visit, 422, photo_problem=problem)
        try:
            await store_photo(body, caller, visit.bus, visit.settings)
        except Problem as refusal:
            problem = explain(refusal, visit.language)
            return await self._account(visit, problem.status, photo_problem=problem)
        return visit.redirect("/account?done=photo.saved")

    @get("/email")
    async def email_page(self, visit: NamedDependency[Visit]) -> Response[str]:
        """Which optional e-mails to get."""
        profile = await visit.profile()
        return visit.page(
            "email.html", choices=profile.email_preferences.model_dump(), names=CHOICES
        )

    @post("/email", status_code=200)
    async def email(self, visit: NamedDependency[Visit], data: Form) -> Response[str] | Redirect:
        """Replace the set like PUT /api/v1/me/email-preferences (an unticked box is false)."""
        visit.check_csrf(data)
        caller = visit.signed_in()
        choices = EmailPreferenceChoices(**{name: data.get(name) == "on" for name in CHOICES})
        preferences = EmailPreferences(**choices.model_dump())
        await visit.profiles.change(
            caller, ChangeEmailPreferences(caller=caller, preferences=preferences)
        )
        return visit.redirect("/account/email?done=email.saved")
