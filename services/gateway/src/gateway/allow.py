"""OPTIONS answers name every method of the path (Litestar names only some when routes share one).

Litestar makes an OPTIONS handler per route, listing that route's methods. When a second
controller adds methods to the same path (GET /api/v1/organisations lists, POST adds), it merges
the handlers into a new route but keeps the first OPTIONS handler, which still names the first
route's methods only: `OPTIONS /api/v1/me` said `Allow: OPTIONS, PATCH` while its 405 said
`PATCH, GET, OPTIONS`. `AllowEveryMethod` knows each OPTIONS handler's whole path and puts the
full list into the answer.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


class AllowEveryMethod:
    """A before_send hook; `learn(app)` once the app's routes are all registered."""

    def __init__(self) -> None:
        self._allow: dict[int, bytes] = {}

    def learn(self, app: Litestar) -> None:
        """The full method list of every path, by its OPTIONS handler."""
        for route in app.routes:
            if isinstance(route, HTTPRoute):
                allow = ", ".join(sorted(route.methods)).encode()
                for handler in route.route_handlers:
                    if "OPTIONS" in handler.http_methods:
                        self._allow[id(handler)] = allow

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        allow = self._allow.get(id(scope.get("route_handler")))
        if allow is None:
            return
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", allow)]
