#!/usr/bin/env python3
# openapi-check.py DOC ROUTES [--log ACCESS_LOG]...: exits non-zero, saying
# why, unless the OpenAPI document DOC describes exactly the routes in
# ROUTES (the output of `bootstack-api --routes`: "METHOD PATTERN SCOPE
# STATUSES..." lines), both ways:
# - the same operations, with the same x-scope;
# - per operation, exactly the statuses the route says it answers plus
#   those any request can meet in front of it (FRONT), no more, no fewer;
#   a scoped route answers 401, 403 and 503;
# - every response with a body has an example, every "$ref" resolves;
# - with --log (nginx access logs of a test run): every status a request
#   to an operation really got is declared for it. Statuses about the
#   request's framing, before any operation is known (501, 505), and
#   closes without an answer (000, 408, 444, 499) are not an operation's.
# Prints what it checked.
import json
import re
import sys

FRONT = {400, 413, 414, 429, 431, 500, 502, 504}
NOT_AN_OPERATION = {0, 408, 444, 499, 501, 505}

args = sys.argv[1:]
logs = []
while "--log" in args:
    i = args.index("--log")
    logs.append(args[i + 1])
    del args[i:i + 2]
doc = json.load(open(args[0]))
problems = []


def resolve(node):
    """Follows a local $ref; None if it dangles."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


for ref in json.dumps(doc).split('"$ref": "#/')[1:]:
    if resolve({"$ref": "#/" + ref.split('"')[0]}) is None:
        problems.append("dangling $ref #/" + ref.split('"')[0])

documented = {(m.upper(), p): op for p, ops in doc["paths"].items() for m, op in ops.items()
              if m in ("get", "put", "post", "patch", "delete")}
routed = {}
for line in open(args[1]):
    m, p, scope, *codes = line.split()
    routed[(m, p)] = (scope, None if codes in ([], ["-"]) else {int(c) for c in codes})

for key in sorted(set(routed) - set(documented)):
    problems.append("only routed: %s %s" % key)
for key in sorted(set(documented) - set(routed)):
    problems.append("only documented: %s %s" % key)

nstatus = 0
for key in sorted(set(routed) & set(documented)):
    scope, codes = routed[key]
    op = documented[key]
    name = "%s %s" % key
    if scope != "-" and op.get("x-scope") != scope:
        problems.append("scope of %s: router %s, document %s" % (name, scope, op.get("x-scope")))
    declared = {int(c) for c in op["responses"]}
    nstatus += len(declared)
    if codes is not None:
        want = codes | FRONT
        for c in sorted(want - declared):
            problems.append("%s answers %d, which the document does not declare" % (name, c))
        for c in sorted(declared - want):
            problems.append("%s declares %d, which the route does not answer" % (name, c))
        if scope != "-" and not {401, 403, 503} <= codes:
            problems.append("%s is scoped but does not answer 401, 403 and 503" % name)
    for c, resp in op["responses"].items():
        resp = resolve(resp) or {}
        for mt, media in resp.get("content", {}).items():
            if "example" not in media and "examples" not in media:
                problems.append("%s %s %s has no example" % (name, c, mt))

# Statuses really answered, from nginx access logs.
patterns = [(m, re.compile("^" + re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(p)) + "$"), op)
            for (m, p), op in documented.items()]
seen = checked = 0
observed = {}
line_re = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) ')
for log in logs:
    for line in open(log, errors="replace"):
        mo = line_re.search(line)
        if not mo:
            continue
        seen += 1
        method, uri, code = mo.group(1), mo.group(2).split("?")[0], int(mo.group(3))
        if method == "HEAD":
            method = "GET"
        if code in NOT_AN_OPERATION:
            continue
        for m, pat, op in patterns:
            if m == method and pat.match(uri):
                checked += 1
                name = "%s %s" % (method, [p for (mm, p), o in documented.items() if o is op][0])
                observed.setdefault(name, set()).add(code)
                if str(code) not in op["responses"]:
                    problems.append("%s answered %d (%s), which the document does not declare"
                                    % (name, code, uri[:80]))
                break

if problems:
    sys.exit("\n".join(sorted(set(problems))))
print("openapi-check: %d operations, %d statuses declared, all routed and answered both ways"
      % (len(routed), nstatus))
if logs:
    print("openapi-check: %d requests in the logs, %d to operations, %d statuses seen, all declared: %s"
          % (seen, checked, sum(len(v) for v in observed.values()),
             "; ".join("%s %s" % (k, ",".join(map(str, sorted(v)))) for k, v in sorted(observed.items()))))
