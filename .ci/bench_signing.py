"""Signatures per second of the official OCI Python SDK signer (oci.signer.Signer).

Same case as server/benches/signing.rs: a POST with a 2 KB JSON body, signed by the 2048-bit test
key, one thread, fixed time after a warm-up. Also the bare RSA operation of the SDK's backend
(pyca/cryptography on OpenSSL), so both stacks show what signing adds on top of RSA.
"""

import sys
import time

import oci
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from oci._vendor import requests

KEY_FILE = sys.argv[1]
URL = "https://events.us-ashburn-1.oci.oraclecloud.com/20181201/rules"


ROUNDS = 7


def one_round(op, seconds):
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < seconds:
        op()
        count += 1
    return count / (time.perf_counter() - start)


def compare(cases):
    """Median rate of each case over alternating one-second rounds, as the Rust harness does."""
    for _, op in cases:
        one_round(op, 0.5)
    rates = [[] for _ in cases]
    for _ in range(ROUNDS):
        for i, (_, op) in enumerate(cases):
            rates[i].append(one_round(op, 1.0))
    for (label, _), r in zip(cases, rates):
        print(f"{label:<52} {sorted(r)[ROUNDS // 2]:>10.0f} /s")


body = '{"description":"' + "x" * (2048 - 18) + '"}'
assert len(body) == 2048
signer = oci.signer.Signer(
    tenancy="ocid1.tenancy.oc1..aaaaaaaatestenancy",
    user="ocid1.user.oc1..aaaaaaaatestuser",
    fingerprint="4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e",
    private_key_file_location=KEY_FILE,
)
template = requests.Request("POST", URL, data=body, headers={"content-type": "application/json"}).prepare()
with open(KEY_FILE, "rb") as f:
    key = serialization.load_pem_private_key(f.read(), password=None)
message = b"x" * 290

compare([
    (f"bare RSA-2048 (cryptography {__import__('cryptography').__version__})",
     lambda: key.sign(message, padding.PKCS1v15(), hashes.SHA256())),
    (f"sign POST, 2 KB body (oci {oci.__version__} Python SDK)", lambda: signer(template.copy())),
])
