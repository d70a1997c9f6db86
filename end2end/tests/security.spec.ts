import { expect, test } from '@playwright/test';
import { newEmail, registerAndConfirm, mailbox } from './helpers';

test('session cookies are HttpOnly and no token reaches JavaScript or the page', async ({ page, request }) => {
  const email = newEmail('cookies');
  await registerAndConfirm(page, request, email);
  const cookies = await page.context().cookies();
  const session = cookies.filter((c) => c.name.startsWith('lc-'));
  expect(session.map((c) => c.name).sort()).toEqual(expect.arrayContaining(['lc-access', 'lc-id', 'lc-refresh']));
  for (const c of session) {
    expect(c.httpOnly, c.name).toBe(true);
    expect(c.sameSite, c.name).toBe('Lax');
    expect(c.path, c.name).toBe('/');
  }
  const seen = await page.evaluate(() => ({
    cookie: document.cookie,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    html: document.documentElement.outerHTML,
  }));
  expect(seen.cookie).toBe('');
  // A JWT is three base64url parts starting with "eyJ" (a JSON header).
  const jwt = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;
  expect(seen.local).not.toMatch(jwt);
  expect(seen.session).not.toMatch(jwt);
  expect(seen.html).not.toMatch(jwt);
  // The encrypted cookie values do not contain the tokens either.
  for (const c of session) expect(c.value).not.toMatch(jwt);
});

test('a cross-site POST to a server function is refused', async ({ request }) => {
  const email = newEmail('csrf');
  const form = { email, password: 'Correct-Horse-9', given_name: 'Eve', family_name: 'Mallory' };
  const crossSite = await request.post('/api/sign_up', {
    form,
    headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
    maxRedirects: 0,
  });
  expect(crossSite.status()).toBe(403);
  expect(await crossSite.text()).toBe('This request came from another site and was refused.');
  const noHeaders = await request.post('/api/sign_up', { form, headers: { Origin: 'https://evil.example' }, maxRedirects: 0 });
  expect(noHeaders.status()).toBe(403);
  // Nothing happened: no code was sent.
  expect(await mailbox(request, email)).toEqual([]);
});

test('an oversized request body is refused', async ({ request }) => {
  const res = await request.post('/api/sign_in', {
    form: { email: 'a@example.com', password: 'x'.repeat(40_000) },
    headers: { 'Sec-Fetch-Site': 'same-origin' },
    maxRedirects: 0,
  });
  expect(res.status()).toBe(413);
});
