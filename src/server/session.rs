//! The session cookie and its companions, all encrypted and authenticated (AES-256-GCM via
//! `cookie`'s private jar; the cookie name is bound into the ciphertext, so a value cannot be
//! moved to another cookie). Flags: HttpOnly, SameSite=Lax, Path=/, plus Secure and the
//! `__Host-` prefix when the site is on https. Each token gets its own cookie to stay
//! under the 4 KB per-cookie limit.

use cookie::{Cookie, CookieJar, Key, SameSite, time::Duration as CookieDuration};
use http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Encrypts, decrypts and names the app's cookies. Seals with the current key and opens with
/// it or any previous key, so a key can be rotated without signing everyone out.
#[derive(Clone)]
pub struct CookieCodec {
    key: Key,
    previous: Vec<Key>,
    secure: bool,
}

/// Browsers keep at most 4096 bytes of name, value and attributes per cookie; a cookie over
/// this is never set (the session would silently break).
pub const MAX_COOKIE_BYTES: usize = 4000;

/// What each cookie holds. The name on the wire is derived from this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieName {
    Access,
    Id,
    Refresh,
    /// A sign-up waiting for its code: email and, for a few minutes, Cognito's session.
    Pending,
    /// A sign-in waiting for a challenge answer (MFA code or new password).
    Challenge,
    /// A TOTP secret being set up, until its first code is verified.
    MfaSetup,
    /// One message (and the non-secret form values) for the next page.
    Flash,
    /// A new email address waiting for its code (the account keeps the old one until then).
    EmailChange,
    /// Not a cookie: the name a passkey sign-in step (Cognito's WEB_AUTHN session) is sealed
    /// under when it travels in the options the island gets and hands back (`seal_text`), so the
    /// passkey autofill, which starts while the person types, sets no cookie at all.
    PasskeyChallenge,
    /// A code emailed to the signed-in person to confirm a sensitive change instead of the
    /// password (Cognito's EMAIL_OTP session, for this account only).
    Reauth,
    /// The language chosen with the footer's switcher (`en`, `de`).
    Lang,
    /// The id of the session's server-side record (`session_store`).
    Sid,
    /// Recovery codes just made, until the page that shows them once has shown them.
    RecoveryCodes,
    /// This browser, once it has signed in: which accounts it has signed in to (a sign-in from
    /// a browser an account has not seen is announced to the account by email).
    Device,
}

impl CookieName {
    fn base(self) -> &'static str {
        match self {
            CookieName::Access => "lc-access",
            CookieName::Id => "lc-id",
            CookieName::Refresh => "lc-refresh",
            CookieName::Pending => "lc-pending",
            CookieName::Challenge => "lc-challenge",
            CookieName::MfaSetup => "lc-mfa-setup",
            CookieName::Flash => "lc-flash",
            CookieName::EmailChange => "lc-email-change",
            CookieName::PasskeyChallenge => "lc-passkey",
            CookieName::Reauth => "lc-reauth",
            CookieName::Lang => "lc-lang",
            CookieName::Sid => "lc-sid",
            CookieName::Device => "lc-device",
            CookieName::RecoveryCodes => "lc-recovery-codes",
        }
    }
}

impl CookieCodec {
    /// `key` must be 64 bytes (checked when the configuration is loaded).
    pub fn new(key: &[u8], secure: bool) -> Self {
        CookieCodec { key: Key::from(key), previous: vec![], secure }
    }

    /// Also opens cookies sealed with these (older) keys; each must be 64 bytes.
    pub fn accepting(mut self, previous: &[Vec<u8>]) -> Self {
        self.previous = previous.iter().map(|k| Key::from(k)).collect();
        self
    }

    pub fn name(&self, name: CookieName) -> String {
        if self.secure { format!("__Host-{}", name.base()) } else { name.base().to_string() }
    }

    /// A `Set-Cookie` value holding `value` encrypted, living `max_age`.
    pub fn seal<T: Serialize>(&self, name: CookieName, value: &T, max_age: CookieDuration) -> HeaderValue {
        let json = serde_json::to_string(value).expect("cookie values serialize");
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(self.base_cookie(name, json, max_age));
        let sealed = jar.get(&self.name(name)).expect("just added").encoded().to_string();
        if sealed.len() > MAX_COOKIE_BYTES {
            // A browser would drop it without a word; removing it instead is at least honest.
            tracing::error!(cookie = %self.name(name), bytes = sealed.len(), "cookie over {MAX_COOKIE_BYTES} bytes not set");
            return self.clear(name);
        }
        HeaderValue::from_str(&sealed).expect("cookie is ASCII")
    }

    /// `value` encrypted as text for a page to hand back (not a cookie), bound to `name` as a
    /// cookie's value is: what one purpose sealed, another cannot open.
    pub fn seal_text<T: Serialize>(&self, name: CookieName, value: &T) -> String {
        let json = serde_json::to_string(value).expect("sealed values serialize");
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(Cookie::new(self.name(name), json));
        jar.get(&self.name(name)).expect("just added").value().to_string()
    }

    /// Opens what `seal_text` sealed for `name`; `None` if tampered, foreign or not JSON of `T`.
    pub fn open_text<T: DeserializeOwned>(&self, name: CookieName, text: &str) -> Option<T> {
        let wanted = self.name(name);
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(wanted.clone(), text.to_string()));
        self.decrypt(&jar, &wanted)
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, name: CookieName) -> HeaderValue {
        let c = self.base_cookie(name, String::new(), CookieDuration::ZERO);
        HeaderValue::from_str(&c.encoded().to_string()).expect("cookie is ASCII")
    }

    /// Decrypts the cookie from the request headers; `None` if absent, tampered or foreign.
    pub fn open<T: DeserializeOwned>(&self, headers: &HeaderMap, name: CookieName) -> Option<T> {
        let wanted = self.name(name);
        let mut jar = CookieJar::new();
        for value in headers.get_all(header::COOKIE) {
            let Ok(s) = value.to_str() else { continue };
            for c in Cookie::split_parse_encoded(s).flatten() {
                if c.name() == wanted {
                    jar.add_original(c.into_owned());
                }
            }
        }
        self.decrypt(&jar, &wanted)
    }

    /// The value of `name` in `jar`, decrypted with the current key or a previous one, as JSON of `T`.
    fn decrypt<T: DeserializeOwned>(&self, jar: &CookieJar, name: &str) -> Option<T> {
        let plain = std::iter::once(&self.key).chain(&self.previous).find_map(|k| jar.private(k).get(name))?;
        serde_json::from_str(plain.value()).ok()
    }

    fn base_cookie(&self, name: CookieName, value: String, max_age: CookieDuration) -> Cookie<'static> {
        Cookie::build((self.name(name), value))
            .max_age(max_age)
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .build()
    }
}

/// The tokens of a signed-in person, one cookie each.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SessionTokens {
    pub access: String,
    pub id: String,
    pub refresh: Option<String>,
    /// The id of the session's record (`session_store`); a session without one is refused.
    #[serde(default)]
    pub sid: Option<String>,
}

/// A sign-up (or unconfirmed sign-in) waiting for its emailed code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PendingSignUp {
    pub email: String,
    /// Cognito's sign-up session, used once to sign in after confirmation; never a password.
    pub session: Option<String>,
    /// Unix seconds after which `session` is no longer used.
    pub session_expires_at: u64,
    /// The account this browser signed up (`UserSub`), when it made one: confirming checks it is
    /// still that account and not a newer sign-up for the same address.
    #[serde(default)]
    pub sub: Option<String>,
    /// Spaces that give the sealed cookie one size whatever the account's state (a new account
    /// carries Cognito's long session, an existing one none): its size must not tell them apart.
    #[serde(default)]
    pub pad: String,
}

/// The serialized size every `PendingSignUp` is padded to: longer than a Cognito session, and
/// short enough that the sealed cookie stays well under 4,000 bytes after percent-encoding.
pub const PENDING_PADDED_BYTES: usize = 2200;

impl PendingSignUp {
    pub fn new(email: String, session: Option<String>, session_expires_at: u64, sub: Option<String>) -> Self {
        let mut p = PendingSignUp { email, session, session_expires_at, sub, pad: String::new() };
        let len = serde_json::to_string(&p).map(|j| j.len()).unwrap_or(0);
        p.pad = " ".repeat(PENDING_PADDED_BYTES.saturating_sub(len));
        p
    }
}

/// How long a pending sign-up is remembered (Cognito codes last 24 h).
pub const PENDING_MAX_AGE: CookieDuration = CookieDuration::hours(24);
/// How long the app uses the session SignUp returns (to sign in right after the code). Cognito
/// does not document that session's lifetime, so the app keeps it no longer than an auth
/// session's default (3 minutes); after that the person signs in with the password. The
/// emulator keeps it a day, so this limit is the app's own.
pub const SIGN_UP_SESSION_SECONDS: u64 = 180;

pub use crate::flash::{Flash, FlashKind};

pub const FLASH_MAX_AGE: CookieDuration = CookieDuration::minutes(5);

/// The accounts this browser has signed in to (the `sub`s, newest last), so that a sign-in from
/// a browser an account has not seen before can be announced to it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Device {
    pub subs: Vec<String>,
    /// The same accounts' addresses, keyed (`AppState::keyed`): a browser that has signed in
    /// to an address is not held back by that address's ceiling, which strangers can reach.
    #[serde(default)]
    pub emails: Vec<String>,
}

impl Device {
    /// How many accounts one browser remembers.
    pub const MAX: usize = 10;

    pub fn knows(&self, sub: &str) -> bool {
        self.subs.iter().any(|s| s == sub)
    }

    pub fn remember(&mut self, sub: &str) {
        remember_in(&mut self.subs, sub);
    }

    pub fn knows_email(&self, keyed: &str) -> bool {
        self.emails.iter().any(|e| e == keyed)
    }

    pub fn remember_email(&mut self, keyed: &str) {
        remember_in(&mut self.emails, keyed);
    }
}

/// Puts `item` last in `list` (once), keeping the `Device::MAX` newest.
fn remember_in(list: &mut Vec<String>, item: &str) {
    list.retain(|s| s != item);
    list.push(item.to_string());
    let over = list.len().saturating_sub(Device::MAX);
    list.drain(..over);
}

impl Device {
    /// The key an address is known by (in `emails`), from `AppState::keyed`.
    pub fn email_key(email: &str) -> String {
        format!("device-email:{}", email.trim().to_lowercase())
    }
}

/// Browsers keep a cookie at most 400 days.
pub const DEVICE_MAX_AGE: CookieDuration = CookieDuration::days(400);

/// A language chosen with the switcher stays chosen for a year.
pub const LANG_MAX_AGE: CookieDuration = CookieDuration::days(365);

impl CookieCodec {
    /// `Set-Cookie` values that start (or renew) a session from fresh tokens. All three
    /// cookies live as long as the refresh token: an expired access token is refreshed on
    /// the server, which needs the old one to know whose session it is.
    pub fn start_session(&self, tokens: &SessionTokens, max_age_seconds: i64) -> Vec<HeaderValue> {
        let age = CookieDuration::seconds(max_age_seconds);
        let mut out =
            vec![self.seal(CookieName::Access, &tokens.access, age), self.seal(CookieName::Id, &tokens.id, age)];
        if let Some(r) = &tokens.refresh {
            out.push(self.seal(CookieName::Refresh, r, age));
        }
        if let Some(sid) = &tokens.sid {
            out.push(self.seal(CookieName::Sid, sid, age));
        }
        out
    }

    /// `Set-Cookie` values that end the session.
    pub fn end_session(&self) -> Vec<HeaderValue> {
        [
            CookieName::Access,
            CookieName::Id,
            CookieName::Refresh,
            CookieName::Sid,
            CookieName::Pending,
            CookieName::Challenge,
            CookieName::MfaSetup,
            CookieName::EmailChange,
            CookieName::Reauth,
            CookieName::RecoveryCodes,
        ]
        .into_iter()
        .map(|n| self.clear(n))
        .collect()
    }

    /// The session tokens in the request, if all needed cookies decrypt.
    pub fn session(&self, headers: &HeaderMap) -> Option<SessionTokens> {
        Some(SessionTokens {
            access: self.open(headers, CookieName::Access)?,
            id: self.open(headers, CookieName::Id)?,
            refresh: self.open(headers, CookieName::Refresh),
            sid: self.open(headers, CookieName::Sid),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(secure: bool) -> CookieCodec {
        CookieCodec::new(&[7u8; 64], secure)
    }

    /// Turns `Set-Cookie` values into the `Cookie` request header a browser would send.
    fn request_with(set_cookies: &[HeaderValue]) -> HeaderMap {
        let pairs: Vec<String> =
            set_cookies.iter().map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string()).collect();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&pairs.join("; ")).unwrap());
        h
    }

    fn tokens() -> SessionTokens {
        SessionTokens {
            access: "acc.ess.tok".into(),
            id: "id.tok.en".into(),
            refresh: Some("refresh".into()),
            sid: Some("sid".into()),
        }
    }

    #[test]
    fn session_round_trips() {
        let c = codec(false);
        let headers = request_with(&c.start_session(&tokens(), 86400));
        assert_eq!(c.session(&headers), Some(tokens()));
    }

    #[test]
    fn flags_on_http_and_https() {
        let plain = codec(false).seal(CookieName::Id, &"x", CookieDuration::minutes(1));
        let s = plain.to_str().unwrap();
        assert!(
            s.starts_with("lc-id=") && s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Path=/"),
            "{s}"
        );
        assert!(!s.contains("Secure") && !s.contains("Domain"), "{s}");
        let secure = codec(true).seal(CookieName::Id, &"x", CookieDuration::minutes(1));
        let s = secure.to_str().unwrap();
        assert!(s.starts_with("__Host-lc-id=") && s.contains("Secure") && s.contains("HttpOnly"), "{s}");
    }

    #[test]
    fn value_is_not_readable_in_the_cookie() {
        let v = codec(false).seal(CookieName::Access, &"secret-token-value", CookieDuration::minutes(1));
        assert!(!v.to_str().unwrap().contains("secret-token-value"));
    }

    #[test]
    fn tampered_cookie_is_rejected() {
        let c = codec(false);
        let sealed = c.seal(CookieName::Id, &"x", CookieDuration::minutes(1));
        let pair = sealed.to_str().unwrap().split(';').next().unwrap().to_string();
        let (name, value) = pair.split_once('=').unwrap();
        let mut bytes = value.as_bytes().to_vec();
        let mid = bytes.len() / 2;
        bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{name}={}", String::from_utf8(bytes).unwrap())).unwrap(),
        );
        assert_eq!(c.open::<String>(&h, CookieName::Id), None);
    }

    #[test]
    fn cookie_sealed_with_another_key_is_rejected() {
        let foreign = CookieCodec::new(&[9u8; 64], false);
        let headers = request_with(&foreign.start_session(&tokens(), 60));
        assert_eq!(codec(false).session(&headers), None);
    }

    #[test]
    fn value_moved_to_another_cookie_name_is_rejected() {
        let c = codec(false);
        let sealed = c.seal(CookieName::Access, &"x", CookieDuration::minutes(1));
        let pair = sealed.to_str().unwrap().split(';').next().unwrap().replace("lc-access=", "lc-id=");
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        assert_eq!(c.open::<String>(&h, CookieName::Id), None);
    }

    #[test]
    fn a_pending_sign_up_has_one_size_with_or_without_a_session() {
        let c = codec(true);
        let with = PendingSignUp::new("a@example.com".into(), Some("s".repeat(1200)), 1, Some("sub-1".into()));
        let without = PendingSignUp::new("a@example.com".into(), None, 1, None);
        // What is encrypted has one length; the sealed value then varies only by chance (the
        // random nonce's base64 is percent-encoded), never by the account's state.
        let plain = |p: &PendingSignUp| serde_json::to_string(p).unwrap().len();
        assert_eq!(plain(&with), PENDING_PADDED_BYTES);
        assert_eq!(plain(&without), PENDING_PADDED_BYTES);
        for p in [&with, &without] {
            assert!(c.seal(CookieName::Pending, p, PENDING_MAX_AGE).len() <= MAX_COOKIE_BYTES);
        }
    }

    #[test]
    fn a_cookie_over_4000_bytes_is_never_set() {
        let c = codec(true);
        let big = "🎉".repeat(1000); // 4,000 UTF-8 bytes before sealing
        let v = c.seal(CookieName::Id, &big, CookieDuration::minutes(1));
        let s = v.to_str().unwrap();
        assert!(s.contains("Max-Age=0") && s.len() < 200, "removed instead: {s}");
        let small = c.seal(CookieName::Id, &"x".repeat(2000), CookieDuration::minutes(1));
        assert!(small.len() <= MAX_COOKIE_BYTES && !small.to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn a_rotated_key_still_opens_old_cookies_and_seals_with_the_new_one() {
        let old = CookieCodec::new(&[1u8; 64], false);
        let headers = request_with(&old.start_session(&tokens(), 60));
        let rotated = CookieCodec::new(&[2u8; 64], false).accepting(&[vec![1u8; 64]]);
        assert_eq!(rotated.session(&headers), Some(tokens()), "sessions survive the rotation");
        let fresh = request_with(&rotated.start_session(&tokens(), 60));
        assert_eq!(old.session(&fresh), None, "new cookies are sealed with the new key");
        assert_eq!(CookieCodec::new(&[2u8; 64], false).session(&headers), None, "without the old key they do not open");
    }

    #[test]
    fn a_device_remembers_its_last_accounts() {
        let mut d = Device::default();
        for i in 0..12 {
            d.remember(&format!("sub-{i}"));
        }
        assert_eq!(d.subs.len(), Device::MAX);
        assert!(!d.knows("sub-0") && !d.knows("sub-1") && d.knows("sub-2") && d.knows("sub-11"));
        d.remember("sub-2");
        assert_eq!(d.subs.last().map(String::as_str), Some("sub-2"), "used again, kept longest");
        assert_eq!(d.subs.len(), Device::MAX);
    }

    #[test]
    fn end_session_expires_every_session_cookie() {
        let cleared = codec(true).end_session();
        for v in &cleared {
            let s = v.to_str().unwrap();
            assert!(s.starts_with("__Host-") && s.contains("Max-Age=0"), "{s}");
        }
        // A pending email change belongs to the session that asked for it.
        assert!(cleared.iter().any(|v| v.to_str().unwrap().starts_with("__Host-lc-sid=")));
        assert!(
            !cleared.iter().any(|v| v.to_str().unwrap().starts_with("__Host-lc-device=")),
            "the browser stays known to the account after a sign-out"
        );
        assert!(cleared.iter().any(|v| v.to_str().unwrap().starts_with("__Host-lc-email-change=")));
    }
}
