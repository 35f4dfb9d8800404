"""deploy/: what can be proved of the compose file and the Kubernetes manifests without a
container engine (this machine has none; `make cluster` runs the same topology as processes).

Every service must start with exactly the environment those files give it, plus the keys
`python -m devstack keys` prints for deploy/.env (the compose env file and the Kubernetes
secret): no required setting missing, no value its settings class refuses, and no variable
that no service reads (a misspelt name would silently fall back to a default). The Kubernetes
manifests must pass the Kubernetes API schema in strict mode (unknown fields refused).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from devstack.keys import ensure_keys
from pydantic_settings import BaseSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = {
    "identity": "identity.settings:IdentitySettings",
    "organisation": "organisation.settings:OrganisationSettings",
    "invoicing": "invoicing.settings:InvoicingSettings",
    "notifications": "notifications.settings:NotificationsSettings",
    "partners": "partners.settings:PartnersSettings",
    "gateway": "gateway.settings:GatewaySettings",
}
# Read by the container image and the processes around the services, not by a settings class.
NOT_SETTINGS = {"PATH", "PYTHONUNBUFFERED", "POD_NAME"}


def settings_class(service: str) -> type[BaseSettings]:
    module, _, name = SERVICES[service].partition(":")
    cls: type[BaseSettings] = getattr(importlib.import_module(module), name)
    return cls


def known_settings() -> set[str]:
    return {field.upper() for service in SERVICES for field in settings_class(service).model_fields}


def load_settings(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The service's settings built from `env` alone (nothing from this machine's environment)."""
    known = known_settings()
    with monkeypatch.context() as patch:
        for name in known:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        return settings_class(service)(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return ensure_keys(tmp_path_factory.mktemp("keys"))


def interpolate(value: str, keys: dict[str, str]) -> str:
    """Compose's `${NAME}` and `${NAME:-default}`, from deploy/.env's keys else the default."""

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3) or ""
        return keys.get(name, default)

    return re.sub(r"\$\{([A-Z0-9_]+)(:-([^}]*))?\}", one, value)


# compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_compose_runs_two_replicas_of_every_service_on_three_nats_nodes(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for service in SERVICES:
        spec = services[service]
        assert spec["command"] == ["python", "-m", service]
        assert spec["deploy"]["replicas"] == 2, service
        assert spec["environment"]["STREAM_REPLICAS"] == "3"
        assert (
            "nats-1:4222,nats://nats-2:4222,nats://nats-3:4222" in spec["environment"]["NATS_URL"]
        )
    nodes = {f"nats-{n}" for n in (1, 2, 3)}
    for node in nodes:
        command = services[node]["command"]
        assert "-js" in command and command[command.index("-n") + 1] == node
        routes = command[command.index("--routes") + 1].split(",")
        assert {r.removeprefix("nats://").removesuffix(":6222") for r in routes} == nodes - {node}
    assert services["rules"]["command"][:3] == ["python", "-m", "invoicing.fetch_rules"]


def test_every_service_starts_with_the_compose_environment(
    compose: dict[str, Any], keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    image_env = dockerfile_env()
    for service in SERVICES:
        raw: dict[str, str] = compose["services"][service]["environment"]
        env = image_env | {name: interpolate(str(value), keys) for name, value in raw.items()}
        assert set(env) - NOT_SETTINGS <= known_settings(), "names no service reads"
        settings = load_settings(service, env, monkeypatch)
        assert settings.nats_url.startswith("nats://nats-1:4222")


def dockerfile_env() -> dict[str, str]:
    """The ENV lines of the image's final stage (`ENV A=1 B=2`, continued with backslashes)."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    final_stage = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in final_stage.splitlines():
        if line.startswith("ENV "):
            env.update(pair.split("=", 1) for pair in line.removeprefix("ENV ").split())
    return env


# Kubernetes


def manifests() -> Iterator[dict[str, Any]]:
    for document in yaml.safe_load_all((DEPLOY / "k8s" / "einvoice.yaml").read_text()):
        if document:
            yield document


def test_the_kubernetes_manifests_pass_the_api_schema_strictly() -> None:
    version = kubernetes_validate.latest_version()
    kinds = []
    for document in manifests():
        kubernetes_validate.validate(document, version, strict=True)
        kinds.append(document["kind"])
    assert kinds.count("Deployment") == len(SERVICES)


def test_kubernetes_runs_two_replicas_of_every_service_and_three_nats_nodes() -> None:
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in manifests()}
    for service in SERVICES:
        deployment = by_name[("Deployment", service)]
        assert deployment["spec"]["replicas"] == 2
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", service]
        assert ("PodDisruptionBudget", service) in by_name
    assert by_name[("StatefulSet", "nats")]["spec"]["replicas"] == 3
    nats_conf = by_name[("ConfigMap", "nats-config")]["data"]["nats.conf"]
    assert all(f"nats://nats-{n}.nats:6222" in nats_conf for n in (0, 1, 2))


def test_every_service_starts_with_the_kubernetes_settings_and_keys(
    keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in manifests()}
    config: dict[str, str] = by_name[("ConfigMap", "einvoice-settings")]["data"]
    assert set(config) <= known_settings(), "names no service reads"
    for service in SERVICES:
        container = by_name[("Deployment", service)]["spec"]["template"]["spec"]["containers"][0]
        sources = {next(iter(source.values()))["name"] for source in container.get("envFrom", [])}
        assert sources == {"einvoice-settings", "einvoice-keys"}, service
        # einvoice-keys is the secret made from deploy/.env (`python -m devstack keys`).
        env = dockerfile_env() | config | keys
        settings = load_settings(service, env, monkeypatch)
        assert settings.stream_replicas == 3


def test_the_commands_the_files_run_exist() -> None:
    for module in [*SERVICES, "invoicing.fetch_rules"]:
        assert importlib.util.find_spec(module) is not None, module
