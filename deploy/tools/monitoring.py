#!/usr/bin/env python3
"""The Prometheus Operator objects, checked where kubernetes-validate cannot (it has no schema
for custom resources and only warns about them).

  monitoring.py write              regenerate k8s/components/monitoring/prometheusrule.yaml from
                                   prometheus/alerts.yml (the source of the alert rules)
  monitoring.py check RENDERED...  for each rendered overlay (kubectl kustomize output): its
                                   PrometheusRule holds exactly alerts.yml's groups, and its
                                   ServiceMonitor selects the qrsmith Service by labels it has,
                                   on a port it names, at /metrics
  monitoring.py rules RENDERED OUT write the rendered PrometheusRule's groups as a rule file, for
                                   promtool check rules
"""
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent.parent
ALERTS = HERE / "prometheus" / "alerts.yml"
RULE = HERE / "k8s" / "components" / "monitoring" / "prometheusrule.yaml"
HEADER = """\
# Generated from deploy/prometheus/alerts.yml (the source, with the comments): edit that file,
# then run `deploy/tools/monitoring.py write`. deploy/validate.sh checks that the two agree.
"""


def block_strings(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def write():
    yaml.add_representer(str, block_strings)
    doc = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "qrsmith", "labels": {"release": "kube-prometheus-stack"}},
        "spec": {"groups": yaml.safe_load(ALERTS.read_text())["groups"]},
    }
    RULE.write_text(HEADER + yaml.dump(doc, sort_keys=False, width=100, allow_unicode=True))


def docs(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text()) if d]


def check(paths):
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    problems = []
    for path in paths:
        objs = docs(path)
        by_kind = {}
        for d in objs:
            by_kind.setdefault(d["kind"], []).append(d)
        for rule in by_kind.get("PrometheusRule", []):
            if rule["apiVersion"] != "monitoring.coreos.com/v1":
                problems.append(f"{path}: PrometheusRule apiVersion {rule['apiVersion']}")
            if rule["spec"]["groups"] != groups:
                problems.append(f"{path}: PrometheusRule differs from prometheus/alerts.yml "
                                "(run deploy/tools/monitoring.py write)")
        services = [s for s in by_kind.get("Service", [])]
        for sm in by_kind.get("ServiceMonitor", []):
            spec = sm["spec"]
            want = spec["selector"]["matchLabels"]
            hits = [s for s in services
                    if want.items() <= s["metadata"].get("labels", {}).items()]
            if len(hits) != 1:
                problems.append(f"{path}: ServiceMonitor selects {len(hits)} Services, not 1")
                continue
            ports = {p.get("name") for p in hits[0]["spec"]["ports"]}
            for ep in spec["endpoints"]:
                if ep.get("port") not in ports:
                    problems.append(f"{path}: ServiceMonitor port {ep.get('port')} not in {ports}")
                if ep.get("path") != "/metrics":
                    problems.append(f"{path}: ServiceMonitor path {ep.get('path')}")
            label = spec.get("jobLabel")
            if label and hits[0]["metadata"]["labels"].get(label) != "qrsmith":
                problems.append(f"{path}: jobLabel {label} does not make job=\"qrsmith\", "
                                "which the alerts and the dashboard select")
            print(f"{path}: ServiceMonitor -> Service {hits[0]['metadata']['name']} ok")
    for p in problems:
        print("monitoring:", p, file=sys.stderr)
    return 1 if problems else 0


def rules(path, out):
    groups = [g for d in docs(path) if d["kind"] == "PrometheusRule" for g in d["spec"]["groups"]]
    Path(out).write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return 0 if groups else 1


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "write":
        write()
    elif cmd == "check":
        sys.exit(check(sys.argv[2:]))
    elif cmd == "rules":
        sys.exit(rules(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
