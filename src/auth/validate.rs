//! Input rules shared by the server (which always checks) and the browser islands (which
//! check early for a faster answer). Every length is bounded.

use crate::error::AppError;
use crate::i18n::{T, t::validate as t};
use serde::{Deserialize, Serialize};

pub const EMAIL_MAX: usize = 254;
pub const NAME_MAX: usize = 100;
/// Names go into the id token, and so into a cookie of at most 4,000 bytes: bounded in
/// UTF-8 bytes too (100 four-byte characters still fit; measured in tests/hardening.rs).
pub const NAME_MAX_BYTES: usize = 400;
/// Cognito accepts at most 256 characters; longer passwords are refused, never truncated.
pub const PASSWORD_MAX: usize = 256;

fn invalid(msg: T) -> AppError {
    AppError::InvalidInput(msg.text().to_string())
}

fn invalid_max(msg: T, max: usize) -> AppError {
    AppError::InvalidInput(msg.fill(&[("max", &max)]))
}

/// Trims and lower-cases an email, then checks its shape and length.
pub fn email(raw: &str) -> Result<String, AppError> {
    email_shape(raw)?;
    Ok(raw.trim().to_lowercase())
}

/// The checks of `email` without the lower-casing, which needs Unicode's case tables (about
/// 18 KB of WASM): what the browser checks when the person leaves the field.
pub fn email_shape(raw: &str) -> Result<(), AppError> {
    let e = raw.trim();
    if e.is_empty() {
        return Err(invalid(t::EMAIL_EMPTY));
    }
    if e.chars().count() > EMAIL_MAX {
        return Err(invalid(t::EMAIL_TOO_LONG));
    }
    if !email_shape_ok(e) {
        return Err(invalid(t::EMAIL_INVALID));
    }
    Ok(())
}

/// Whether a trimmed, non-empty email has the shape of an address (what the browser checks; no
/// message, so the browser bundle carries no language's texts).
pub fn email_shape_ok(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Which name a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameField {
    Given,
    Family,
}

/// Whether a trimmed, non-empty name is short enough (what the browser checks).
pub fn name_fits(n: &str) -> bool {
    n.chars().count() <= NAME_MAX && n.len() <= NAME_MAX_BYTES
}

/// A given or family name: trimmed, 1 to `NAME_MAX` characters, no control characters.
pub fn name(raw: &str, what: NameField) -> Result<String, AppError> {
    let (empty, too_long, bad) = match what {
        NameField::Given => (t::GIVEN_NAME_EMPTY, t::GIVEN_NAME_TOO_LONG, t::GIVEN_NAME_BAD_CHARACTERS),
        NameField::Family => (t::FAMILY_NAME_EMPTY, t::FAMILY_NAME_TOO_LONG, t::FAMILY_NAME_BAD_CHARACTERS),
    };
    let n = raw.trim().to_string();
    if n.is_empty() {
        return Err(invalid(empty));
    }
    if !name_fits(&n) {
        return Err(invalid_max(too_long, NAME_MAX));
    }
    if n.chars().any(char::is_control) {
        return Err(invalid(bad));
    }
    Ok(n)
}

pub const BIO_MAX: usize = 500;
/// The bio in UTF-8 bytes (500 four-byte characters).
pub const BIO_MAX_BYTES: usize = 2000;

/// A short free text about the person: trimmed, at most `BIO_MAX` characters, may be empty.
pub fn bio(raw: &str) -> Result<String, AppError> {
    let b = raw.trim().replace("\r\n", "\n");
    if b.chars().count() > BIO_MAX || b.len() > BIO_MAX_BYTES {
        return Err(invalid_max(t::BIO_TOO_LONG, BIO_MAX));
    }
    if b.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(t::BIO_BAD_CHARACTERS));
    }
    Ok(b)
}

/// Digits in an emailed or authenticator code.
pub const CODE_LEN: usize = 6;

/// Whether `c` is exactly six digits.
fn six_digits(c: &str) -> bool {
    c.len() == CODE_LEN && c.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `raw` is an emailed code (what the browser checks).
pub fn code_ok(raw: &str) -> bool {
    six_digits(raw.trim())
}

/// Whether `raw` is an authenticator code, spaces anywhere ignored (what the browser checks).
pub fn totp_code_ok(raw: &str) -> bool {
    six_digits(&raw.chars().filter(|c| !c.is_whitespace()).collect::<String>())
}

/// A verification code: exactly six digits (spaces around it are ignored).
pub fn code(raw: &str) -> Result<String, AppError> {
    if code_ok(raw) { Ok(raw.trim().to_string()) } else { Err(invalid(t::CODE)) }
}

/// A code from an authenticator app: six digits.
pub fn totp_code(raw: &str) -> Result<String, AppError> {
    if totp_code_ok(raw) {
        Ok(raw.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        Err(invalid(t::TOTP_CODE))
    }
}

/// A password being signed in with: only bounded, never trimmed.
pub fn current_password(raw: &str) -> Result<String, AppError> {
    if raw.is_empty() {
        return Err(invalid(t::PASSWORD_EMPTY));
    }
    if raw.chars().count() > PASSWORD_MAX {
        return Err(AppError::WrongCredentials);
    }
    Ok(raw.to_string())
}

/// The pool's password rules, read from Cognito and shown as a live checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    /// The policy `provision` gives the pool (ASVS 5.0 6.2: at least 12 characters, no
    /// composition rules; common passwords are refused by the server, see `too_common`).
    fn default() -> Self {
        PasswordPolicy {
            min_length: 12,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
        }
    }
}

/// True when a new password is one of the most common passwords or a simple variation of them
/// (repeats, sequences, keyboard walks, common words with digits): the list is zxcvbn's
/// (crates.io `zxcvbn`, MIT: the 30,000 most common passwords plus English words and names),
/// and a password it would guess within 10^6 tries (score 0 or 1) is refused. Server only, so
/// the list never ships to the browser.
#[cfg(feature = "ssr")]
pub fn too_common(password: &str) -> bool {
    // Long passwords are never on the list; zxcvbn's matching grows with the length.
    if password.chars().count() > 64 {
        return false;
    }
    (zxcvbn::zxcvbn(password, &[]).score() as u8) < 2
}

/// Whether `password` meets the rule named `key` (see `PasswordPolicy::rules`); an unknown key
/// is never met.
pub fn rule_met(key: &str, password: &str) -> bool {
    match key {
        "upper" => password.chars().any(|c| c.is_ascii_uppercase()),
        "lower" => password.chars().any(|c| c.is_ascii_lowercase()),
        "number" => password.chars().any(|c| c.is_ascii_digit()),
        "symbol" => password.chars().any(|c| SYMBOLS.contains(c)),
        _ => key
            .strip_prefix("min:")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| password.chars().count() >= n),
    }
}

/// Cognito's accepted symbols for the "special character" rule.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

impl PasswordPolicy {
    /// Each rule as (key, label), in display order. The key names the rule for `rule_met`; the
    /// browser checks the server-rendered checklist by it.
    pub fn rules(&self) -> Vec<(String, String)> {
        use crate::i18n::t::common as c;
        let min = c::RULE_MIN_LENGTH.fill(&[("count", &self.min_length)]);
        let mut rules = vec![(format!("min:{}", self.min_length), min)];
        let optional = [
            (self.require_uppercase, "upper", c::RULE_UPPER),
            (self.require_lowercase, "lower", c::RULE_LOWER),
            (self.require_numbers, "number", c::RULE_NUMBER),
            (self.require_symbols, "symbol", c::RULE_SYMBOL),
        ];
        rules
            .extend(optional.into_iter().filter(|(on, ..)| *on).map(|(_, k, l)| (k.to_string(), l.text().to_string())));
        rules
    }

    /// A new password: must meet every rule and the length bound.
    pub fn new_password(&self, raw: &str) -> Result<String, AppError> {
        if raw.chars().count() > PASSWORD_MAX {
            return Err(invalid_max(t::PASSWORD_TOO_LONG, PASSWORD_MAX));
        }
        if raw.starts_with(char::is_whitespace) || raw.ends_with(char::is_whitespace) {
            return Err(invalid(t::PASSWORD_SPACES));
        }
        let missing: Vec<String> = self
            .rules()
            .into_iter()
            .filter(|(key, _)| !rule_met(key, raw))
            .map(|(key, _)| match key.as_str() {
                "upper" => t::NEEDS_UPPER.text().to_string(),
                "lower" => t::NEEDS_LOWER.text().to_string(),
                "number" => t::NEEDS_NUMBER.text().to_string(),
                "symbol" => t::NEEDS_SYMBOL.text().to_string(),
                _ => t::NEEDS_MIN_LENGTH.fill(&[("count", &self.min_length)]),
            })
            .collect();
        if !missing.is_empty() {
            return Err(AppError::InvalidInput(t::PASSWORD_NEEDS.fill(&[("missing", &missing.join(", "))])));
        }
        #[cfg(feature = "ssr")]
        if too_common(raw) {
            return Err(invalid(t::PASSWORD_TOO_COMMON));
        }
        Ok(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(email("  Ada@Example.COM ").unwrap(), "ada@example.com");
    }

    #[test]
    fn bad_emails_are_refused() {
        for e in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.com", "ada@.com"] {
            assert!(email(e).is_err(), "{e:?} accepted");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn code_must_be_six_digits() {
        assert_eq!(code(" 123456 ").unwrap(), "123456");
        for c in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert!(code(c).is_err(), "{c:?} accepted");
        }
    }

    #[test]
    fn names_are_bounded() {
        assert_eq!(name(" Ada ", NameField::Given).unwrap(), "Ada");
        assert!(name("", NameField::Given).is_err());
        assert!(name(&"x".repeat(NAME_MAX + 1), NameField::Given).is_err());
        assert!(name("a\u{0}b", NameField::Given).is_err());
    }

    #[test]
    fn password_policy_lists_what_is_missing() {
        let strict = PasswordPolicy { require_uppercase: true, require_numbers: true, ..PasswordPolicy::default() };
        assert!(strict.new_password("Abcdefg1-horse").is_ok());
        let e = strict.new_password("abcdefgh").unwrap_err().message();
        assert!(
            e.contains("at least 12 characters") && e.contains("an uppercase letter") && e.contains("a number"),
            "{e}"
        );
        let p = PasswordPolicy::default();
        assert!(p.new_password(&format!("Aa1{}", "x".repeat(PASSWORD_MAX))).is_err());
        assert!(p.new_password(" tumble-kettle-sorrow").is_err());
    }

    #[test]
    fn the_default_policy_is_length_only() {
        let p = PasswordPolicy::default();
        assert_eq!(p.rules().len(), 1, "no composition rules");
        assert!(p.new_password("all lower case words here").is_ok());
        assert_eq!(p.new_password("Short-1").unwrap_err().message(), "Your password needs: at least 12 characters.");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_passwords_are_refused_even_when_long_enough() {
        let p = PasswordPolicy::default();
        for common in
            ["passwordpassword", "123456789012", "qwertyuiopas", "Password1234", "1qaz2wsx3edc", "iloveyou1234"]
        {
            assert_eq!(p.new_password(common).unwrap_err().message(), t::PASSWORD_TOO_COMMON.text(), "{common}");
        }
        for fine in ["Correct-Horse-9", "New-Password-7", "tumble kettle sorrow"] {
            assert!(p.new_password(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn checklist_tracks_each_rule() {
        let strict = PasswordPolicy {
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            ..PasswordPolicy::default()
        };
        let checks: Vec<bool> = strict.rules().iter().map(|(key, _)| rule_met(key, "abc")).collect();
        assert_eq!(checks.len(), 4);
        assert_eq!(checks.iter().filter(|ok| **ok).count(), 1);
    }

    #[test]
    fn rule_keys_are_what_the_browser_checks_by() {
        let all = PasswordPolicy {
            min_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        };
        let keys: Vec<String> = all.rules().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["min:8", "upper", "lower", "number", "symbol"]);
        assert!(rule_met("min:8", "12345678") && !rule_met("min:8", "1234567"));
        assert!(rule_met("upper", "aB") && !rule_met("upper", "ab"));
        assert!(rule_met("lower", "Ab") && !rule_met("lower", "AB"));
        assert!(rule_met("number", "a1") && !rule_met("number", "ab"));
        assert!(rule_met("symbol", "a#") && !rule_met("symbol", "ab"));
        assert!(!rule_met("min:x", "anything at all") && !rule_met("unknown", "anything"));
    }
}
