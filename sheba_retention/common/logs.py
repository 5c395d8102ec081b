"""Log lines without personal data: phones, e-mail addresses and long numbers masked, long messages cut short, every
line structured (JSON in production, readable text locally) with the request id and user id of the request it is for.

`PersonalDataFilter` sits on every handler in settings.LOGGING, so it masks whatever any library logs, arguments and
tracebacks included; the code's own log calls avoid personal data and secrets in the first place (discount codes go
out as `payments.services.codes.code_ref`, unsigned callbacks' bodies not at all).
"""

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

# A Bangladeshi mobile number: 01XXXXXXXXX, or +880/00880/880 1XXXXXXXXX (also URL-encoded: %2B880), with spaces or
# dashes inside or not.
PHONE = re.compile(r"(?<!\d)(?:(?:\+|%2B|00)?880[\s-]?|0)1[3-9](?:[\s-]?\d){8}(?!\d)", re.IGNORECASE)
# An e-mail address, also URL-encoded (%40 for @) as it comes in a query string. It starts where a run of address
# characters starts, so a long run without an @ is scanned once, not once from each of its characters.
EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# Any other run of 9 or more digits standing on its own (other countries' numbers, landlines, card or account
# numbers). Not the digits of a decimal fraction ("succeeded in 0.123456789s") or inside an id with letters (a task's
# UUID): masked, those made timings unreadable and task ids impossible to search for.
LONG_NUMBER = re.compile(r"(?<!\w)(?<!\d\.)\d{9,}(?!\w)(?!\.\d)")

MESSAGE_MAX_CHARS = 2000
TRACEBACK_MAX_CHARS = 8000

# The extra fields a log call may add to a structured line (the request log's): others (Django passes its request
# objects, whose repr holds the query string) are left out.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user_id")


def mask(text: str) -> str:
    """The text with e-mail addresses, phone numbers and long numbers replaced by what they were."""
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub("[phone]", text)
    return LONG_NUMBER.sub("[number]", text)


def masked(text: str, limit: int = MESSAGE_MAX_CHARS) -> str:
    """`mask` of the text, cut to `limit` characters. A huge text is cut before masking as well (masking a megabyte
        takes a fifth of a second), and then without the token the cut went through (its last 100 characters if it is
    longer), so no half of a phone number or an e-mail address is left."""
    total = len(text)
    if total > 4 * limit:
        text = text[: 4 * limit]
        end = len(text)
        while end > len(text) - 100 and (text[end - 1].isalnum() or text[end - 1] in ".+%@-_"):
            end -= 1
        text = text[:end]
    text = mask(text)
    if len(text) <= limit and total <= 4 * limit:
        return text
    return f"{text[:limit]}… [cut: {total:,} characters in all]"


class PersonalDataFilter(logging.Filter):
    """Masks and caps each record in place (message with its arguments, traceback, extra fields) before any
    formatter sees it; later handlers of the same record get the masked one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "personal_data_masked", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the message: logging reports those itself
            return True
        record.msg, record.args = masked(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = masked(record.exc_text, TRACEBACK_MAX_CHARS)
        for field in EXTRA_FIELDS:
            if isinstance(value := getattr(record, field, None), str):
                setattr(record, field, masked(value))
        record.personal_data_masked = True
        return True


def _masked_traceback(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The traceback as PersonalDataFilter left it, instead of one formatted afresh from the exception."""
    record = event.get("_record")
    if record is not None and record.exc_text:
        event.pop("exc_info", None)
        event["exception"] = record.exc_text
    return event


class StructuredFormatter(structlog.stdlib.ProcessorFormatter):
    """One line per record: time (UTC), level, logger, message, and the request id and user id bound by
    RequestLogMiddleware; as JSON for the log collector (`json_lines`), else as readable key=value text."""

    def __init__(self, *, json_lines: bool = False) -> None:
        renderer: Any = (
            structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer(colors=False)
        )
        super().__init__(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.stdlib.ExtraAdder(allow=EXTRA_FIELDS),
                _masked_traceback,
            ],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
