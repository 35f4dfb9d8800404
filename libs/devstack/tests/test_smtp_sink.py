import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from devstack import SmtpSinkProcess, free_port, read_mails


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSinkProcess]:
    process = SmtpSinkProcess(tmp_path / "mail", free_port(), log_file=tmp_path / "sink.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _mail(subject: str, message_id: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "billing@example.nl"
    msg["To"] = "klant@example.nl"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(f"Factuur {subject}")
    return msg


def test_two_mails_sent_with_smtplib_become_two_eml_files(sink: SmtpSinkProcess) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        smtp.send_message(_mail("INV-1", "<inv-1@example.nl>"))
        smtp.send_message(_mail("INV-2", "<inv-2@example.nl>"))
    files = sorted(sink.maildir.glob("*.eml"))
    assert len(files) == 2
    assert files[0].name.endswith("-inv-1_example.nl.eml")
    mails = read_mails(sink.maildir)
    assert [m["Subject"] for m in mails] == ["INV-1", "INV-2"]
    assert "Factuur INV-1" in mails[0].get_content()


def test_the_same_mail_sent_twice_is_stored_twice(sink: SmtpSinkProcess) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        smtp.send_message(_mail("dup", "<same@example.nl>"))
        smtp.send_message(_mail("dup", "<same@example.nl>"))
    assert len(read_mails(sink.maildir)) == 2


def test_the_envelope_is_recorded_and_a_mail_without_message_id_gets_a_uuid_name(
    sink: SmtpSinkProcess,
) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        smtp.send_message(
            _mail("no id"), from_addr="bounce@example.nl", to_addrs=["a@x.nl", "b@x.nl"]
        )
    [mail] = read_mails(sink.maildir)
    assert mail["X-Sink-Mail-From"] == "bounce@example.nl"
    assert mail["X-Sink-Rcpt-To"] == "a@x.nl, b@x.nl"
    [path] = sink.maildir.glob("*.eml")
    stamp, _, rest = path.stem.partition("-")
    assert stamp.endswith("Z") and "." in stamp
    assert len(rest) == 32


def test_a_sender_that_logs_in_is_accepted(sink: SmtpSinkProcess) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        smtp.login("user", "secret")
        smtp.send_message(_mail("with auth"))
    assert len(read_mails(sink.maildir)) == 1
