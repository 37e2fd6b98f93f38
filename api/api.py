"""The API object; endpoints live in the modules it registers."""

from ninja import NinjaAPI

api = NinjaAPI(title="huying API", version="1", urls_namespace="api")
