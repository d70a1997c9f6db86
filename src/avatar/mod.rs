//! Avatars: picked and downscaled in the browser (the one flow that needs WASM), uploaded
//! straight to S3 with a presigned PUT, checked and recorded by the server, and shown through
//! short-lived presigned GET URLs with initials as the fallback.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
mod uploader;

pub use api::*;
pub use pages::*;
pub use uploader::AvatarUploader;

use serde::{Deserialize, Serialize};

/// Types the browser may upload.
pub const ALLOWED_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// Largest accepted upload, after the browser's downscale to 256×256.
pub const MAX_BYTES: u64 = 512 * 1024;

/// Where and under which key the browser PUTs the picture.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PresignedUpload {
    pub url: String,
    pub key: String,
}
