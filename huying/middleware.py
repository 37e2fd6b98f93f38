"""Which language a response speaks.

Pages speak Simplified Chinese unless the person chose English with the language switch
(which sets a cookie); a browser's Accept-Language does not override that, because the
command hall's machines are set up in all sorts of ways and the screens must read the same
to everyone. API callers are programs that say what they want, so the JSON API and the
Open311 endpoint honour Accept-Language, falling back to Chinese.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"
#: Paths called by programs rather than people: the JSON API and Open311 GeoReport v2.
PROGRAM_PREFIXES = (API_PREFIX, "/open311/")


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(PROGRAM_PREFIXES):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        known = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
