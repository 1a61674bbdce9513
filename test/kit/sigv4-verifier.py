#!/usr/bin/env python3
"""AWS test peers in one process, for end-to-end tests of SigV4 signing.

1. moto's server (STS, IAM, CloudWatch, CloudWatch Logs, SSM, S3, ...) on
   --moto-port, with moto's IAM checking ON: every request must carry a
   valid SigV4 signature by a key moto knows and be allowed by IAM policy.
   moto switches that on through its INITIAL_NO_AUTH_ACTION_COUNT setting
   (moto.settings, read from the environment at import): the first N
   authenticated actions are let through unchecked, every later one is
   checked. This script sets it to exactly the number of calls it makes
   itself to create an "admin" IAM user, makes those calls, and then proves
   checking is on by sending a request with an unknown key, which must be
   refused. With --tls-port the same moto app is also served over HTTPS with
   a certificate from a CA this script makes (written to --tls-dir).

2. A verifying reverse proxy on --verifier-port. For each request it finds
   the secret for the access key in the Authorization header (static keys
   from --key, moto's IAM users, and temporary credentials issued by moto's
   STS, read from moto's in-process state), recomputes the signature with
   botocore (an implementation independent of the client under test),
   checks that x-amz-content-sha256 is the SHA-256 of the body that
   arrived (UNSIGNED-PAYLOAD is refused: AMP and CloudWatch want signed
   payloads), that every signed header arrived, the date (15 minutes of
   skew by default) and the session token, records the outcome, forwards
   a valid request to the upstream (--upstream, default the moto server)
   and relays the answer; an invalid one gets HTTP 403 and an AWS-style
   error (SignatureDoesNotMatch, InvalidClientTokenId, ...).

Control endpoints on the verifier port (never forwarded):
  GET  /__verifier/stats                 counts and the last rejection (JSON)
  POST /__verifier/reset                 zero the counts
  POST /__verifier/upstream              {"url": "http://..."} or {"url": null} for moto
  POST /__verifier/keys                  {"accessKeyId", "secretAccessKey"}: add a static key
  POST /__verifier/iam/user-with-role    create an IAM user with keys and a role it may assume

When both ports serve, one JSON line {"event": "ready", ...} is written to
stdout. Exit code 3 means a Python module is missing.
"""

import argparse
import logging
import datetime
import hashlib
import hmac
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The calls bootstrap() makes before checking must be on: CreateUser, PutUserPolicy, CreateAccessKey.
BOOTSTRAP_CALLS = 3
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_CALLS)
# moto and boto3 must not pick up credentials or endpoints of the machine they run on.
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
    os.environ.pop(_name, None)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

try:
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest, HTTPHeaders
    from botocore.credentials import Credentials
    from botocore.exceptions import ClientError
    from moto import settings as moto_settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.models import iam_backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.sts.models import sts_backends
    from werkzeug.serving import make_server
except ImportError as err:  # the Node wrapper turns this into an install hint
    print(json.dumps({"event": "error", "missing": getattr(err, "name", None), "message": str(err)}), flush=True)
    sys.exit(3)

ACCOUNT = "123456789012"  # moto's default account
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}


def log(msg):
    print(f"sigv4-verifier: {msg}", file=sys.stderr, flush=True)


# --- moto -------------------------------------------------------------------


def allow_unsigned_web_identity():
    """AssumeRoleWithWebIdentity is unsigned in AWS (the web token is the
    credential), but moto's IAM check would demand a signature for it. Let
    exactly that action through, as AWS does."""
    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def patched(self, iam_request_cls, resource="*"):
        try:
            action = self._get_action()
        except Exception:  # noqa: BLE001 - any failure means "not that action"
            action = None
        if action == "AssumeRoleWithWebIdentity" and "Authorization" not in self.headers:
            return None
        return original(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = patched


def decompress_request_bodies_once():
    """moto 5 in server mode gunzips a request body twice: its WSGI layer
    (decompress_request_body) already hands BaseResponse the plain body, and
    BaseResponse then gunzips it again because Content-Encoding still says
    gzip, failing every compressed request (the AWS SDKs gzip PutMetricData
    bodies of 10 KiB and more). Let only the WSGI layer decompress."""
    from moto.core.responses import BaseResponse

    original = BaseResponse.setup_class

    def patched(self, request, full_url, headers, use_raw_body=False):
        self.allow_request_decompression = False
        return original(self, request, full_url, headers, use_raw_body)

    BaseResponse.setup_class = patched


class MotoServer:
    def __init__(self, host, port, ssl_context=None):
        app = DomainDispatcherApplication(create_backend_app)
        self.server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()


def make_tls_material(directory):
    """A CA and a server certificate for localhost, 127.0.0.1 and 127.0.0.2, as PEM files.
    127.0.0.2 lets a test stand for a remote host that only a proxy can reach
    (nothing listens there), without a name that would need DNS."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tributary test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("127.0.0.2"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {k: os.path.join(directory, f"{k}.pem") for k in ("ca", "cert", "key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


def client(service, endpoint, keys):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=keys["accessKeyId"],
        aws_secret_access_key=keys["secretAccessKey"],
    )


def bootstrap(moto_url):
    """Creates the admin user with the BOOTSTRAP_CALLS unchecked calls, then proves checking is on."""
    boot = client("iam", moto_url, {"accessKeyId": "AKIABOOTSTRAP0000000", "secretAccessKey": "bootstrap"})
    boot.create_user(UserName="tributary-admin")
    boot.put_user_policy(
        UserName="tributary-admin",
        PolicyName="everything",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    k = boot.create_access_key(UserName="tributary-admin")["AccessKey"]
    admin = {"accessKeyId": k["AccessKeyId"], "secretAccessKey": k["SecretAccessKey"]}
    try:
        client("sts", moto_url, {"accessKeyId": "AKIAUNKNOWN000000000", "secretAccessKey": "x"}).get_caller_identity()
        raise RuntimeError("moto accepted a request signed with an unknown key: IAM checking is not on")
    except ClientError as e:
        if e.response["Error"]["Code"] != "InvalidClientTokenId":
            raise
    wrong = dict(admin, secretAccessKey="not-the-secret")
    try:
        client("sts", moto_url, wrong).get_caller_identity()
        raise RuntimeError("moto accepted a request signed with a wrong secret: signature checking is not on")
    except ClientError as e:
        if e.response["Error"]["Code"] != "SignatureDoesNotMatch":
            raise
    arn = client("sts", moto_url, admin).get_caller_identity()["Arn"]
    return admin, arn


def create_user_with_role(moto_url, admin, req):
    suffix = f"{int(time.time() * 1000) % 10**9}{threading.get_ident() % 1000}"
    user = req.get("userName") or f"tributary-user-{suffix}"
    role = req.get("roleName") or f"tributary-role-{suffix}"
    actions = req.get("roleActions") or ["*"]
    external_id = req.get("externalId")
    iam = client("iam", moto_url, admin)
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    trust = {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}
    if external_id:
        trust["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    web = {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/tributary.test"}, "Action": "sts:AssumeRoleWithWebIdentity"}
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust, web]}))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role,
        PolicyName="tributary-test",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}),
    )
    iam.put_user_policy(
        UserName=user,
        PolicyName="assume",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]}),
    )
    k = iam.create_access_key(UserName=user)["AccessKey"]
    return {
        "account": ACCOUNT,
        "user": {"name": user, "arn": user_arn, "accessKeyId": k["AccessKeyId"], "secretAccessKey": k["SecretAccessKey"]},
        "role": {"name": role, "arn": role_arn, "externalId": external_id},
    }


# --- secrets ----------------------------------------------------------------


class Secret:
    __slots__ = ("secret", "token", "expires", "kind")

    def __init__(self, secret, token=None, expires=None, kind="static"):
        self.secret = secret
        self.token = token
        self.expires = expires
        self.kind = kind


def lookup_secret(static_keys, access_key_id):
    if access_key_id in static_keys:
        return Secret(static_keys[access_key_id])
    for _account, by_partition in list(iam_backends.items()):
        for _partition, backend in list(by_partition.items()):
            key = backend.access_keys.get(access_key_id)
            # Keys without a user are STS's temporary keys: found below with their session token.
            if key is not None and key.user_name is not None and getattr(key, "status", "Active") == "Active":
                return Secret(key.secret_access_key, kind="iam-user")
    for _account, by_partition in list(sts_backends.items()):
        for _partition, backend in list(by_partition.items()):
            for role in list(backend.assumed_roles):
                if role.access_key_id == access_key_id:
                    return Secret(role.secret_access_key, role.session_token, role.expiration, kind="sts")
    return None


# --- verification -----------------------------------------------------------


class Rejection(Exception):
    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class ExactHeadersSigV4(SigV4Auth):
    """botocore's SigV4 with the header set the client declared in SignedHeaders
    (botocore on its own leaves out some, such as user-agent)."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        out = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                out[name] = value
        return out


def parse_authorization(value):
    if not value.startswith("AWS4-HMAC-SHA256 "):
        raise Rejection("IncompleteSignature", f"unsupported authorization scheme: {value.split(' ')[0]!r}")
    fields = {}
    for part in value[len("AWS4-HMAC-SHA256 "):].split(","):
        k, sep, v = part.strip().partition("=")
        if sep:
            fields[k] = v
    for k in ("Credential", "SignedHeaders", "Signature"):
        if k not in fields:
            raise Rejection("IncompleteSignature", f"authorization header lacks {k}")
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise Rejection("IncompleteSignature", f"malformed credential scope {fields['Credential']!r}")
    return scope, fields["SignedHeaders"].split(";"), fields["Signature"]


def verify(method, raw_path, headers, body, static_keys, max_skew):
    """Returns details of a valid request or raises Rejection. `headers` is an email.message.Message."""
    auth = headers.get("Authorization")
    if auth is None:
        raise Rejection("MissingAuthenticationToken", "the request has no Authorization header")
    scope, signed, signature = parse_authorization(auth)
    akid, day, region, service, _ = scope
    info = {"accessKeyId": akid, "region": region, "service": service, "signedHeaders": signed}
    if "host" not in signed:
        raise Rejection("IncompleteSignature", "the host header is not signed")
    missing = [h for h in signed if headers.get(h) is None]
    if missing:
        raise Rejection("IncompleteSignature", f"signed headers missing from the request: {', '.join(missing)}")
    amz_date = headers.get("X-Amz-Date")
    if amz_date is None or "x-amz-date" not in signed:
        raise Rejection("IncompleteSignature", "x-amz-date is missing or not signed")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise Rejection("IncompleteSignature", f"x-amz-date {amz_date!r} is not of the form YYYYMMDDTHHMMSSZ") from None
    if amz_date[:8] != day:
        raise Rejection("SignatureDoesNotMatch", f"credential scope date {day} differs from x-amz-date {amz_date}")
    skew = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
    if skew > max_skew:
        raise Rejection("SignatureDoesNotMatch", f"signature expired: x-amz-date {amz_date} is {int(skew)} s from now")

    secret = lookup_secret(static_keys, akid)
    if secret is None:
        raise Rejection("InvalidClientTokenId", f"unknown access key {akid}")
    info["keyKind"] = secret.kind
    token = headers.get("X-Amz-Security-Token")
    if secret.token is not None:
        if token != secret.token:
            raise Rejection("InvalidClientTokenId", "the session token is missing or does not belong to the access key")
        if "x-amz-security-token" not in signed:
            raise Rejection("IncompleteSignature", "x-amz-security-token is not signed")
        if secret.expires is not None and secret.expires.replace(tzinfo=None) < datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None):
            raise Rejection("ExpiredToken", "the temporary credentials have expired")
    elif token is not None:
        raise Rejection("InvalidClientTokenId", "a session token was sent with long-term credentials")

    declared = headers.get("X-Amz-Content-SHA256")
    actual = hashlib.sha256(body).hexdigest()
    if declared is not None:
        if declared == "UNSIGNED-PAYLOAD":
            raise Rejection("SignatureDoesNotMatch", "the payload is not signed (x-amz-content-sha256: UNSIGNED-PAYLOAD)")
        if declared != actual:
            raise Rejection("XAmzContentSHA256Mismatch", f"x-amz-content-sha256 {declared} is not the SHA-256 of the body ({actual})")
    info["payloadHash"] = "header" if declared is not None else "body"

    request_headers = HTTPHeaders()
    for name in signed:
        for value in headers.get_all(name) or []:
            request_headers[name] = value
    req = AWSRequest(method=method, url=f"http://{headers.get('Host')}{raw_path}", data=body, headers=request_headers)
    req.context["timestamp"] = amz_date
    signer = ExactHeadersSigV4(Credentials(akid, secret.secret, secret.token), service, region, signed)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if not hmac.compare_digest(expected, signature):
        raise Rejection("SignatureDoesNotMatch", "the signature does not match the one computed from the request and the key's secret")
    return info


# --- the verifying proxy -------------------------------------------------------


class State:
    def __init__(self, static_keys, upstream, moto_url, max_skew, admin):
        self.lock = threading.Lock()
        self.static_keys = dict(static_keys)
        self.upstream = upstream
        self.moto_url = moto_url
        self.max_skew = max_skew
        self.admin = admin
        self.reset()

    def reset(self):
        with self.lock:
            self.verified = 0
            self.rejected = 0
            self.by_key = {}
            self.last_rejection = None
            self.recent = deque(maxlen=100)

    def record(self, entry):
        with self.lock:
            ok = entry["outcome"] == "verified"
            if ok:
                self.verified += 1
            else:
                self.rejected += 1
                self.last_rejection = entry
            key = entry.get("accessKeyId") or "(none)"
            per = self.by_key.setdefault(key, {"verified": 0, "rejected": 0})
            per["verified" if ok else "rejected"] += 1
            self.recent.append(entry)

    def stats(self):
        with self.lock:
            return {
                "verified": self.verified,
                "rejected": self.rejected,
                "byAccessKey": {k: dict(v) for k, v in self.by_key.items()},
                "lastRejection": self.last_rejection,
                "recent": list(self.recent),
                "upstream": self.upstream or self.moto_url,
            }


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: tests read stats, not access logs
            pass

        def read_body(self):
            if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def send(self, status, body, content_type="application/json", extra=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def handle_any(self):
            body = self.read_body()
            if self.path.startswith("/__verifier/"):
                return self.control(body)
            entry = {"method": self.command, "path": self.path, "at": time.time()}
            try:
                entry.update(verify(self.command, self.path, self.headers, body, state.static_keys, state.max_skew))
            except Rejection as r:
                auth = self.headers.get("Authorization") or ""
                akid = auth.partition("Credential=")[2].partition("/")[0] or None
                entry.update({"outcome": "rejected", "code": r.code, "reason": r.reason, "accessKeyId": entry.get("accessKeyId", akid)})
                state.record(entry)
                return self.reject(r)
            except Exception as e:  # noqa: BLE001 - a verifier bug must show, not hang the client
                entry.update({"outcome": "rejected", "code": "InternalFailure", "reason": f"verifier error: {e!r}"})
                state.record(entry)
                return self.send(500, json.dumps({"__type": "InternalFailure", "message": repr(e)}).encode())
            entry["outcome"] = "verified"
            state.record(entry)
            self.forward(body)

        def reject(self, r):
            ctype = (self.headers.get("Content-Type") or "").lower()
            if ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("text/xml"):
                xml = (
                    "<ErrorResponse><Error><Type>Sender</Type>"
                    f"<Code>{r.code}</Code><Message>{escape(r.reason)}</Message>"
                    "</Error><RequestId>verifier</RequestId></ErrorResponse>"
                )
                return self.send(403, xml.encode(), "text/xml", [("x-amzn-ErrorType", r.code)])
            doc = {"__type": r.code, "code": r.code, "message": r.reason}
            return self.send(403, json.dumps(doc).encode(), "application/json", [("x-amzn-ErrorType", r.code)])

        def forward(self, body):
            target = urllib.parse.urlsplit(state.upstream or state.moto_url)
            conn_cls = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
            conn = conn_cls(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            try:
                base = target.path.rstrip("/")
                conn.request(self.command, base + self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                extra = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "content-type"]
                self.send(resp.status, data, resp.getheader("Content-Type") or "application/octet-stream", extra)
            except OSError as e:
                self.send(502, json.dumps({"__type": "BadGateway", "message": f"upstream {target.geturl()}: {e}"}).encode())
            finally:
                conn.close()

        def control(self, body):
            path = self.path.split("?")[0]
            try:
                req = json.loads(body) if body else {}
                if self.command == "GET" and path == "/__verifier/stats":
                    return self.send(200, json.dumps(state.stats()).encode())
                if self.command == "POST" and path == "/__verifier/reset":
                    state.reset()
                    return self.send(200, b"{}")
                if self.command == "POST" and path == "/__verifier/upstream":
                    state.upstream = req.get("url")
                    return self.send(200, b"{}")
                if self.command == "POST" and path == "/__verifier/keys":
                    with state.lock:
                        state.static_keys[req["accessKeyId"]] = req["secretAccessKey"]
                    return self.send(200, b"{}")
                if self.command == "POST" and path == "/__verifier/iam/user-with-role":
                    return self.send(200, json.dumps(create_user_with_role(state.moto_url, state.admin, req)).encode())
                return self.send(404, json.dumps({"message": f"no control endpoint {self.command} {path}"}).encode())
            except Exception as e:  # noqa: BLE001 - reported to the test that asked
                return self.send(500, json.dumps({"message": repr(e)}).encode())

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

    return Handler


def escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--moto-port", type=int, required=True)
    p.add_argument("--verifier-port", type=int, required=True)
    p.add_argument("--tls-port", type=int, help="also serve moto over HTTPS on this port")
    p.add_argument("--tls-dir", help="where to write ca.pem, cert.pem and key.pem for --tls-port")
    p.add_argument("--upstream", help="where verified requests go (default: the moto server)")
    p.add_argument("--key", action="append", default=[], metavar="AKID:SECRET", help="a static key the verifier accepts (repeatable)")
    p.add_argument("--max-skew", type=int, default=900, help="allowed clock skew of x-amz-date, seconds")
    args = p.parse_args()

    static = {}
    for k in args.key:
        akid, sep, secret = k.partition(":")
        if not sep:
            p.error(f"--key must be AKID:SECRET (got {k!r})")
        static[akid] = secret

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines on stderr
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = float(BOOTSTRAP_CALLS)
    allow_unsigned_web_identity()
    decompress_request_bodies_once()
    moto = MotoServer(args.host, args.moto_port)
    moto.start()
    moto_url = f"http://{args.host}:{args.moto_port}"
    ready = {"event": "ready", "moto": moto_url, "account": ACCOUNT, "iamChecks": True, "pid": os.getpid()}
    if args.tls_port:
        if not args.tls_dir:
            p.error("--tls-port needs --tls-dir")
        import ssl

        paths = make_tls_material(args.tls_dir)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(paths["cert"], paths["key"])
        MotoServer(args.host, args.tls_port, ssl_context=ctx).start()
        ready.update({"motoTls": f"https://{args.host}:{args.tls_port}", "caFile": paths["ca"]})

    admin, admin_arn = bootstrap(moto_url)
    state = State(static, args.upstream, moto_url, args.max_skew, admin)
    server = ThreadingHTTPServer((args.host, args.verifier_port), make_handler(state))
    server.daemon_threads = True
    ready.update({"verifier": f"http://{args.host}:{args.verifier_port}", "admin": dict(admin, arn=admin_arn)})
    print(json.dumps(ready), flush=True)
    log(f"moto on {moto_url} (IAM checks on), verifier on {ready['verifier']}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
