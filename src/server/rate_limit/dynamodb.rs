//! The shared store: one DynamoDB table (`limits.table`, made by `provision`), one item per key,
//! changed only by conditional writes, so instances racing for the same key never both pass.
//! Items carry `expires` (epoch seconds), the table's TTL attribute, so DynamoDB deletes keys
//! some time after they stop mattering; every condition checks the time itself, since TTL
//! deletion may lag by hours.
//!
//! `hit` counts attempts in a one-minute window that starts at a key's first attempt: `per_minute`
//! attempts pass, then the key waits for the window's end. (The memory store's GCRA lets one
//! attempt back in every `60 / per_minute` s instead; both refuse the attempt after the count.)

use super::{Checked, LimitStore, StoreFuture, StoreUnavailable};
use crate::server::aws::{error_code, log_sdk_error};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The table's key attribute (a string).
pub const KEY: &str = "pk";
/// The table's TTL attribute (epoch seconds).
pub const EXPIRES: &str = "expires";
const WINDOW: Duration = Duration::from_secs(60);

pub struct DynamoStore {
    dynamodb: Client,
    table: String,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|s| s.parse().ok())
}

fn refused<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    error_code(e) == Some("ConditionalCheckFailedException")
}

/// Logs a failed call to the table: the store did not answer.
pub(crate) fn unavailable<E, R>(operation: &str, e: &SdkError<E, R>) -> StoreUnavailable
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    log_sdk_error(operation, e);
    StoreUnavailable
}

impl DynamoStore {
    pub fn new(dynamodb: Client, table: impl Into<String>) -> Self {
        DynamoStore { dynamodb, table: table.into() }
    }

    /// (`until`, `hits`) of `key`, read consistently.
    async fn read(&self, key: &str) -> Result<(u64, u64), StoreUnavailable> {
        let out = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(key.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("DynamoDB GetItem", &e))?;
        Ok(out.item().map(|i| (number(i, "until").unwrap_or(0), number(i, "hits").unwrap_or(0))).unwrap_or((0, 0)))
    }

    /// A conditional write to `key`'s window, with the names and values both writes use:
    /// `#hits`, `#until`, `:one` and `:now`.
    fn window_update(
        &self,
        key: &str,
        now: u64,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.dynamodb
            .update_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(key.to_string()))
            .expression_attribute_names("#hits", "hits")
            .expression_attribute_names("#until", "until")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
    }

    async fn count(&self, key: &str, per_minute: u32) -> Checked {
        let limit = u64::from(per_minute.max(1));
        // Another instance may start a window between two of these steps: then look again.
        for _ in 0..3 {
            let now = now_ms();
            // One more attempt in a live window that has room.
            let more = self
                .window_update(key, now)
                .update_expression("SET #hits = #hits + :one")
                .condition_expression("#until > :now AND #hits < :limit")
                .expression_attribute_values(":limit", n(limit))
                .send()
                .await;
            match more {
                Ok(_) => return Ok(Ok(())),
                Err(e) if refused(&e) => {}
                Err(e) => return Err(unavailable("DynamoDB UpdateItem", &e)),
            }
            // The first attempt of a new window, when none is live.
            let until = now + WINDOW.as_millis() as u64;
            let first = self
                .window_update(key, now)
                .update_expression("SET #hits = :one, #until = :until, #expires = :expires")
                .condition_expression("attribute_not_exists(#until) OR #until <= :now")
                .expression_attribute_names("#expires", EXPIRES)
                .expression_attribute_values(":until", n(until))
                .expression_attribute_values(":expires", n(until / 1000 + 60))
                .send()
                .await;
            match first {
                Ok(_) => return Ok(Ok(())),
                Err(e) if refused(&e) => {}
                Err(e) => return Err(unavailable("DynamoDB UpdateItem", &e)),
            }
            // A live window: full, or one another instance has just started.
            let (until, hits) = self.read(key).await?;
            let now = now_ms();
            if until > now && hits >= limit {
                return Ok(Err(Duration::from_millis(until - now)));
            }
        }
        Ok(Err(Duration::from_secs(1)))
    }

    async fn acquire(&self, key: &str, interval: Duration) -> Checked {
        let now = now_ms();
        let until = now + interval.as_millis() as u64;
        let put = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item(KEY, AttributeValue::S(key.to_string()))
            .item("until", n(until))
            .item(EXPIRES, n(until / 1000 + 60))
            .condition_expression("attribute_not_exists(#until) OR #until <= :now")
            .expression_attribute_names("#until", "until")
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match put {
            Ok(_) => Ok(Ok(())),
            Err(e) if refused(&e) => {
                let (until, _) = self.read(key).await?;
                Ok(Err(Duration::from_millis(until.saturating_sub(now_ms())).max(Duration::from_millis(1))))
            }
            Err(e) => Err(unavailable("DynamoDB PutItem", &e)),
        }
    }
}

impl LimitStore for DynamoStore {
    fn hit<'a>(&'a self, key: &'a str, per_minute: u32) -> StoreFuture<'a, Checked> {
        Box::pin(self.count(key, per_minute))
    }

    fn once_per<'a>(&'a self, key: &'a str, interval: Duration) -> StoreFuture<'a, Checked> {
        Box::pin(self.acquire(key, interval))
    }

    fn remaining<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Result<Duration, StoreUnavailable>> {
        Box::pin(async move {
            let (until, _) = self.read(key).await?;
            Ok(Duration::from_millis(until.saturating_sub(now_ms())))
        })
    }
}
