import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, newEmail, registerAndConfirm, setUpMfa, signIn, signUp } from './helpers';
import { totp } from './totp';

async function expectNoViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`)).toEqual([]);
}

test('signed-out pages have no axe violations', async ({ page }) => {
  for (const path of ['/sign-in', '/sign-up', '/forgot-password', '/reset-password', '/confirm', '/verify-mfa', '/sign-in-code', '/new-password', '/no-such-page']) {
    await page.goto(path);
    await expectNoViolations(page);
  }
  // With an error shown, too.
  await signIn(page, 'not-an-email', 'x');
  await expectNoViolations(page);
});

test('signed-in pages have no axe violations', async ({ page, request }) => {
  const email = newEmail('axe');
  await signUp(page, email);
  await expectNoViolations(page);
  await registerAndConfirm(page, request, newEmail('axe2'));
  await expectNoViolations(page);
  for (const path of ['/two-factor', '/two-factor-off', '/admin']) {
    await page.goto(path);
    await expectNoViolations(page);
  }
  await page.goto('/two-factor');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Start set-up' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  await expectNoViolations(page);
});

test('settings with two-factor on (sessions, codes, step-up fields) and the recovery codes page have no axe violations', async ({ page, request }) => {
  await registerAndConfirm(page, request, newEmail('axe-2fa'));
  await page.goto('/settings');
  const { secret } = await setUpMfa(page);
  await expect(page.getByRole('region', { name: "Where you're signed in" })).toBeVisible();
  await expectNoViolations(page);
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.locator('summary').click();
  await section.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await section.getByLabel('Code from your app').fill(totp(secret));
  await section.getByRole('button', { name: 'Generate new recovery codes' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await expectNoViolations(page);
});

test('keyboard only: sign in with Tab and Enter', async ({ page, request }) => {
  const email = newEmail('keys');
  await registerAndConfirm(page, request, email);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto('/sign-in');
  await page.getByLabel('Email').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Correct-Horse-9');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/$/);
});

test('with JavaScript, fields are checked when the person leaves them', async ({ page }) => {
  await page.goto('/sign-up');
  await expect(page.getByRole('button', { name: 'Show password' })).toBeVisible(); // hydrated
  const email = page.getByLabel('Email');
  await email.fill('not-an-email');
  await page.getByLabel('Given name').focus();
  await expect(page.getByText('Enter a valid email address, like name@example.com.')).toBeVisible();
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/sign-up$/);
  // The message follows the typing and goes once the value is right.
  await email.fill('ada@example.com');
  await expect(page.getByText('Enter a valid email address, like name@example.com.')).toHaveCount(0);
  await expect(email).not.toHaveAttribute('aria-invalid', 'true');
  await expectNoViolations(page);
});
