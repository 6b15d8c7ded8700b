"""deploy/compose.yaml and deploy/k8s/: valid YAML, one image, and only roles the image knows."""

from __future__ import annotations

import re

import yaml

from tests.deploy.processes import ROOT

DEPLOY = ROOT / "deploy"
APP_ROLES = {"migrate", "web", "worker", "beat", "relay"}


def entrypoint_roles() -> set[str]:
    script = (DEPLOY / "docker-entrypoint.sh").read_text()
    return set(re.findall(r"^\s+([a-z]+)\)$", script, re.MULTILINE))


def test_the_entrypoint_knows_every_role() -> None:
    assert entrypoint_roles() >= {*APP_ROLES, "serve"}


class TestCompose:
    def load(self) -> dict:
        return yaml.safe_load((DEPLOY / "compose.yaml").read_text())

    def test_runs_every_role_from_one_image(self) -> None:
        services = self.load()["services"]
        assert set(services) == {"postgres", "redis", *APP_ROLES}
        app = {name: services[name] for name in APP_ROLES}
        assert len({s["image"] for s in app.values()}) == 1
        for name, service in app.items():
            assert service["command"] == [name], name
            assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}
            assert (DEPLOY / service["build"]["context"] / "Dockerfile").is_file()

    def test_roles_wait_for_the_migration(self) -> None:
        services = self.load()["services"]
        for name in APP_ROLES - {"migrate"}:
            assert services[name]["depends_on"]["migrate"] == {
                "condition": "service_completed_successfully"
            }, name
        assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"

    def test_production_secrets_must_be_given(self) -> None:
        environment = self.load()["services"]["web"]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        for secret in ("SECRET_KEY", "MODKIT_RPC_SECRET"):
            assert environment[secret].startswith(f"${{{secret}:?"), secret


class TestKubernetes:
    def documents(self) -> list[dict]:
        docs = []
        for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
            docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        return docs

    def by_kind(self, kind: str) -> dict[str, dict]:
        return {d["metadata"]["name"]: d for d in self.documents() if d["kind"] == kind}

    def test_kustomization_lists_every_manifest(self) -> None:
        kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
        files = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
        assert set(kustomization["resources"]) == files
        assert [i["name"] for i in kustomization["images"]] == ["modkit"]

    def test_a_deployment_per_long_running_role_and_a_migrate_job(self) -> None:
        deployments = self.by_kind("Deployment")
        pods = [d["spec"]["template"]["spec"] for d in deployments.values()]
        roles = {pod["containers"][0]["args"][0] for pod in pods}
        assert roles == APP_ROLES - {"migrate"}
        job = self.by_kind("Job")["modkit-migrate"]
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
        assert deployments["modkit-beat"]["spec"]["replicas"] == 1

    def test_every_container_runs_the_one_image_with_the_shared_config(self) -> None:
        config, secrets = set(self.by_kind("ConfigMap")), set(self.by_kind("Secret"))
        workloads = [*self.by_kind("Deployment").values(), *self.by_kind("Job").values()]
        for workload in workloads:
            pod = workload["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            for container in pod["containers"]:
                assert container["image"] == "modkit"
                assert container["args"][0] in entrypoint_roles()
                refs = container["envFrom"]
                assert {r["configMapRef"]["name"] for r in refs if "configMapRef" in r} <= config
                assert {r["secretRef"]["name"] for r in refs if "secretRef" in r} <= secrets

    def test_the_service_selects_the_web_pods(self) -> None:
        service = self.by_kind("Service")["modkit-web"]
        web = self.by_kind("Deployment")["modkit-web"]
        labels = web["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        ports = web["spec"]["template"]["spec"]["containers"][0]["ports"]
        assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in ports}
