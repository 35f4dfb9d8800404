"""Personal data, the profile photo with its preview, and which e-mails one wants."""

from __future__ import annotations

from pathlib import Path

from devstack.stack import Stack
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, screenshot
from tests.e2e.web.pages import PASSWORD, a_verified_person, log_in
from tests.photos import html_with_png_magic, jpeg_with_gps


def test_a_person_changes_their_details_and_sees_why_a_phone_number_is_refused(
    system: Stack, page: Page
) -> None:
    log_in(page, system, a_verified_person(system, "eva"))
    page.get_by_role("link", name="My details").click()
    assert_accessible(page, context="personal data")

    page.get_by_label("Full name").fill("Eva Jansen")
    page.get_by_label("Phone number").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Phone number")
    assert_accessible(page, context="personal data refused")
    screenshot(page, "web-10-phone-refused")

    page.get_by_label("Full name").fill("Eva Jansen")
    page.get_by_label("Phone number").fill("06 12345678")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    expect(page.get_by_label("Phone number")).to_have_value("06 12345678")
    page.get_by_label("Phone number").fill("+32 470 12 34 56")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Phone number")).to_have_value("+32 470 12 34 56")

    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Je gegevens zijn opgeslagen.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    screenshot(page, "web-11-details-saved-dutch")


def test_a_photo_is_previewed_before_upload_and_shown_after(
    system: Stack, page: Page, tmp_path: Path
) -> None:
    log_in(page, system, a_verified_person(system, "fleur"))
    page.goto(f"{system.gateway_url}/account")
    expect(page.get_by_text("You have no photo yet.")).to_be_visible()

    not_a_photo = tmp_path / "holiday.png"
    not_a_photo.write_bytes(html_with_png_magic())
    page.get_by_label("Choose a photo").set_input_files(str(not_a_photo))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_role("alert")).to_contain_text("not a photo we can use")
    screenshot(page, "web-12-photo-refused")

    photo = tmp_path / "me.jpg"
    photo.write_bytes(jpeg_with_gps((120, 90)))
    page.get_by_label("Choose a photo").set_input_files(str(photo))
    preview = page.get_by_alt_text("Preview of the chosen photo")
    expect(preview).to_be_visible()
    assert preview.evaluate("image => image.naturalWidth") == 120
    screenshot(page, "web-13-photo-preview")
    page.get_by_role("button", name="Upload photo").click()

    expect(page.get_by_text("Your photo is saved.")).to_be_visible()
    stored = page.get_by_alt_text("Your profile photo")
    expect(stored).to_be_visible()
    loaded = "image => image.complete && image.naturalWidth > 0"
    page.wait_for_function(loaded, arg=stored.element_handle())
    assert stored.evaluate("image => image.naturalWidth") == 120
    assert_accessible(page, context="personal data with photo")
    screenshot(page, "web-14-photo-saved")


def test_a_person_chooses_which_emails_they_get(system: Stack, page: Page) -> None:
    log_in(page, system, a_verified_person(system, "gijs"))
    page.get_by_role("link", name="E-mails").click()
    assert_accessible(page, context="e-mail preferences")
    expect(page.get_by_label("News about the product")).not_to_be_checked()
    expect(page.get_by_label("An invoice was received")).to_be_checked()

    page.get_by_label("News about the product").check()
    page.get_by_label("An invoice was sent").uncheck()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your e-mail choices are saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("News about the product")).to_be_checked()
    expect(page.get_by_label("An invoice was sent")).not_to_be_checked()
    expect(page.get_by_label("An invoice was received")).to_be_checked()
    screenshot(page, "web-15-email-preferences")


def test_a_person_changes_their_password_and_logs_in_with_the_new_one(
    system: Stack, page: Page
) -> None:
    email = a_verified_person(system, "wim")
    log_in(page, system, email)
    page.get_by_role("link", name="My details").click()
    new = "a brand new passphrase for wim"

    page.get_by_label("Current password").fill("not the right one at all")
    page.get_by_label("New password").fill(new)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("The current password is not right")
    assert_accessible(page, context="password change refused")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(new)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed and you are logged out")).to_be_visible()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot(page, "web-12-password-changed")
    log_in(page, system, email, password=new)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
