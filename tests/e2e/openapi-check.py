#!/usr/bin/env python3
# openapi-check.py DOC ROUTES: exits non-zero, saying why, unless the OpenAPI
# document DOC describes exactly the routes in ROUTES (the output of
# `bootstack-api --routes`: "METHOD PATTERN SCOPE" lines), with the same
# x-scope, and every "$ref" in DOC resolves.
import json
import sys

doc = json.load(open(sys.argv[1]))
documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops
              if m in ("get", "put", "post", "patch", "delete")}
routed = set()
for line in open(sys.argv[2]):
    m, p, scope = line.split()
    routed.add((m, p))
    op = doc["paths"].get(p, {}).get(m.lower())
    if op is not None and scope != "-" and op.get("x-scope") != scope:
        sys.exit("scope of %s %s: router %s, document %s" % (m, p, scope, op.get("x-scope")))
if documented != routed:
    sys.exit("only routed: %s; only documented: %s"
             % (sorted(routed - documented), sorted(documented - routed)))
for ref in json.dumps(doc).split('"$ref": "#/')[1:]:
    node = doc
    for part in ref.split('"')[0].split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        sys.exit("dangling $ref #/" + ref.split('"')[0])
