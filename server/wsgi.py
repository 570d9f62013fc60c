"""waitress, as the server runs it: the errors waitress answers itself take the app's shape.

waitress answers some requests before the app sees them: 431 (request header fields too
large), 413 (a body past its own limit), 400 (a request it cannot parse), and 500 when the
app fails outside Flask. By default those are plain text with waitress's own wording. Here
they are the one JSON error shape of :mod:`.errors` (``{"error": {"status", "title",
"detail"}}``), with ``Cache-Control: no-store``, the security headers and CORS of
:mod:`.headers`. They cannot offer HTML or plain text by ``Accept``: the request was not
read far enough to know what it accepts (a 431 may not even have its Accept header).
"""

from __future__ import annotations

import json

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from coevidence.server.headers import CORS_HEADERS, SECURITY_HEADERS


class JsonErrorTask(ErrorTask):
    """waitress's error response, in the app's JSON error shape."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps(
            {"error": {"status": error.code, "title": error.reason, "detail": str(error.body).strip() or error.reason}}
        ).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(
            [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
             *SECURITY_HEADERS.items(), *CORS_HEADERS.items()]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    error_task_class = JsonErrorTask


def adopt(server) -> None:
    """Make a server from ``waitress.create_server`` (one socket or several) use :class:`Channel`."""
    servers = [server, *getattr(server, "map", {}).values()]
    for candidate in servers:
        if hasattr(candidate, "channel_class"):
            candidate.channel_class = Channel
