from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to a staff member (portal bell + email) or a customer (email/SMS).

    `dedupe_key` is unique: the beat job and retried tasks create notifications with
    get_or_create on it, so running them twice never sends twice. A staff notification is shown
    from its `kind` and `params` in the reader's language (cases.notification_texts); `subject`
    and `body` are the email as sent. `resolved_at`: its reason is gone (the plan it asked to
    approve was decided, the deadline it warned of was met), so it is done.
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal and email")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("No address")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True, help_text=_("Customer email or phone"))
    case = models.ForeignKey("cases.Complaint", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("done at"), null=True, blank=True)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_unread"),
            models.Index(fields=["delivery"], name="notif_pending", condition=models.Q(delivery="pending")),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        from ..notification_texts import render

        return render(self)[0]


class SmsDelivery(models.Model):
    """What the SMS gateway said about one customer SMS (SPEC §14): the message id it gave when
    it accepted the message, then the delivery status its delivery report brought."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted by the gateway")
        DELIVERED = "delivered", _("Delivered to the phone")
        UNDELIVERED = "undelivered", _("Not delivered")

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="sms_delivery")
    gateway_message_id = models.CharField(_("gateway message id"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACCEPTED)
    error_code = models.CharField(_("gateway error code"), max_length=50, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"))
    # When the gateway says the phone received it (or gave up), not when its report arrived.
    status_at = models.DateTimeField(_("status at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("report received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS delivery")
        verbose_name_plural = _("SMS deliveries")

    def __str__(self):
        return f"{self.gateway_message_id} {self.status}"
