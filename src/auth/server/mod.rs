//! Server-only code of the auth flows, one file per flow. Each flow function takes the request
//! context (`server::ctx::Ctx`) and answers where the form goes next.

mod password_reset;
mod sign_in;
mod sign_out;
mod sign_up;

pub use password_reset::*;
pub use sign_in::*;
pub use sign_out::*;
pub use sign_up::*;
