import { expect, test, type Page } from '@playwright/test';
import {
  askForCode,
  emulatorURL,
  PASSWORD,
  cli,
  expectSignedInHome,
  latestCode,
  mailbox,
  newEmail,
  registerAndConfirm,
  signIn,
  signInCode,
  setUpMfa,
  signOut,
  wrongCode,
} from './helpers';
import { totp } from './totp';

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test('TOTP set-up, then sign-in with the MFA challenge (wrong and right code), then turn it off', async ({ page, request }) => {
      const email = newEmail('mfa');
      await registerAndConfirm(page, request, email);
      const { secret } = await setUpMfa(page);
      await signOut(page);
      // A code by email alone does not get past the authenticator app.
      await askForCode(page, email);
      await page.getByLabel('Sign-in code').fill(await signInCode(request, email));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('alert')).toHaveText(
        'This account uses an authenticator app, so a code by email is not enough. Sign in with your password and your authenticator code.',
      );
      await signIn(page, email);
      await expect(page).toHaveURL(/\/verify-mfa$/);
      const codeField = page.getByLabel('Authenticator code');
      await expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');
      await expect(codeField).toHaveAttribute('inputmode', 'numeric');
      await codeField.fill(wrongCode([totp(secret, -1), totp(secret), totp(secret, 1)]));
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect(page).toHaveURL(/\/verify-mfa$/);
      await expect(page.getByRole('alert')).toHaveText('That code is not right. Enter the current code from your authenticator app.');
      await page.getByLabel('Authenticator code').fill(totp(secret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await expectSignedInHome(page, email);
      // Turning it off needs the password and a current code.
      const liveSessions = async () =>
        (await (await request.get(`${emulatorURL}/_dev/sessions?email=${encodeURIComponent(email)}`)).json()).live_refresh_tokens;
      const before = await liveSessions();
      await page.getByRole('link', { name: 'Turn off two-factor authentication' }).click();
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Code from your app').fill(totp(secret));
      await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
      await expect(page.getByRole('status')).toHaveText('Two-factor authentication is off.');
      // The sign-in that proved the password and code left no session behind.
      expect(await liveSessions()).toBe(before);
      await expect(page.getByRole('link', { name: 'Set up two-factor authentication' })).toBeVisible();
      await signOut(page);
      await signIn(page, email);
      await expectSignedInHome(page, email);
    });

    test('forgot password: code from the mailbox, new password, signed out everywhere, sign in', async ({ page, browser, request }) => {
      const email = newEmail('forgot');
      await registerAndConfirm(page, request, email);
      // A second browser stays signed in until the reset.
      const other = await browser.newContext({ javaScriptEnabled });
      const otherPage = await other.newPage();
      await signIn(otherPage, email);
      await expectSignedInHome(otherPage, email);

      await signOut(page);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect(page).toHaveURL(/\/reset-password$/);
      await expect(page.getByRole('status')).toHaveText(
        `If an account exists for ${email}, we sent it a code. Enter it below with your new password.`,
      );
      const mails = await mailbox(request, email);
      expect(mails.at(-1)?.purpose).toBe('forgot-password');
      const code = mails.at(-1)!.code;
      // A wrong code and a weak password each get a plain message.
      await page.getByLabel('Reset code').fill(code === '000000' ? '111111' : '000000');
      await page.getByLabel('New password', { exact: true }).fill('New-Password-7');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert')).toHaveText('That code is not right. Check the latest email we sent and try again.');
      await page.getByLabel('Reset code').fill(code);
      await page.getByLabel('New password', { exact: true }).fill('weakpass');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert')).toHaveText('Your password needs: at least 12 characters.');
      await page.getByLabel('Reset code').fill(code);
      await page.getByLabel('New password', { exact: true }).fill('New-Password-7');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('status')).toHaveText(
        'Your password has been changed and you are signed out everywhere. Sign in with your new password.',
      );
      await signIn(page, email, PASSWORD);
      await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
      await signIn(page, email, 'New-Password-7');
      await expectSignedInHome(page, email);
      // The other browser's session ended with the reset, at once (its server-side record).
      await otherPage.goto('/');
      await expect(otherPage).toHaveURL(/\/sign-in$/);
      await other.close();
    });

    test('forgot password for an unknown email behaves exactly like a known one', async ({ page, request }) => {
      const email = newEmail('nobody');
      await page.goto('/forgot-password');
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect(page).toHaveURL(/\/reset-password$/);
      await expect(page.getByRole('status')).toHaveText(
        `If an account exists for ${email}, we sent it a code. Enter it below with your new password.`,
      );
      expect(await mailbox(request, email)).toEqual([]);
      await page.getByLabel('Reset code').fill('123456');
      await page.getByLabel('New password', { exact: true }).fill('New-Password-7');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert')).toHaveText('That code is not right. Check the latest email we sent and try again.');
    });

    test('an invited user must choose a new password, then is signed in', async ({ page }) => {
      const email = newEmail('invited');
      cli('invite', email, 'Temp-Password-1');
      await signIn(page, email, 'Temp-Password-1');
      await expect(page).toHaveURL(/\/new-password$/);
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Set password and sign in' }).click();
      await expect(page.getByRole('alert')).toHaveText(
        'Your password needs: at least 12 characters.',
      );
      await page.getByLabel('New password', { exact: true }).fill('Chosen-Password-5');
      await page.getByRole('button', { name: 'Set password and sign in' }).click();
      await expect(page).toHaveURL(/\/$/);
      await expect(page.getByRole('heading', { name: `Welcome, ${email}` })).toBeVisible();
      await signOut(page);
      await signIn(page, email, 'Chosen-Password-5');
      await expect(page.getByRole('heading', { name: `Welcome, ${email}` })).toBeVisible();
    });

    test('sign out everywhere ends the other browser at its next check', async ({ page, browser, request }) => {
      const email = newEmail('everywhere');
      await registerAndConfirm(page, request, email);
      const other = await browser.newContext({ javaScriptEnabled });
      const otherPage = await other.newPage();
      await signIn(otherPage, email);
      await expectSignedInHome(otherPage, email);
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('status')).toHaveText('You are signed out on every device.');
      // The test server re-checks sessions with Cognito every 5 s (session.revalidate_seconds).
      await otherPage.waitForTimeout(6_000);
      await otherPage.goto('/');
      await expect(otherPage).toHaveURL(/\/sign-in$/);
      await other.close();
    });

    test('admins see the admin page and its link; others get 403', async ({ page, request }) => {
      const email = newEmail('admin');
      await registerAndConfirm(page, request, email);
      await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
      const forbidden = await page.goto('/admin');
      expect(forbidden?.status()).toBe(403);
      await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
      await expect(page.getByRole('alert')).toHaveText("You don't have access to this page. It is only for administrators.");
      cli('add-to-group', email, 'admins');
      await page.goto('/');
      await signOut(page);
      await signIn(page, email);
      await page.getByRole('link', { name: 'Admin' }).click();
      await expect(page).toHaveURL(/\/admin$/);
      await expect(page.getByRole('heading', { name: 'Admin' })).toBeVisible();
      await page.getByLabel('Email starts with').fill(email.slice(0, 12));
      await page.getByRole('button', { name: 'Search' }).click();
      await expect(page.getByRole('cell', { name: email })).toBeVisible();
    });
  });
}

test('a signed-out visit to /admin goes to sign-in', async ({ page }) => {
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('a page left open refreshes the session before the access token expires', async ({ page, request }) => {
  const email = newEmail('refresh');
  await registerAndConfirm(page, request, email);
  const access = async () => (await page.context().cookies()).find((c) => c.name === 'lc-access')?.value;
  const first = await access();
  // Test tokens live 70 s; the page asks the server ~50 s before expiry, i.e. within ~20 s.
  await expect.poll(access, { timeout: 40_000, intervals: [1_000] }).not.toBe(first);
  await expect(page.getByText('Your session has expired.')).toHaveCount(0);
  await page.reload();
  await expectSignedInHome(page, email);
});

test('a page whose session was ended elsewhere says so', async ({ page, browser, request }) => {
  const email = newEmail('expired');
  await registerAndConfirm(page, request, email);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email);
  await otherPage.getByRole('button', { name: 'Sign out everywhere' }).click();
  await other.close();
  await expect(page.getByRole('alert')).toContainText('Your session has expired.', { timeout: 40_000 });
  await expect(page.getByRole('link', { name: 'Sign in again' })).toBeVisible();
});
