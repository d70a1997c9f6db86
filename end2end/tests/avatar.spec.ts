import { expect, test } from '@playwright/test';
import { emulatorURL, newEmail, registerAndConfirm } from './helpers';

const MAX_BYTES = 512 * 1024;

test('upload an avatar: a presigned GET of a checked image; replacing it removes the old object', async ({ page, request }) => {
  const email = newEmail('avatar');
  await registerAndConfirm(page, request, email);
  const headerPicture = page.getByRole('navigation', { name: 'Account' }).getByRole('img', { name: 'Picture of Ada Lovelace' });
  await expect(headerPicture).toHaveText('AL'); // initials until there is a picture

  await page.goto('/settings');
  await expect(page.getByLabel('Choose a picture')).toBeEnabled(); // the uploader island has hydrated
  await page.getByLabel('Choose a picture').setInputFiles('fixtures/avatar.png');
  await expect(page.getByRole('status').filter({ hasText: 'Your picture is updated.' })).toBeVisible();

  const src = (await headerPicture.getAttribute('src'))!;
  const url = new URL(src);
  expect(url.origin).toBe(emulatorURL);
  expect(url.pathname).toMatch(/^\/leptos-cognito-avatars\/avatars\/[\w-]+\/[0-9a-f-]{36}\.(webp|png)$/);
  expect(url.searchParams.get('X-Amz-Signature')).toBeTruthy();
  expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
  const object = await request.get(src);
  expect(object.status()).toBe(200);
  expect(object.headers()['content-type']).toMatch(/^image\/(webp|png)$/);
  const bytes = (await object.body()).length;
  expect(bytes).toBeGreaterThan(0);
  expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
  const prefix = url.pathname.split('/').slice(2, 4).join('/') + '/'; // avatars/<sub>/

  // Replace it: only the new object remains under the user's prefix.
  await expect(page.getByLabel('Choose a picture')).toBeEnabled();
  await page.getByLabel('Choose a picture').setInputFiles('fixtures/avatar-2.png');
  // The page reloads with the new picture (a new key, so a new URL).
  await expect(headerPicture).not.toHaveAttribute('src', src);
  await expect(page.getByRole('status').filter({ hasText: 'Your picture is updated.' })).toBeVisible();
  const src2 = (await headerPicture.getAttribute('src'))!;
  expect(new URL(src2).pathname).not.toBe(url.pathname);
  const listing = await (await request.get(`${emulatorURL}/leptos-cognito-avatars?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
  expect(keys).toEqual([new URL(src2).pathname.replace('/leptos-cognito-avatars/', '')]);

  // Home shows it too.
  await page.goto('/');
  await expect(page.getByRole('main').getByRole('img', { name: 'Picture of Ada Lovelace' })).toHaveAttribute('src', /X-Amz-Signature/);
});

test('a file that is not an image is refused with a plain message', async ({ page, request }) => {
  await registerAndConfirm(page, request, newEmail('notimage'));
  await page.goto('/settings');
  await expect(page.getByLabel('Choose a picture')).toBeEnabled();
  await page.getByLabel('Choose a picture').setInputFiles('fixtures/not-an-image.png');
  await expect(page.getByRole('alert')).toHaveText('That file is not an image this browser can read.');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the settings page says uploading needs JavaScript and the rest works', async ({ page, request }) => {
    await registerAndConfirm(page, request, newEmail('avatarnojs'));
    await page.goto('/settings');
    await expect(page.getByText('Uploading a picture needs JavaScript. Everything else on this page works without it.')).toBeVisible();
    await expect(page.getByLabel('Choose a picture')).toBeDisabled();
    await page.getByLabel('Bio').fill('No scripts here.');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByRole('status')).toHaveText('Your profile is saved.');
  });
});
