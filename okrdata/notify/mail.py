"""E-mail: one message with a plain-text and an HTML part, sent through the configured SMTP server.

:func:`page` wraps a body in the one HTML frame every e-mail uses: inline styles only (mail
programs drop ``<style>`` blocks and never fetch a stylesheet, a font or an image here), a width
that reads on a phone. Text from the database reaches it only through
:func:`okrdata.report._e`, the executive summary's escaping.

:class:`Session` (or :func:`send`, for one message) connects with STARTTLS, implicit TLS
(``ssl``) or neither (``none``, for a mail server on the same machine), signs in when a user is
set, keeps the connection for the next message, and turns every failure into a
:class:`~okrdata.notify.deliveries.DeliveryError`: a server that refuses every recipient or
answers 5xx will refuse again (permanent); a connection that fails or a 4xx answer may work
later (temporary).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from okrdata.notify.deliveries import DeliveryError, Outgoing
from okrdata.notify.settings import Smtp
from okrdata.report import _e as escape

INK, MUTED, RULE, LINK = "#1d2430", "#5b6472", "#d9dde3", "#1f5fa8"
FONT = "Helvetica, Arial, sans-serif"
STYLE = {
    "body": f"margin:0;padding:0;background:#eceff3;color:{INK};font-family:{FONT};",
    "main": "max-width:640px;margin:0 auto;background:#ffffff;padding:24px 28px;font-size:14px;line-height:1.45;",
    "eyebrow": f"margin:0;color:{MUTED};font-size:12px;text-transform:uppercase;letter-spacing:.06em;",
    "h1": "margin:4px 0 12px;font-size:22px;line-height:1.25;",
    "h2": f"margin:22px 0 6px;font-size:16px;border-bottom:1px solid {RULE};padding-bottom:3px;",
    "p": "margin:8px 0;",
    "muted": f"color:{MUTED};font-size:12px;",
    "ul": "margin:6px 0;padding-left:20px;",
    "li": "margin:4px 0;",
    "cell": f"padding:6px 10px;border:1px solid {RULE};color:{MUTED};font-size:12px;vertical-align:top;",
    "figure": f"color:{INK};font-size:20px;font-weight:bold;",
    "button": f"display:inline-block;background:{LINK};color:#ffffff;text-decoration:none;padding:9px 16px;"
    "border-radius:5px;font-weight:bold;",
    "a": f"color:{LINK};",
    "footer": f"margin-top:24px;border-top:1px solid {RULE};padding-top:8px;color:{MUTED};font-size:12px;",
}


def page(title: str, eyebrow: str, body_html: str, footer: str) -> str:
    """A complete HTML e-mail: ``body_html`` (already escaped) in the frame, with inline styles."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        f'<body style="{STYLE["body"]}"><div style="{STYLE["main"]}">'
        f'<p style="{STYLE["eyebrow"]}">{escape(eyebrow)}</p>'
        f'<h1 style="{STYLE["h1"]}">{escape(title)}</h1>'
        f"{body_html}"
        f'<p style="{STYLE["footer"]}">{escape(footer)}</p>'
        "</div></body></html>\n"
    )


def button(url: str, label: str) -> str:
    """A link drawn as a button."""
    return f'<p style="{STYLE["p"]}"><a href="{escape(url)}" style="{STYLE["button"]}">{escape(label)}</a></p>'


def outgoing(
    to: str, subject: str, text: str, html: str, *, key: str, kind: str, period: str, **about: Any
) -> Outgoing:
    """An e-mail to ``to`` for the log (:func:`okrdata.notify.deliveries.enqueue`), with its plain
    ``text`` and ``html`` parts. ``key`` makes it go once; ``about`` names the ``person_id``,
    ``unit_id`` and ``cycle_id`` it is for."""
    return Outgoing(
        key=key,
        kind=kind,
        period=period,
        channel="email",
        recipient=to,
        subject=subject,
        payload={"to": to, "subject": subject, "text": text, "html": html},
        preview=text,
        **about,
    )


def build(smtp: Smtp, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """The message: plain text first, the HTML as its alternative."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(smtp.sender)[1].partition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Session:
    """One connection to the mail server for many messages, opened at the first and closed by
    :meth:`close`: a digest to a thousand people is not a thousand sign-ins."""

    def __init__(self, smtp: Smtp):
        self.smtp = smtp
        self.client: smtplib.SMTP | None = None
        self.unreachable: DeliveryError | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp, context = self.smtp, ssl.create_default_context()
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        try:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def _open(self) -> None:
        try:
            with _errors(self.smtp):
                self.client = self._connect()
        except DeliveryError as exc:
            self.unreachable = exc
            raise

    def send(self, message: EmailMessage) -> None:
        """Send one message; raise DeliveryError when it did not go.

        Once the server could not be reached (or refused the sign-in), the rest of the run fails
        at once with the same error rather than waiting out a timeout per message.
        """
        if self.unreachable is not None:
            raise DeliveryError(self.unreachable.message, self.unreachable.transient)
        for fresh in (False, True):
            if self.client is None:
                self._open()
                fresh = True
            with _errors(self.smtp):
                try:
                    self.client.send_message(message)
                    return
                except smtplib.SMTPServerDisconnected:
                    self.close()  # the server hung up between two messages: once more, anew
                    if fresh:
                        raise

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def send(smtp: Smtp, message: EmailMessage) -> None:
    """Send one message on a connection of its own; raise DeliveryError when it did not go."""
    session = Session(smtp)
    try:
        session.send(message)
    finally:
        session.close()


@contextlib.contextmanager
def _errors(smtp: Smtp):
    """Every failure of the mail server as a DeliveryError that says whether to try again."""
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
        raise DeliveryError(f"the mail server refused the address ({refused})", False) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"the mail server refused the sign-in of {smtp.user}: {exc.smtp_code} {_text(exc.smtp_error)}", False
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"the mail server answered {exc.smtp_code} {_text(exc.smtp_error)}", not 500 <= exc.smtp_code < 600
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"the mail server does not support this: {exc} (check [okr.smtp] security)", False
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"could not reach the mail server {smtp.host}:{smtp.port}: {exc}", True) from None


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]
