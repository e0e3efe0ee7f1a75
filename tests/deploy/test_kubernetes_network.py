"""What the rendered NetworkPolicies let through, evaluated with Kubernetes' ingress rules:
only the ingress controller reaches the dashboard and the bridge; only our own pods reach
Rasa (and the ingress controller, for the widget's socket.io), the action server, Duckling,
Redis and (local overlay) PostgreSQL; nothing else in the cluster reaches anything."""
from __future__ import annotations

import pytest

from tests.deploy.kubernetes import Peer, by_kind, ingress_allowed

NAMESPACE = "receptionist"
INGRESS_CONTROLLER = Peer({"app.kubernetes.io/name": "ingress-nginx"}, namespace="ingress-nginx")
STRANGER_IN_CLUSTER = Peer({"app": "something-else"}, namespace="default")
UNLABELLED_NEIGHBOUR = Peer({"app": "debug"}, namespace=NAMESPACE)


def ours(name: str) -> Peer:
    return Peer({"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "receptionist"})


# target -> the sources that must get in; every other source in SOURCES must not.
ALLOWED = {
    "dashboard": {"ingress-controller"},
    "voice-bridge": {"ingress-controller", "prometheus"},
    "rasa": {"dashboard", "voice-bridge", "ingress-controller"},  # the widget's /socket.io/
    "actions": {"rasa"},
    "duckling": {"rasa", "actions", "dashboard", "voice-bridge", "worker"},
    "redis": {"rasa", "actions", "dashboard", "voice-bridge", "worker"},
}


def sources(overlay: str) -> dict[str, Peer]:
    monitoring = "gmp-system" if overlay == "gke" else "monitoring"
    return {
        "ingress-controller": INGRESS_CONTROLLER,
        "prometheus": Peer({"app": "prometheus"}, namespace=monitoring),
        "stranger": STRANGER_IN_CLUSTER,
        "neighbour": UNLABELLED_NEIGHBOUR,
        **{name: ours(name) for name in ("rasa", "actions", "dashboard", "voice-bridge", "worker")},
    }


def target_labels(objects: list[dict], name: str) -> tuple[dict, str]:
    workloads = {**by_kind(objects, "Deployment"), **by_kind(objects, "StatefulSet")}
    template = workloads[name]["spec"]["template"]
    return template["metadata"]["labels"], template["spec"]["containers"][0]["ports"][0]["name"]


@pytest.mark.parametrize("target", sorted(ALLOWED))
def test_only_the_intended_sources_get_in(overlay, target):
    name, objects = overlay
    policies = list(by_kind(objects, "NetworkPolicy").values())
    labels, port = target_labels(objects, target)
    admitted = {source for source, peer in sources(name).items()
                if ingress_allowed(policies, namespace=NAMESPACE, target_labels=labels, source=peer, port=port)}
    assert admitted == ALLOWED[target]


def test_postgres_in_the_local_overlay_is_reached_only_by_our_pods(rendered):
    objects = rendered["local"]
    policies = list(by_kind(objects, "NetworkPolicy").values())
    labels, port = target_labels(objects, "postgres")
    admitted = {source for source, peer in sources("local").items()
                if ingress_allowed(policies, namespace=NAMESPACE, target_labels=labels, source=peer, port=port)}
    assert admitted == {"rasa", "actions", "dashboard", "voice-bridge", "worker"}


def test_every_pod_is_covered_by_the_default_deny(overlay):
    _, objects = overlay
    [deny] = [p for p in by_kind(objects, "NetworkPolicy").values() if not p["spec"]["podSelector"]]
    assert deny["spec"]["policyTypes"] == ["Ingress"] and not deny["spec"].get("ingress")


def test_another_port_on_an_allowed_pod_is_refused(rendered):
    objects = rendered["local"]
    policies = list(by_kind(objects, "NetworkPolicy").values())
    labels, _ = target_labels(objects, "rasa")
    assert not ingress_allowed(policies, namespace=NAMESPACE, target_labels=labels, source=ours("dashboard"),
                               port="debug")
