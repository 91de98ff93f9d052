#!/usr/bin/env bash
# 035-metrics: /metrics sums all workers exactly: after N requests of a kind
# the matching series grew by exactly N, whichever worker served them;
# counters survive worker recycling and crashes; restarts, in-flight
# requests, database health and build info are reported; promtool (when
# installed) accepts the page.
. "$(dirname "$0")/lib.sh"

pg_start
API_WORKERS=3 API_LOG_LEVEL=info
write_config "$(api_config 'max_requests = 40')"
"$BS_BIN" migrate >/dev/null 2>&1 || fail "migrate"
api_start
nginx_start
"$BS_BIN" tenant create m >/dev/null || fail "tenant"
KEY=$("$BS_BIN" key create --tenant m --scope write) || fail "key"

scrape() { curl -s "$URL/metrics" >"$T/m.$1" || fail "scrape"; }
# value SCRAPE SERIES: the sample of one exact series, 0 if absent
value() {
	awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' "$T/m.$1"
}
delta() { echo $(( $(value b "$1") - $(value a "$1") )); }

scrape a
for i in $(seq 1 57); do
	curl -s -o /dev/null "$URL/healthz"
done
for i in $(seq 1 23); do
	curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
	    -d "{\"title\":\"t$i\"}" "$URL/v1/tasks"
done
for i in $(seq 1 9); do
	curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$URL/v1/tasks/999999"
done
for i in $(seq 1 5); do
	curl -s -o /dev/null -X DELETE "$URL/nowhere"
done
scrape b

[ "$(delta 'bootstack_http_requests_total{route="healthz",method="GET",code="2xx"}')" = 57 ] \
    || fail "healthz count: $(delta 'bootstack_http_requests_total{route="healthz",method="GET",code="2xx"}')"
[ "$(delta 'bootstack_http_requests_total{route="tasks_create",method="POST",code="2xx"}')" = 23 ] \
    || fail "tasks_create count"
[ "$(delta 'bootstack_http_requests_total{route="tasks_get",method="GET",code="4xx"}')" = 9 ] \
    || fail "tasks_get 4xx count"
[ "$(delta 'bootstack_http_requests_total{route="unmatched",method="DELETE",code="4xx"}')" = 5 ] \
    || fail "unmatched count"
[ "$(delta 'bootstack_http_request_duration_seconds_count{route="tasks_create"}')" = 23 ] \
    || fail "histogram count"
[ "$(delta 'bootstack_http_request_duration_seconds_bucket{route="tasks_create",le="+Inf"}')" = 23 ] \
    || fail "histogram +Inf bucket"
# the /metrics request of scrape a itself is counted in b
[ "$(delta 'bootstack_http_requests_total{route="metrics",method="GET",code="2xx"}')" = 1 ] \
    || fail "metrics self count"
# the 94 requests crossed max_requests = 40 on 3 workers: some recycled,
# and the counters above did not lose their requests
[ "$(delta 'bootstack_worker_restarts_total{reason="recycle"}')" -ge 1 ] || fail "no recycle counted"
# several workers served them
[ "$(grep -c 'recycled after' "$T/api.log")" -ge 1 ] || fail "no worker recycled"

[ "$(value b 'bootstack_workers')" = 3 ] || fail "workers gauge"
[ "$(value b 'bootstack_db_up')" = 1 ] || fail "db_up with the database up"
[ "$(value b 'bootstack_requests_in_flight')" = 1 ] || fail "in flight (the scrape itself)"
grep -q '^bootstack_build_info{version="[^"]*"} 1$' "$T/m.b" || fail "build_info"
grep -q '^process_start_time_seconds [0-9]\{10\}$' "$T/m.b" || fail "process_start_time_seconds"

# A crash is counted, and counters survive it.
kill -9 "$(api_workers | head -n 1)"
sleep 0.5
scrape c
[ $(( $(value c 'bootstack_worker_restarts_total{reason="crash"}') - $(value b 'bootstack_worker_restarts_total{reason="crash"}') )) = 1 ] \
    || fail "crash not counted"
[ "$(value c 'bootstack_http_requests_total{route="healthz",method="GET",code="2xx"}')" \
    -ge "$(value b 'bootstack_http_requests_total{route="healthz",method="GET",code="2xx"}')" ] \
    || fail "a counter went backwards after a crash"

# The database going away shows.
pg_stop
curl -s -o /dev/null "$URL/readyz"
scrape d
[ "$(value d 'bootstack_db_up')" = 0 ] || fail "db_up with the database down"
[ "$(value d 'bootstack_db_errors_total')" -gt "$(value c 'bootstack_db_errors_total')" ] \
    || fail "db errors not counted"
pg_resume

if command -v promtool >/dev/null; then
	promtool check metrics <"$T/m.d" >"$T/promtool.log" 2>&1 || fail "promtool: $(cat "$T/promtool.log")"
fi
pass
