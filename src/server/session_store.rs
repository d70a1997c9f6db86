//! The server-side record of every signed-in browser. The session cookies name their record
//! (`lc-sid`); every request with a session looks its record up, so a session that was signed
//! out, ended from another browser, ended by "sign out everywhere" or a password reset, or has
//! expired is refused at once on every path, whatever copy of its cookies is presented. The
//! owner sees the records in settings ("Where you're signed in").
//!
//! Two stores, chosen like the limits' (`limits.store`): `Memory` (this process) and
//! `DynamoSessions` (the limits' table, shared by every instance). A record is written when the
//! session starts, at most once a minute on activity (`last_seen`), and when its refresh token
//! rotates; it expires with the refresh token.

use super::rate_limit::{StoreFuture, StoreUnavailable};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// The most sessions one account keeps; a new one ends the oldest beyond it.
pub const MAX_SESSIONS: usize = 50;

/// A record's `last_seen` is written at most this often.
pub const TOUCH_EVERY_SECONDS: u64 = 60;

/// One signed-in browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The secret the session cookie carries (never shown in a page).
    pub id: String,
    /// What the settings page names the session by (to end it); not usable as a session.
    pub handle: String,
    /// The account.
    pub sub: String,
    /// Unix seconds.
    pub created: u64,
    pub last_seen: u64,
    /// Unix seconds when the refresh token (and so the session) expires.
    pub expires: u64,
    /// "Firefox", "Chrome", … from the user-agent; empty when unknown.
    pub browser: String,
    /// "Linux", "macOS", … from the user-agent; empty when unknown.
    pub os: String,
    /// The client's network, coarse: `203.0.113.0/24`, `2001:db8:1::/48`.
    pub network: String,
    /// The session's refresh token, sealed with the cookie key, so ending the session from
    /// another browser can revoke it with Cognito.
    pub refresh: Option<String>,
}

impl SessionRecord {
    pub fn is_live(&self, now: u64) -> bool {
        self.expires > now
    }
}

type Result<T> = std::result::Result<T, StoreUnavailable>;

/// Where the session records are kept.
pub trait SessionStore: Send + Sync {
    fn put<'a>(&'a self, record: &'a SessionRecord) -> StoreFuture<'a, Result<()>>;
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<SessionRecord>>>;
    /// Records `last_seen` (and a rotated refresh token) of a record that still exists; a
    /// record deleted meanwhile stays deleted.
    fn touch<'a>(&'a self, id: &'a str, last_seen: u64, refresh: Option<&'a str>) -> StoreFuture<'a, Result<()>>;
    /// The live records of an account, oldest first.
    fn list<'a>(&'a self, sub: &'a str) -> StoreFuture<'a, Result<Vec<SessionRecord>>>;
    fn delete<'a>(&'a self, sub: &'a str, id: &'a str) -> StoreFuture<'a, Result<()>>;
}

/// Ends every session of an account; the records that were ended.
pub async fn delete_all(store: &dyn SessionStore, sub: &str) -> Result<Vec<SessionRecord>> {
    let records = store.list(sub).await?;
    for r in &records {
        store.delete(sub, &r.id).await?;
    }
    Ok(records)
}

/// 128 random bits, URL-safe.
pub fn new_id() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The records of this process only.
#[derive(Default)]
pub struct Memory {
    records: Mutex<HashMap<String, SessionRecord>>,
}

/// Unix seconds.
fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl SessionStore for Memory {
    fn put<'a>(&'a self, record: &'a SessionRecord) -> StoreFuture<'a, Result<()>> {
        let mut records = self.records.lock().expect("sessions lock");
        let now = now_unix();
        records.retain(|_, r| r.is_live(now));
        records.insert(record.id.clone(), record.clone());
        Box::pin(std::future::ready(Ok(())))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<SessionRecord>>> {
        let found = self.records.lock().expect("sessions lock").get(id).filter(|r| r.is_live(now_unix())).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn touch<'a>(&'a self, id: &'a str, last_seen: u64, refresh: Option<&'a str>) -> StoreFuture<'a, Result<()>> {
        if let Some(r) = self.records.lock().expect("sessions lock").get_mut(id) {
            r.last_seen = last_seen;
            if let Some(refresh) = refresh {
                r.refresh = Some(refresh.to_string());
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn list<'a>(&'a self, sub: &'a str) -> StoreFuture<'a, Result<Vec<SessionRecord>>> {
        let now = now_unix();
        let mut found: Vec<SessionRecord> = self
            .records
            .lock()
            .expect("sessions lock")
            .values()
            .filter(|r| r.sub == sub && r.is_live(now))
            .cloned()
            .collect();
        found.sort_by_key(|r| (r.created, r.id.clone()));
        Box::pin(std::future::ready(Ok(found)))
    }

    fn delete<'a>(&'a self, _sub: &'a str, id: &'a str) -> StoreFuture<'a, Result<()>> {
        self.records.lock().expect("sessions lock").remove(id);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The browser family and operating system a user-agent names, coarsely ("Chrome", "Linux");
/// empty where it names none this knows.
pub fn browser_and_os(user_agent: &str) -> (String, String) {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") || ua.contains("Edge/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("SamsungBrowser/") {
        "Samsung Internet"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        "Safari"
    } else if ua.starts_with("curl/") {
        "curl"
    } else {
        ""
    };
    let os = if ua.contains("iPhone") || ua.contains("iPad") || ua.contains("iPod") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        ""
    };
    (browser.to_string(), os.to_string())
}

/// The client's network as a person can recognise it without the address itself: the /24 of
/// an IPv4 address, the /48 of an IPv6 one.
pub fn coarse_network(ip: std::net::IpAddr) -> String {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => {
            coarse_network(IpAddr::V4(v6.to_ipv4_mapped().expect("checked")))
        }
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}/24", Ipv4Addr::new(o[0], o[1], o[2], 0))
        }
        IpAddr::V6(v6) => format!("{}/48", Ipv6Addr::from(u128::from(v6) & (u128::MAX << 80))),
    }
}

/// The shared store: the limits' DynamoDB table. A record is the item `session:<id>`; the
/// account's item `sessions:<sub>` holds the set of its record ids, for the list and for
/// "sign out everywhere". Both carry `expires` (the table's TTL).
pub mod dynamodb {
    use super::{Result, SessionRecord, SessionStore};
    use crate::server::rate_limit::StoreFuture;
    use crate::server::rate_limit::dynamodb::{EXPIRES, KEY, unavailable};
    use aws_sdk_dynamodb::Client;
    use aws_sdk_dynamodb::types::AttributeValue;
    use std::collections::HashMap;

    pub struct DynamoSessions {
        dynamodb: Client,
        table: String,
    }

    fn record_key(id: &str) -> AttributeValue {
        AttributeValue::S(format!("session:{id}"))
    }

    fn account_key(sub: &str) -> AttributeValue {
        AttributeValue::S(format!("sessions:{sub}"))
    }

    fn s(item: &HashMap<String, AttributeValue>, name: &str) -> String {
        item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
    }

    fn n(item: &HashMap<String, AttributeValue>, name: &str) -> u64 {
        item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or_default()
    }

    fn num(v: u64) -> AttributeValue {
        AttributeValue::N(v.to_string())
    }

    fn from_item(item: &HashMap<String, AttributeValue>) -> SessionRecord {
        let key = s(item, KEY);
        SessionRecord {
            id: key.strip_prefix("session:").unwrap_or_default().to_string(),
            handle: s(item, "handle"),
            sub: s(item, "sub"),
            created: n(item, "created"),
            last_seen: n(item, "last_seen"),
            expires: n(item, EXPIRES),
            browser: s(item, "browser"),
            os: s(item, "os"),
            network: s(item, "network"),
            refresh: item.get("refresh").and_then(|v| v.as_s().ok()).cloned(),
        }
    }

    impl DynamoSessions {
        pub fn new(dynamodb: Client, table: impl Into<String>) -> Self {
            DynamoSessions { dynamodb, table: table.into() }
        }

        async fn put_record(&self, r: &SessionRecord) -> Result<()> {
            let mut item = HashMap::from([
                (KEY.to_string(), record_key(&r.id)),
                ("handle".to_string(), AttributeValue::S(r.handle.clone())),
                ("sub".to_string(), AttributeValue::S(r.sub.clone())),
                ("created".to_string(), num(r.created)),
                ("last_seen".to_string(), num(r.last_seen)),
                (EXPIRES.to_string(), num(r.expires)),
                ("browser".to_string(), AttributeValue::S(r.browser.clone())),
                ("os".to_string(), AttributeValue::S(r.os.clone())),
                ("network".to_string(), AttributeValue::S(r.network.clone())),
            ]);
            if let Some(refresh) = &r.refresh {
                item.insert("refresh".to_string(), AttributeValue::S(refresh.clone()));
            }
            self.dynamodb
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| unavailable("DynamoDB PutItem (session)", &e))?;
            // The account's set of ids. It lives as long as its newest session, which expires
            // last (every session gets the same lifetime when it starts).
            self.dynamodb
                .update_item()
                .table_name(&self.table)
                .key(KEY, account_key(&r.sub))
                .update_expression("ADD #ids :id SET #expires = :expires")
                .expression_attribute_names("#ids", "ids")
                .expression_attribute_names("#expires", EXPIRES)
                .expression_attribute_values(":id", AttributeValue::Ss(vec![r.id.clone()]))
                .expression_attribute_values(":expires", num(r.expires))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| unavailable("DynamoDB UpdateItem (account sessions)", &e))
        }

        async fn get_record(&self, id: &str) -> Result<Option<SessionRecord>> {
            let out = self
                .dynamodb
                .get_item()
                .table_name(&self.table)
                .key(KEY, record_key(id))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| unavailable("DynamoDB GetItem (session)", &e))?;
            let now = super::now_unix();
            Ok(out.item().map(from_item).filter(|r| r.is_live(now)))
        }

        async fn touch_record(&self, id: &str, last_seen: u64, refresh: Option<&str>) -> Result<()> {
            let mut update = self
                .dynamodb
                .update_item()
                .table_name(&self.table)
                .key(KEY, record_key(id))
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", KEY)
                .expression_attribute_names("#seen", "last_seen")
                .expression_attribute_values(":seen", num(last_seen));
            update = match refresh {
                Some(r) => update
                    .update_expression("SET #seen = :seen, #refresh = :refresh")
                    .expression_attribute_names("#refresh", "refresh")
                    .expression_attribute_values(":refresh", AttributeValue::S(r.to_string())),
                None => update.update_expression("SET #seen = :seen"),
            };
            match update.send().await {
                Ok(_) => Ok(()),
                // Deleted meanwhile (signed out elsewhere): it stays deleted.
                Err(e) if crate::server::aws::error_code(&e) == Some("ConditionalCheckFailedException") => Ok(()),
                Err(e) => Err(unavailable("DynamoDB UpdateItem (session seen)", &e)),
            }
        }

        async fn list_records(&self, sub: &str) -> Result<Vec<SessionRecord>> {
            let out = self
                .dynamodb
                .get_item()
                .table_name(&self.table)
                .key(KEY, account_key(sub))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| unavailable("DynamoDB GetItem (account sessions)", &e))?;
            let ids: Vec<String> =
                out.item().and_then(|i| i.get("ids")).and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default();
            let mut found = vec![];
            for id in ids {
                match self.get_record(&id).await? {
                    Some(r) if r.sub == sub => found.push(r),
                    // Expired or gone: forget the id too.
                    _ => self.forget(sub, &id).await?,
                }
            }
            found.sort_by_key(|r| (r.created, r.id.clone()));
            Ok(found)
        }

        async fn forget(&self, sub: &str, id: &str) -> Result<()> {
            self.dynamodb
                .update_item()
                .table_name(&self.table)
                .key(KEY, account_key(sub))
                .update_expression("DELETE #ids :id")
                .expression_attribute_names("#ids", "ids")
                .expression_attribute_values(":id", AttributeValue::Ss(vec![id.to_string()]))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| unavailable("DynamoDB UpdateItem (forget a session)", &e))
        }

        async fn delete_record(&self, sub: &str, id: &str) -> Result<()> {
            self.dynamodb
                .delete_item()
                .table_name(&self.table)
                .key(KEY, record_key(id))
                .send()
                .await
                .map_err(|e| unavailable("DynamoDB DeleteItem (session)", &e))?;
            self.forget(sub, id).await
        }
    }

    impl SessionStore for DynamoSessions {
        fn put<'a>(&'a self, record: &'a SessionRecord) -> StoreFuture<'a, Result<()>> {
            Box::pin(self.put_record(record))
        }
        fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<SessionRecord>>> {
            Box::pin(self.get_record(id))
        }
        fn touch<'a>(&'a self, id: &'a str, last_seen: u64, refresh: Option<&'a str>) -> StoreFuture<'a, Result<()>> {
            Box::pin(self.touch_record(id, last_seen, refresh))
        }
        fn list<'a>(&'a self, sub: &'a str) -> StoreFuture<'a, Result<Vec<SessionRecord>>> {
            Box::pin(self.list_records(sub))
        }
        fn delete<'a>(&'a self, sub: &'a str, id: &'a str) -> StoreFuture<'a, Result<()>> {
            Box::pin(self.delete_record(sub, id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, sub: &str, created: u64) -> SessionRecord {
        let now = now_unix();
        SessionRecord {
            id: id.into(),
            handle: format!("h-{id}"),
            sub: sub.into(),
            created,
            last_seen: created,
            expires: now + 3600,
            browser: "Firefox".into(),
            os: "Linux".into(),
            network: "203.0.113.0/24".into(),
            refresh: None,
        }
    }

    #[tokio::test]
    async fn the_memory_store_keeps_lists_touches_and_ends_records() {
        let m = Memory::default();
        m.put(&record("b", "alice", 2)).await.unwrap();
        m.put(&record("a", "alice", 1)).await.unwrap();
        m.put(&record("c", "bob", 1)).await.unwrap();
        let ids = |v: Vec<SessionRecord>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(m.list("alice").await.unwrap()), ["a", "b"], "oldest first, only the account's");
        m.touch("a", 99, Some("sealed")).await.unwrap();
        let a = m.get("a").await.unwrap().unwrap();
        assert_eq!((a.last_seen, a.refresh.as_deref()), (99, Some("sealed")));
        m.delete("alice", "a").await.unwrap();
        assert_eq!(m.get("a").await.unwrap(), None);
        m.touch("a", 100, None).await.unwrap();
        assert_eq!(m.get("a").await.unwrap(), None, "a touch never brings an ended session back");
        let ended = delete_all(&m, "alice").await.unwrap();
        assert_eq!(ids(ended), ["b"]);
        assert!(m.list("alice").await.unwrap().is_empty());
        assert!(m.get("c").await.unwrap().is_some(), "another account's sessions stay");
    }

    #[tokio::test]
    async fn an_expired_record_is_no_session() {
        let m = Memory::default();
        m.put(&SessionRecord { expires: 1, ..record("old", "alice", 1) }).await.unwrap();
        assert_eq!(m.get("old").await.unwrap(), None);
        assert!(m.list("alice").await.unwrap().is_empty());
    }

    #[test]
    fn browsers_and_systems_are_named_from_the_user_agent() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                ("Chrome", "Linux"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                ("Firefox", "Windows"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                ("Safari", "iOS"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                ("Edge", "macOS"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                ("Chrome", "Android"),
            ),
            ("curl/8.5.0", ("curl", "")),
            ("", ("", "")),
        ];
        for (ua, (browser, os)) in cases {
            assert_eq!(browser_and_os(ua), (browser.to_string(), os.to_string()), "{ua}");
        }
    }

    #[test]
    fn the_network_is_the_24_or_the_48() {
        let net = |s: &str| coarse_network(s.parse().unwrap());
        assert_eq!(net("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(net("::ffff:198.51.100.9"), "198.51.100.0/24");
        assert_eq!(net("2001:db8:1:2:3:4:5:6"), "2001:db8:1::/48");
        assert_eq!(net("127.0.0.1"), "127.0.0.0/24");
    }
}
