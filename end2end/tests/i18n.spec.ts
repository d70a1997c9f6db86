import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, cli, de, englishOn, expectNoEnglish, latestCode, mailbox, newEmail, registerAndConfirm, signInCode, wrongCode } from './helpers';
import { totp } from './totp';

// Every page in German: chosen by the browser (Accept-Language), by the footer's switcher (a
// form, so without JavaScript too), or by the signed-in person's Cognito `locale`. The texts the
// tests look for are read from locales/de/*.txt, the files the server is built from.

/** The footer's language form: a button per other language, named in its own language. */
const switchTo = async (page: Page, name: 'Deutsch' | 'English') => {
  const path = new URL(page.url()).pathname;
  await page.getByRole('contentinfo').getByRole('button', { name }).click();
  await expect(page).toHaveURL(new RegExp(`${path.replace(/[/]/g, '\\/')}$`));
  await expect(page.locator('html')).toHaveAttribute('lang', name === 'Deutsch' ? 'de' : 'en');
};

for (const javaScriptEnabled of [true, false]) {
  test.describe(`a German browser, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ locale: 'de-DE', javaScriptEnabled });

    test('signs up, confirms and signs in in German, with German errors and emails', async ({ page, request }) => {
      const email = newEmail('deutsch');
      await page.goto('/sign-up');
      await expect(page.locator('html')).toHaveAttribute('lang', 'de');
      await expect(page).toHaveTitle(`${de('auth', 'sign_up_title')} · leptos-cognito`);
      await expectNoEnglish(page);
      await page.getByLabel(de('common', 'email')).fill(email);
      await page.getByLabel(de('auth', 'password'), { exact: true }).fill('kurz');
      await page.getByLabel(de('auth', 'given_name')).fill('Ada');
      await page.getByLabel(de('auth', 'family_name')).fill('Lovelace');
      await page.getByRole('button', { name: de('auth', 'create_account'), exact: true }).click();
      // The server's check, in German (the form keeps what was typed, except the password).
      await expect(page.getByRole('alert')).toContainText(de('validate', 'password_needs').split('{')[0]);
      await expect(page.getByLabel(de('auth', 'given_name'))).toHaveValue('Ada');
      await expectNoEnglish(page);
      await page.getByLabel(de('auth', 'password'), { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: de('auth', 'create_account'), exact: true }).click();

      await expect(page).toHaveURL(/\/confirm$/);
      await expect(page.getByRole('heading', { name: de('auth', 'confirm_title') })).toBeVisible();
      await expectNoEnglish(page);
      const mail = (await mailbox(request, email)).at(-1)!;
      expect(mail.subject).toBe('Ihr Bestätigungscode für leptos-cognito');
      // A wrong code first: Cognito's refusal, in German.
      await page.getByLabel(de('auth', 'confirmation_code')).fill(mail.code === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: de('auth', 'confirm'), exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText(de('errors', 'code_mismatch'));
      await expectNoEnglish(page);
      await page.getByLabel(de('auth', 'confirmation_code')).fill(await latestCode(request, email));
      await page.getByRole('button', { name: de('auth', 'confirm'), exact: true }).click();

      await expect(page).toHaveURL(/\/$/);
      await expect(page.getByRole('heading', { name: de('home', 'welcome').replace('{name}', 'Ada Lovelace') })).toBeVisible();
      await expectNoEnglish(page);
      await page.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('status')).toHaveText(de('auth_server', 'signed_out'));
      await expectNoEnglish(page);

      await page.getByLabel(de('common', 'email')).fill(email);
      await page.getByLabel(de('auth', 'password'), { exact: true }).fill('Wrong-Horse-99');
      await page.getByRole('button', { name: de('common', 'sign_in'), exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText(de('errors', 'wrong_credentials'));
      await expectNoEnglish(page);
      await page.getByLabel(de('auth', 'password'), { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: de('common', 'sign_in'), exact: true }).click();
      await expect(page.getByRole('heading', { name: de('home', 'welcome').replace('{name}', 'Ada Lovelace') })).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    });
  });
}

for (const javaScriptEnabled of [true, false]) {
  test(`the footer switches the language and it stays chosen, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async ({ browser }) => {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await switchTo(page, 'Deutsch');
    await expect(page.getByRole('heading', { name: de('common', 'sign_in') })).toBeVisible();
    await expectNoEnglish(page);
    // Another page, and a page that does not exist: still German.
    await page.goto('/forgot-password');
    await expect(page.getByRole('heading', { name: de('auth', 'forgot_title') })).toBeVisible();
    const missing = await page.goto('/no-such-page');
    expect(missing?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: de('errors', 'not_found_title') })).toBeVisible();
    await expectNoEnglish(page);
    await page.goto('/sign-in');
    await switchTo(page, 'English');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    // The check that finds no English on the German pages finds it here.
    expect((await englishOn(page)).length).toBeGreaterThan(3);
    await context.close();
  });
}

test('a signed-in switch is saved to the account: emails follow it, and another browser opens in it', async ({ page, browser, request }) => {
  const email = newEmail('switch');
  await registerAndConfirm(page, request, email);
  await page.goto('/settings');
  await switchTo(page, 'Deutsch');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(de('common', 'settings'));

  // A browser that prefers English and has no cookie: the account's locale decides.
  const other = await browser.newContext({ locale: 'en-US' });
  const tab = await other.newPage();
  await tab.goto('/sign-in');
  await expect(tab.locator('html')).toHaveAttribute('lang', 'en');
  await tab.getByLabel('Email').fill(email);
  await tab.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await expect(tab).toHaveURL(/\/$/);
  await expect(tab.locator('html')).toHaveAttribute('lang', 'de');
  await expectNoEnglish(tab);
  // Signed out, the page that says so is in the language of its message (the account's); the
  // next page is the browser's own language again (nothing of the account stays behind).
  await tab.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
  await expect(tab.getByRole('status')).toHaveText(de('auth_server', 'signed_out'));
  await expect(tab.locator('html')).toHaveAttribute('lang', 'de');
  await tab.goto('/sign-up');
  await expect(tab.locator('html')).toHaveAttribute('lang', 'en');
  await other.close();

  // Cognito's CustomMessage trigger reads the same attribute.
  await page.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
  await page.getByLabel(de('common', 'email')).fill(email);
  await page.getByRole('button', { name: de('auth', 'email_sign_in_code') }).click();
  await signInCode(request, email);
  expect((await mailbox(request, email)).at(-1)!.subject).toBe('Ihr Code für leptos-cognito');
});

test('every page a person can reach reads German, signed in and out', async ({ page, request }) => {
  const email = newEmail('tour');
  await registerAndConfirm(page, request, email);
  await switchTo(page, 'Deutsch');
  for (const path of ['/', '/settings', '/two-factor', '/admin', '/no-such-page']) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expectNoEnglish(page);
  }
  await page.goto('/');
  await page.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
  for (const path of ['/sign-in', '/sign-up', '/confirm', '/forgot-password', '/reset-password', '/sign-in-code', '/verify-mfa', '/new-password', '/account-deleted', '/two-factor']) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expectNoEnglish(page);
  }
});

test('forms answer in German: settings, two-factor set-up, a code by email, a forgotten password', async ({ page, request }) => {
  const email = newEmail('forms');
  await registerAndConfirm(page, request, email);
  await switchTo(page, 'Deutsch');

  // A new address confirmed with a wrong password: the server's refusal, in German.
  await page.goto('/settings');
  await page.getByLabel(de('settings', 'new_email')).fill(newEmail('other'));
  const confirmLabel = de('common', 'password_for').replace('{purpose}', de('settings', 'purpose_change'));
  await page.getByLabel(confirmLabel).fill('Wrong-Horse-99');
  await page.getByRole('button', { name: de('settings', 'change_email'), exact: true }).click();
  await expect(page.getByRole('alert').first()).toBeVisible();
  await expectNoEnglish(page);
  // With the right one: the note to the old address is German too, and the page waits for the code.
  const next = newEmail('next');
  await page.getByLabel(de('settings', 'new_email')).fill(next);
  await page.getByLabel(confirmLabel).fill(PASSWORD);
  await page.getByRole('button', { name: de('settings', 'change_email'), exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: next }).first()).toHaveText(de('settings', 'code_sent_to').replace('{email}', next));
  await expectNoEnglish(page);
  const notice = (await mailbox(request, email)).find((m) => m.purpose === 'notice')!;
  expect(notice.subject).toBe(de('email', 'change_notice_subject').replace('{app_name}', 'leptos-cognito'));
  expect(notice.text).toContain(de('email', 'change_notice_if_you'));

  // Two-factor set-up: the QR code step.
  await page.goto('/two-factor');
  await page.getByLabel(de('mfa', 'current_password')).fill(PASSWORD);
  await page.getByRole('button', { name: de('mfa', 'start_setup') }).click();
  await expect(page.getByText(de('mfa', 'scan'))).toBeVisible();
  await expectNoEnglish(page);

  // Signed out: a sign-in code by email, then a forgotten password.
  await page.goto('/');
  await page.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
  await page.getByLabel(de('common', 'email')).fill(email);
  await page.getByRole('button', { name: de('auth', 'email_sign_in_code') }).click();
  await expect(page.getByRole('heading', { name: de('auth', 'sign_in_code_title') })).toBeVisible();
  await expectNoEnglish(page);
  await page.goto('/forgot-password');
  await page.getByLabel(de('common', 'email')).fill(email);
  await page.getByRole('button', { name: de('auth', 'send_code') }).click();
  await expect(page.getByRole('heading', { name: de('auth', 'reset_title') })).toBeVisible();
  await expectNoEnglish(page);
});

test.describe('the sign-in steps, in a German browser', () => {
  test.use({ locale: 'de-DE' });

  test('an invited person chooses a password, turns on two-factor and signs in with a code, all in German', async ({ page }) => {
    const email = newEmail('eingeladen');
    cli('invite', email, 'Temp-Password-1');
    const signInWith = async (password: string) => {
      await page.goto('/sign-in');
      await page.getByLabel(de('common', 'email')).fill(email);
      await page.getByLabel(de('auth', 'password'), { exact: true }).fill(password);
      await page.getByRole('button', { name: de('common', 'sign_in'), exact: true }).click();
    };
    await signInWith('Temp-Password-1');
    await expect(page).toHaveURL(/\/new-password$/);
    await expect(page.getByRole('heading', { name: de('auth', 'new_password_title') })).toBeVisible();
    await expectNoEnglish(page);
    await page.getByLabel(de('auth', 'new_password'), { exact: true }).fill('short');
    await page.getByRole('button', { name: de('auth', 'set_password_and_sign_in') }).click();
    await expect(page.getByRole('alert')).toHaveText(
      de('validate', 'password_needs').replace('{missing}', de('validate', 'needs_min_length').replace('{count}', '12')),
    );
    await expectNoEnglish(page);
    await page.getByLabel(de('auth', 'new_password'), { exact: true }).fill('Chosen-Password-5');
    await page.getByRole('button', { name: de('auth', 'set_password_and_sign_in') }).click();
    await expect(page).toHaveURL(/\/$/);

    await page.goto('/two-factor');
    await page.getByLabel(de('mfa', 'current_password')).fill('Chosen-Password-5');
    await page.getByRole('button', { name: de('mfa', 'start_setup') }).click();
    await expect(page.getByRole('img', { name: de('mfa', 'qr_label') })).toBeVisible();
    const secret = (await page.getByLabel(de('mfa', 'secret_key')).inputValue()).trim();
    await page.getByLabel(de('mfa', 'code_from_app')).fill(totp(secret));
    await page.getByRole('button', { name: de('mfa', 'turn_on') }).click();
    await expect(page.getByRole('status')).toHaveText(de('mfa', 'turned_on'));
    await expectNoEnglish(page);

    await page.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
    await signInWith('Chosen-Password-5');
    await expect(page).toHaveURL(/\/verify-mfa$/);
    await expect(page.getByRole('heading', { name: de('auth', 'mfa_title') })).toBeVisible();
    await expectNoEnglish(page);
    await page.getByLabel(de('auth', 'authenticator_code')).fill(wrongCode([totp(secret, -1), totp(secret), totp(secret, 1)]));
    await page.getByRole('button', { name: de('auth', 'verify'), exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText(de('errors', 'wrong_authenticator_code'));
    await expectNoEnglish(page);
  });
});
