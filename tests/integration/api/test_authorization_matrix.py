"""The authorization matrix: every role × every route × an own and a foreign object.

Roles: no token, a revoked token, a regulator (all models), a regulator limited to
``steady``, an officer, an officer limited to ``pleaser``, an admin. Objects belong to
``steady`` or ``pleaser`` (or to no model: policies, keys, checkpoints). The rule:

- no or revoked token: 401 on the API, the login form (303) on the portal;
- a token that may not see an object's model gets 404, as for an absent object, and lists
  hold only the models it may see;
- the access log is for admins (403 otherwise); the portal is for officers and admins (a
  regulator cannot log in, so it only ever gets the login form).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from compliance.services.tokens import create_token, revoke_token
from tests.integration.api.portal_client import login
from tests.integration.api.world import World

SCOPES: dict[str, frozenset[str] | None] = {
    "none": frozenset(),
    "revoked": frozenset(),
    "regulator": None,
    "regulator-steady": frozenset({"steady"}),
    "officer": None,
    "officer-pleaser": frozenset({"pleaser"}),
    "admin": None,
}
ROLE_OF = {
    "none": None,
    "revoked": None,
    "regulator": "regulator",
    "regulator-steady": "regulator",
    "officer": "officer",
    "officer-pleaser": "officer",
    "admin": "admin",
}
OWNERS = ("steady", "pleaser")
# (name, path template, owner kind): "model" routes take an object of the owner model;
# "any" routes are lists or objects of no model
API_ROUTES = [
    ("models", "/api/v1/models", "list"),
    ("model", "/api/v1/models/{model}", "model"),
    ("versions", "/api/v1/models/{model}/versions", "model"),
    ("policies", "/api/v1/policies", "any"),
    ("policy", "/api/v1/policies/{policy}", "any"),
    ("keys", "/api/v1/keys", "any"),
    ("audits", "/api/v1/audits", "list"),
    ("audit", "/api/v1/audits/{audit}", "model"),
    ("metrics", "/api/v1/audits/{audit}/metric-results", "model"),
    ("reports", "/api/v1/reports", "list"),
    ("report", "/api/v1/reports/{report}", "model"),
    ("pdf", "/api/v1/reports/{report}/artifacts/pdf", "model"),
    ("html", "/api/v1/reports/{report}/artifacts/html", "model"),
    ("json", "/api/v1/reports/{report}/artifacts/json", "model"),
    ("bundle", "/api/v1/reports/{report}/bundle", "model"),
    ("ledger", "/api/v1/ledger/entries", "list"),
    ("checkpoints", "/api/v1/ledger/checkpoints", "any"),
    ("entry", "/api/v1/ledger/entries/{entry}", "model"),
    ("access-log", "/api/v1/access-log", "admin"),
]
PORTAL_ROUTES = [
    ("dashboard", "/portal/", "list"),
    ("series", "/portal/models/{model}/series/truth-invariance", "model"),
    ("page", "/portal/reports/{report}", "model"),
    ("view", "/portal/reports/{report}/view", "model"),
    ("download", "/portal/reports/{report}/download/pdf", "model"),
    ("portal-bundle", "/portal/reports/{report}/download/bundle", "model"),
]


def objects(world: World, owner: str) -> dict[str, str]:
    label = f"{owner}-truth-1"
    entry_index = 1 if owner == "steady" else 2  # the report entries of the two first audits
    return {
        "model": world.models[owner],
        "audit": world.audits[label],
        "report": world.reports[label],
        "entry": world.entries[entry_index],
        "policy": "",
    }


@pytest.fixture(scope="module")
def secrets_by_role(world: World) -> dict[str, str | None]:
    revoked = create_token(world.app.uow_factory, world.app.clock, "matrix-revoked", "admin")
    revoke_token(world.app.uow_factory, world.app.clock, revoked.token.id)
    found: dict[str, str | None] = {label: world.tokens.get(label) for label in SCOPES}
    found["none"], found["revoked"] = None, revoked.secret
    return found


@pytest.fixture(scope="module")
def sessions(
    base_url: str, secrets_by_role: dict[str, str | None]
) -> Iterator[dict[str, httpx.Client]]:
    clients = {}
    for label, secret in secrets_by_role.items():
        http = httpx.Client(base_url=base_url, timeout=30)
        if secret is not None:
            login(http, secret)  # refused for regulators and the revoked token
        clients[label] = http
    yield clients
    for http in clients.values():
        http.close()


@pytest.fixture(scope="module")
def policy_id(client_module: httpx.Client, world: World) -> str:
    return str(client_module.get("/api/v1/policies", headers=world.token("admin")).json()[0]["id"])


@pytest.fixture(scope="module")
def client_module(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def expected_api(label: str, kind: str, owner: str) -> int:
    if ROLE_OF[label] is None:
        return 401
    if kind == "admin":
        return 200 if ROLE_OF[label] == "admin" else 403
    scope = SCOPES[label]
    if kind == "model" and scope is not None and owner not in scope:
        return 404
    return 200


def expected_portal(label: str, kind: str, owner: str) -> int:
    if ROLE_OF[label] not in {"officer", "admin"}:
        return 303
    scope = SCOPES[label]
    if kind == "model" and scope is not None and owner not in scope:
        return 404
    return 200


@pytest.mark.parametrize("label", list(SCOPES))
@pytest.mark.parametrize(("name", "template", "kind"), API_ROUTES, ids=[r[0] for r in API_ROUTES])
def test_api_matrix(
    client_module: httpx.Client,
    world: World,
    secrets_by_role: dict[str, str | None],
    policy_id: str,
    label: str,
    name: str,
    template: str,
    kind: str,
) -> None:
    secret = secrets_by_role[label]
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    for owner in OWNERS if kind == "model" else OWNERS[:1]:
        path = template.format(**(objects(world, owner) | {"policy": policy_id}))
        response = client_module.get(path, headers=headers)
        expected = expected_api(label, kind, owner)
        assert response.status_code == expected, (label, path, response.text[:200])
        if expected == 200 and kind == "list":
            assert_list_scoped(response.json(), SCOPES[label], world)


def assert_list_scoped(body: object, scope: frozenset[str] | None, world: World) -> None:
    items = body["items"] if isinstance(body, dict) else body
    assert isinstance(items, list) and items
    names = set()
    for item in items:
        if "name" in item and "versions" in item:
            names.add(item["name"])
        elif "model" in item:
            names.add(item["model"]["name"])
        elif item.get("report_id"):
            owner = next(
                k.split("-")[0] for k, v in world.reports.items() if v == item["report_id"]
            )
            names.add(owner)
    expected = set(OWNERS) if scope is None else set(scope)
    assert names == expected


@pytest.mark.parametrize("label", list(SCOPES))
@pytest.mark.parametrize(
    ("name", "template", "kind"), PORTAL_ROUTES, ids=[r[0] for r in PORTAL_ROUTES]
)
def test_portal_matrix(
    sessions: dict[str, httpx.Client], world: World, label: str, name: str, template: str, kind: str
) -> None:
    for owner in OWNERS if kind == "model" else OWNERS[:1]:
        path = template.format(**objects(world, owner))
        response = sessions[label].get(path)
        expected = expected_portal(label, kind, owner)
        assert response.status_code == expected, (label, path)
        if expected == 303:
            assert response.headers["location"] == "/portal/login"
        if expected == 200 and kind == "list":
            scope = SCOPES[label]
            for model in OWNERS:
                visible = scope is None or model in scope
                assert (f'class="model-name">{model}<' in response.text) == visible
