"""The Content-Security-Policy: the browser refuses any script or style huying does not send.

Every page loads its JavaScript from ``/static/`` files; no template has an inline ``<script>``,
an ``on…=`` attribute or ``hx-on``, so ``script-src 'self'`` needs neither ``'unsafe-inline'``
nor ``'unsafe-eval'``. htmx is told not to inject its indicator ``<style>`` (``htmx-config``
in the base templates) so styles need no ``'unsafe-inline'`` either.

A view that set its own policy keeps it (the attachment download sets a stricter sandboxed
one). The API's docs page (django-ninja's Swagger UI) is served from ninja's own static files
with its settings in a JSON ``<script>`` block, so it lives under the same policy.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

#: Pages another site may not open in a shared browsing context (no ``window.opener`` games).
CROSS_ORIGIN_OPENER_POLICY = "same-origin"


class ContentSecurityPolicyMiddleware:
    """Add the CSP and COOP headers unless the view already set a CSP of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Opener-Policy", CROSS_ORIGIN_OPENER_POLICY)
        if "Content-Security-Policy" in response.headers:
            return response
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
