// Loads the WASM bundle only when the page has islands, then hydrates each island in document
// order. A page without islands (an error page, a plain message) downloads no WASM at all.
// Lazy islands (`#[island(lazy)]`) fetch their own chunk when their hydrate function runs.
((js, wasm) => {
	const islands = document.querySelectorAll("leptos-island");
	if (islands.length === 0) return;
	const start = async () => {
		const mod = await import(js);
		await mod.default({ module_or_path: wasm });
		mod.hydrate();
		for (const el of islands) {
			const hydrate = mod[el.dataset.component];
			if (hydrate) {
				await hydrate(el);
			} else {
				console.warn(`no WASM function for the island ${el.dataset.component}`);
			}
		}
		document.documentElement.dataset.hydrated = String(performance.now());
	};
	// Hydrate when the browser is idle: the server-rendered page is already usable.
	if ("requestIdleCallback" in window) requestIdleCallback(start);
	else start();
})
