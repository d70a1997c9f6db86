//! The server binary: `leptos-cognito` serves the app; `leptos-cognito provision` creates or
//! updates the user pool, app client, groups and avatar bucket; `leptos-cognito template` prints
//! a CloudFormation template of the same resources and the serving stack.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    // The trigger's answer is its standard output: no log lines there.
    if std::env::args().nth(1).as_deref() != Some("custom-message") {
        leptos_cognito::server::setup::init_tracing();
    }
    let result = match std::env::args().nth(1).as_deref() {
        Some("provision") => leptos_cognito::server::provision::run().await,
        Some("template") => leptos_cognito::server::provision::template::run(),
        Some("add-to-group") => {
            leptos_cognito::server::provision::add_to_group(std::env::args().skip(2).collect()).await
        }
        Some("invite") => leptos_cognito::server::provision::invite(std::env::args().skip(2).collect()).await,
        // Cognito's CustomMessage trigger, as the emulator runs it: the event on stdin.
        Some("custom-message") => leptos_cognito::server::custom_message::run_cli(),
        // The same trigger on AWS Lambda: a function whose handler is `custom-message`.
        #[cfg(feature = "lambda")]
        None if std::env::var("_HANDLER").as_deref() == Ok("custom-message")
            && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() =>
        {
            leptos_cognito::server::lambda::serve_custom_message().await
        }
        // Started by AWS Lambda (or `cargo lambda watch`): events in, responses out.
        #[cfg(feature = "lambda")]
        None | Some("serve") if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => {
            leptos_cognito::server::lambda::serve().await
        }
        None | Some("serve") => leptos_cognito::server::setup::serve().await,
        Some(other) => Err(format!(
            "unknown command {other:?}; use `serve` (default), `provision`, `template`, `add-to-group <email> <group>`, `invite <email> <temporary password>` or `custom-message` (a CustomMessage trigger event on stdin)"
        )),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser entry point is `hydrate()` in lib.rs; this binary only exists with `ssr`.
}
