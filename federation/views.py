"""The federation endpoints: who we are, and the door peers post their messages to."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from federation import envelope, keys, services

#: Larger bodies are refused before they are read: a filing with its files is sent in parts.
MAX_BODY_BYTES = 1024 * 1024


@require_GET
def identity(request: HttpRequest) -> JsonResponse:
    """What a peer needs to register us: our id, name and public key."""
    return JsonResponse(
        {
            "id": settings.HUYING_INSTANCE_ID,
            "name": settings.HUYING_INSTANCE_NAME,
            "public_key": keys.public_key_text(),
            "protocol": envelope.VERSION,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt  # no cookie is involved: the Ed25519 signature is the credential
@require_POST
def messages(request: HttpRequest) -> JsonResponse:
    """Take a signed message: 202 stored; 4xx with a stable code when refused (and recorded)."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        return JsonResponse(
            {"code": "too_large", "message": f"at most {MAX_BODY_BYTES} bytes"}, status=413
        )
    try:
        stored = services.receive(
            request.body,
            request.headers.get(envelope.SIGNATURE_HEADER, ""),
            remote_addr=request.META.get("REMOTE_ADDR", ""),
        )
    except envelope.Refused as refused:
        return JsonResponse(
            {"code": refused.reason, "message": refused.detail}, status=refused.status
        )
    return JsonResponse({"code": "stored", "id": str(stored.message_id)}, status=202)
