"""Local development stack: nats-server, SMTP sink, fake KvK register, the make run launcher."""

from devstack.keys import ensure_keys
from devstack.kvk_fake import KVK_TEST_API_KEY
from devstack.kvk_process import KvkFakeProcess
from devstack.nats import NatsServerProcess, NatsStartError
from devstack.ports import free_port, port_is_free
from devstack.proc import ProcessStartError
from devstack.sink_process import SmtpSinkProcess
from devstack.smtp_sink import read_mails
from devstack.stack import GATEWAY, SERVICES, Stack, StackError

__all__ = [
    "GATEWAY",
    "KVK_TEST_API_KEY",
    "SERVICES",
    "KvkFakeProcess",
    "NatsServerProcess",
    "NatsStartError",
    "ProcessStartError",
    "SmtpSinkProcess",
    "Stack",
    "StackError",
    "ensure_keys",
    "free_port",
    "port_is_free",
    "read_mails",
]
