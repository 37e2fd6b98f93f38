from tests.federation.conftest import scripted_peer, zhengzhou_keys  # noqa: F401  (shared fixtures)
