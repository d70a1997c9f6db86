//! The avatar uploader island: decode the picked image, centre-crop and downscale it to
//! 256×256 in a canvas, re-encode it (WebP, or PNG where the browser cannot), ask the server
//! for a presigned PUT, send the bytes straight to S3 with gloo-net, then have the server check
//! and record it. Without WASM the page says that uploading needs JavaScript.

use leptos::prelude::*;

/// Steps shown by the progress bar (fetch cannot report upload progress by bytes).
const STEPS: [&str; 4] = ["", "Resizing the picture…", "Uploading…", "Saving…"];

#[island(lazy)]
pub fn AvatarUploader() -> impl IntoView {
    let (step, set_step) = signal(0usize);
    let (error, set_error) = signal(String::new());
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    let on_change = move |ev: leptos::ev::Event| {
        set_error.set(String::new());
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = event_target(&ev);
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let _ = input.unchecked_ref::<web_sys::HtmlInputElement>();
            leptos::task::spawn_local(async move {
                match upload(file, set_step).await {
                    // The header, home and this page all show the new picture after a reload.
                    Ok(()) => {
                        let _ = window().location().reload();
                    }
                    Err(message) => {
                        set_step.set(0);
                        set_error.set(message);
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, set_step);
    };

    view! {
        <div class="avatar-uploader">
            <p class="needs-js" hidden=move || hydrated.get()>
                "Uploading a picture needs JavaScript. Everything else on this page works without it."
            </p>
            <div class="field">
                <label for="avatar-file">"Choose a picture"</label>
                <input
                    id="avatar-file"
                    type="file"
                    accept="image/png,image/jpeg,image/webp"
                    aria-describedby="avatar-hint avatar-error"
                    disabled=move || { !hydrated.get() || step.get() > 0 }
                    on:change=on_change
                />
                <small id="avatar-hint">"PNG, JPEG or WebP. It is cropped to a square and resized to 256×256."</small>
            </div>
            <progress max="3" value=move || step.get() hidden=move || step.get() == 0 aria-label="Upload progress"></progress>
            <p aria-live="polite">{move || STEPS[step.get()]}</p>
            <p id="avatar-error" role="alert" class="message error" hidden=move || error.get().is_empty()>{move || error.get()}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
async fn upload(file: web_sys::File, set_step: WriteSignal<usize>) -> Result<(), String> {
    use super::{ALLOWED_TYPES, MAX_BYTES, confirm_avatar, presign_avatar_upload};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    if !ALLOWED_TYPES.contains(&file.type_().as_str()) {
        return Err("Choose a PNG, JPEG or WebP image.".into());
    }
    set_step.set(1);
    let unreadable = || "That file is not an image this browser can read.".to_string();
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
    let mut blob = to_blob(&canvas, "image/webp").await?;
    if blob.type_() != "image/webp" {
        blob = to_blob(&canvas, "image/png").await?;
    }
    let content_type = blob.type_();
    let size = blob.size() as u64;
    if size > MAX_BYTES {
        return Err(format!("The resized picture is still over {} KB.", MAX_BYTES / 1024));
    }

    set_step.set(2);
    let target = presign_avatar_upload(content_type.clone(), size).await.map_err(|e| e.message())?;
    let failed = || "The upload failed. Check your connection and try again.".to_string();
    let response = gloo_net::http::Request::put(&target.url)
        .header("Content-Type", &content_type)
        .body(blob)
        .map_err(|_| failed())?
        .send()
        .await
        .map_err(|_| failed())?;
    if !response.ok() {
        return Err(failed());
    }

    set_step.set(3);
    confirm_avatar(target.key).await.map_err(|e| e.message())
}

/// `canvas.toBlob(type)` as a future.
#[cfg(feature = "hydrate")]
async fn to_blob(canvas: &web_sys::HtmlCanvasElement, content_type: &str) -> Result<web_sys::Blob, String> {
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    let failed = || "This browser could not encode the picture.".to_string();
    let canvas = canvas.clone();
    let content_type = content_type.to_string();
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        let _ = canvas.to_blob_with_type(done.unchecked_ref(), &content_type);
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| failed())?
        .dyn_into::<web_sys::Blob>()
        .map_err(|_| failed())
}
