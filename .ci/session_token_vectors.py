"""Writes server/src/oci/testdata/session-token-vectors.json: requests signed by the official OCI
Python SDK's SecurityTokenSigner (what a profile with `security_token_file` signs with, after
`oci session authenticate`), with the throwaway vector key and a fixed token, so the Rust signer's
session-token mode can be compared byte for byte. Usage (in a virtualenv with oci==2.189.0):
    session_token_vectors.py KEY_FILE OUT_FILE
"""

import base64
import json
import sys

import oci
from oci._vendor import requests
from oci.auth.signers import SecurityTokenSigner


def b64url(data):
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


key_file, out_file = sys.argv[1], sys.argv[2]
# The token's contents do not enter the signature; it is opaque to the signer. These claims are
# the shape of a session token (`sub`, `tenant`, `exp` in seconds), unsigned.
token = ".".join([
    b64url({"alg": "RS256", "kid": "asw", "typ": "JWT"}),
    b64url({"sub": "ocid1.user.oc1..aaaaaaaatestuser", "tenant": "ocid1.tenancy.oc1..aaaaaaaatestenancy",
            "ptype": "user", "sess_exp": "Fri, 04 Dec 2026 07:00:00 UTC", "exp": 1796367600}),
    "c2lnbmF0dXJl",
])
signer = SecurityTokenSigner(token, oci.signer.load_private_key_from_file(key_file))
date = "Thu, 03 Dec 2026 08:00:00 GMT"
cases = [
    ("GET", "https://events.us-ashburn-1.oci.oraclecloud.com/20181201/rules?compartmentId=ocid1.compartment.oc1..example", None),
    ("POST", "https://notification.us-ashburn-1.oraclecloud.com/20181201/topics", '{"name":"alerts","compartmentId":"ocid1.compartment.oc1..example"}'),
    ("PUT", "https://events.us-ashburn-1.oci.oraclecloud.com/20181201/rules/ocid1.eventrule.oc1.iad.example", '{"isEnabled":false}'),
    ("DELETE", "https://notification.us-ashburn-1.oraclecloud.com/20181201/topics/ocid1.onstopic.oc1.iad.example", None),
]
out = []
for method, url, body in cases:
    headers = {"date": date}
    if body is not None:
        headers["content-type"] = "application/json"
    prepared = requests.Request(method, url, headers=headers, data=body).prepare()
    signer(prepared)
    out.append({"method": method, "url": url, "body": body, "headers": {k.lower(): v for k, v in prepared.headers.items()}})
json.dump({
    "about": "Requests signed by the official OCI Python SDK's SecurityTokenSigner (oci " + oci.__version__ + ") "
             "with the throwaway vector key and the token below: keyId is ST$<token>. Written by "
             ".ci/session_token_vectors.py.",
    "token": token,
    "cases": out,
}, open(out_file, "w"), indent=2)
print(f"wrote {len(out)} cases to {out_file}")
