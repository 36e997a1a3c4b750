"""Policies: add a version from YAML (immutable, idempotent by content), list, show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compliance.clock import Clock, isoformat_z
from compliance.domain.policy import PolicySpec, parse_policy_yaml, policy_sha256
from compliance.errors import Conflict, InputError, NotFound
from compliance.services.regimes import catalogue
from compliance.storage.tables import Policy
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "PolicyView",
    "add_policy",
    "list_policies",
    "load_policy",
    "resolve_policy",
    "show_policy",
    "split_reference",
]


@dataclass(frozen=True)
class PolicyView:
    id: str
    name: str
    version: str
    sha256: str
    added_at: str
    description: str | None
    regimes: tuple[str, ...]
    decision_mode: str
    min_sample_per_group: int
    rules: tuple[dict[str, object], ...]
    created: bool = False


def add_policy(uow_factory: UnitOfWorkFactory, clock: Clock, path: Path) -> PolicyView:
    """Store the policy of ``path`` as a new version; the same content again is a no-op,
    different content under an existing version is a :class:`Conflict`. Its ``regimes``
    and its rules' ``clauses`` must be in the shipped regulatory catalogue."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=str(path), hint="check the path") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the policy ({exc})", file=str(path)) from None
    known = {r.id: [c.id for c in r.clauses] for r in catalogue().values()}
    spec = parse_policy_yaml(text, file=str(path), regimes=known)
    sha = policy_sha256(text)
    with uow_factory(write=True) as uow:
        existing = uow.policies.get(spec.name, spec.version)
        if existing is not None:
            if existing.sha256 == sha:
                return _view(existing, created=False)
            raise Conflict(
                f"policy '{spec.name}' version '{spec.version}' is already stored with other "
                f"content (sha256 {existing.sha256[:12]}…); versions are immutable",
                hint="give the changed policy a new version number",
            )
        policy = uow.policies.add(spec, text, sha, now=clock())
        view = _view(policy, created=True)
        uow.commit()
    return view


def list_policies(uow_factory: UnitOfWorkFactory) -> list[PolicyView]:
    with uow_factory() as uow:
        return [_view(p) for p in uow.policies.list()]


def show_policy(uow_factory: UnitOfWorkFactory, reference: str) -> PolicyView:
    with uow_factory() as uow:
        return _view(resolve_policy(uow, reference))


def split_reference(reference: str) -> tuple[str, str | None]:
    """``NAME@VERSION`` → (name, version); ``NAME`` → (name, None) for the latest."""
    name, _, version = reference.partition("@")
    return name.strip(), (version.strip() or None)


def resolve_policy(uow: UnitOfWork, reference: str) -> Policy:
    """The policy named by ``NAME[@VERSION]`` (default: the latest version)."""
    name, version = split_reference(reference)
    policy = uow.policies.latest(name) if version is None else uow.policies.get(name, version)
    if policy is not None:
        return policy
    known = sorted({f"{p.name}@{p.version}" for p in uow.policies.list()})
    raise NotFound(
        f"no policy '{reference}' (stored: {', '.join(known) or 'none'})",
        hint="add it with: compliance policies add FILE",
    )


def load_policy(policy: Policy) -> PolicySpec:
    """The validated contract of a stored policy version (from its stored YAML text)."""
    return parse_policy_yaml(policy.source_text, file=f"policy {policy.name}@{policy.version}")


def _view(policy: Policy, *, created: bool = False) -> PolicyView:
    spec = load_policy(policy)
    return PolicyView(
        id=policy.uid,
        name=policy.name,
        version=policy.version,
        sha256=policy.sha256,
        added_at=isoformat_z(policy.created_at),
        description=policy.description,
        regimes=tuple(spec.regimes),
        decision_mode=spec.decision_mode,
        min_sample_per_group=spec.min_sample_per_group,
        rules=tuple(
            {
                "id": r.id,
                "metric": r.metric,
                "dimension": r.dimension,
                "comparison": r.comparison,
                "threshold": r.threshold,
                "severity": r.severity,
                "mode": spec.mode_of(r),
            }
            for r in spec.rules
        ),
        created=created,
    )
