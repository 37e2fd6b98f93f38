from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from typing import Any

        from django.contrib.auth.signals import user_logged_in

        from accounts.lockout import login_success_record

        def forgive_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
            # Whichever page signed them in, a full sign-in forgives earlier wrong passwords.
            login_success_record(username=user.get_username())

        user_logged_in.connect(
            forgive_failures, weak=False, dispatch_uid="accounts.forgive_failures"
        )
