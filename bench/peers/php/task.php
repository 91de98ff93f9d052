<?php
/*
 * bench/peers/php/task.php: bench/run's PHP peer (BENCH_PEERS=1), the API's
 * GET /v1/tasks/{id} written for php-fpm 8.2 with PDO and APCu, to be
 * measured against bootstack-api behind the same nginx (fastcgi_pass to a
 * unix socket, as bootstack's) on the same PostgreSQL. bench/run writes
 * the pool (pm = static, 4 children) and passes the database in env[].
 *
 * It does what app/auth.c and app/routes/tasks.c do for that route: the
 * Bearer key "bsk_<prefix>_<secret>" looked up by its prefix (api_keys is
 * not under row-level security) and kept in APCu for 5 s (app/auth.h,
 * AUTH_CACHE_TTL_MS), a failed look-up not cached; the secret's SHA-256
 * compared with the stored one in constant time (hash_equals), cached or
 * not; the read scope (write implies it); last_used_at written at most once
 * a minute per key and child. Then the task, as the API's role under
 * row-level security (sql/0005), on the child's persistent connection:
 * bootstack.tenant_id set with set_config(..., false) only when that
 * connection last held another tenant (lib/db.c, db_run_tenant; APCu
 * remembers it per child and backend pid, so a new connection is set
 * again), and the same tenant-scoped SELECT. Each statement is one round
 * trip with its parameters bound (PGSQL_ATTR_DISABLE_PREPARES: PQexecParams;
 * PDO's own server-side prepare would add a PREPARE and a DEALLOCATE per
 * request). The answer: the same JSON, ETag "<id>.<version>",
 * Last-Modified, Content-Length, X-Request-ID (nginx's $request_id, as
 * bootstack's); errors as problem+json (RFC 9457) with bootstack's titles
 * and details. Not here, because the bench sends neither: Accept (406) and
 * conditional requests (304, 412).
 */

const AUTH_TTL_S = 5;		/* app/auth.h: AUTH_CACHE_TTL_MS */
const AUTH_TOUCH_S = 60;	/* app/auth.c: AUTH_TOUCH_MS */
const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE;

final class Problem extends Exception
{
}

$rid = $_SERVER['REQUEST_ID'] ?? bin2hex(random_bytes(16));
$path = strtok($_SERVER['REQUEST_URI'] ?? '/', '?');

/* The child's persistent connection, as the API's role. */
function bench_db(): PDO
{
	static $db;

	if ($db === null)
		$db = new PDO(sprintf('pgsql:host=%s;port=%s;dbname=%s;application_name=bench-php',
		    getenv('PEER_PG_HOST'), getenv('PEER_PG_PORT'),
		    getenv('PEER_PG_DATABASE')), getenv('PEER_PG_USER'), null, [
			PDO::ATTR_PERSISTENT => true,
			PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
			PDO::ATTR_EMULATE_PREPARES => false,
			PDO::PGSQL_ATTR_DISABLE_PREPARES => true,
		    ]);
	return $db;
}

/* Runs sql with params for tenant ('': none): the first row, or null. */
function bench_q(string $tenant, string $sql, array $params): ?array
{
	$db = bench_db();
	if ($tenant !== '') {
		$slot = 'tenant:' . getmypid();
		$want = $db->pgsqlGetPid() . ':' . $tenant;
		if (apcu_fetch($slot) !== $want) {
			apcu_delete($slot);	/* unsure until confirmed */
			$db->prepare("SELECT set_config('bootstack.tenant_id', ?, false)",
			    [PDO::PGSQL_ATTR_DISABLE_PREPARES => true])->execute([$tenant]);
			apcu_store($slot, $want);
		}
	}
	$st = $db->prepare($sql, [PDO::PGSQL_ATTR_DISABLE_PREPARES => true]);
	$st->execute($params);
	$row = $st->fetch(PDO::FETCH_ASSOC);
	return $row === false ? null : $row;
}

/* app/auth.c, auth_request: the caller, or a Problem. */
function bench_auth(string $scope): array
{
	$h = $_SERVER['HTTP_AUTHORIZATION'] ?? null;
	if ($h === null)
		throw new Problem('an API key is required (Authorization: Bearer <key>)', 401);
	if (strncasecmp($h, 'Bearer ', 7) !== 0)
		throw new Problem('the Authorization header must use the Bearer scheme', 401);
	if (preg_match('/^bsk_([0-9A-Za-z]{12})_([0-9A-Za-z]{40})$/D',
	    ltrim(substr($h, 7), ' '), $m) !== 1)
		throw new Problem('the API key is malformed', 401);
	$prefix = $m[1];
	$e = apcu_fetch('key:' . $prefix);
	if ($e === false) {
		try {
			$e = bench_q('', "SELECT id, tenant_id, encode(secret_sha256, 'hex') AS hash, " .
			    "'read' = ANY(scopes) AS r, 'write' = ANY(scopes) AS w, " .
			    'revoked_at IS NOT NULL AS revoked FROM api_keys WHERE prefix = ?',
			    [$prefix]);
		} catch (PDOException $x) {
			throw new Problem('the database is unavailable', 503);
		}
		if ($e === null)
			throw new Problem('the API key is not valid', 401);
		apcu_store('key:' . $prefix, $e, AUTH_TTL_S);
	}
	if (!hash_equals($e['hash'], hash('sha256', $m[2])))
		throw new Problem('the API key is not valid', 401);
	if ($e['revoked'])
		throw new Problem('the API key was revoked', 401);
	if (!($scope === 'write' ? $e['w'] : ($e['r'] || $e['w'])))
		throw new Problem("the API key lacks the '$scope' scope", 403);
	if (apcu_add('touch:' . $e['id'] . ':' . getmypid(), 1, AUTH_TOUCH_S)) {
		try {
			bench_q('', 'UPDATE api_keys SET last_used_at = now() WHERE id = ? AND ' .
			    "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
			    [$e['id']]);
		} catch (PDOException $x) {
			/* bootstack only logs it */
		}
	}
	return $e;
}

/* Sends body with status and type, and the request's id. */
function bench_reply(int $status, string $type, string $body): void
{
	global $rid;

	http_response_code($status);
	header('Content-Type: ' . $type);
	header('Content-Length: ' . strlen($body));
	header('X-Request-ID: ' . $rid);
	echo $body;
}

try {
	$who = bench_auth('read');
	if (preg_match('#^/v1/tasks/([0-9]+)$#D', $path, $m) !== 1 ||
	    ltrim($m[1], '0') === '' || strlen(ltrim($m[1], '0')) > 19 ||
	    (strlen(ltrim($m[1], '0')) === 19 && strcmp(ltrim($m[1], '0'), '9223372036854775807') > 0))
		throw new Problem('no such task', 404);
	$id = ltrim($m[1], '0');
	try {
		$t = bench_q((string)$who['tenant_id'], "SELECT id, title, status, " .
		    "to_char(due, 'YYYY-MM-DD') AS due, " .
		    'floor(extract(epoch FROM created_at))::bigint AS created, ' .
		    'floor(extract(epoch FROM updated_at))::bigint AS updated, version ' .
		    'FROM tasks WHERE tenant_id = ? AND id = ?', [$who['tenant_id'], $id]);
	} catch (PDOException $x) {
		apcu_delete('tenant:' . getmypid());
		throw new Problem('reading the task failed', 503);
	}
	if ($t === null)
		throw new Problem("no task $id", 404);
	header("ETag: \"$id.{$t['version']}\"");
	header('Last-Modified: ' . gmdate('D, d M Y H:i:s \G\M\T', (int)$t['updated']));
	bench_reply(200, 'application/json', json_encode([
		'id' => (int)$t['id'],
		'title' => $t['title'],
		'status' => $t['status'],
		'due' => $t['due'],
		'created_at' => gmdate('Y-m-d\TH:i:s\Z', (int)$t['created']),
		'updated_at' => gmdate('Y-m-d\TH:i:s\Z', (int)$t['updated']),
	], JSON_FLAGS));
} catch (Problem $p) {
	$titles = [401 => 'Unauthorized', 403 => 'Forbidden', 404 => 'Not Found',
	    503 => 'Service Unavailable'];
	$status = $p->getCode();
	if ($status === 401)
		header('WWW-Authenticate: Bearer realm="bootstack"');
	if ($status === 503)
		header('Retry-After: 1');
	bench_reply($status, 'application/problem+json', json_encode([
		'type' => 'about:blank',
		'title' => $titles[$status],
		'status' => $status,
		'detail' => $p->getMessage(),
		'instance' => $path,
		'request_id' => $rid,
	], JSON_FLAGS));
}
