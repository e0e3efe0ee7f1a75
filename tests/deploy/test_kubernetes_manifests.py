"""The Kustomize overlays render offline, validate against the Kubernetes schemas, and say
what the issue asks: probes on endpoints the services really answer, requests and limits,
a disruption budget per service, autoscalers (the bridge on the metric it exposes), a
migration Job the apps wait for, the bridge's drain inside its grace period, WebSockets
through the ingress with long timeouts, and secrets that exist only where an operator
put them."""
from __future__ import annotations

import subprocess

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from business.settings import ROOT
from tests.deploy.kubernetes import (
    KUSTOMIZE_ROOT, OVERLAYS, by_kind, copy_with_secrets, kustomize, pod_specs, tool,
)
from tests.voice_bridge.conftest import free_port
from voice_bridge.config import Settings as BridgeSettings
from voice_bridge.server import create_app as bridge_app

# GKE's regular channel runs 1.33; the schemas of that release must accept every object.
KUBERNETES_VERSION = "1.33.0"
APP_SERVICES = ["duckling", "actions", "rasa", "worker", "dashboard", "voice-bridge"]
SERVED = [name for name in APP_SERVICES if name != "worker"]


def validate(path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, str(path)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", OVERLAYS)
def test_each_overlay_validates_against_the_kubernetes_schemas(name, rendered, tmp_path):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump_all(rendered[name]))
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = {obj["kind"] for obj in rendered[name]}
    assert {"Deployment", "Service", "Job", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
            "Ingress", "Secret", "ConfigMap"} <= kinds


def test_the_schema_check_rejects_a_broken_manifest(rendered, tmp_path):
    """The validator is strict: an unknown field and a wrong type both fail."""
    deployment = dict(by_kind(rendered["local"], "Deployment")["rasa"])
    for broken in ({**deployment, "spec": {**deployment["spec"], "replica": 2}},
                   {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}):
        path = tmp_path / "broken.yaml"
        path.write_text(yaml.safe_dump(broken))
        assert validate(path).returncode != 0


def test_secrets_come_only_from_an_uncommitted_env_file(tmp_path):
    copy = copy_with_secrets(tmp_path / "kubernetes", with_secrets=False)
    for name in OVERLAYS:
        result = kustomize(copy / "overlays" / name)
        assert result.returncode != 0 and "secrets.env" in result.stderr
        ignored = subprocess.run(["git", "check-ignore", "-q", str(KUSTOMIZE_ROOT / "overlays" / name / "secrets.env")],
                                 cwd=ROOT)
        assert ignored.returncode == 0, f"overlays/{name}/secrets.env is not git-ignored"


def test_secret_values_reach_the_pods_from_the_generated_secret(overlay):
    _, objects = overlay
    [secret] = by_kind(objects, "Secret").values()
    assert {"SECRET_KEY", "ACTION_SERVER_TOKEN", "DATABASE_URL", "RASA_TRACKER_URL"} <= set(secret["data"])
    for name, template in pod_specs(objects).items():
        for container in template["spec"]["containers"] + template["spec"].get("initContainers", []):
            refs = [source["secretRef"]["name"] for source in container.get("envFrom", []) if "secretRef" in source]
            assert all(ref == secret["metadata"]["name"] for ref in refs), name
            assert not any(var.get("value") and "KEY" in var["name"] for var in container.get("env", [])), name


def test_every_container_has_requests_limits_and_probes(overlay):
    _, objects = overlay
    deployments = by_kind(objects, "Deployment")
    assert set(APP_SERVICES) <= set(deployments)
    for name, template in pod_specs(objects).items():
        for container in template["spec"]["containers"] + template["spec"].get("initContainers", []):
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (name, container["name"], kind)
    for name in SERVED:
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert "readinessProbe" in container and "livenessProbe" in container, name


def _probe_paths(objects, name):
    container = by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
    return {kind: container[kind]["httpGet"]["path"] for kind in ("readinessProbe", "livenessProbe", "startupProbe")
            if kind in container and "httpGet" in container[kind]}


def test_the_bridge_probes_answer_on_the_real_app(rendered, sqlite_url):
    paths = _probe_paths(rendered["gke"], "voice-bridge")
    assert paths == {"readinessProbe": "/health", "livenessProbe": "/health/live", "startupProbe": "/health/live"}
    port = free_port()
    settings = BridgeSettings(port=port, database_url=sqlite_url, public_base_url=f"http://127.0.0.1:{port}",
                              app_env="test", secret_key="test-secret-key")
    app = bridge_app(settings)  # no lifespan: the probes must not need the speech models
    client = TestClient(app)
    for path in set(paths.values()):
        assert client.get(path).status_code == 200, path
    app.state.drain.begin()  # draining: out of the load balancer, but alive
    assert client.get(paths["readinessProbe"]).status_code == 503
    assert client.get(paths["livenessProbe"]).status_code == 200


def test_the_dashboard_probe_answers_on_the_real_app(rendered, sqlite_url):
    from dashboard import create_app

    [path] = set(_probe_paths(rendered["gke"], "dashboard").values())
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "DATABASE_URL": sqlite_url})
    assert app.test_client().get(path).status_code == 200


def test_a_budget_keeps_one_pod_of_every_service(overlay):
    _, objects = overlay
    budgets = by_kind(objects, "PodDisruptionBudget")
    deployments = by_kind(objects, "Deployment")
    for name in APP_SERVICES:
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets.values()
                    if all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())]
        assert [b["spec"].get("minAvailable") for b in covering] == [1], name
        assert deployments[name]["spec"]["replicas"] >= 2, name


def test_autoscalers_and_the_bridge_scales_on_a_metric_it_exposes(overlay, rendered, sqlite_url):
    name, objects = overlay
    autoscalers = by_kind(objects, "HorizontalPodAutoscaler")
    assert set(autoscalers) == {"rasa", "actions", "dashboard", "voice-bridge"}
    for hpa in autoscalers.values():
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["scaleTargetRef"]["name"] in by_kind(objects, "Deployment")
    [pods_metric] = [m["pods"]["metric"]["name"] for m in autoscalers["voice-bridge"]["spec"]["metrics"]
                     if m["type"] == "Pods"]
    # The adapter's name for it: plain with prometheus-adapter, Cloud Monitoring's on GKE.
    exposed = pods_metric.split("|")[1] if name == "gke" else pods_metric
    assert name != "gke" or pods_metric == f"prometheus.googleapis.com|{exposed}|gauge"
    settings = BridgeSettings(database_url=sqlite_url, app_env="test", secret_key="test-secret-key")
    text = TestClient(bridge_app(settings)).get("/metrics").text
    assert exposed in {family.name for family in text_string_to_metric_families(text)}


def test_the_bridge_drains_within_its_grace_period(overlay):
    _, objects = overlay
    spec = by_kind(objects, "Deployment")["voice-bridge"]["spec"]["template"]["spec"]
    container = spec["containers"][0]
    env = {var["name"]: var.get("value") for var in container["env"]}
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    drain = BridgeSettings.from_env({"VOICE_DRAIN_SECONDS": env["VOICE_DRAIN_SECONDS"]}).drain_seconds
    assert drain >= 300, "a phone call gets at least five minutes to finish"
    assert pre_stop + drain < spec["terminationGracePeriodSeconds"]


def test_the_apps_wait_for_the_migration_job(overlay):
    _, objects = overlay
    [job] = by_kind(objects, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", "business.cli", "seed"]
    [script] = [c for c in by_kind(objects, "ConfigMap").values() if "wait_for_migrations.py" in c.get("data", {})]
    for name in ("actions", "worker", "dashboard", "voice-bridge"):
        spec = by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]
        [init] = spec["initContainers"]
        assert init["command"] == ["python", "/scripts/wait_for_migrations.py"]
        assert any(v.get("configMap", {}).get("name") == script["metadata"]["name"] for v in spec["volumes"])


def test_the_ingress_carries_the_bridge_paths_with_long_timeouts(overlay):
    _, objects = overlay
    ingresses = by_kind(objects, "Ingress")
    routes = {p["path"]: (name, p["backend"]["service"]["name"]) for name, ingress in ingresses.items()
              for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert routes == {"/twilio/voice": ("receptionist", "voice-bridge"), "/twilio/media": ("receptionist", "voice-bridge"),
                      "/talk": ("receptionist", "voice-bridge"), "/": ("receptionist", "dashboard"),
                      "/socket.io": ("receptionist-widget", "rasa")}
    hosts = set()
    for ingress in ingresses.values():
        annotations = ingress["metadata"]["annotations"]
        for name in ("proxy-read-timeout", "proxy-send-timeout"):
            assert int(annotations[f"nginx.ingress.kubernetes.io/{name}"]) >= 3600
        assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
        hosts.add(ingress["spec"]["rules"][0]["host"])
    assert len(hosts) == 1
    # socket.io's polling handshake must stay on the Rasa pod that holds the session.
    assert ingresses["receptionist-widget"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert "nginx.ingress.kubernetes.io/affinity" not in ingresses["receptionist"]["metadata"]["annotations"]


def test_replicas_share_redis_for_rasa_locks_and_sign_in_limits(overlay):
    _, objects = overlay
    [config] = [c for c in by_kind(objects, "ConfigMap").values() if "APP_ENV" in c.get("data", {})]
    data = config["data"]
    assert (data["APP_ENV"], data["RASA_LOCK_STORE"], data["RASA_LOCK_STORE_HOST"]) == ("production", "redis", "redis")
    assert data["RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
    assert data["PUBLIC_BASE_URL"].startswith("https://")
