import { expect, test, type CDPSession, type Page } from '@playwright/test';
import {
  PASSWORD,
  expectSignedInHome,
  latestCode,
  mailbox,
  newEmail,
  registerAndConfirm,
  registerWithoutPassword,
  signOut,
} from './helpers';

// WebAuthn refuses IP-address origins: these pages are opened on localhost, the relying party
// the test pool's passkeys belong to (a site on 127.0.0.1 has its passkeys on localhost).
test.use({ baseURL: `http://localhost:${process.env.TEST_SITE_PORT ?? '3100'}` });

const NEEDS_JS = 'Using a passkey needs JavaScript, which is off or still loading here.';
const REFUSED = 'That passkey was not accepted. Try again, or sign in another way.';

/** Chromium's virtual authenticator (CDP `WebAuthn`): a platform authenticator with user verification. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function addPasskey(page: Page, password = PASSWORD) {
  await page.goto('/settings');
  const section = page.getByRole('region', { name: 'Passkeys' });
  await section.getByLabel('Password, to add a passkey').fill(password);
  await section.getByRole('button', { name: 'Add a passkey' }).click();
}

async function usePasskey(page: Page, email: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
}

test('add a passkey in settings, sign in with it, delete it, and the passkey option then refuses', async ({ page, request }) => {
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  const email = newEmail('passkey');
  await registerAndConfirm(page, request, email);

  await page.goto('/settings');
  const section = page.getByRole('region', { name: 'Passkeys' });
  await expect(section.getByText('You have no passkeys yet.')).toBeVisible();
  // The password comes first, as for every sensitive change.
  await addPasskey(page, 'Not-The-Password-1');
  await expect(section.getByRole('alert')).toHaveText('Your current password is not right.');
  await addPasskey(page);
  await expect(page.getByRole('status')).toContainText('Your passkey is added.');
  await expect(section.getByRole('list', { name: 'Your passkeys' }).getByRole('listitem')).toHaveCount(1);
  await expect(section.getByRole('listitem')).toContainText(/added \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);

  await signOut(page);
  await usePasskey(page, email);
  await expectSignedInHome(page, email);

  // Refused by the device (no user verification): the person is told, and stays signed out.
  await signOut(page);
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  await usePasskey(page, email);
  await expect(page.getByRole('alert').filter({ hasText: 'passkey' })).toHaveText(
    'The passkey was not used (it was cancelled or timed out). Try again, or use another way.',
  );
  await expect(page).toHaveURL(/\/sign-in$/);
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });

  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expectSignedInHome(page, email);
  await page.goto('/settings');
  await section.getByLabel('Passkey to delete').selectOption({ index: 0 });
  await section.getByLabel('Password, to delete the passkey').fill(PASSWORD);
  await section.getByRole('button', { name: 'Delete passkey' }).click();
  await expect(page.getByRole('status')).toHaveText('The passkey is deleted. It can no longer sign in to your account.');
  await expect(section.getByText('You have no passkeys yet.')).toBeVisible();

  // The device still holds the key and signs with it, but Cognito no longer accepts it.
  await signOut(page);
  await usePasskey(page, email);
  await expect(page.getByRole('alert').filter({ hasText: 'passkey' })).toHaveText(REFUSED);
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('a passkey needs an email first; an address without one is not told apart from one with a passkey', async ({ page }) => {
  await virtualAuthenticator(page);
  const chunks: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/split_') && r.url().endsWith('.wasm')) chunks.push(r.url());
  });
  await page.goto('/sign-in');
  // Enabled once the page has hydrated; the passkey code itself comes on first use.
  await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeEnabled();
  expect(chunks).toEqual([]);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'passkey' })).toHaveText(
    'Enter your email address, then choose \u201cUse a passkey\u201d.',
  );
  expect(chunks.length).toBeGreaterThan(0);
  // The browser is asked as for any account; this device has no passkey for the site.
  await usePasskey(page, newEmail('nopasskey'));
  await expect(page.getByRole('alert').filter({ hasText: 'passkey' })).toHaveText(
    'The passkey was not used (it was cancelled or timed out). Try again, or use another way.',
  );
});

test('passkey autofill: once the email is typed, the browser offers the passkey and signs in with it', async ({ page, request }) => {
  await virtualAuthenticator(page);
  const email = newEmail('autofill');
  await registerAndConfirm(page, request, email);
  await addPasskey(page);
  await expect(page.getByRole('status')).toContainText('Your passkey is added.');
  await signOut(page);

  await page.goto('/sign-in');
  // The fields the browser offers passkeys in.
  await expect(page.getByLabel('Email')).toHaveAttribute('autocomplete', 'username webauthn');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('autocomplete', 'current-password webauthn');
  await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeEnabled();
  // Chromium's virtual authenticator answers a conditional request at once, as a person
  // choosing the passkey from the autofill list would: no button is pressed.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Email').press('Tab');
  await expectSignedInHome(page, email);
});

test('an account without a password adds a passkey with an emailed code', async ({ page, request }) => {
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  const email = newEmail('passkeynopw');
  await registerWithoutPassword(page, request, email);

  await page.goto('/settings');
  const section = page.getByRole('region', { name: 'Passkeys' });
  const before = (await mailbox(request, email)).length;
  await section.getByRole('button', { name: 'Email me a code instead' }).click();
  await expect(page.getByRole('status').first()).toContainText(`We emailed a code to ${email}.`);
  const code = await latestCode(request, email, before + 1);
  await section.getByLabel('Password or emailed code, to add a passkey').fill(code);
  await section.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByRole('status')).toContainText('Your passkey is added.');
  expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);
  // The code was used up: the label asks for the password again.
  await expect(section.getByLabel('Password, to add a passkey')).toBeVisible();

  await signOut(page);
  await usePasskey(page, email);
  await expectSignedInHome(page, email);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the pages say a passkey needs JavaScript, and the other ways still work', async ({ page, request }) => {
    await page.goto('/sign-in');
    await expect(page.getByText(NEEDS_JS, { exact: false })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Email me a sign-in code' })).toBeEnabled();
    const email = newEmail('passkeynojs');
    await registerAndConfirm(page, request, email);
    await page.goto('/settings');
    const section = page.getByRole('region', { name: 'Passkeys' });
    await expect(section.getByText(NEEDS_JS)).toBeVisible();
    await expect(section.getByRole('button', { name: 'Add a passkey' })).toBeDisabled();
  });
});

test('sign out everywhere offers to remove every passkey, says how many, and the passkey then refuses', async ({ page, request }) => {
  await virtualAuthenticator(page);
  const email = newEmail('passkeys-gone');
  await registerAndConfirm(page, request, email);
  await addPasskey(page);
  await expect(page.getByRole('status')).toContainText('Your passkey is added.');
  await page.goto('/');
  const remove = page.getByLabel('Also remove my passkeys (1)');
  await expect(remove).not.toBeChecked();
  await remove.check();
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toHaveText('You are signed out on every device. Passkeys removed: 1.');
  await usePasskey(page, email);
  await expect(page.getByRole('alert').filter({ hasText: 'passkey' })).toHaveText(REFUSED);
});
