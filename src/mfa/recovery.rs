//! Recovery codes for two-factor authentication: ten single-use codes, shown once when the
//! authenticator app is turned on (and when new ones are generated, after the password and a
//! current code). Only an argon2id hash of each is kept, in the `custom:recovery` attribute,
//! which the app client can neither read nor write: it is in no token, and a stolen token
//! cannot read or replace it. The server reads and writes it with the admin API.
//!
//! Signing in with one: Cognito cannot skip its TOTP challenge, so at that step the person gives
//! the password again and a recovery code. The server checks the password (Cognito answers it
//! with the TOTP challenge), then the code against the hashes, uses the code up, turns the
//! account's authenticator app off (AdminSetUserMFAPreference), signs in with the password
//! (now one step), tells the owner by email and asks them to set the app up again, with a new
//! secret (`docs`: README "Recovery codes").

use crate::error::AppError;
use crate::server::aws::map_sdk_error;
use crate::server::state::AppState;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use serde::{Deserialize, Serialize};

/// How many codes a set has.
pub const COUNT: usize = 10;
/// The attribute the hashes are kept in (space-separated PHC strings).
pub const ATTRIBUTE: &str = "custom:recovery";
/// Letters and digits a person cannot confuse (no 0/o, 1/l/i).
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Characters in a code (without the dash): about 50 bits.
const LEN: usize = 10;

/// A fresh set of codes, as the person sees them: `abcde-fghjk`.
pub fn generate() -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let chars: String = (0..LEN).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
            format!("{}-{}", &chars[..LEN / 2], &chars[LEN / 2..])
        })
        .collect()
}

/// A typed code as it is hashed: lower case, without spaces or dashes. `None` when it cannot be
/// a code (so nothing is hashed for it).
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect();
    (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

fn hasher() -> argon2::Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
    let params = argon2::Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// The argon2id hash (PHC string) of a code as shown.
pub fn hash(code: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let code = normalize(code).expect("a generated code");
    let salt = SaltString::generate(&mut OsRng);
    hasher().hash_password(code.as_bytes(), &salt).expect("argon2 hashes").to_string()
}

/// Which of `hashes` the typed code is, if any; on a thread of its own, as each check is a slow
/// hash (argon2id) that must not hold up the server's other requests.
pub async fn find(hashes: Vec<String>, typed: &str) -> Option<usize> {
    let typed = typed.to_string();
    tokio::task::spawn_blocking(move || find_now(&hashes, &typed)).await.ok().flatten()
}

fn find_now(hashes: &[String], typed: &str) -> Option<usize> {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let code = normalize(typed)?;
    let argon = hasher();
    hashes
        .iter()
        .position(|h| PasswordHash::new(h).is_ok_and(|parsed| argon.verify_password(code.as_bytes(), &parsed).is_ok()))
}

/// The hashes of the unused codes of the account `username` (its `sub` or email).
pub async fn stored(state: &AppState, username: &str) -> Result<Vec<String>, AppError> {
    Ok(state.admin_attribute(username, ATTRIBUTE).await?.split_whitespace().map(str::to_string).collect())
}

/// Keeps `hashes` as the account's unused codes (none: the attribute is emptied).
pub async fn store(state: &AppState, username: &str, hashes: &[String]) -> Result<(), AppError> {
    let attribute = AttributeType::builder().name(ATTRIBUTE).value(hashes.join(" ")).build().map_err(|e| {
        tracing::error!(error = %e, "recovery attribute");
        AppError::Internal
    })?;
    state
        .cognito
        .admin_update_user_attributes()
        .user_pool_id(&state.config.user_pool_id)
        .username(username)
        .user_attributes(attribute)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| map_sdk_error("AdminUpdateUserAttributes (recovery codes)", &e))
}

/// Makes a new set for the account, replacing any old one; the codes to show once.
pub async fn issue(state: &AppState, username: &str) -> Result<Vec<String>, AppError> {
    let codes = generate();
    let plain = codes.clone();
    let hashes = tokio::task::spawn_blocking(move || plain.iter().map(|c| hash(c)).collect::<Vec<String>>())
        .await
        .map_err(|_| AppError::Internal)?;
    store(state, username, &hashes).await?;
    Ok(codes)
}

/// Codes waiting to be shown once (`CookieName::RecoveryCodes`), for the account they were made for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Fresh {
    pub sub: String,
    pub codes: Vec<String>,
    pub expires_at: u64,
}

/// How long fresh codes wait to be shown.
pub const SHOW_SECONDS: u64 = 600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_different_codes_of_the_unambiguous_alphabet() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
        for c in &codes {
            assert_eq!(c.len(), LEN + 1, "{c}");
            assert_eq!(&c[5..6], "-");
            assert!(normalize(c).is_some(), "{c}");
        }
    }

    #[test]
    fn a_code_matches_its_hash_however_it_is_typed_and_nothing_else_does() {
        let codes = generate();
        let hashes: Vec<String> = codes[..3].iter().map(|c| hash(c)).collect();
        assert!(hashes.iter().all(|h| h.starts_with("$argon2id$") && !h.contains(&codes[0][..5])));
        assert_eq!(find_now(&hashes, &codes[1]), Some(1));
        assert_eq!(find_now(&hashes, &format!(" {} ", codes[2].to_uppercase().replace('-', " "))), Some(2));
        assert_eq!(find_now(&hashes, &codes[3]), None, "a code of the set that was not stored");
        assert_eq!(find_now(&hashes, "12345-67890"), None, "not even a code's shape");
        assert_eq!(find_now(&hashes, ""), None);
        let ten: Vec<String> = codes.iter().map(|c| hash(c)).collect();
        assert!(ten.join(" ").len() <= 2048, "ten fit the attribute (2,048 characters)");
    }
}
