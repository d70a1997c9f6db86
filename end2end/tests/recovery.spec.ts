import { expect, test } from '@playwright/test';
import { PASSWORD, newEmail, registerAndConfirm, securityNotices, setUpMfa, signIn, signOut } from './helpers';
import { totp } from './totp';

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test('recovery codes: shown once, replaced on request, one signs in without the app and turns it off', async ({ page, request }) => {
      const email = newEmail('recovery');
      await registerAndConfirm(page, request, email);
      await page.goto('/settings');
      const { secret, codes: first } = await setUpMfa(page);

      // New codes after the password and a current code; the old ones stop working.
      const section = page.getByRole('region', { name: 'Two-factor authentication' });
      await section.locator('summary').click();
      await section.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await section.getByLabel('Code from your app').fill(totp(secret));
      await section.getByRole('button', { name: 'Generate new recovery codes' }).click();
      await expect(page).toHaveURL(/\/recovery-codes$/);
      await expect(page.getByRole('status')).toHaveText('New recovery codes are ready. The old ones no longer work.');
      const list = page.getByRole('list', { name: 'Recovery codes' });
      await expect(list.getByRole('listitem')).toHaveCount(10);
      const codes = (await list.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
      expect(codes).not.toContain(first[0]);

      await page.goto('/');
      await signOut(page);
      await signIn(page, email);
      await expect(page).toHaveURL(/\/verify-mfa$/);
      const lost = page.getByRole('region', { name: 'Lost your authenticator app?' });
      await lost.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await lost.getByLabel('Recovery code').fill(first[0]);
      await lost.getByRole('button', { name: 'Sign in with a recovery code' }).click();
      await expect(page.getByRole('alert')).toHaveText('That recovery code is not right or has been used. Check it and try again.');
      await lost.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await lost.getByLabel('Recovery code').fill(codes[3].toUpperCase());
      await lost.getByRole('button', { name: 'Sign in with a recovery code' }).click();
      await expect(page).toHaveURL(/\/two-factor$/);
      await expect(page.getByRole('status')).toHaveText(
        'You signed in with a recovery code (9 left). Two-factor authentication is off until you set up your authenticator app again below, which also gives you new recovery codes.',
      );
      await expect(page.getByRole('button', { name: 'Start set-up' })).toBeVisible();
      await expect
        .poll(async () => (await securityNotices(request, email)).map((m) => m.subject))
        .toContain('leptos-cognito: A recovery code was used to sign in to your account, and its authenticator app was turned off');
    });
  });
}
