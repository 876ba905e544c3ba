#!/usr/bin/env python3
"""Checks deploy/compose.yaml without Docker: it parses, has the services the README promises
(3 qrsmith replicas, nginx, Redis, Prometheus, Grafana), every file it mounts exists, the
replicas run read-only with the shutdown grace the service needs, and Prometheus scrapes the
service under job="qrsmith" (the alerts' and the dashboard's selector).

Usage: compose_check.py deploy/compose.yaml
"""
import sys
from pathlib import Path

import yaml


def main(path):
    path = Path(path).resolve()
    compose = yaml.safe_load(path.read_text())
    services = compose["services"]
    problems = []
    for name in ["qrsmith", "nginx", "redis", "prometheus", "grafana"]:
        if name not in services:
            problems.append(f"no service {name}")
    q = services.get("qrsmith", {})
    if q.get("deploy", {}).get("replicas") != 3:
        problems.append("qrsmith does not run 3 replicas")
    if not q.get("read_only"):
        problems.append("qrsmith's root filesystem is not read-only")
    if q.get("stop_grace_period") != "35s":
        problems.append("qrsmith's stop_grace_period is not drain 5 s + grace 25 s + 5 s")
    if not str(q.get("environment", {}).get("QRSMITH_REDIS", "")).startswith("redis://redis:"):
        problems.append("qrsmith does not share the compose Redis")
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                if not (path.parent / source).exists():
                    problems.append(f"{name} mounts {source}, which does not exist")
            elif source not in (compose.get("volumes") or {}):
                problems.append(f"{name} uses volume {source}, not declared")
    build = q.get("build", {})
    if not (path.parent / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).exists():
        problems.append("qrsmith's Dockerfile is not where build points")
    prom = yaml.safe_load((path.parent / "prometheus" / "prometheus.yml").read_text())
    jobs = {s["job_name"]: s for s in prom["scrape_configs"]}
    names = [n for sd in jobs.get("qrsmith", {}).get("dns_sd_configs", []) for n in sd["names"]]
    if "qrsmith" not in names:
        problems.append("Prometheus does not discover every qrsmith replica (dns_sd_configs)")
    for p in problems:
        print("compose:", p, file=sys.stderr)
    if problems:
        return 1
    print(f"compose: {len(services)} services ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
