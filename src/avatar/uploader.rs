//! The avatar uploader island: decode the picked image, centre-crop and downscale it to
//! 256×256 in a canvas, re-encode it (WebP, or PNG where the browser cannot), ask the server
//! for a presigned PUT, send the bytes straight to S3 with gloo-net, then have the server check
//! and record it. Without WASM the page says that uploading needs JavaScript. A behaviour
//! island (see `components::enhance`) on server-rendered markup.

use crate::components::enhance::behaviour;
use crate::i18n::t::avatar as t;
use leptos::prelude::*;

/// The keys of the steps shown by the progress bar in the page's `Texts` (fetch cannot report
/// upload progress by bytes); step 0 is idle and shows nothing.
#[cfg(feature = "hydrate")]
const STEPS: [&str; 4] = ["", "step_resizing", "step_uploading", "step_saving"];

/// The uploader's markup, rendered on the server; the file input stays disabled until the
/// behaviour below has attached. The behaviour's steps and messages are in the `Texts` list,
/// in the page's language; the server's errors in `ErrorTexts`.
#[component]
pub fn AvatarUploader() -> impl IntoView {
    let texts = vec![
        ("step_resizing", t::STEP_RESIZING.text()),
        ("step_uploading", t::STEP_UPLOADING.text()),
        ("step_saving", t::STEP_SAVING.text()),
        ("wrong_type", t::WRONG_TYPE.text()),
        ("unreadable", t::UNREADABLE.text()),
        ("still_too_big", t::STILL_TOO_BIG.text()),
        ("upload_failed", t::UPLOAD_FAILED.text()),
        ("cannot_encode", t::CANNOT_ENCODE.text()),
    ];
    view! {
        <div class="avatar-uploader">
            <p class="needs-js">{t::NEEDS_JS.text()}</p>
            <div class="field">
                <label for="avatar-file">{t::CHOOSE_PICTURE.text()}</label>
                <input
                    id="avatar-file"
                    type="file"
                    accept="image/png,image/jpeg,image/webp"
                    aria-describedby="avatar-hint avatar-error"
                    disabled
                />
                <small id="avatar-hint">{t::HINT.text()}</small>
            </div>
            <progress max="3" value="0" hidden aria-label=t::PROGRESS_LABEL.text()></progress>
            <p class="avatar-step" aria-live="polite"></p>
            <p id="avatar-error" role="alert" class="message error" hidden></p>
            <crate::components::Texts texts=texts/>
            <AvatarUploaderBehaviour/>
        </div>
    }
}

#[island(lazy)]
pub fn AvatarUploaderBehaviour() -> impl IntoView {
    behaviour(".avatar-uploader", attach)
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}

/// The uploader's parts, found once in the server-rendered markup.
#[cfg(feature = "hydrate")]
#[derive(Clone)]
struct Parts {
    root: web_sys::Element,
    input: web_sys::HtmlInputElement,
    progress: web_sys::Element,
    step: web_sys::Element,
    error: web_sys::Element,
}

#[cfg(feature = "hydrate")]
impl Parts {
    /// The page's text `key` (see `AvatarUploader`'s `Texts`).
    fn text(&self, key: &str) -> String {
        crate::components::enhance::dom::text(&self.root, key)
    }

    /// The message of a failed upload.
    fn failed(&self) -> String {
        self.text("upload_failed")
    }

    /// Shows step `n` of `STEPS` (0: idle, the input usable again).
    fn show_step(&self, n: usize) {
        use crate::components::enhance::dom::flag;
        let _ = self.progress.set_attribute("value", &n.to_string());
        flag(&self.progress, "hidden", n == 0);
        let step = if n == 0 { String::new() } else { self.text(STEPS[n]) };
        self.step.set_text_content(Some(&step));
        self.input.set_disabled(n > 0);
    }

    fn show_error(&self, message: &str) {
        crate::components::enhance::dom::flag(&self.error, "hidden", message.is_empty());
        self.error.set_text_content(Some(message));
    }
}

#[cfg(feature = "hydrate")]
fn attach(root: web_sys::Element) {
    use crate::components::enhance::dom;
    use wasm_bindgen::JsCast;
    let found = (
        dom::find(&root, "input").and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok()),
        dom::find(&root, "progress"),
        dom::find(&root, ".avatar-step"),
        dom::find(&root, "#avatar-error"),
    );
    let (Some(input), Some(progress), Some(step), Some(error)) = found else { return };
    if let Some(note) = dom::find(&root, ".needs-js") {
        dom::flag(&note, "hidden", true);
    }
    let parts = Parts { root, input, progress, step, error };
    parts.input.set_disabled(false);
    let input = parts.input.clone();
    dom::on(&input, "change", move |_| {
        parts.show_error("");
        let Some(file) = parts.input.files().and_then(|f| f.get(0)) else { return };
        let parts = parts.clone();
        leptos::task::spawn_local(async move {
            match upload(file, &parts).await {
                // The header, home and this page all show the new picture after a reload.
                Ok(()) => {
                    let _ = window().location().reload();
                }
                Err(message) => {
                    parts.show_step(0);
                    parts.show_error(&message);
                }
            }
        });
    });
}

#[cfg(feature = "hydrate")]
async fn upload(file: web_sys::File, parts: &Parts) -> Result<(), String> {
    use super::api::{ConfirmAvatar, PresignAvatarUpload};
    use super::{ALLOWED_TYPES, MAX_BYTES};
    use leptos::server_fn::ServerFn;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    if !ALLOWED_TYPES.contains(&file.type_().as_str()) {
        return Err(parts.text("wrong_type"));
    }
    parts.show_step(1);
    let unreadable = || parts.text("unreadable");
    let url = web_sys::Url::create_object_url_with_blob(&file).map_err(|_| unreadable())?;
    let img = web_sys::HtmlImageElement::new().map_err(|_| unreadable())?;
    img.set_src(&url);
    let decoded = JsFuture::from(img.decode()).await;
    let _ = web_sys::Url::revoke_object_url(&url);
    decoded.map_err(|_| unreadable())?;

    let (w, h) = (f64::from(img.natural_width()), f64::from(img.natural_height()));
    let side = w.min(h);
    let canvas: web_sys::HtmlCanvasElement =
        document().create_element("canvas").map_err(|_| unreadable())?.unchecked_into();
    canvas.set_width(256);
    canvas.set_height(256);
    let ctx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok().flatten().ok_or_else(unreadable)?.unchecked_into();
    ctx.draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &img,
        (w - side) / 2.0,
        (h - side) / 2.0,
        side,
        side,
        0.0,
        0.0,
        256.0,
        256.0,
    )
    .map_err(|_| unreadable())?;
    let cannot_encode = || parts.text("cannot_encode");
    let mut blob = to_blob(&canvas, "image/webp").await.ok_or_else(cannot_encode)?;
    if blob.type_() != "image/webp" {
        blob = to_blob(&canvas, "image/png").await.ok_or_else(cannot_encode)?;
    }
    let content_type = blob.type_();
    let size = blob.size() as u64;
    if size > MAX_BYTES {
        return Err(parts.text("still_too_big").replace("{kb}", &(MAX_BYTES / 1024).to_string()));
    }

    parts.show_step(2);
    let form = format!("content_type={}&content_length={size}", js_sys::encode_uri_component(&content_type));
    let failed = || parts.failed();
    let target = js_sys::JSON::parse(&call(parts, PresignAvatarUpload::url(), form).await?).map_err(|_| failed())?;
    let field = |name: &str| js_sys::Reflect::get(&target, &name.into()).ok().and_then(|v| v.as_string());
    let (Some(url), Some(key)) = (field("url"), field("key")) else { return Err(failed()) };
    let response = gloo_net::http::Request::put(&url)
        .header("Content-Type", &content_type)
        .body(blob)
        .map_err(|_| failed())?
        .send()
        .await
        .map_err(|_| failed())?;
    if !response.ok() {
        return Err(failed());
    }

    parts.show_step(3);
    call(parts, ConfirmAvatar::url(), format!("key={}", js_sys::encode_uri_component(&key))).await.map(|_| ())
}

/// One of `avatar`'s server functions (see `enhance::call`); an answer that is not an error
/// this build knows is a failed upload.
#[cfg(feature = "hydrate")]
async fn call(parts: &Parts, url: &str, form: String) -> Result<String, String> {
    crate::components::enhance::call(url, form).await.map_err(|e| e.unwrap_or_else(|| parts.failed()))
}

/// `canvas.toBlob(type)` as a future; `None` when the browser could not encode the picture.
#[cfg(feature = "hydrate")]
async fn to_blob(canvas: &web_sys::HtmlCanvasElement, content_type: &str) -> Option<web_sys::Blob> {
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    let canvas = canvas.clone();
    let content_type = content_type.to_string();
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        let _ = canvas.to_blob_with_type(done.unchecked_ref(), &content_type);
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.ok()?.dyn_into::<web_sys::Blob>().ok()
}
