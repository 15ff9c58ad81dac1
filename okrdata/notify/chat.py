"""Chat messages: one :class:`ChatMessage` shaped for each provider's incoming webhook, and the POST.

:func:`payload` builds the JSON body each provider expects:

- **Slack**: ``{"text": …, "blocks": [{"type": "section", "text": {"type": "mrkdwn", …}}]}``,
  links as ``<url|label>``; ``&``, ``<`` and ``>`` of any text a person typed are escaped as
  Slack asks, so a title cannot forge a link or ping ``<!channel>``.
- **Microsoft Teams** (a Workflows "When a Teams webhook request is received" flow): a message
  with one Adaptive Card attachment (``application/vnd.microsoft.card.adaptive``), the lines as
  ``TextBlock``\\ s and the link as an ``Action.OpenUrl`` button.
- **Mattermost**: ``{"text": markdown}``; Markdown characters of typed text are escaped and an
  ``@`` cannot mention anyone.
- **Google Chat**: ``{"text": …}`` with ``<url|label>`` links; ``<`` and ``>`` of typed text
  become ``‹ ›`` so it cannot mention ``<users/all>`` or forge a link.

:func:`post` sends it with the standard library and turns every failure into a
:class:`~okrdata.notify.deliveries.DeliveryError` that says whether trying again may help (a
refused connection, a timeout, HTTP 408, 429 or 5xx) or not (any other 4xx). The webhook's
address is a secret: errors name its host only.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from okrdata.notify.deliveries import DeliveryError

TIMEOUT_S = 10.0
MAX_TEXT = 2900
"""Slack refuses a section over 3,000 characters; every provider gets the same cut."""
USER_AGENT = "okr-dashboard notifications"
TRANSIENT_HTTP = (408, 425, 429)


@dataclass
class ChatMessage:
    """A short chat post: a title, a few lines and one link (all plain text, unescaped)."""

    title: str
    lines: list[str] = field(default_factory=list)
    link_label: str | None = None
    link_url: str | None = None

    def plain(self) -> str:
        """The post as plain text (for a dry run)."""
        link = f"\n{self.link_label}: {self.link_url}" if self.link_url else ""
        return "\n".join([self.title, *self.lines]) + link


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _slack(text: Any) -> str:
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKDOWN = re.compile(r"([\\`*_\[\]()#<>|~!])")


def _mattermost(text: Any) -> str:
    return _MARKDOWN.sub(r"\\\1", _one_line(text)).replace("@", "@\u200b")


def _google(text: Any) -> str:
    return _one_line(text).replace("<", "‹").replace(">", "›")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def payload(provider: str, message: ChatMessage) -> dict[str, Any]:
    """The JSON body of ``message`` for a provider's incoming webhook."""
    url = message.link_url
    if provider == "slack":
        link = f"\n<{url}|{_slack(message.link_label)}>" if url else ""
        body = _cut(f"*{_slack(message.title)}*\n" + "\n".join(_slack(x) for x in message.lines) + link)
        return {
            "text": _slack(message.title),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": body}}],
        }
    if provider == "mattermost":
        link = f"\n[{_mattermost(message.link_label)}]({url})" if url else ""
        return {
            "text": _cut(
                f"#### {_mattermost(message.title)}\n" + "\n".join(_mattermost(x) for x in message.lines) + link
            )
        }
    if provider == "google_chat":
        link = f"\n<{url}|{_google(message.link_label)}>" if url else ""
        return {"text": _cut(f"*{_google(message.title)}*\n" + "\n".join(_google(x) for x in message.lines) + link)}
    if provider == "teams":
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {
                    "type": "TextBlock",
                    "text": _one_line(message.title),
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                }
            ]
            + [{"type": "TextBlock", "text": _one_line(x), "wrap": True, "spacing": "Small"} for x in message.lines],
        }
        if url:
            card["actions"] = [{"type": "Action.OpenUrl", "title": _one_line(message.link_label), "url": url}]
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
            ],
        }
    raise ValueError(f"unknown chat provider {provider!r}")


def _retry_after(headers: Any) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers and headers.get("Retry-After") else None
    except (TypeError, ValueError):
        return None


def post(url: str, body: dict[str, Any], timeout: float = TIMEOUT_S) -> None:
    """POST ``body`` as JSON to a webhook; raise DeliveryError unless it answers 2xx."""
    host = urlsplit(url).hostname or "the webhook"
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(4096)
    except urllib.error.HTTPError as exc:
        detail = _one_line(exc.read(300).decode("utf-8", "replace")) if exc.fp else ""
        transient = exc.code >= 500 or exc.code in TRANSIENT_HTTP
        raise DeliveryError(
            f"{host} answered HTTP {exc.code}" + (f": {detail[:200]}" if detail else ""),
            transient,
            _retry_after(exc.headers),
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"could not reach {host}: {_one_line(reason)}", True) from None
