"""Local development stack: nats-server, SMTP sink and the process launcher behind make run."""

from devstack.keys import ensure_keys
from devstack.nats import NatsServerProcess, NatsStartError
from devstack.ports import free_port, port_is_free
from devstack.proc import ProcessStartError
from devstack.sink_process import SmtpSinkProcess
from devstack.smtp_sink import read_mails
from devstack.stack import GATEWAY, SERVICES, Stack, StackError

__all__ = [
    "GATEWAY",
    "SERVICES",
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
