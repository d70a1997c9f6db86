//! Two server instances (two processes of the server binary) on one emulator with one cookie
//! key, as behind a load balancer: a session started on one is signed in on the other, a
//! sign-out on either ends it on both, and with `limits.store = "dynamodb"` the rate limits and
//! the resend wait are counted once for both. Each test speaks HTTP to real sockets and
//! names its clients by `X-Forwarded-For` (the instances trust 127.0.0.1 as their proxy), so the
//! tests' limits do not mix. Needs the test emulator provisioned with the limits table
//! (dev/run-tests.sh).
#![cfg(feature = "ssr")]

use http::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;
use common::*;

/// A running server process; killed when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Starts the server binary on a free port with the test environment plus `settings`, and
/// waits until it answers `/healthz`.
async fn start(settings: &[(&str, &str)]) -> Instance {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leptos-cognito"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LEPTOS_OUTPUT_NAME", "leptos-cognito")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_HASH_FILES", "true")
        .env("LC_SITE_TRUSTED_PROXIES", "127.0.0.1/32")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in settings {
        cmd.env(k, v);
    }
    let instance =
        Instance { child: cmd.spawn().expect("the server binary starts"), url: format!("http://127.0.0.1:{port}") };
    for _ in 0..150 {
        if let Ok(r) = http().get(format!("{}/healthz", instance.url)).send().await
            && r.status() == StatusCode::OK
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the instance on port {port} did not answer /healthz within 30 s");
}

/// Two instances sharing `store` with these per-minute limits (per client, per email).
async fn pair(store: &str, per_ip: &str, per_email: &str) -> (Instance, Instance) {
    let settings = [
        ("LC_LIMITS_STORE", store),
        ("LC_SITE_RATE_LIMIT_PER_MINUTE", per_ip),
        ("LC_SITE_ACCOUNT_RATE_LIMIT_PER_MINUTE", per_email),
    ];
    (start(&settings).await, start(&settings).await)
}

/// A form POST as a browser without JavaScript sends it, from `client` (behind the proxy).
async fn post(to: &Instance, path: &str, form: &str, jar: &mut Jar, client: &str) -> Answer {
    form_post(&format!("{}{path}", to.url), form, jar, Some(client)).await
}

async fn get(to: &Instance, path: &str, jar: &mut Jar) -> Answer {
    get_page(&format!("{}{path}", to.url), jar).await
}

fn sign_in_form(email: &str, password: &str) -> String {
    format!("email={}&password={password}", email.replace('@', "%40"))
}

#[tokio::test]
async fn a_session_started_on_one_instance_is_signed_in_on_the_other_and_a_sign_out_ends_it_on_both() {
    let cfg = config();
    let (a, b) = pair("dynamodb", "100", "100").await;
    let email = format!("two-instances-{}@example.com", rand_suffix());
    create_user(&cfg, &email, &[("given_name", "Ada"), ("family_name", "Twice")]).await;

    let mut jar = Jar::default();
    let signed_in = post(&a, "/api/sign_in", &sign_in_form(&email, PASSWORD), &mut jar, "203.0.113.1").await;
    assert_eq!((signed_in.status, signed_in.location.as_str()), (StatusCode::FOUND, "/"), "{}", signed_in.body);
    assert!(jar.has("lc-access") && jar.has("lc-refresh"), "signed in on A");
    let home = get(&b, "/", &mut jar).await;
    assert_eq!(home.status, StatusCode::OK, "B knows the session A started");
    assert!(home.body.contains(&email) && home.body.contains("Ada"), "B shows who is signed in");

    let copy = jar.clone();
    let out = post(&b, "/api/sign_out", "", &mut jar, "203.0.113.1").await;
    assert!(out.status.is_redirection(), "{}", out.status);
    assert!(!jar.has("lc-access") && !jar.has("lc-refresh"), "B ended the session in the browser");
    let home = get(&a, "/", &mut jar).await;
    assert_eq!((home.status, home.location.as_str()), (StatusCode::FOUND, "/sign-in"));
    // Someone kept the cookies: A refuses them too, since Cognito calls the tokens revoked.
    let mut stolen = copy.clone();
    let home = get(&a, "/", &mut stolen).await;
    assert_eq!((home.status, home.location.as_str()), (StatusCode::FOUND, "/sign-in"), "{}", home.body);
}

#[tokio::test]
async fn a_session_ended_on_one_instance_is_refused_on_the_other_within_a_second() {
    let cfg = config();
    let (a, b) = pair("dynamodb", "100", "100").await;
    let email = format!("ended-{}@example.com", rand_suffix());
    create_user(&cfg, &email, &[]).await;
    let (mut mine, mut other) = (Jar::default(), Jar::default());
    let out = post(&a, "/api/sign_in", &sign_in_form(&email, PASSWORD), &mut mine, "203.0.113.3").await;
    assert_eq!(out.location, "/", "{}", out.body);
    let out = post(&b, "/api/sign_in", &sign_in_form(&email, PASSWORD), &mut other, "198.51.100.77").await;
    assert_eq!(out.location, "/", "{}", out.body);
    assert_eq!(get(&b, "/api/random", &mut other.clone()).await.status, StatusCode::OK);
    // A lists both browsers (the records are shared) and signs the other out.
    let settings = get(&a, "/settings", &mut mine).await;
    assert!(settings.body.contains("198.51.100.0/24"), "A sees the browser B signed in");
    let out = post(&a, "/api/end_other_sessions", "", &mut mine, "203.0.113.3").await;
    assert_eq!(out.location, "/settings#sessions");
    let ended = std::time::Instant::now();
    let api = get(&b, "/api/random", &mut other.clone()).await;
    let page = get(&b, "/", &mut other).await;
    assert!(ended.elapsed() < Duration::from_secs(1), "refused within a second");
    assert_eq!(api.status, StatusCode::UNAUTHORIZED, "{}", api.body);
    assert_eq!((page.status, page.location.as_str()), (StatusCode::FOUND, "/sign-in"));
    assert_eq!(get(&b, "/api/random", &mut mine).await.status, StatusCode::OK, "A's browser stays signed in, on B too");
}

/// Wrong-password sign-ins from `client` with a new email each (so only the per-client limit
/// counts), sent to the instances in turn, until one is refused: how many went through.
async fn attempts_until_refused(instances: &[&Instance], client: &str) -> usize {
    let mut jar = Jar::default();
    for i in 0..20 {
        let to = instances[i % instances.len()];
        let email = format!("nobody-{i}-{}@example.com", rand_suffix());
        let out = post(to, "/api/sign_in", &sign_in_form(&email, "Wrong-Password-1"), &mut jar, client).await;
        match out.status {
            StatusCode::FOUND => {}
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(
                    out.body.contains("Too many attempts. Please wait"),
                    "the 429 page says how long: {}",
                    out.body
                );
                return i;
            }
            other => panic!("attempt {i}: {other} {}", out.body),
        }
    }
    20
}

#[tokio::test]
async fn with_the_dynamodb_store_the_rate_limits_and_resend_wait_are_shared_by_the_instances() {
    let (a, b) = pair("dynamodb", "4", "3").await;

    // Per client: the same count whether the attempts go to one instance or both.
    assert_eq!(attempts_until_refused(&[&a, &b], "198.51.100.1").await, 4, "spread over A and B");
    assert_eq!(attempts_until_refused(&[&a], "198.51.100.2").await, 4, "all on A");

    // Per email and client: the same address from one client, in turn to A and B.
    let email = format!("shared-{}@example.com", rand_suffix());
    let mut jar = Jar::default();
    for i in 0..3 {
        let to = if i % 2 == 0 { &a } else { &b };
        let out = post(to, "/api/sign_in", &sign_in_form(&email, "Wrong-Password-1"), &mut jar, "192.0.2.1").await;
        assert_eq!(out.status, StatusCode::FOUND, "attempt {i}");
    }
    let out = post(&b, "/api/sign_in", &sign_in_form(&email, "Wrong-Password-1"), &mut jar, "192.0.2.1").await;
    assert_eq!(out.status, StatusCode::TOO_MANY_REQUESTS, "the fourth for one address, on either instance");
    // The table keys limits by an HMAC of the address, never the address itself.
    let cfg = config();
    let table = leptos_cognito::server::aws::clients(&cfg)
        .await
        .dynamodb
        .scan()
        .table_name(&cfg.limits_table)
        .send()
        .await
        .unwrap();
    let keys: Vec<String> =
        table.items().iter().filter_map(|i| i.get("pk").and_then(|v| v.as_s().ok()).cloned()).collect();
    assert!(keys.iter().any(|k| k.starts_with("email:")), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("@example.com")), "an address in the limits table: {keys:?}");

    // The resend wait: a code asked for on A cannot be asked for again on B.
    let email = format!("resend-{}@example.com", rand_suffix());
    let form = format!("email={}", email.replace('@', "%40"));
    let mut jar = Jar::default();
    let first = post(&a, "/api/resend_code", &form, &mut jar, "192.0.2.20").await;
    assert_eq!(first.status, StatusCode::FOUND, "{}", first.body);
    // The waits are per address and client: the pages are asked for by the same client.
    let page = get_page_from(&format!("{}{}", a.url, first.location), &mut jar, "192.0.2.20").await;
    assert!(!page.body.contains("before asking for another code"), "the first code goes: {}", page.body);
    let second = post(&b, "/api/resend_code", &form, &mut jar, "192.0.2.20").await;
    assert_eq!(second.status, StatusCode::FOUND);
    let page = get_page_from(&format!("{}{}", b.url, second.location), &mut jar, "192.0.2.20").await;
    assert!(page.body.contains("seconds before asking for another code."), "B knows A sent one: {}", page.body);
    // And B's confirm page counts down the same wait.
    let left: u64 = page
        .body
        .split("data-seconds-left=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("the resend button carries its wait");
    assert!((20..=30).contains(&left), "B's page waits what A started: {left} s");
}

#[tokio::test]
async fn with_the_memory_store_each_instance_counts_alone() {
    // The control for the test above: without the shared store, two instances let twice as
    // many attempts through before one of them refuses.
    let (a, b) = pair("memory", "4", "100").await;
    assert_eq!(attempts_until_refused(&[&a, &b], "198.51.100.3").await, 8);
}
