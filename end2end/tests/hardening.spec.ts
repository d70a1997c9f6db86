import { expect, test, type APIRequestContext } from '@playwright/test';
import {
  PASSWORD,
  emulatorURL,
  enterCode,
  expectSignedInHome,
  latestCode,
  mailbox,
  newEmail,
  registerAndConfirm,
  signIn,
  signOut,
  signUp,
} from './helpers';

const BIO = '</textarea><script>alert(1)</script>';

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test('a bio that closes the textarea and opens a script is shown as text, never run', async ({ page, request }) => {
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const email = newEmail('xss');
      await registerAndConfirm(page, request, email);
      await page.goto('/settings');
      await page.getByLabel('Bio').fill(BIO);
      await page.getByRole('button', { name: 'Save profile' }).click();
      await expect(page.getByRole('status')).toHaveText('Your profile is saved.');
      await page.reload();
      await expect(page.getByLabel('Bio')).toHaveValue(BIO);
      // The page's DOM has no script the bio made, with or without JavaScript.
      await expect(page.locator('script', { hasText: 'alert(1)' })).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Save profile' })).toBeVisible();
      expect(dialogs).toEqual([]);
    });

    test('signing up over an unconfirmed registration of the same address takes it over', async ({ browser, request }) => {
      // The attack: someone registers the victim's address with their own password first,
      // hoping the victim later confirms that account with the code they receive.
      const email = newEmail('prehijack');
      const attacker = await browser.newContext({ javaScriptEnabled });
      const attackerPage = await attacker.newPage();
      await signUp(attackerPage, email, 'Eve', 'Mallory');
      await latestCode(request, email, 1);

      const victim = await browser.newContext({ javaScriptEnabled });
      const page = await victim.newPage();
      await page.goto('/sign-up');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill('Victims-Own-Pass-7');
      await page.getByLabel('Given name').fill('Vera');
      await page.getByLabel('Family name').fill('Owner');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page).toHaveURL(/\/confirm$/);
      await enterCode(page, await latestCode(request, email, 2));
      await expectSignedInHome(page, email, 'Vera Owner');

      // The attacker's password opens nothing; the victim's does.
      await signIn(attackerPage, email, PASSWORD);
      await expect(attackerPage.getByRole('alert')).toHaveText('Incorrect email or password.');
      await signOut(page);
      await signIn(page, email, 'Victims-Own-Pass-7');
      await expectSignedInHome(page, email, 'Vera Owner');
      await attacker.close();
      await victim.close();
    });
  });
}

test('Back after sign-out does not show the signed-in page', async ({ page, request }) => {
  const email = newEmail('back');
  await registerAndConfirm(page, request, email);
  await page.goto('/settings');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  const res = await page.request.get('/settings');
  expect(res.headers()['cache-control']).toBe('no-store');
  await signOut(page);
  await page.goBack();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('heading', { name: 'Settings' })).toHaveCount(0);
  await expect(page.getByText(email)).toHaveCount(0);
});

async function emulatorOrder(request: APIRequestContext, unconfirmedFirst: boolean) {
  const res = await request.post(`${emulatorURL}/_dev/config`, { data: { unconfirmed_first: unconfirmedFirst } });
  expect(res.ok()).toBeTruthy();
}

test.describe.serial('an unconfirmed account signing in', () => {
  for (const unconfirmedFirst of [false, true]) {
    test(`looks like a wrong password (${unconfirmedFirst ? "Cognito's order" : 'password checked first'})`, async ({
      page,
      request,
    }) => {
      await emulatorOrder(request, unconfirmedFirst);
      try {
        const email = newEmail('unconfirmed');
        await signUp(page, email);
        await latestCode(request, email, 1);
        await page.context().clearCookies();

        // Right password: the same answer as a wrong one, and no cookie tells them apart.
        await signIn(page, email);
        await expect(page).toHaveURL(/\/sign-in$/);
        await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
        const afterRight = (await page.context().cookies()).map((c) => c.name).sort();
        await signIn(page, email, 'Wrong-Password-123');
        await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
        const afterWrong = (await page.context().cookies()).map((c) => c.name).sort();
        expect(afterRight).toEqual(afterWrong);
        // The owner got one fresh code (the per-address limit holds back the second).
        const code = await latestCode(request, email, 2);
        await page.waitForTimeout(500);
        expect((await mailbox(request, email)).length).toBe(2);

        // The sign-in page leads to the confirm page, where the code finishes it.
        await page.getByRole('link', { name: 'Enter your confirmation code' }).click();
        await page.getByLabel('Email').fill(email);
        await enterCode(page, code);
        await expect(page).toHaveURL(/\/sign-in$/);
        await expect(page.getByRole('status')).toHaveText('Your email is confirmed. Please sign in.');
        await signIn(page, email);
        await expectSignedInHome(page, email);
      } finally {
        await emulatorOrder(request, false);
      }
    });
  }
});

test('changing the password signs out every other session and keeps this one', async ({ page, browser, request }) => {
  const email = newEmail('chpw-others');
  await registerAndConfirm(page, request, email);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email);
  await expectSignedInHome(otherPage, email);

  await page.goto('/settings');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('Another-Long-Pass-3');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toHaveText('Your password has been changed. Every other session is signed out.');
  await page.goto('/');
  await expectSignedInHome(page, email);

  await otherPage.goto('/');
  await expect(otherPage).toHaveURL(/\/sign-in$/);
  await expect(otherPage.getByRole('alert')).toHaveText('Your session has ended. Please sign in again.');
  await other.close();
});

test('no page breaks its Content-Security-Policy, and the islands still run', async ({ page, request }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const email = newEmail('csp');
  await page.goto('/sign-up');
  // The password checklist is an island: it only updates when the wasm runs.
  await page.getByLabel('Password', { exact: true }).fill('abc1 defg hij');
  await expect(page.getByRole('list').getByText('At least 12 characters (met)')).toBeAttached();
  await registerAndConfirm(page, request, email);
  for (const path of ['/', '/settings', '/two-factor', '/sign-in']) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
  }
  expect(violations).toEqual([]);
});

test('static files have content-hashed names, are cached for a year and served precompressed; pages never', async ({
  page,
  request,
}) => {
  const loaded: string[] = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/')) loaded.push(path);
  });
  const res = await page.goto('/sign-in');
  expect(res!.headers()['cache-control']).toBe('no-store');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  const kinds = loaded.map((p) => p.split('.').pop());
  expect(kinds).toEqual(expect.arrayContaining(['css', 'js', 'wasm']));
  for (const path of loaded) {
    expect(path).toMatch(/^\/pkg\/[\w-]+\.[\w-]{20,}\.(css|js|wasm)$/);
    const plain = await request.get(path, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.status(), path).toBe(200);
    expect(plain.headers()['cache-control'], path).toBe('public, max-age=31536000, immutable');
    expect(plain.headers()['content-encoding'], path).toBeUndefined();
    const body = await plain.body();
    for (const encoding of ['br', 'gzip']) {
      const packed = await request.get(path, { headers: { 'Accept-Encoding': encoding } });
      expect(packed.headers()['content-encoding'], `${path} ${encoding}`).toBe(encoding);
      expect(packed.headers()['cache-control'], path).toBe('public, max-age=31536000, immutable');
      expect(packed.headers()['vary'], path).toContain('accept-encoding');
      // Playwright decodes the body: the same bytes as the plain file.
      expect((await packed.body()).equals(body), `${path} ${encoding}`).toBe(true);
    }
  }
});

test('a page without islands downloads no WASM; a lazy island fetches only its own chunks', async ({
  page,
  request,
}) => {
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
  });
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(wasm).toEqual([]);

  // The sign-in page's islands are in the main bundle: no lazy chunk (the passkey code comes
  // only when the button is used; passkeys.spec.ts checks that).
  await page.goto('/sign-in');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  expect(wasm.filter((p) => p.includes('split_'))).toEqual([]);
  expect(wasm.filter((p) => /^\/pkg\/leptos-cognito\./.test(p))).toHaveLength(1);

  // Home has the session keeper, a lazy island: its chunk comes when the page hydrates it.
  await registerAndConfirm(page, request, newEmail('lazy'));
  await page.goto('/');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  expect(wasm.some((p) => p.includes('split_session_keeper'))).toBe(true);
  expect(wasm.some((p) => p.includes('split_avatar_uploader'))).toBe(false);
});

test('the favicon comes from public/ and every page names it', async ({ page, request }) => {
  await page.goto('/sign-in');
  const href = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(href).toBe('/favicon.svg');
  const icon = await request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
  expect(await icon.text()).toContain('<svg');
});

test('an unknown address gets the error page with status 404', async ({ page }) => {
  const res = await page.goto('/no-such-page');
  expect(res!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText('There is no page at this address.');
  await expect(page).toHaveTitle('Page not found · leptos-cognito');
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
});
