import { expect, test } from '@playwright/test';
import { PASSWORD, de, emulatorURL, mailbox, newEmail, signInCode, signUp } from './helpers';

// The emails Cognito sends go through the pool's CustomMessage trigger (`leptos-cognito
// custom-message`, which the emulator runs): branded, HTML, the code large, in the language the
// browser asked for at sign-up (the account's `locale`).

test.describe('a browser that prefers German', () => {
  test.use({ locale: 'de-DE' });

  test('gets its sign-up and sign-in codes in German, and the mailbox shows the email as sent', async ({ page, request }) => {
    const email = newEmail('deutsch');
    // The pages are German too (i18n.spec.ts goes through them); their labels come from locales/de.
    await page.goto('/sign-up');
    await page.getByLabel(de('common', 'email')).fill(email);
    await page.getByLabel(de('auth', 'password'), { exact: true }).fill(PASSWORD);
    await page.getByLabel(de('auth', 'given_name')).fill('Ada');
    await page.getByLabel(de('auth', 'family_name')).fill('Lovelace');
    await page.getByRole('button', { name: de('auth', 'create_account'), exact: true }).click();
    await expect(page).toHaveURL(/\/confirm$/);
    const mail = (await mailbox(request, email)).at(-1)!;
    expect(mail.purpose).toBe('sign-up');
    expect(mail.subject).toBe('Ihr Bestätigungscode für leptos-cognito');
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).toContain(`>${mail.code}</p>`);
    expect(mail.text).toBe(
      'leptos-cognito\nGuten Tag,\nGeben Sie diesen Code ein, um Ihre E-Mail-Adresse zu bestätigen und die Registrierung abzuschließen:\n' +
        `${mail.code}\nDer Code ist 24 Stunden gültig. Wenn Sie sich nicht bei leptos-cognito registriert haben, können Sie diese E-Mail ignorieren.\n`,
    );
    await page.getByLabel(de('auth', 'confirmation_code')).fill(mail.code);
    await page.getByRole('button', { name: de('auth', 'confirm'), exact: true }).click();
    await expect(page).toHaveURL(/\/$/);

    await page.getByRole('button', { name: de('common', 'sign_out'), exact: true }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.getByLabel(de('common', 'email')).fill(email);
    await page.getByRole('button', { name: de('auth', 'email_sign_in_code') }).click();
    await expect(page).toHaveURL(/\/sign-in-code$/);
    const code = await signInCode(request, email);
    const signIn = (await mailbox(request, email)).at(-1)!;
    expect(signIn.subject).toBe('Ihr Code für leptos-cognito');
    expect(signIn.text).toContain(
      `Geben Sie diesen Code ein, um sich anzumelden oder eine Änderung an Ihrem Konto zu bestätigen. Er ist 3 Minuten gültig:\n${code}\n`,
    );

    // The dev mailbox renders the HTML (in a sandboxed frame), as a mail client would.
    await page.goto(`${emulatorURL}/_dev/mailbox/view`);
    const frame = page.frameLocator('iframe[title="Ihr Code für leptos-cognito"]').first();
    await expect(frame.getByText(code, { exact: true })).toBeVisible();
    await expect(frame.getByText('Guten Tag,')).toBeVisible();
  });
});

test('a browser that prefers English gets English emails', async ({ page, request }) => {
  const email = newEmail('english');
  await signUp(page, email);
  const mail = (await mailbox(request, email)).at(-1)!;
  expect(mail.subject).toBe('Your leptos-cognito confirmation code');
  expect(mail.text).toContain(`Hello,\nEnter this code to confirm your email address and finish signing up:\n${mail.code}\n`);
});
