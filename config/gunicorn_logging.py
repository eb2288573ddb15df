"""Gunicorn's access log without the secrets that travel in URLs.

Manage links (/cita/<token>/), booking receipts (/r/<slug>/reserva/<token>/), calendar
subscriptions (/feed/<token>.ics) and invitations (/invitaciones/<token>/) carry a bearer
token in the path: whoever reads the log could use it. The request line, path and referer are
logged with the token replaced by "…". Used with `--logger-class config.gunicorn_logging.
RedactingLogger` (see deploy/Dockerfile).
"""

import re

from gunicorn.glogging import Logger

TOKEN_IN_PATH = re.compile(r"(/(?:cita|feed|invitaciones|reserva)/)[A-Za-z0-9_\-]{16,}")


def redact(text: str | None) -> str | None:
    return TOKEN_IN_PATH.sub(r"\1…", text) if text else text


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms
