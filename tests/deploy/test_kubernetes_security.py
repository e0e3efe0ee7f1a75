"""Static security scan of the rendered overlays with checkov: every finding is either
fixed or accepted with its reason in checkov_accepted.yaml; and the pod settings the scan
cannot see as a whole: non-root, no token, read-only root file system, nothing added."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.kubernetes import OVERLAYS, pod_specs, tool

ACCEPTED = yaml.safe_load((Path(__file__).parent / "checkov_accepted.yaml").read_text())


def checkov_findings(rendered: list[dict], directory: Path) -> set[tuple[str, str]]:
    directory.mkdir()
    (directory / "rendered.yaml").write_text(yaml.safe_dump_all(rendered))
    # --skip-download: no network; the checks ship inside the package.
    result = subprocess.run([tool("checkov"), "-d", str(directory), "--framework", "kubernetes", "--quiet",
                             "--compact", "--skip-download", "-o", "json"],
                            capture_output=True, text=True, timeout=600)
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100, "checkov ran no checks"
    findings = set()
    for failed in report["results"]["failed_checks"]:
        kind, _namespace, name = failed["resource"].split(".", 2)
        findings.add((failed["check_id"], f"{kind}.{name}"))
    return findings


def accepted(check: str, resource: str, overlay: str) -> bool:
    entry = ACCEPTED.get(check)
    return bool(entry) and overlay in entry["overlays"] and (entry["resources"] == "*" or resource in entry["resources"])


@pytest.mark.parametrize("name", OVERLAYS)
def test_checkov_finds_nothing_that_is_not_accepted(name, rendered, tmp_path):
    findings = checkov_findings(rendered[name], tmp_path / name)
    unexplained = sorted(f for f in findings if not accepted(*f, name))
    assert not unexplained, unexplained
    stale = sorted(check for check, entry in ACCEPTED.items()
                   if name in entry["overlays"] and not any(found == check for found, _ in findings))
    assert not stale, f"accepted in checkov_accepted.yaml but no longer found: {stale}"


def test_every_acceptance_gives_its_reason():
    for check, entry in ACCEPTED.items():
        assert len(entry["why"]) > 40 and entry["title"] and set(entry["overlays"]) <= set(OVERLAYS), check


def test_pods_run_unprivileged(overlay):
    _, objects = overlay
    for name, template in pod_specs(objects).items():
        spec = template["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"] and not context["capabilities"].get("add"), name
