"""Models and their versions, policies and their versions, the ledger's public keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from compliance.api.deps import bearer_access, known_query_only, state_of
from compliance.api.routes.common import ERRORS, Name, uid_path
from compliance.api.views import reads as api_reads
from compliance.api.views.reads import Access
from compliance.api.views.responses import KeyOut, ModelOut, PolicyDetail, PolicyOut, VersionOut
from compliance.domain.regimes import Regime

router = APIRouter(prefix="/api/v1", responses=ERRORS, dependencies=[Depends(known_query_only)])
Caller = Annotated[Access, Depends(bearer_access)]
ModelId = Annotated[str, uid_path("mdl", "model")]


@router.get("/models", tags=["models"], summary="List the models this token may see")
def list_models(request: Request, access: Caller) -> list[ModelOut]:
    core = state_of(request).core
    return api_reads.list_models(core.uow_factory, core.clock, access)


@router.get("/models/{model_id}", tags=["models"], summary="One model with its versions")
def get_model(request: Request, access: Caller, model_id: ModelId) -> ModelOut:
    core = state_of(request).core
    return api_reads.get_model(core.uow_factory, core.clock, access, model_id)


@router.get("/models/{model_id}/versions", tags=["models"], summary="A model's versions")
def list_versions(request: Request, access: Caller, model_id: ModelId) -> list[VersionOut]:
    core = state_of(request).core
    return api_reads.get_model(core.uow_factory, core.clock, access, model_id).versions


@router.get("/policies", tags=["policies"], summary="Every policy version (filter by name)")
def list_policies(request: Request, access: Caller, name: Name = None) -> list[PolicyOut]:
    core = state_of(request).core
    return api_reads.list_policies(core.uow_factory, core.clock, access, name=name)


@router.get("/policies/{policy_id}", tags=["policies"], summary="One policy version with its rules")
def get_policy(
    request: Request, access: Caller, policy_id: Annotated[str, uid_path("pol", "policy")]
) -> PolicyDetail:
    core = state_of(request).core
    return api_reads.get_policy(core.uow_factory, core.clock, access, policy_id)


@router.get(
    "/regimes",
    tags=["regimes"],
    summary="The regulatory catalogue: regimes, sources, application dates, clauses",
)
def list_regimes(request: Request, access: Caller) -> list[Regime]:
    core = state_of(request).core
    return api_reads.list_regimes(core.uow_factory, core.clock, access)


@router.get("/regimes/{regime_id}", tags=["regimes"], summary="One regime of the catalogue")
def get_regime(
    request: Request,
    access: Caller,
    regime_id: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,60}$", examples=["eu-ai-act"])],
) -> Regime:
    core = state_of(request).core
    return api_reads.get_regime(core.uow_factory, core.clock, access, regime_id)


@router.get("/keys", tags=["ledger"], summary="The public keys that sign the ledger")
def list_keys(request: Request, access: Caller) -> list[KeyOut]:
    core = state_of(request).core
    return api_reads.list_keys(core.uow_factory, core.clock, access)
