import { expect, test } from '@playwright/test';
import {
  PASSWORD,
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

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test('sign up, confirm with the mailed code, sign out, sign in, sign out', async ({ page, request }) => {
      const email = newEmail('journey');
      await signUp(page, email);
      const mails = await mailbox(request, email);
      expect(mails.map((m) => m.purpose)).toEqual(['sign-up']);
      await enterCode(page, await latestCode(request, email));
      // Signed in straight after confirming, without typing the password again.
      await expectSignedInHome(page, email);
      await signOut(page);
      await signIn(page, email);
      await expectSignedInHome(page, email);
      await signOut(page);
      await page.goto('/');
      await expect(page).toHaveURL(/\/sign-in$/);
    });

    test('a wrong code shows a plain error and keeps the person on the page', async ({ page, request }) => {
      const email = newEmail('wrongcode');
      await signUp(page, email);
      const code = await latestCode(request, email);
      const wrong = code === '000000' ? '111111' : '000000';
      await enterCode(page, wrong);
      await expect(page).toHaveURL(/\/confirm$/);
      await expect(page.getByRole('alert')).toHaveText(
        'That code is not right. Check the latest email we sent and try again.',
      );
      await expect(page.getByLabel('Email')).toHaveValue(email);
      await enterCode(page, code);
      await expectSignedInHome(page, email);
    });

    test('a code that is not six digits is refused before Cognito is asked', async ({ page, request }) => {
      const email = newEmail('shortcode');
      await signUp(page, email);
      await enterCode(page, '12ab');
      await expect(page.getByRole('alert')).toHaveText('Enter the 6-digit code from the email.');
    });

    test('wrong password and unknown email show the same message', async ({ page, request }) => {
      const email = newEmail('wrongpw');
      await registerAndConfirm(page, request, email);
      await signOut(page);
      await signIn(page, email, 'Wrong-Password-1');
      await expect(page).toHaveURL(/\/sign-in$/);
      const wrongPassword = await page.getByRole('alert').textContent();
      await expect(page.getByLabel('Email')).toHaveValue(email);
      await signIn(page, newEmail('nobody'), 'Wrong-Password-1');
      const unknownEmail = await page.getByRole('alert').textContent();
      expect(wrongPassword).toBe('Incorrect email or password.');
      expect(unknownEmail).toBe(wrongPassword);
    });

    test('a signed-out visit to home redirects to sign-in', async ({ page }) => {
      const response = await page.goto('/');
      await expect(page).toHaveURL(/\/sign-in$/);
      expect(response?.ok()).toBeTruthy();
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    });

    test('a duplicate email moves on exactly like a new one', async ({ page, request }) => {
      const email = newEmail('dupe');
      await registerAndConfirm(page, request, email);
      await signOut(page);
      await signUp(page, email);
      await expect(page.getByRole('alert')).toBeHidden();
      await expect(page.getByText(`We sent a 6-digit code to ${email}`)).toBeVisible();
    });

    test('a password that breaks the rules is refused with what is missing', async ({ page }) => {
      await page.goto('/sign-up');
      await page.getByLabel('Email').fill(newEmail('weak'));
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByLabel('Given name').fill('Ada');
      await page.getByLabel('Family name').fill('Lovelace');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page).toHaveURL(/\/sign-up$/);
      await expect(page.getByRole('alert')).toHaveText('Your password needs: at least 12 characters.');
      // What was typed (except the password) is still there.
      await expect(page.getByLabel('Given name')).toHaveValue('Ada');
    });

    test('a common password is refused even when it is long enough', async ({ page }) => {
      await page.goto('/sign-up');
      await page.getByLabel('Email').fill(newEmail('common'));
      await page.getByLabel('Password', { exact: true }).fill('Password1234');
      await page.getByLabel('Given name').fill('Ada');
      await page.getByLabel('Family name').fill('Lovelace');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page).toHaveURL(/\/sign-up$/);
      await expect(page.getByRole('alert')).toHaveText(
        'That password is too common or too easy to guess. Try a longer phrase that only you would think of.',
      );
    });

    test('an invalid email is refused with a plain message', async ({ page }) => {
      await page.goto('/sign-in');
      await page.getByLabel('Email').fill('not-an-email');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toHaveText('Enter a valid email address, like name@example.com.');
    });
  });
}

test('resend delivers a new code that confirms the account', async ({ page, request }) => {
  const email = newEmail('resend');
  await signUp(page, email);
  await latestCode(request, email, 1);
  await page.getByRole('button', { name: /Resend code/ }).click();
  await expect(page.getByRole('status')).toHaveText('We sent you a new code. It replaces the previous one.');
  const mails = await mailbox(request, email);
  expect(mails.map((m) => m.purpose)).toEqual(['sign-up', 'resend']);
  // Asking again at once is refused by the server with the wait time.
  await expect(page.getByRole('button', { name: /Resend code in \d+ s/ })).toBeDisabled();
  await enterCode(page, mails[1].code);
  await expectSignedInHome(page, email);
});

test('resending too soon without JavaScript says how long to wait', async ({ browser, request }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = newEmail('resendnojs');
  await signUp(page, email);
  await page.getByRole('button', { name: 'Resend code' }).click();
  await expect(page.getByRole('status')).toHaveText('We sent you a new code. It replaces the previous one.');
  await page.getByRole('button', { name: 'Resend code' }).click();
  await expect(page.getByRole('alert')).toHaveText(/Please wait \d+ seconds before asking for another code\./);
  expect((await mailbox(request, email)).length).toBe(2);
  await context.close();
});

test('the password checklist follows what is typed and the toggle shows the password', async ({ page }) => {
  await page.goto('/sign-up');
  const password = page.getByLabel('Password', { exact: true });
  const rules = page.getByRole('list');
  // Length is the only rule (ASVS 5.0: no composition rules).
  await expect(rules.getByRole('listitem')).toHaveCount(1);
  await expect(rules.getByText('At least 12 characters (not met)')).toBeAttached();
  await password.fill('abc1 defg hij');
  await expect(rules.getByText('At least 12 characters (met)')).toBeAttached();
  await password.fill('abc1');
  await expect(rules.getByText('At least 12 characters (not met)')).toBeAttached();
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Show password' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide password' }).click();
  await expect(password).toHaveAttribute('type', 'password');
});
