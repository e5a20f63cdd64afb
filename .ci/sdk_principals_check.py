"""Oracle's own sign-in paths against Signalbox's sandbox (started with --metadata-service).

- Instance principals: the SDK's InstancePrincipalsSecurityTokenSigner reads the sandbox's metadata
  service (OCI_METADATA_BASE_URL, the SDK's own override), exchanges the certificate at /v1/x509
  and signs a topic create and list with the token.
- Session tokens: `oci session authenticate --no-browser` (GenerateUpst, signed with an API key)
  writes a session profile; the CLI uses it (`--auth security_token`) to list topics; the session
  is refreshed as `oci session refresh` does (POST /v1/authentication/refresh signed with the
  session), and the new token works while a changed one is refused.
Any difference from what the SDK and CLI expect fails. Usage:
    sdk_principals_check.py BASE_URL OCI_BINARY API_KEY_CONFIG WORK_DIR
"""

import json
import os
import subprocess
import sys

import oci
from oci._vendor import requests

base_url, oci_bin, config_file, work = sys.argv[1:5]
DEV = "ocid1.compartment.oc1..sandboxdev"
checked = 0


def check(condition, message):
    global checked
    if not condition:
        sys.exit(f"FAILED: {message}")
    checked += 1


# Instance principal, with the SDK's own signer.
os.environ["OCI_METADATA_BASE_URL"] = f"{base_url}/opc/v2"
signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner(federation_endpoint=f"{base_url}/v1/x509")
check(signer.region == "us-ashburn-1", f"region from the metadata service: {signer.region}")
claims = oci.auth.security_token_container.SecurityTokenContainer(None, signer.federation_client.get_security_token()).get_jwt()
check(claims.get("ptype") == "instance", f"an instance token: {claims}")
check(claims.get("sub", "").startswith("ocid1.instance.oc1.iad."), f"the instance is the subject: {claims}")
ons = oci.ons.NotificationControlPlaneClient({"region": signer.region}, signer=signer, service_endpoint=base_url)
created = ons.create_topic(oci.ons.models.CreateTopicDetails(name="made-by-the-sdk-instance", compartment_id=DEV)).data
listed = [t.name for t in ons.list_topics(DEV).data]
check("made-by-the-sdk-instance" in listed, f"the instance's topic is listed: {listed}")
check(created.compartment_id == DEV, "created where asked")

# Session token, with the CLI's own commands.
session_config = os.path.join(work, "session-config")
env = dict(os.environ, OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING="True", SUPPRESS_LABEL_WARNING="True")
done = subprocess.run(
    [oci_bin, "--config-file", config_file, "--endpoint", base_url, "session", "authenticate", "--no-browser",
     "--region", "us-ashburn-1", "--profile-name", "SBX", "--config-location", session_config,
     "--token-location", os.path.join(work, "sessions"), "--session-expiration-in-minutes", "15"],
    capture_output=True, text=True, timeout=120, env=env, input="\n")
check(done.returncode == 0, f"oci session authenticate --no-browser: {done.stderr}")
profile = oci.config.from_file(session_config, "SBX")
check("security_token_file" in profile and "user" not in profile, f"a session profile: {sorted(profile)}")
token = open(os.path.expanduser(profile["security_token_file"])).read().strip()
session = oci.auth.security_token_container.SecurityTokenContainer(None, token).get_jwt()
check(session["exp"] - session["iat"] == 900, f"fifteen minutes, as asked: {session}")
check(session["sub"] == "ocid1.user.oc1..aaaaaaaatestuser", f"the API key's user: {session}")

done = subprocess.run(
    [oci_bin, "--config-file", session_config, "--profile", "SBX", "--auth", "security_token", "--endpoint", base_url,
     "ons", "topic", "list", "--compartment-id", DEV],
    capture_output=True, text=True, timeout=120, env=env)
check(done.returncode == 0, f"the CLI signs with the session: {done.stderr}")
names = [t["name"] for t in json.loads(done.stdout or '{"data": []}')["data"]]
check("made-by-the-sdk-instance" not in names, f"the session acts in the key's tenancy, not the instance's: {names}")

key = oci.signer.load_private_key_from_file(profile["key_file"])
refreshed = requests.post(f"{base_url}/v1/authentication/refresh", headers={"content-type": "application/json"},
                          data=json.dumps({"currentToken": token}), auth=oci.auth.signers.SecurityTokenSigner(token, key))
check(refreshed.status_code == 200, f"refresh as `oci session refresh` does: {refreshed.status_code} {refreshed.text}")
new_token = refreshed.json()["token"]
check(new_token != token, "a new token")
client = oci.ons.NotificationControlPlaneClient({"region": "us-ashburn-1"},
                                                signer=oci.auth.signers.SecurityTokenSigner(new_token, key),
                                                service_endpoint=base_url)
client.list_topics(DEV)
check(True, "the refreshed token signs")
tampered = new_token[:-4] + ("AAAA" if not new_token.endswith("AAAA") else "BBBB")
try:
    oci.ons.NotificationControlPlaneClient({"region": "us-ashburn-1"},
                                           signer=oci.auth.signers.SecurityTokenSigner(tampered, key),
                                           service_endpoint=base_url).list_topics(DEV)
    check(False, "a changed token is refused")
except oci.exceptions.ServiceError as err:
    check(err.status == 401, f"a changed token is refused with 401: {err.status}")

print(f"sign-in conformance: {checked} checks passed (instance principal, session authenticate, use, refresh)")
