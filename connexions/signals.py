from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from connexions.audit import audit_log
from connexions.enums import AuditAction


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    audit_log(actor=user, action=AuditAction.USER_LOGGED_IN)
