#!/usr/bin/env python3
"""acme-server.py: a small ACME server (RFC 8555) for the certificate e2e
scripts, for the two features Debian's Pebble (2.4) lacks: certificate
profiles (draft-ietf-acme-profiles) and renewal information (ARI, RFC 9773).
Pebble stays the server for everything it does; this one implements only
what an issuance with those two needs, and checks it as a CA would.

    acme-server.py --listen PORT --cert PEM --key PEM --control PORT \\
        --http-port PORT --log FILE

Implemented:
- the directory (7.1.1) with meta.termsOfService, meta.profiles (classic
  and tlsserver: 90 days, shortlived: 160 hours, as Let's Encrypt) and
  renewalInfo; newNonce (7.2);
- JWS checks on every POST (6.2-6.5): application/jose+json, flattened
  serialization, alg ES256, ES384 or RS256 matching the key
  (badSignatureAlgorithm), a nonce this server issued and not yet used
  (badNonce), the "url" header equal to the request URL (unauthorized),
  jwk for newAccount and kid (a valid account) elsewhere (malformed,
  accountDoesNotExist), the signature (malformed); POST-as-GET (6.3);
- newAccount (7.3) with onlyReturnExisting, termsOfServiceAgreed and
  mailto: contacts; the account object (POST-as-GET, contact update,
  deactivation) and its orders list;
- newOrder (7.4) with "dns" and "ip" (RFC 8738) identifiers, "profile"
  (an unknown one: 400 invalidProfile) and "replaces" (RFC 9773 5: a
  certificate of this account sharing a name, not yet replaced, else 409
  alreadyReplaced); authorizations with one http-01 challenge, validated
  for real (8.3) against --http-port on 127.0.0.1 (every name resolves
  there, as pebble-challtestsrv makes it); finalize with the CSR's names
  checked (badCSR), orderNotReady before that; the PEM chain (7.4.2);
- renewalInfo (RFC 9773 4): GET .../renewal-info/<AKI keyid>.<serial>
  (base64url) of a certificate it issued, answering suggestedWindow (by
  default from 2/3 to 3/4 of its lifetime) and Retry-After; 404 for a
  certificate it does not know.
Omitted: revokeCert, keyChange, external account binding, dns-01 and
tls-alpn-01, wildcards (rejectedIdentifier), pre-authorization, order
lists paging, "processing" states (everything is synchronous), OCSP/CRL.

The control port (plain HTTP, loopback) is the test's: GET /counts (the
ACME requests by endpoint: newOrder, renewalInfo, finalize, ..., and
"requests" in all), GET /orders (every newOrder: its payload, the HTTP
status and problem type answered), GET /certs (every certificate: ARI id,
profile, notBefore, notAfter, replaced). POST /set with a JSON object of
any of: "ari" (false: no renewalInfo in the directory, and 404 there),
"window" ({"start", "end"} RFC 3339, or null for the default),
"ari_retry_after" (seconds, default 21600), "rate_limit" ({"orders": N,
"retry_after": S}: the next N newOrders answer 429 rateLimited),
"backdate" (seconds: certificates start that long ago, so a test sees one
"later" in its life without a clock of its own). Every ACME request is
logged as "METHOD PATH -> STATUS [problem]" to --log. Loopback only.
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import http.server
import ipaddress
import json
import os
import secrets
import sys
import threading
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from e2e_server import serve

ERR = "urn:ietf:params:acme:error:"
HOUR = 3600
DAY = 24 * HOUR
# Let's Encrypt's profiles (https://letsencrypt.org/docs/profiles/).
PROFILES = {
    "classic": ("90-day certificates with a common name", 90 * DAY),
    "tlsserver": ("90-day certificates for TLS servers, no common name",
                  90 * DAY),
    "shortlived": ("160-hour (six-day) certificates", 160 * HOUR),
}
DEFAULT_PROFILE = "classic"
ALGS = {"ES256": ("P-256", hashes.SHA256, 32),
        "ES384": ("P-384", hashes.SHA384, 48),
        "RS256": (None, hashes.SHA256, 0)}
LOCK = threading.Lock()


class Problem(Exception):
    """An ACME error reply (RFC 8555 6.7)."""

    def __init__(self, status, kind, detail, headers=None, extra=None):
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
        self.extra = extra or {}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(text):
    if not isinstance(text, str) or "=" in text or "+" in text or \
            "/" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_rfc3339(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def jwk_key(jwk):
    """The public key of a JWK (EC P-256/P-384 or RSA) and its crv."""
    if not isinstance(jwk, dict):
        raise ValueError("jwk is not an object")
    if jwk.get("kty") == "EC":
        curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}.get(
            jwk.get("crv"))
        if curve is None:
            raise ValueError("unsupported curve %r" % jwk.get("crv"))
        x = int.from_bytes(b64u_dec(jwk["x"]), "big")
        y = int.from_bytes(b64u_dec(jwk["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, curve).public_key(), \
            jwk["crv"]
    if jwk.get("kty") == "RSA":
        n = int.from_bytes(b64u_dec(jwk["n"]), "big")
        e = int.from_bytes(b64u_dec(jwk["e"]), "big")
        if n.bit_length() < 2048:
            raise ValueError("RSA key under 2048 bits")
        return rsa.RSAPublicNumbers(e, n).public_key(), None
    raise ValueError("unsupported kty %r" % jwk.get("kty"))


def thumbprint(jwk):
    """RFC 7638: SHA-256 of the required members, sorted, compact."""
    keys = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else \
        ("e", "kty", "n")
    text = json.dumps({k: jwk[k] for k in keys}, sort_keys=True,
                      separators=(",", ":"))
    return b64u(hashlib.sha256(text.encode()).digest())


def serial_content(n):
    """The content octets of a positive DER INTEGER (RFC 9773 4.1)."""
    return n.to_bytes((n.bit_length() + 8) // 8, "big")


class CA:
    """Everything the server knows; one lock (LOCK) around every change."""

    def __init__(self, base, http_port):
        self.base, self.http_port = base, http_port
        self.nonces = {}	# issued, not yet used (oldest dropped)
        self.accounts = {}	# id -> {"jwk", "tp", "status", "contact"}
        self.by_tp = {}
        self.orders, self.authzs, self.certs = {}, {}, {}
        self.order_log, self.counts = [], {"requests": 0}
        self.ari, self.window, self.ari_retry_after = True, None, 6 * HOUR
        self.rate_limit, self.rate_retry_after, self.backdate = 0, 3600, 0
        self.next_id = 1
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.ski = x509.SubjectKeyIdentifier.from_public_key(
            self.key.public_key())
        name = x509.Name([x509.NameAttribute(
            NameOID.COMMON_NAME, "bootstack acme-server.py test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.root = (x509.CertificateBuilder().subject_name(name)
                     .issuer_name(name).public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=365))
                     .add_extension(x509.BasicConstraints(True, 0), True)
                     .add_extension(self.ski, False)
                     .sign(self.key, hashes.SHA256()))
        self.root_pem = self.root.public_bytes(serialization.Encoding.PEM)

    def new_id(self):
        n = self.next_id
        self.next_id += 1
        return n

    def nonce(self):
        n = secrets.token_urlsafe(16)
        self.nonces[n] = True
        if len(self.nonces) > 1000:
            del self.nonces[next(iter(self.nonces))]
        return n

    def directory(self):
        d = {"newNonce": self.base + "/nonce",
             "newAccount": self.base + "/new-account",
             "newOrder": self.base + "/new-order",
             "meta": {"termsOfService": self.base + "/terms",
                      "profiles": {k: v[0] for k, v in PROFILES.items()}}}
        if self.ari:
            d["renewalInfo"] = self.base + "/renewal-info"
        return d

    # --- JWS (RFC 8555 6.2) ----------------------------------------------
    def verify(self, handler, body, path):
        """The payload (None: POST-as-GET) and account id (None: jwk)."""
        if handler.headers.get("Content-Type", "").split(";")[0].strip() \
                != "application/jose+json":
            raise Problem(415, "malformed", "Content-Type must be "
                          "application/jose+json")
        try:
            jws = json.loads(body)
            prot_b64, pl_b64, sig = (jws["protected"], jws["payload"],
                                     b64u_dec(jws["signature"]))
            if set(jws) != {"protected", "payload", "signature"}:
                raise ValueError("not a flattened JWS (6.2)")
            prot = json.loads(b64u_dec(prot_b64))
            if not isinstance(prot, dict):
                raise ValueError("the protected header is not an object")
        except (ValueError, KeyError, TypeError) as e:
            raise Problem(400, "malformed", "unparsable JWS: %s" % e)
        alg = prot.get("alg")
        if alg not in ALGS:
            raise Problem(400, "badSignatureAlgorithm", "alg %r is not "
                          "supported" % alg, extra={"algorithms": list(ALGS)})
        if not isinstance(prot.get("nonce"), str) or \
                prot["nonce"] not in self.nonces:
            raise Problem(400, "badNonce", "nonce %r was not issued here "
                          "or is used" % prot.get("nonce"))
        del self.nonces[prot["nonce"]]
        if prot.get("url") != self.base + path:
            raise Problem(401, "unauthorized", "the JWS url %r is not the "
                          "request's %r" % (prot.get("url"), self.base + path))
        if ("jwk" in prot) == ("kid" in prot):
            raise Problem(400, "malformed", "the JWS must have one of jwk "
                          "and kid")
        acct = None
        if path == "/new-account":
            if "jwk" not in prot:
                raise Problem(400, "malformed", "newAccount is signed with "
                              "jwk, not kid")
            jwk = prot["jwk"]
        else:
            if "kid" not in prot:
                raise Problem(400, "malformed", "only newAccount is signed "
                              "with jwk; want kid")
            acct = self.account_of(prot["kid"])
            jwk = self.accounts[acct]["jwk"]
        try:
            key, crv = jwk_key(jwk)
        except (ValueError, KeyError, TypeError) as e:
            raise Problem(400, "badPublicKey", str(e))
        want_crv, digest, size = ALGS[alg]
        if want_crv != crv:
            raise Problem(400, "badSignatureAlgorithm", "alg %s does not go "
                          "with this key" % alg,
                          extra={"algorithms": list(ALGS)})
        data = ("%s.%s" % (prot_b64, pl_b64)).encode()
        try:
            if crv is None:
                key.verify(sig, data, padding.PKCS1v15(), digest())
            else:
                if len(sig) != 2 * size:
                    raise InvalidSignature()
                der = encode_dss_signature(
                    int.from_bytes(sig[:size], "big"),
                    int.from_bytes(sig[size:], "big"))
                key.verify(der, data, ec.ECDSA(digest()))
        except InvalidSignature:
            raise Problem(400, "malformed", "JWS signature invalid")
        try:
            payload = None if pl_b64 == "" else json.loads(b64u_dec(pl_b64))
        except ValueError as e:
            raise Problem(400, "malformed", "payload: %s" % e)
        if payload is not None and not isinstance(payload, dict):
            raise Problem(400, "malformed", "payload is not an object")
        return payload, acct, jwk

    def account_of(self, kid):
        prefix = self.base + "/acct/"
        try:
            n = int(kid[len(prefix):]) if kid.startswith(prefix) else 0
        except ValueError:
            n = 0
        if n not in self.accounts:
            raise Problem(400, "accountDoesNotExist", "no account %s" % kid)
        if self.accounts[n]["status"] != "valid":
            raise Problem(401, "unauthorized", "account %s is %s" % (
                kid, self.accounts[n]["status"]))
        return n

    # --- objects -------------------------------------------------------
    def account_obj(self, n):
        a = self.accounts[n]
        return {"status": a["status"], "contact": a["contact"],
                "orders": "%s/acct/%d/orders" % (self.base, n)}

    def order_obj(self, n):
        o = self.orders[n]
        st = [self.authzs[z]["status"] for z in o["authz"]]
        if o["status"] == "pending":
            if "invalid" in st:
                o["status"] = "invalid"
            elif all(s == "valid" for s in st):
                o["status"] = "ready"
        obj = {"status": o["status"], "expires": rfc3339(o["expires"]),
               "identifiers": o["identifiers"],
               "authorizations": ["%s/authz/%d" % (self.base, z)
                                  for z in o["authz"]],
               "finalize": "%s/finalize/%d" % (self.base, n),
               "profile": o["profile"]}
        if o.get("replaces"):
            obj["replaces"] = o["replaces"]
        if o.get("cert"):
            obj["certificate"] = "%s/cert/%d" % (self.base, o["cert"])
        if o.get("error"):
            obj["error"] = o["error"]
        return obj

    def authz_obj(self, n):
        z = self.authzs[n]
        ch = {"type": "http-01", "url": "%s/chal/%d" % (self.base, n),
              "token": z["token"], "status": z["chal"]}
        if z.get("error"):
            ch["error"] = z["error"]
        if z.get("validated"):
            ch["validated"] = rfc3339(z["validated"])
        return {"identifier": z["identifier"], "status": z["status"],
                "expires": rfc3339(z["expires"]), "challenges": [ch]}

    # --- the endpoints ---------------------------------------------------
    def new_account(self, payload, jwk):
        payload = payload or {}
        tp = thumbprint(jwk)
        if tp in self.by_tp:
            n = self.by_tp[tp]
            return 200, self.account_obj(n), "%s/acct/%d" % (self.base, n)
        if payload.get("onlyReturnExisting") is True:
            raise Problem(400, "accountDoesNotExist", "no account for this "
                          "key")
        if payload.get("termsOfServiceAgreed") is not True:
            raise Problem(400, "malformed", "you must agree to the terms "
                          "of service (termsOfServiceAgreed)")
        contact = self.contacts(payload.get("contact", []))
        n = self.new_id()
        self.accounts[n] = {"jwk": jwk, "tp": tp, "status": "valid",
                            "contact": contact, "orders": []}
        self.by_tp[tp] = n
        return 201, self.account_obj(n), "%s/acct/%d" % (self.base, n)

    @staticmethod
    def contacts(c):
        if not isinstance(c, list) or not all(isinstance(x, str) for x in c):
            raise Problem(400, "malformed", "contact is not a list of URIs")
        for x in c:
            if not x.startswith("mailto:"):
                raise Problem(400, "unsupportedContact", "only mailto: "
                              "contacts, not %r" % x)
            if "@" not in x or "," in x:
                raise Problem(400, "invalidContact", "%r" % x)
        return c

    def account(self, n, acct, payload):
        if n != acct:
            raise Problem(401, "unauthorized", "not your account")
        if payload:
            if "contact" in payload:
                self.accounts[n]["contact"] = self.contacts(
                    payload["contact"])
            if payload.get("status") == "deactivated":
                self.accounts[n]["status"] = "deactivated"
        return 200, self.account_obj(n), None

    def new_order(self, acct, payload):
        self.counts["newOrder"] = self.counts.get("newOrder", 0) + 1
        entry = {"payload": payload}
        self.order_log.append(entry)
        try:
            return self.new_order_checked(acct, payload or {}, entry)
        except Problem as p:
            entry["status"], entry["error"] = p.status, p.kind
            raise

    def new_order_checked(self, acct, pl, entry):
        if self.rate_limit > 0:
            self.rate_limit -= 1
            raise Problem(429, "rateLimited", "too many new orders for "
                          "this account (acme-server.py)",
                          {"Retry-After": str(self.rate_retry_after)})
        ids = pl.get("identifiers")
        if not isinstance(ids, list) or not ids:
            raise Problem(400, "malformed", "no identifiers")
        for f in ("notBefore", "notAfter"):
            if f in pl:
                raise Problem(400, "malformed", "%s is not supported" % f)
        norm = []
        for i in ids:
            if not isinstance(i, dict) or not isinstance(i.get("value"), str):
                raise Problem(400, "malformed", "identifier %r" % (i,))
            if i.get("type") == "ip":
                try:
                    v = str(ipaddress.ip_address(i["value"]))
                except ValueError:
                    raise Problem(400, "rejectedIdentifier", "%r is no IP "
                                  "address" % i["value"])
                if v != i["value"]:
                    raise Problem(400, "malformed", "%r is not in canonical "
                                  "form (RFC 8738 3)" % i["value"])
            elif i.get("type") == "dns":
                if i["value"].startswith("*."):
                    raise Problem(400, "rejectedIdentifier", "wildcards "
                                  "need dns-01, which this server lacks")
                if i["value"] != i["value"].lower() or not i["value"]:
                    raise Problem(400, "rejectedIdentifier", "%r" % i["value"])
            else:
                raise Problem(400, "unsupportedIdentifier", "type %r" %
                              i.get("type"))
            norm.append({"type": i["type"], "value": i["value"]})
        profile = pl.get("profile", DEFAULT_PROFILE)
        if profile not in PROFILES:
            raise Problem(400, "invalidProfile", "no profile %r here (the "
                          "directory offers %s)" % (profile,
                                                   ", ".join(PROFILES)))
        rep = pl.get("replaces")
        if rep is not None:
            old = self.cert_by_id(rep)
            if old is None or old["account"] != acct:
                raise Problem(400, "malformed", "replaces %r: no certificate "
                              "of this account" % rep)
            if not {x["value"] for x in norm} & set(old["names"]):
                raise Problem(400, "malformed", "replaces %r: no name in "
                              "common" % rep)
            if old.get("replaced_by"):
                raise Problem(409, "alreadyReplaced", "%r is replaced "
                              "already by order %s" % (rep,
                                                       old["replaced_by"]))
        n = self.new_id()
        now = time.time()
        authz = []
        for i in norm:
            z = self.new_id()
            self.authzs[z] = {"identifier": i, "status": "pending",
                              "chal": "pending", "expires": now + 7 * DAY,
                              "token": secrets.token_urlsafe(32),
                              "account": acct}
            authz.append(z)
        self.orders[n] = {"status": "pending", "expires": now + 7 * DAY,
                          "identifiers": norm, "authz": authz,
                          "profile": profile, "replaces": rep,
                          "account": acct}
        if rep is not None:
            self.cert_by_id(rep)["replaced_by"] = n
        self.accounts[acct]["orders"].append(n)
        entry["status"] = 201
        entry["url"] = "%s/order/%d" % (self.base, n)
        return 201, self.order_obj(n), entry["url"]

    def challenge(self, n, acct, payload):
        """Validates http-01 (8.3) when asked with a payload ({})."""
        z = self.authzs[n]
        if z["account"] != acct:
            raise Problem(401, "unauthorized", "not your authorization")
        if payload is not None and z["chal"] == "pending":
            keyauth = "%s.%s" % (z["token"], self.accounts[acct]["tp"])
            host = z["identifier"]["value"]
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.http_port,
                                               timeout=10)
                c.request("GET", "/.well-known/acme-challenge/" + z["token"],
                          headers={"Host": host if ":" not in host else
                                   "[%s]" % host})
                r = c.getresponse()
                got = r.read(4096).decode(errors="replace").strip()
                c.close()
                err = None if r.status == 200 and got == keyauth else \
                    {"type": ERR + "incorrectResponse", "status": 403,
                     "detail": "http-01: %s got HTTP %d %r, want %r" % (
                         host, r.status, got[:100], keyauth)}
            except OSError as e:
                err = {"type": ERR + "connection", "status": 400,
                       "detail": "http-01: %s: %s" % (host, e)}
            z["chal"] = z["status"] = "invalid" if err else "valid"
            z["validated"] = time.time()
            if err:
                z["error"] = err
        obj = self.authz_obj(n)["challenges"][0]
        return 200, obj, None

    def finalize(self, n, acct, payload):
        o = self.orders[n]
        if o["account"] != acct:
            raise Problem(401, "unauthorized", "not your order")
        self.order_obj(n)	# updates the status
        if o["status"] != "ready":
            raise Problem(403, "orderNotReady", "order is %s" % o["status"])
        try:
            csr = x509.load_der_x509_csr(b64u_dec((payload or {})["csr"]))
            if not csr.is_signature_valid:
                raise ValueError("bad CSR signature")
        except (KeyError, ValueError, TypeError) as e:
            raise Problem(400, "badCSR", "CSR: %s" % e)
        try:
            san = csr.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            raise Problem(400, "badCSR", "CSR without subjectAltName")
        names = sorted([x for x in san.get_values_for_type(x509.DNSName)] +
                       [str(x) for x in san.get_values_for_type(
                           x509.IPAddress)])
        want = sorted(i["value"] for i in o["identifiers"])
        if names != want:
            raise Problem(400, "badCSR", "CSR names %s, order %s" % (
                names, want))
        o["cert"] = self.issue(csr, o, acct)
        o["status"] = "valid"
        return 200, self.order_obj(n), None

    def issue(self, csr, o, acct):
        profile = o["profile"]
        nb = int(time.time()) - self.backdate
        na = nb + PROFILES[profile][1]
        serial = int.from_bytes(os.urandom(16), "big") >> 1 | 1 << 64
        first = o["identifiers"][0]["value"]
        gen = [x509.IPAddress(ipaddress.ip_address(i["value"]))
               if i["type"] == "ip" else x509.DNSName(i["value"])
               for i in o["identifiers"]]
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, first)]
                            if profile == "classic" else [])
        eku = [ExtendedKeyUsageOID.SERVER_AUTH] + (
            [ExtendedKeyUsageOID.CLIENT_AUTH] if profile == "classic" else [])
        ts = datetime.datetime.fromtimestamp
        utc = datetime.timezone.utc
        cert = (x509.CertificateBuilder().subject_name(subject)
                .issuer_name(self.root.subject).public_key(csr.public_key())
                .serial_number(serial)
                .not_valid_before(ts(nb, utc)).not_valid_after(ts(na, utc))
                .add_extension(x509.SubjectAlternativeName(gen),
                               critical=profile != "classic")
                .add_extension(x509.AuthorityKeyIdentifier
                               .from_issuer_subject_key_identifier(self.ski),
                               False)
                .add_extension(x509.BasicConstraints(False, None), True)
                .add_extension(x509.KeyUsage(True, False, False, False,
                                             False, False, False, False,
                                             False), True)
                .add_extension(x509.ExtendedKeyUsage(eku), False)
                .sign(self.key, hashes.SHA256()))
        n = self.new_id()
        ari_id = "%s.%s" % (b64u(self.ski.digest),
                            b64u(serial_content(serial)))
        self.certs[n] = {"pem": cert.public_bytes(serialization.Encoding.PEM)
                         + self.root_pem, "ari_id": ari_id,
                         "serial": "%X" % serial, "profile": profile,
                         "not_before": nb, "not_after": na, "account": acct,
                         "names": [i["value"] for i in o["identifiers"]]}
        return n

    def cert_by_id(self, ari_id):
        for c in self.certs.values():
            if c["ari_id"] == ari_id:
                return c
        return None

    def renewal_info(self, ari_id):
        """RFC 9773 4.2: the window and Retry-After, or 404."""
        self.counts["renewalInfo"] = self.counts.get("renewalInfo", 0) + 1
        if not self.ari:
            raise Problem(404, "malformed", "no renewalInfo here (turned "
                          "off)")
        parts = ari_id.split(".")
        try:
            if len(parts) != 2 or not b64u_dec(parts[0]) or \
                    not b64u_dec(parts[1]):
                raise ValueError()
        except ValueError:
            raise Problem(400, "malformed", "certID %r is not "
                          "b64u(AKI).b64u(serial)" % ari_id)
        c = self.cert_by_id(ari_id)
        if c is None:
            raise Problem(404, "malformed", "no certificate %s here" % ari_id)
        if self.window is not None:
            start, end = self.window
        else:
            life = c["not_after"] - c["not_before"]
            start = c["not_before"] + life * 2 // 3
            end = c["not_before"] + life * 3 // 4
        return 200, {"suggestedWindow": {"start": rfc3339(start),
                                         "end": rfc3339(end)}}, None


class Handler(http.server.BaseHTTPRequestHandler):
    """The ACME side: one request in, one JSON (or PEM) answer out."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status, why=""):
        with open(self.server.args.log, "a") as f:
            f.write("%s %s -> %s%s\n" % (self.command, self.path, status,
                                          " [" + why + "]" if why else ""))

    def answer(self, status, obj=None, location=None, headers=None,
               ctype="application/json", raw=None):
        ca = self.server.ca
        data = raw if raw is not None else \
            b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Replay-Nonce", ca.nonce())
        self.send_header("Cache-Control", "no-store")
        self.send_header("Link", '<%s/dir>;rel="index"' % ca.base)
        if location:
            self.send_header("Location", location)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if data:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_one(self):
        ca = self.server.ca
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        path = self.path
        with LOCK:
            ca.counts["requests"] += 1
            try:
                r = self.route(ca, path, body)
                self.answer(*r[:3], **(r[3] if len(r) > 3 else {}))
                self.note(r[0])
            except Problem as p:
                doc = {"type": ERR + p.kind, "detail": p.detail,
                       "status": p.status}
                doc.update(p.extra)
                self.answer(p.status, doc, headers=p.headers,
                            ctype="application/problem+json")
                self.note(p.status, p.kind)

    def route(self, ca, path, body):
        if self.command in ("GET", "HEAD"):
            if path == "/dir":
                return 200, ca.directory(), None
            if path == "/nonce":
                return (200 if self.command == "HEAD" else 204), None, None
            if path == "/terms":
                return 200, None, None, {"raw": b"terms\n",
                                         "ctype": "text/plain"}
            if path.startswith("/renewal-info/"):
                st, obj, _ = ca.renewal_info(path[len("/renewal-info/"):])
                return st, obj, None, {"headers": {
                    "Retry-After": str(ca.ari_retry_after)}}
            raise Problem(405 if path.split("/")[1] in (
                "acct", "order", "authz", "chal", "finalize", "cert",
                "new-account", "new-order") else 404, "malformed",
                "%s %s: use POST(-as-GET)" % (self.command, path))
        if self.command != "POST":
            raise Problem(405, "malformed", "method %s" % self.command)
        what, _, num = path[1:].partition("/")
        payload, acct, jwk = ca.verify(self, body, path)
        if path == "/new-account":
            ca.counts["newAccount"] = ca.counts.get("newAccount", 0) + 1
            return ca.new_account(payload, jwk)
        if path == "/new-order":
            return ca.new_order(acct, payload)
        ca.counts[what] = ca.counts.get(what, 0) + 1
        orders = what == "acct" and num.endswith("/orders")
        try:
            k = int(num[:-len("/orders")] if orders else num)
        except ValueError:
            k = 0
        table = {"acct": ca.accounts, "order": ca.orders,
                 "authz": ca.authzs, "chal": ca.authzs,
                 "finalize": ca.orders, "cert": ca.certs}.get(what)
        if table is None or k not in table:
            raise Problem(404, "malformed", "no such resource %s" % path)
        if orders:
            if k != acct:
                raise Problem(401, "unauthorized", "not your account")
            return 200, {"orders": ["%s/order/%d" % (ca.base, o) for o in
                                    ca.accounts[k]["orders"]]}, None
        if what == "acct":
            return ca.account(k, acct, payload)
        if what == "chal":
            return ca.challenge(k, acct, payload)
        if what == "finalize":
            return ca.finalize(k, acct, payload)
        if table[k]["account"] != acct:
            raise Problem(401, "unauthorized", "not yours: %s" % path)
        if payload is not None:
            raise Problem(400, "malformed", "%s takes POST-as-GET (an empty "
                          "payload)" % path)
        if what == "order":
            return 200, ca.order_obj(k), None
        if what == "authz":
            return 200, ca.authz_obj(k), None
        return 200, None, None, {"raw": table[k]["pem"],
                                 "ctype": "application/pem-certificate-chain"}

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_one


class Control(http.server.BaseHTTPRequestHandler):
    """The test's side: counts, orders, certificates, and /set."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj, indent=1).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        ca = self.server.ca
        with LOCK:
            if self.path == "/counts":
                return self.reply(200, ca.counts)
            if self.path == "/orders":
                return self.reply(200, ca.order_log)
            if self.path == "/certs":
                return self.reply(200, [
                    {k: v for k, v in c.items() if k != "pem"}
                    for c in ca.certs.values()])
            if self.path == "/root":
                return self.reply(200, ca.root_pem.decode())
        self.reply(404, {"error": "GET /counts, /orders, /certs, /root"})

    def do_POST(self):
        ca = self.server.ca
        n = int(self.headers.get("Content-Length") or 0)
        try:
            s = json.loads(self.rfile.read(n))
            with LOCK:
                if "ari" in s:
                    ca.ari = bool(s["ari"])
                if "window" in s:
                    w = s["window"]
                    ca.window = None if w is None else (
                        int(parse_rfc3339(w["start"])),
                        int(parse_rfc3339(w["end"])))
                if "ari_retry_after" in s:
                    ca.ari_retry_after = int(s["ari_retry_after"])
                if "rate_limit" in s:
                    ca.rate_limit = int(s["rate_limit"]["orders"])
                    ca.rate_retry_after = int(s["rate_limit"]["retry_after"])
                if "backdate" in s:
                    ca.backdate = int(s["backdate"])
        except (ValueError, KeyError, TypeError) as e:
            return self.reply(400, {"error": str(e)})
        self.reply(200, {"ok": True})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--control", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    ca = CA("https://127.0.0.1:%d" % args.listen, args.http_port)
    srv = serve(args.listen, Handler, args.cert, args.key)
    srv.args, srv.ca = args, ca
    ctl = serve(args.control, Control)
    ctl.ca = ca
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    sys.stdout.write("listening\n")
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
