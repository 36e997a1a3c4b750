"""Schemathesis against the live service: generated requests (valid and invalid) for every
operation of the published OpenAPI, each checked for server errors, undocumented status
codes, content types and headers, response schemas, auth that is really enforced, invalid
input that is rejected and valid input that is accepted, and 405 for every other method.

The schema is the committed ``schemas/openapi.json`` (``test_openapi`` proves the live
service serves exactly that document); requests go to the session's live server on
loopback. (``schemathesis.pytest.from_fixture`` does not run under pytest 9.)
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

from compliance.api.openapi import openapi_path
from tests.integration.api.world import World

schemathesis = pytest.importorskip("schemathesis")

schema = schemathesis.openapi.from_path(str(openapi_path()))
ADMIN: dict[str, str] = {}
STATUSES: Counter[int] = Counter()


@pytest.fixture(autouse=True)
def _admin_token(world: World) -> None:
    ADMIN["secret"] = world.tokens["admin"]


@schema.auth(refresh_interval=None)
class AdminToken:
    """The bearer token, declared to Schemathesis as the API's auth (so it does not count
    the header it did not generate as a negative case; ``ignored_auth`` still removes it)."""

    def get(self, case: object, ctx: object) -> str:
        return ADMIN.get("secret", "cmp_" + "0" * 43)  # collection asks before any test

    def set(self, case: object, data: str, ctx: object) -> None:
        headers = dict(case.headers or {})  # type: ignore[attr-defined]
        headers["Authorization"] = f"Bearer {data}"
        case.headers = headers  # type: ignore[attr-defined]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case: object, base_url: str) -> None:
    response = case.call_and_validate(base_url=base_url)  # type: ignore[attr-defined]
    if case.path.startswith("/api/v1"):  # type: ignore[attr-defined]
        STATUSES[response.status_code] += 1


def test_the_generated_requests_reached_the_data() -> None:
    """Guards the run above: with a wrong token every answer would be a conforming 401."""
    assert sum(STATUSES.values()) > 500, STATUSES
    assert STATUSES[200] > 100 and STATUSES[400] > 0 and STATUSES[404] > 0, STATUSES
