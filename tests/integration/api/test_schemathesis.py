"""Schemathesis against the live service: generated requests (valid and invalid) for every
operation of the published OpenAPI, each checked with every check Schemathesis has: server
errors, undocumented status codes, content types and headers, response schemas (the JSON
artifact against the report manifest's schema), auth that is really enforced, invalid input
that is rejected and valid input that is accepted, and 405 for every other method.

It runs four times, as a regulator, an officer, an admin (the access log and the
counters answer 200 only to it) and with no token, with a fixed seed
(derandomized) and a bounded number of examples per operation. Generated identifiers are
swapped, now and then, for ones that exist in the world (:func:`real_ids`), so the answers
include real reports, artifacts and bundles and not only 404s. The schema is the committed
``schemas/openapi.json`` (``test_openapi`` proves the live service serves exactly that
document); requests go to the session's live server on loopback.
(``schemathesis.pytest.from_fixture`` does not run under pytest 9.)
``make fuzz-api`` is the longer run, for before a release.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from compliance.api.openapi import openapi_path
from tests.integration.api.world import World

schemathesis = pytest.importorskip("schemathesis")

schema = schemathesis.openapi.from_path(os.environ.get("COMPLIANCE_FUZZ_SCHEMA", openapi_path()))
# the stateful run follows the document's own links only (inferred ones may pass a null id)
schema.config.phases.stateful.inference.algorithms = []
CALLERS = ("regulator", "officer", "admin", None)
EXAMPLES = int(os.environ.get("COMPLIANCE_FUZZ_EXAMPLES", "5"))
TOKEN: dict[str, str | None] = {"secret": None}
KNOWN: dict[str, list[str]] = {}
"""Path parameter → identifiers that exist in the world."""
PATTERNS = {
    "report_id": re.compile(r"^rep_[a-z2-7]{16}$"),
    "audit_id": re.compile(r"^aud_[a-z2-7]{16}$"),
    "model_id": re.compile(r"^mdl_[a-z2-7]{16}$"),
    "policy_id": re.compile(r"^pol_[a-z2-7]{16}$"),
    "entry_hash": re.compile(r"^[0-9a-f]{64}$"),
}
SEEN: Counter[tuple[str | None, str, str, int, str]] = Counter()
"""(caller, method, path template, status, content type) of every answer."""


@pytest.fixture(params=CALLERS, ids=lambda c: c or "no-token")
def caller(request: pytest.FixtureRequest, world: World, base_url: str) -> str | None:
    label: str | None = request.param
    TOKEN["secret"] = world.tokens[label] if label else None
    if not KNOWN:
        policies = httpx.get(f"{base_url}/api/v1/policies", headers=world.token("admin")).json()
        KNOWN.update(
            report_id=sorted(world.reports.values()),
            audit_id=sorted(world.audits.values()),
            model_id=sorted(world.models.values()),
            policy_id=sorted(p["id"] for p in policies),
            entry_hash=list(world.entries),
        )
    return label


@schema.auth(refresh_interval=None)
class BearerToken:
    """The caller's bearer token, declared to Schemathesis as the API's auth (so it does not
    count the header it did not generate as a negative case; ``ignored_auth`` still removes
    it); no header at all for the caller without a token."""

    def get(self, case: object, ctx: object) -> str:
        return TOKEN["secret"] or ""

    def set(self, case: object, data: str, ctx: object) -> None:
        headers = dict(case.headers or {})  # type: ignore[attr-defined]
        if data:
            headers["Authorization"] = f"Bearer {data}"
        case.headers = headers  # type: ignore[attr-defined]


@schema.hook("flatmap_path_parameters")
def real_ids(context: object, path_parameters: dict[str, Any] | None) -> Any:
    """A well-formed generated id, or one of the world's: Hypothesis explores both."""
    if not path_parameters:
        return st.just(path_parameters)
    choices = {
        name: st.sampled_from([*KNOWN[name], value])
        if name in KNOWN and isinstance(value, str) and PATTERNS[name].match(value)
        else st.just(value)
        for name, value in path_parameters.items()
    }
    return st.fixed_dictionaries(choices)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_schema(case: Any, base_url: str, caller: str | None) -> None:
    response = case.call_and_validate(base_url=base_url)
    kind = (response.headers.get("content-type") or [""])[0].split(";")[0]
    SEEN[caller, case.method, case.path, response.status_code, kind] += 1


ARTIFACT = "/api/v1/reports/{report_id}/artifacts/{kind}"
BUNDLE = "/api/v1/reports/{report_id}/bundle"
CONDITIONS: list[dict[str, str]] = [
    {},
    {"Range": "bytes=0-99"},
    {"Range": "bytes=-10"},
    {"Range": "bytes=99999999-"},
    {"If-None-Match": "ETAG"},
    {"If-None-Match": '"other", ETAG'},
    {"Range": "bytes=5-", "If-Range": "ETAG"},
    {"Range": "bytes=5-", "If-Range": '"stale"'},
]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_every_answer_an_artifact_and_a_bundle_give_is_documented(
    caller: str | None, base_url: str, world: World, method: str
) -> None:
    """Each artifact kind of a real report and its bundle, with every conditional header the
    document declares (200, 206, 304, 416; 401 without a token): every check, every answer.
    Not left to chance: the generated runs above may not draw these."""
    auth = {"Authorization": f"Bearer {TOKEN['secret']}"} if TOKEN["secret"] else {}
    report = world.reports["steady-truth-2"]
    artifact, bundle = schema[ARTIFACT][method], schema[BUNDLE][method]
    statuses = Counter[int]()
    for kind in ("pdf", "html", "json"):
        where = {"report_id": report, "kind": kind}
        tag = httpx.head(base_url + ARTIFACT.format(**where), headers=world.token("admin")).headers[
            "etag"
        ]
        for condition in CONDITIONS:
            headers = {k: v.replace("ETAG", tag) for k, v in condition.items()} | auth
            case = artifact.Case(path_parameters=where, headers=headers)
            response = case.call_and_validate(base_url=base_url)
            statuses[response.status_code] += 1
    case = bundle.Case(path_parameters={"report_id": report}, headers=auth)
    statuses[case.call_and_validate(base_url=base_url).status_code] += 1
    if caller is None:
        assert statuses == {401: 3 * len(CONDITIONS) + 1}
    else:
        assert set(statuses) == {200, 206, 304, 416}, statuses


STEPS = int(os.environ.get("COMPLIANCE_FUZZ_STEPS", "0"))


@pytest.mark.skipif(not STEPS, reason="the stateful run is make fuzz-api's")
def test_chains_of_requests_along_the_documents_links(caller: str | None, base_url: str) -> None:
    """Schemathesis's stateful phase: sequences of calls that follow the document's links
    (a list to its objects, a report to its artifacts, bundle, audit and ledger entry),
    every answer checked. ``COMPLIANCE_FUZZ_STEPS`` sequences (``make fuzz-api``)."""

    answered = Counter[tuple[str, int]]()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base_url}

        def after_call(self, response: Any, case: Any) -> None:
            answered[case.path, response.status_code] += 1

    Workflow.run(
        settings=settings(
            max_examples=STEPS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    if caller is not None:  # the chains reached the objects the lists name
        assert answered[ARTIFACT, 200] + answered[BUNDLE, 200] > 0, answered


def test_the_generated_requests_reached_the_data() -> None:
    """Guards the runs above: with a wrong token every answer would be a conforming 401, and
    without real ids every artifact would be a 404."""
    by_caller = Counter[tuple[str | None, int]]()
    for (who, _, path, status, _), count in SEEN.items():
        if path.startswith("/api/v1"):
            by_caller[who, status] += count
    for who in ("regulator", "officer", "admin"):
        assert by_caller[who, 200] > 50 and by_caller[who, 400] > 0, by_caller
        assert by_caller[who, 404] > 0, by_caller
    admin_only = {"/api/v1/access-log", "/api/v1/metrics"}
    answered = {(who, path) for (who, _, path, status, _) in SEEN if status == 200}
    assert {("admin", path) for path in admin_only} <= answered, SEEN
    assert not {(who, path) for who, path in answered if path in admin_only} - {
        ("admin", path) for path in admin_only
    }, SEEN
    assert {status for who, status in by_caller if who is None} <= {400, 401, 405}, by_caller
    reached = {(method, path) for (who, method, path, status, _) in SEEN if status == 200}
    assert {("GET", ARTIFACT), ("HEAD", ARTIFACT), ("GET", BUNDLE)} <= reached, SEEN
