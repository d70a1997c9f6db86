import { expect, test, type Page } from '@playwright/test';
import {
  PASSWORD,
  askForCode,
  expectSignedInHome,
  latestCode,
  mailbox,
  newEmail,
  registerAndConfirm,
  registerWithoutPassword,
  signIn,
  signInCode,
  signOut,
  wrongCode,
} from './helpers';

const EXPIRED = 'That code has expired. Ask for a new code.';
const WRONG = 'That code is not right. Check the latest email we sent and try again.';

async function enterSignInCode(page: Page, code: string) {
  await page.getByLabel('Sign-in code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test('sign in with a code by email; a wrong code says so and may be retried', async ({ page, request }) => {
      const email = newEmail('emailcode');
      await registerAndConfirm(page, request, email);
      await signOut(page);
      await askForCode(page, email);
      const code = await signInCode(request, email);
      await enterSignInCode(page, wrongCode([code]));
      await expect(page).toHaveURL(/\/sign-in-code$/);
      await expect(page.getByRole('alert')).toHaveText(WRONG);
      // Another code only after the resend wait, whoever asks.
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('alert')).toHaveText(/^Please wait \d+ seconds before asking for another code\.$/);
      await page.goBack();
      await expect(page).toHaveURL(/\/sign-in-code$/);
      await enterSignInCode(page, code);
      await expectSignedInHome(page, email);
    });

    test('a code tried too often, or after its step expired, sends the person back with a plain message', async ({ page, request, context }) => {
      const email = newEmail('emailcodeused');
      await registerAndConfirm(page, request, email);
      await signOut(page);
      await askForCode(page, email);
      const code = await signInCode(request, email);
      for (let i = 0; i < 3; i++) {
        await enterSignInCode(page, wrongCode([code]));
        await expect(page.getByRole('alert')).toHaveText(WRONG);
      }
      // Cognito allows three answers per code: the right one now comes too late.
      await enterSignInCode(page, code);
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('alert')).toHaveText(EXPIRED);
      await expect(page.getByLabel('Email')).toHaveValue(email);

      // The step's own cookie lasts as long as Cognito's session (3 minutes); without it the
      // code page cannot go on either.
      const other = newEmail('emailcodeexpired');
      await registerAndConfirm(page, request, other);
      await signOut(page);
      await askForCode(page, other);
      const otherCode = await signInCode(request, other);
      await context.clearCookies({ name: 'lc-challenge' });
      await enterSignInCode(page, otherCode);
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('alert')).toHaveText(EXPIRED);
    });

    test('sign up without a password, confirm, sign in by code, then set a first password with an emailed code', async ({ page, request }) => {
      const email = newEmail('nopassword');
      await registerWithoutPassword(page, request, email);
      await signOut(page);
      // No password to sign in with: any password is wrong.
      await signIn(page, email, PASSWORD);
      await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
      await askForCode(page, email);
      await enterSignInCode(page, await signInCode(request, email));
      await expectSignedInHome(page, email);

      // The session alone cannot give the account a password: Settings asks for the current
      // one, and points to the emailed code.
      await page.goto('/settings');
      await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert')).toHaveText('Enter your current password.');
      await page.getByRole('link', { name: 'a code by email' }).click();
      await expect(page).toHaveURL(/\/forgot-password$/);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send code' }).click();
      await expect(page).toHaveURL(/\/reset-password$/);
      const reset = (await mailbox(request, email)).filter((m) => m.purpose === 'forgot-password');
      await page.getByLabel('Reset code').fill(reset.at(-1)!.code);
      await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await signIn(page, email, PASSWORD);
      await expectSignedInHome(page, email);
    });

    test('an account without a password confirms a sensitive change with an emailed code', async ({ page, request }) => {
      const email = newEmail('nopassworddelete');
      await registerWithoutPassword(page, request, email);

      await page.goto('/settings');
      const danger = page.getByRole('region', { name: 'Delete account' });
      await danger.getByLabel('Type your email address to confirm').fill(email);
      // Without asking for a code first, six digits are not a password. (Enter presses the
      // form's own button, not "Email me a code instead".)
      await danger.getByLabel('Password, to confirm deletion').fill('123456');
      await danger.getByLabel('Password, to confirm deletion').press('Enter');
      await expect(page.getByRole('alert')).toHaveText(
        'That code has expired, or none was asked for. Choose \u201cEmail me a code instead\u201d for a new one.',
      );
      const before = (await mailbox(request, email)).length;
      await danger.getByRole('button', { name: 'Email me a code instead' }).click();
      await expect(page).toHaveURL(/\/settings$/);
      await expect(page.getByRole('status').first()).toHaveText(
        `We emailed a code to ${email}. Enter it where your password is asked for, within 3 minutes.`,
      );
      const code = await latestCode(request, email, before + 1);
      await danger.getByLabel('Type your email address to confirm').fill(email);
      await danger.getByLabel('Password or emailed code, to confirm deletion').fill(wrongCode([code]));
      await danger.getByRole('button', { name: 'Delete my account' }).click();
      await expect(page.getByRole('alert')).toHaveText(WRONG);
      await danger.getByLabel('Type your email address to confirm').fill(email);
      await danger.getByLabel('Password or emailed code, to confirm deletion').fill(code);
      await danger.getByRole('button', { name: 'Delete my account' }).click();
      await expect(page.getByRole('heading', { name: 'Your account was deleted' })).toBeVisible();
      // The code was the account's only way in, and it is gone.
      await askForCode(page, email);
      expect((await mailbox(request, email)).length).toBe(before + 1);
    });

    test('an unknown address gets the same code page and no mail', async ({ page, request }) => {
      const email = newEmail('emailcodenobody');
      await askForCode(page, email);
      expect(await mailbox(request, email)).toEqual([]);
      await enterSignInCode(page, '123456');
      await expect(page.getByRole('alert')).toHaveText(WRONG);
    });
  });
}
