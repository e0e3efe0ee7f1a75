"""Renders the Kustomize overlays offline with kubectl's built-in kustomize (`make tools`),
with throwaway secrets in a copy of deploy/, and answers what the NetworkPolicies allow."""
from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from business.settings import ROOT

TOOLS = ROOT / ".venvs" / "tools" / "bin"
KUSTOMIZE_ROOT = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("local", "gke")


def tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: run `make tools`"
    return str(path)


def copy_with_secrets(target: Path, *, with_secrets: bool = True) -> Path:
    """A copy of deploy/kubernetes whose overlays have a secrets.env made from their example
    with random values, as an operator would (the real one is never committed)."""
    shutil.copytree(KUSTOMIZE_ROOT, target, ignore=shutil.ignore_patterns("secrets.env"))
    if with_secrets:
        for overlay in OVERLAYS:
            example = (target / "overlays" / overlay / "secrets.env.example").read_text()
            lines = [line.replace("replace-with-48-random-characters", secrets.token_urlsafe(48))
                     for line in example.splitlines()]
            (target / "overlays" / overlay / "secrets.env").write_text("\n".join(lines) + "\n")
    return target


def kustomize(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("kubectl"), "kustomize", str(directory)], capture_output=True, text=True,
                          timeout=120)


def render(directory: Path) -> list[dict]:
    result = kustomize(directory)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_specs(objects: list[dict]) -> dict[str, dict]:
    """Every pod template, by the name of its Deployment, StatefulSet or Job."""
    return {obj["metadata"]["name"]: obj["spec"]["template"] for obj in objects
            if obj["kind"] in {"Deployment", "StatefulSet", "Job"}}


@dataclass(frozen=True)
class Peer:
    """Where a connection comes from: a pod's labels in a namespace (with its labels)."""

    labels: dict = field(default_factory=dict)
    namespace: str = "receptionist"

    @property
    def namespace_labels(self) -> dict:
        return {"kubernetes.io/metadata.name": self.namespace}


def _matches(selector: dict, labels: dict) -> bool:
    # matchLabels only: our policies use nothing else (an expression would fail this test).
    assert set(selector) <= {"matchLabels"}, selector
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def ingress_allowed(policies: list[dict], *, namespace: str, target_labels: dict, source: Peer,
                    port: str) -> bool:
    """NetworkPolicy semantics for ingress: a pod selected by any policy accepts only what
    one of them allows; a `from` entry with only a podSelector means this namespace."""
    selecting = [p for p in policies if p["metadata"].get("namespace", namespace) == namespace
                 and _matches(p["spec"]["podSelector"], target_labels) and "Ingress" in p["spec"]["policyTypes"]]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            if rule.get("ports") and not any(p.get("port") == port for p in rule["ports"]):
                continue
            for peer in rule.get("from", []):
                ns_ok = (_matches(peer["namespaceSelector"], source.namespace_labels) if "namespaceSelector" in peer
                         else source.namespace == namespace)
                pod_ok = _matches(peer["podSelector"], source.labels) if "podSelector" in peer else True
                if ns_ok and pod_ok:
                    return True
    return False
