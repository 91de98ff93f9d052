#!/usr/bin/env bash
# 104-prometheus: metrics and alerts for many hosts (docs/logs-and-metrics.md).
# Two hosts, each a bootstack-api behind an nginx rendered with [nginx]
# metrics_listen (the plain-HTTP monitoring server); `bootstack alert
# prometheus` writes the Prometheus configuration for both, which
# `promtool check config` accepts; Prometheus scrapes both targets (up, as
# its HTTP API says) with the shipped rules, and when host b's workers keep
# crashing (killed -9 five times) BootstackWorkerCrashLoop fires through
# Alertmanager to the test's webhook receiver, naming host b only.
# Intervals are 1 s here (scrape, evaluation, group_wait).
. "$(dirname "$0")/lib.sh"

for p in prometheus promtool prometheus-alertmanager prometheus-nginx-exporter; do
	command -v "$p" >/dev/null || fail "$p not installed (./stack deps)"
done

# --- two hosts: bootstack-api and its nginx --------------------------------
declare -A MP
for h in a b; do
	d=$T/$h
	mkdir -p "$d"
	MP[$h]=$(free_port)
	cat >"$d/bootstack.conf" <<INI
[api]
listen = $d/api.sock
workers = 2
log_level = info

[database]
host = $T/nopg
connect_timeout = 1

[site]
domain = bootstack.test
ipv6 = no

[nginx]
$(nginx_paths_ini "$d")
listen_http = 127.0.0.1:$(free_port)
listen_https = 127.0.0.1:$(free_port)
metrics_listen = 127.0.0.1:${MP[$h]}
metrics_allow = 192.0.2.10
INI
	host_start "$h"
	wait_for 50 curl -sf -o /dev/null "http://127.0.0.1:${MP[$h]}/metrics" \
	    || fail "host $h: no /metrics on the monitoring server"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${MP[$h]}/v1/tasks")" = 404 ] \
	    || fail "host $h: the monitoring server answers more than /metrics"
	curl -sf "http://127.0.0.1:${MP[$h]}/nginx_status" | grep -q '^Active connections:' \
	    || fail "host $h: no stub_status at /nginx_status"
done

# Each front end's nginx through prometheus-nginx-exporter (stub_status).
declare -A XP
for h in a b; do
	XP[$h]=$(free_port)
	prometheus-nginx-exporter -nginx.scrape-uri "http://127.0.0.1:${MP[$h]}/nginx_status" \
	    -web.listen-address "127.0.0.1:${XP[$h]}" >>"$T/exporter-$h.log" 2>&1 &
	eval "XP_PID_$h=$!"
	at_exit "kill \$XP_PID_$h"
done

# --- the webhook receiver, Alertmanager, Prometheus ---------------------------
python3 "$BS_TOP_SRCDIR/tests/e2e/webhook-receiver.py" "$T/hook.port" "$T/hook.jsonl" \
    >>"$T/hook.log" 2>&1 &
HOOK_PID=$!
at_exit "kill $HOOK_PID"
wait_for 50 test -s "$T/hook.port" || fail "webhook receiver did not start"
AMP=$(free_port)
cat >"$T/alertmanager.yml" <<YML
route:
  receiver: test
  group_by: ['alertname', 'instance']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: 'http://127.0.0.1:$(cat "$T/hook.port")/alertmanager'
YML
prometheus-alertmanager --config.file="$T/alertmanager.yml" --storage.path="$T/am" \
    --web.listen-address="127.0.0.1:$AMP" --cluster.listen-address= >>"$T/alertmanager.log" 2>&1 &
AM_PID=$!
at_exit "kill $AM_PID; wait $AM_PID"
wait_for 100 curl -sf -o /dev/null "http://127.0.0.1:$AMP/-/ready" || fail "alertmanager did not start"

cp "$BS_TOP_SRCDIR/dist/prometheus/bootstack-rules.yml" "$T/rules.yml"
cat >"$BS_CONF" <<INI
[prometheus]
api_targets = 127.0.0.1:${MP[a]} 127.0.0.1:${MP[b]}
nginx_targets = 127.0.0.1:${XP[a]} 127.0.0.1:${XP[b]}
alertmanagers = 127.0.0.1:$AMP
rules_file = $T/rules.yml
scrape_interval = 1
evaluation_interval = 1
INI
"$BS_BIN" check-config >"$T/cc.log" 2>&1 || fail "config: $(cat "$T/cc.log")"
"$BS_BIN" alert prometheus >"$T/prometheus.yml" 2>"$T/gen.err" || fail "alert prometheus: $(cat "$T/gen.err")"
promtool check config "$T/prometheus.yml" >"$T/promtool.log" 2>&1 \
    || fail "promtool check config: $(cat "$T/promtool.log") $(cat "$T/prometheus.yml")"
grep -q 'SUCCESS: 8 rules found' "$T/promtool.log" || fail "promtool: $(cat "$T/promtool.log")"
# A target that is not HOST:PORT is refused, not written into the YAML.
BOOTSTACK_PROMETHEUS_API_TARGETS="x:1 'y':2" "$BS_BIN" alert prometheus >"$T/bad.out" 2>"$T/bad.err" \
    && fail "alert prometheus wrote a bad target"
[ -s "$T/bad.out" ] && fail "alert prometheus printed a part before refusing"
grep -q "api_targets: ''y':2' is not HOST:PORT" "$T/bad.err" || fail "bad target: $(cat "$T/bad.err")"
PP=$(free_port)
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$PP" >>"$T/prometheus.log" 2>&1 &
PROM_PID=$!
at_exit "kill $PROM_PID; wait $PROM_PID"
wait_for 200 curl -sf -o /dev/null "http://127.0.0.1:$PP/-/ready" || fail "prometheus did not start"

# targets_up JOB: how many targets of JOB are up.
targets_up() {
	curl -sf "http://127.0.0.1:$PP/api/v1/targets?state=active" | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
print(sum(1 for x in t if x["labels"]["job"] == sys.argv[1] and x["health"] == "up"))' "$1"
}
# query EXPR: the values of an instant query, one per line.
query() {
	curl -sf "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(r["value"][1])'
}
two_up() { [ "$(targets_up bootstack)" = 2 ] && [ "$(targets_up bootstack-nginx)" = 2 ] &&
    [ "$(query 'sum(nginx_up)')" = 2 ] && [ "$(query 'count(bootstack_http_requests_total)')" != "" ]; }
wait_for 300 two_up || fail "targets up: $(targets_up bootstack) API, $(targets_up bootstack-nginx) nginx of 2"
echo "# prometheus: 2 of 2 bootstack targets up, 2 of 2 bootstack-nginx (nginx_up $(query 'sum(nginx_up)'))"

# --- host b's workers keep crashing --------------------------------------
for i in 1 2 3 4 5 6; do
	w=$(pgrep -P "$API_PID_b" | head -n 1)
	[ -n "$w" ] || fail "host b: no worker to kill"
	kill -9 "$w"
	wait_for 100 eval '[ -n "$(pgrep -P "$API_PID_b" | grep -vx "$w")" ]' \
	    || fail "host b: worker not respawned"
done
# The webhook gets the alert for host b, firing, from Alertmanager.
fired() {
	python3 - "$T/hook.jsonl" "127.0.0.1:${MP[b]}" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(line)["body"]
    for a in b.get("alerts", []):
        if a["labels"].get("alertname") == "BootstackWorkerCrashLoop" and a["status"] == "firing":
            assert a["labels"]["instance"] == sys.argv[2], a["labels"]
            sys.exit(0)
sys.exit(1)
PY
}
wait_for 300 fired || fail "no BootstackWorkerCrashLoop at the webhook: $(cat "$T/hook.jsonl" 2>/dev/null)"
n_hook=$(wc -l <"$T/hook.jsonl")
other=$(grep -c "127.0.0.1:${MP[a]}" "$T/hook.jsonl" || true)
echo "# alertmanager: $n_hook webhook call(s), BootstackWorkerCrashLoop firing for host b, $other about host a"
[ "$other" = 0 ] || fail "an alert about host a: $(cat "$T/hook.jsonl")"
pass
