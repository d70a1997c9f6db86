import { expect, test, type Browser, type Page } from '@playwright/test';
import {
  PASSWORD,
  expectSignedInHome,
  newEmail,
  registerAndConfirm,
  securityNotices,
  setUpMfa,
  signIn,
  wrongCode,
} from './helpers';
import { totp } from './totp';

/** A second browser signed in to `email`, on home. */
async function secondBrowser(browser: Browser, email: string, javaScriptEnabled: boolean): Promise<Page> {
  const other = await browser.newContext({ javaScriptEnabled });
  const page = await other.newPage();
  await signIn(page, email);
  await expectSignedInHome(page, email);
  return page;
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test("Where you're signed in: every browser listed, another one signed out from here at once", async ({ page, browser, request }) => {
      const email = newEmail('sessions');
      await registerAndConfirm(page, request, email);
      const otherPage = await secondBrowser(browser, email, javaScriptEnabled);
      // The second browser was new to the account: its owner is told.
      await expect
        .poll(async () => (await securityNotices(request, email)).map((m) => m.subject))
        .toContain('leptos-cognito: Your account was signed in to from a new browser');
      const notice = (await securityNotices(request, email)).at(-1)!;
      expect(notice.text).toContain('Browser: Chrome on Linux. Network: 127.0.0.0/24.');
      expect(notice.text).toContain('/settings#sessions');

      await page.goto('/settings');
      const section = page.getByRole('region', { name: "Where you're signed in" });
      const list = section.getByRole('list', { name: 'Signed-in browsers' });
      await expect(list.getByRole('listitem')).toHaveCount(2);
      await expect(list.getByRole('listitem').first()).toContainText('this browser');
      await expect(list.getByRole('listitem').first()).toContainText('Network 127.0.0.0/24');
      // No button ends this browser; one ends the other.
      await expect(list.getByRole('listitem').first().getByRole('button')).toHaveCount(0);
      await list.getByRole('button', { name: 'Sign out Chrome on Linux' }).click();
      await expect(page).toHaveURL(/\/settings(#sessions)?$/);
      await expect(page.getByRole('status')).toHaveText('That browser is signed out.');
      await expect(list.getByRole('listitem')).toHaveCount(1);

      // The other browser is signed out at its next step.
      await otherPage.goto('/settings');
      await expect(otherPage).toHaveURL(/\/sign-in$/);
      await otherPage.context().close();
    });

    test('Sign out all other browsers', async ({ page, browser, request }) => {
      const email = newEmail('others');
      await registerAndConfirm(page, request, email);
      const second = await secondBrowser(browser, email, javaScriptEnabled);
      const third = await secondBrowser(browser, email, javaScriptEnabled);
      await page.goto('/settings');
      const section = page.getByRole('region', { name: "Where you're signed in" });
      await expect(section.getByRole('listitem')).toHaveCount(3);
      await section.getByRole('button', { name: 'Sign out all other browsers' }).click();
      await expect(page.getByRole('status')).toHaveText('Every other browser is signed out.');
      await expect(section.getByRole('listitem')).toHaveCount(1);
      await expect(section.getByRole('button', { name: 'Sign out all other browsers' })).toHaveCount(0);
      for (const other of [second, third]) {
        const api = await other.request.get('/api/random');
        expect(api.status()).toBe(401);
        await other.goto('/');
        await expect(other).toHaveURL(/\/sign-in$/);
        await other.context().close();
      }
      await expect
        .poll(async () => (await securityNotices(request, email)).map((m) => m.subject))
        .toContain('leptos-cognito: Other browsers were signed out of your account');
    });

    test('with two-factor on, a new email address needs the authenticator code as well as the password', async ({ page, request }) => {
      const email = newEmail('step-up');
      await registerAndConfirm(page, request, email);
      await page.goto('/settings');
      const { secret } = await setUpMfa(page);
      await expect
        .poll(async () => (await securityNotices(request, email)).map((m) => m.subject))
        .toContain('leptos-cognito: Two-factor authentication was turned on');

      await page.goto('/settings');
      const form = page.getByRole('region', { name: 'Email' });
      const next = newEmail('next');
      await form.getByLabel('New email address').fill(next);
      await form.getByLabel('Password, to confirm the change').fill(PASSWORD);
      await form.getByRole('button', { name: 'Change email' }).click();
      await expect(page.getByRole('alert')).toHaveText(
        'Your account uses an authenticator app: enter a current code from it as well as your password.',
      );
      await form.getByLabel('Password, to confirm the change').fill(PASSWORD);
      await form.getByLabel('Code from your authenticator app').fill(wrongCode([totp(secret, -1), totp(secret), totp(secret, 1)]));
      await form.getByRole('button', { name: 'Change email' }).click();
      await expect(page.getByRole('alert')).toHaveText('That code is not right. Enter the current code from your authenticator app.');
      await form.getByLabel('Password, to confirm the change').fill(PASSWORD);
      await form.getByLabel('Code from your authenticator app').fill(totp(secret));
      await form.getByRole('button', { name: 'Change email' }).click();
      await expect(page.locator('#form-message')).toHaveText(`We sent a code to ${next}. Enter it below to confirm your new address.`);
    });
  });
}
