"""webauthn.py (patch 16): passkey registration, listing, deletion and the WEB_AUTHN first factor,
verified for real. The tests play the browser and the authenticator: an ES256 key made here,
"none" attestation, assertions signed over authenticator data + SHA-256(client data)."""

import base64
import hashlib
import json
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

from emulator.testing import PASSWORD, Pool, raises_aws

RP_ID = "localhost"
ORIGIN = "http://localhost:3100"
BAD_PASSKEY = "Invalid passkey credential."
FLAGS = AuthenticatorData.FLAG


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """One passkey on a software authenticator."""

    def __init__(self, rp_id=RP_ID):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.rp_hash = hashlib.sha256(rp_id.encode()).digest()

    def create(self, options, origin=ORIGIN, rp_hash=None, flags=FLAGS.UP | FLAGS.UV | FLAGS.AT):
        client_data = json.dumps(
            {"type": "webauthn.create", "challenge": options["challenge"], "origin": origin, "crossOrigin": False}
        ).encode()
        public = ES256.from_cryptography_key(self.key.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public)
        auth_data = AuthenticatorData.create(rp_hash or self.rp_hash, flags, self.counter, attested)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(bytes(attestation)),
                "transports": ["internal"],
            },
        }

    def get(self, options, origin=ORIGIN, counter_step=1, key=None, flags=FLAGS.UP | FLAGS.UV):
        self.counter += counter_step
        client_data = json.dumps({"type": "webauthn.get", "challenge": options["challenge"], "origin": origin}).encode()
        auth_data = bytes(AuthenticatorData.create(self.rp_hash, flags, self.counter))
        signature = (key or self.key).sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": b64(self.credential_id),
                "rawId": b64(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64(client_data),
                    "authenticatorData": b64(auth_data),
                    "signature": b64(signature),
                    "userHandle": None,
                },
            }
        )


@pytest.fixture
def passkey_pool(idp, url):
    pool = Pool(idp, url, first_factors=["PASSWORD", "WEB_AUTHN"])
    idp.set_user_pool_mfa_config(
        UserPoolId=pool.id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
        WebAuthnConfiguration={"RelyingPartyId": RP_ID, "UserVerification": "required"},
    )
    return pool


def signed_in(pool):
    email = pool.confirmed_user()
    return email, pool.password_login(email)["AuthenticationResult"]["AccessToken"]


def register(pool, token, authenticator, **kwargs):
    options = pool.idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    return pool.idp.complete_web_authn_registration(AccessToken=token, Credential=authenticator.create(options, **kwargs))


def webauthn_challenge(pool, email):
    out = pool.idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
    )
    assert out["ChallengeName"] == "WEB_AUTHN", out
    return out["Session"], json.loads(out["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


def answer(pool, email, session, credential):
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="WEB_AUTHN",
        Session=session,
        ChallengeResponses={"USERNAME": email, "CREDENTIAL": credential},
    )


def test_the_pool_keeps_its_webauthn_configuration(passkey_pool):
    mfa = passkey_pool.idp.get_user_pool_mfa_config(UserPoolId=passkey_pool.id)
    assert mfa["WebAuthnConfiguration"] == {"RelyingPartyId": RP_ID, "UserVerification": "required"}
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_registration_options_name_the_relying_party_and_the_user(passkey_pool):
    email, token = signed_in(passkey_pool)
    options = passkey_pool.idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == RP_ID
    assert options["user"]["name"] == email
    assert len(unb64(options["challenge"])) >= 16
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"


def test_register_list_sign_in_and_delete(passkey_pool):
    email, token = signed_in(passkey_pool)
    key = Authenticator()
    register(passkey_pool, token, key)
    [listed] = passkey_pool.idp.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert listed["CredentialId"] == b64(key.credential_id)
    assert listed["RelyingPartyId"] == RP_ID and listed["AuthenticatorTransports"] == ["internal"]
    assert listed["AuthenticatorAttachment"] == "platform" and listed["CreatedAt"]

    # Offered only now that the user has a passkey.
    out = passkey_pool.idp.initiate_auth(
        ClientId=passkey_pool.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": email}
    )
    assert out["AvailableChallenges"] == ["PASSWORD", "WEB_AUTHN"]
    session, options = webauthn_challenge(passkey_pool, email)
    assert options["rpId"] == RP_ID
    assert [c["id"] for c in options["allowCredentials"]] == [b64(key.credential_id)]
    result = answer(passkey_pool, email, session, key.get(options))["AuthenticationResult"]
    assert passkey_pool.idp.get_user(AccessToken=result["AccessToken"])

    passkey_pool.idp.delete_web_authn_credential(AccessToken=token, CredentialId=b64(key.credential_id))
    assert passkey_pool.idp.list_web_authn_credentials(AccessToken=token)["Credentials"] == []
    out = passkey_pool.idp.initiate_auth(
        ClientId=passkey_pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
    )
    assert out["ChallengeName"] == "SELECT_CHALLENGE" and out["AvailableChallenges"] == ["PASSWORD"]
    with raises_aws("ResourceNotFoundException"):
        passkey_pool.idp.delete_web_authn_credential(AccessToken=token, CredentialId=b64(key.credential_id))


def test_a_forged_assertion_is_refused(passkey_pool):
    email, token = signed_in(passkey_pool)
    key = Authenticator()
    register(passkey_pool, token, key)
    forger = ec.generate_private_key(ec.SECP256R1())
    session, options = webauthn_challenge(passkey_pool, email)
    with raises_aws("NotAuthorizedException", BAD_PASSKEY):
        answer(passkey_pool, email, session, key.get(options, key=forger))
    # The challenge is single use, right or wrong.
    with raises_aws("NotAuthorizedException"):
        answer(passkey_pool, email, session, key.get(options))


@pytest.mark.parametrize(
    "tamper",
    ["origin", "challenge", "no-user-verification", "garbage"],
)
def test_assertions_are_checked(passkey_pool, tamper):
    email, token = signed_in(passkey_pool)
    key = Authenticator()
    register(passkey_pool, token, key)
    session, options = webauthn_challenge(passkey_pool, email)
    credential = {
        "origin": lambda: key.get(options, origin="https://evil.example"),
        "challenge": lambda: key.get({"challenge": b64(os.urandom(32))}),
        "no-user-verification": lambda: key.get(options, flags=FLAGS.UP),
        "garbage": lambda: "{not json",
    }[tamper]()
    with raises_aws("NotAuthorizedException", BAD_PASSKEY):
        answer(passkey_pool, email, session, credential)


def test_the_sign_count_must_grow(passkey_pool):
    email, token = signed_in(passkey_pool)
    key = Authenticator()
    register(passkey_pool, token, key)
    session, options = webauthn_challenge(passkey_pool, email)
    assert "AuthenticationResult" in answer(passkey_pool, email, session, key.get(options, counter_step=5))
    key.counter = 2  # an older copy of the key
    session, options = webauthn_challenge(passkey_pool, email)
    with raises_aws("NotAuthorizedException", BAD_PASSKEY):
        answer(passkey_pool, email, session, key.get(options))


def test_an_authenticator_without_a_counter_keeps_zero(passkey_pool):
    email, token = signed_in(passkey_pool)
    key = Authenticator()  # e.g. synced passkeys: the counter is always 0
    register(passkey_pool, token, key)
    for _ in range(2):
        session, options = webauthn_challenge(passkey_pool, email)
        assert "AuthenticationResult" in answer(passkey_pool, email, session, key.get(options, counter_step=0))


def test_someone_elses_passkey_does_not_sign_in(passkey_pool):
    email, token = signed_in(passkey_pool)
    other, other_token = signed_in(passkey_pool)
    mine, theirs = Authenticator(), Authenticator()
    register(passkey_pool, token, mine)
    register(passkey_pool, other_token, theirs)
    session, options = webauthn_challenge(passkey_pool, email)
    with raises_aws("NotAuthorizedException", BAD_PASSKEY):
        answer(passkey_pool, email, session, theirs.get(options))


@pytest.mark.parametrize("tamper", ["origin", "rp", "no-user-verification", "replay"])
def test_registrations_are_checked(passkey_pool, tamper):
    _, token = signed_in(passkey_pool)
    key = Authenticator()
    options = passkey_pool.idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    credential = {
        "origin": lambda: key.create(options, origin="https://evil.example"),
        "rp": lambda: key.create(options, rp_hash=hashlib.sha256(b"evil.example").digest()),
        "no-user-verification": lambda: key.create(options, flags=FLAGS.UP | FLAGS.AT),
        "replay": lambda: key.create({"challenge": b64(os.urandom(32))}),
    }[tamper]()
    with pytest.raises(Exception) as info:
        passkey_pool.idp.complete_web_authn_registration(AccessToken=token, Credential=credential)
    expected = {
        "origin": "WebAuthnOriginNotAllowedException",
        "rp": "WebAuthnRelyingPartyMismatchException",
        "no-user-verification": "WebAuthnCredentialNotSupportedException",
        "replay": "WebAuthnCredentialNotSupportedException",
    }[tamper]
    assert info.value.response["Error"]["Code"] == expected, info.value.response["Error"]
    assert passkey_pool.idp.list_web_authn_credentials(AccessToken=token)["Credentials"] == []


def test_registration_needs_the_pools_configuration_and_a_started_registration(idp, url, passkey_pool):
    plain = Pool(idp, url)
    _, token = signed_in(plain)
    with raises_aws("WebAuthnConfigurationMissingException"):
        plain.idp.start_web_authn_registration(AccessToken=token)
    _, token = signed_in(passkey_pool)
    with raises_aws("WebAuthnChallengeNotFoundException"):
        passkey_pool.idp.complete_web_authn_registration(
            AccessToken=token, Credential=Authenticator().create({"challenge": b64(os.urandom(32))})
        )
    with raises_aws("NotAuthorizedException"):
        passkey_pool.idp.start_web_authn_registration(AccessToken="not-a-token")


def test_password_still_works_beside_a_passkey(passkey_pool):
    email, token = signed_in(passkey_pool)
    register(passkey_pool, token, Authenticator())
    assert "AuthenticationResult" in passkey_pool.password_login(email, password=PASSWORD)
