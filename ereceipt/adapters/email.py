"""Payer notices by e-mail: an Internet message (RFC 5322, MIME RFC 2045–2047/2231) sent over SMTP (RFC 5321).

The message is multipart/mixed: a UTF-8 text/plain body in Vietnamese, the printable PDF
(application/pdf) and the signed receipt XML exactly as stored (application/xml, RFC 7303),
both base64. The subject and sender name are RFC 2047 encoded words. The connection is
STARTTLS (RFC 3207), implicit TLS (RFC 8314) or plain, as ``[email] security`` says.

Failures are classified for the dispatcher: the recipient refused with a 5xx reply is
permanent; a 4xx reply, a refused or dropped connection or a time-out is transient; so are a
refused log-in or sender, which are this service's configuration, not the payer's address.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ereceipt.core.delivery.notice_text import attachment_name, email_body, email_subject
from ereceipt.core.delivery.notices import Delivery, PermanentDeliveryFailure, TransientDeliveryFailure
from ereceipt.core.errors import ConfigurationError, outside_reason
from ereceipt.core.receipts.payer_contact import InvalidEmail, normalise_email
from ereceipt.core.receipts.receipt_pdf import receipt_pdf
from ereceipt.settings import EmailSettings


class EmailChannel:
    def __init__(self, settings: EmailSettings, public_url: str) -> None:
        self.settings, self.public_url = settings, public_url
        # fpdf2 subsets the PDF's font with fontTools, which logs every step at INFO: one screenful a mail.
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        try:
            self.sender = normalise_email(settings.from_address)
        except InvalidEmail as exc:
            raise ConfigurationError(
                f"setting [email] from_address: {exc.message}", setting="[email] from_address"
            ) from None

    def compose(self, delivery: Delivery) -> EmailMessage:
        content = delivery.content
        message = EmailMessage()  # policy email.policy.default: RFC 2047 headers, UTF-8 bodies
        message["Subject"] = email_subject(content)
        local, domain = self.sender.split("@")
        message["From"] = Address(self.settings.from_name, local, domain)
        to_local, to_domain = delivery.recipient.split("@")
        message["To"] = Address(content.payer.name, to_local, to_domain)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(f"notice{delivery.notice_id}", domain=domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
        # Quoted-printable keeps the message 7-bit: no server needs 8BITMIME or SMTPUTF8 for it.
        message.set_content(email_body(content, delivery.lookup_url), charset="utf-8", cte="quoted-printable")
        pdf = receipt_pdf(content, public_url=self.public_url)
        message.add_attachment(pdf, "application", "pdf", filename=attachment_name(content, "pdf"))
        message.add_attachment(
            delivery.signed_xml, "application", "xml", filename=attachment_name(content, "xml")
        )
        return message

    def send(self, delivery: Delivery) -> None:
        message = self.compose(delivery)
        settings = self.settings
        try:
            with self._connect() as smtp:
                if settings.username:
                    smtp.login(settings.username, settings.password)
                smtp.send_message(message, from_addr=self.sender, to_addrs=[delivery.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            _raise_for(code, f"recipient refused: {code} {_text(reply)}")
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientDeliveryFailure(f"SMTP log-in refused ({exc.smtp_code}); check [email]") from None
        except smtplib.SMTPSenderRefused as exc:
            raise TransientDeliveryFailure(
                f"sender {self.sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}; check [email]"
            ) from None
        except smtplib.SMTPResponseException as exc:
            _raise_for(exc.smtp_code, f"SMTP error {exc.smtp_code} {_text(exc.smtp_error)}")
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            server = f"{settings.host}:{settings.port}"
            raise TransientDeliveryFailure(f"SMTP server {server}: {outside_reason(exc)}") from None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        timeout = settings.timeout_seconds
        if settings.security == "tls":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=self._tls())
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        if settings.security == "starttls":
            try:
                smtp.starttls(context=self._tls())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file or None)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _raise_for(code: int, reason: str) -> None:
    if 500 <= code < 600:
        raise PermanentDeliveryFailure(reason)
    raise TransientDeliveryFailure(reason)
