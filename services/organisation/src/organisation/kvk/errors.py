"""The register's refusals and failures as typed errors callers can act on."""

from __future__ import annotations


class KvkError(Exception):
    """A question to the KvK register went wrong; `code` is KvK's IPD code or ours."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, detail={self.detail!r})"


class KvkNumberUnknown(KvkError):
    """The register does not know this KvK number (or will not give its profile)."""


class KvkUnavailable(KvkError):
    """The register cannot answer now (timeout, 5xx, 429, refused key); ask again later."""

    def __init__(self, code: str, detail: str, retry_after: int = 30) -> None:
        super().__init__(code, detail)
        self.retry_after = max(1, int(retry_after))

    def __repr__(self) -> str:
        return (
            f"KvkUnavailable(code={self.code!r}, detail={self.detail!r}, "
            f"retry_after={self.retry_after})"
        )


class KvkRefused(KvkError):
    """The register refused the question itself (a malformed number, bad parameters)."""
