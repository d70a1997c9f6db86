import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { totp } from './totp';

/** The local emulator (moto + our extension); its dev mailbox records every code "sent". */
export const emulatorURL = process.env.EMULATOR_URL ?? 'http://127.0.0.1:5078';

export const PASSWORD = 'Correct-Horse-9';

/** A fresh address per test, so tests never share an account. */
export function newEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;
}

/** A code Cognito sent, or (purpose "notice", code "") a note the app sent itself through SES. */
type Mail = {
  to: string;
  purpose: string;
  code: string;
  sent_at: string;
  from?: string;
  subject?: string;
  text?: string;
  html?: string;
};

async function allMail(request: APIRequestContext, email: string): Promise<Mail[]> {
  const res = await request.get(`${emulatorURL}/_dev/mailbox?to=${encodeURIComponent(email)}`);
  expect(res.ok()).toBeTruthy();
  return (await res.json()) as Mail[];
}

/** A security notice (a new browser, a passkey added, the password changed...): every one
 * points to the sessions page. */
function isSecurityNotice(m: Mail): boolean {
  return m.purpose === 'notice' && (m.text ?? '').includes('/settings#sessions');
}

/** The codes and the email-change notice the emulator sent to `email`, oldest first (the
 * security notices are in `securityNotices`). */
export async function mailbox(request: APIRequestContext, email: string): Promise<Mail[]> {
  return (await allMail(request, email)).filter((m) => !isSecurityNotice(m));
}

/** The security notices sent to `email`, oldest first. */
export async function securityNotices(request: APIRequestContext, email: string): Promise<Mail[]> {
  return (await allMail(request, email)).filter(isSecurityNotice);
}

/** Waits until `email` has at least `count` mails and returns the newest code. */
export async function latestCode(request: APIRequestContext, email: string, count = 1): Promise<string> {
  let mails: Mail[] = [];
  await expect
    .poll(async () => {
      mails = await mailbox(request, email);
      return mails.length;
    })
    .toBeGreaterThanOrEqual(count);
  return mails[mails.length - 1].code;
}

/** Fills and submits the sign-up form; lands on the confirm page. */
export async function signUp(page: Page, email: string, given = 'Ada', family = 'Lovelace') {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Given name').fill(given);
  await page.getByLabel('Family name').fill(family);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/confirm$/);
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
}

/** Enters a code on the confirm page. */
export async function enterCode(page: Page, code: string) {
  await page.getByLabel('Confirmation code').fill(code);
  await page.getByRole('button', { name: 'Confirm' }).click();
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toHaveText('You are signed out.');
}

/** Home shows who is signed in. */
export async function expectSignedInHome(page: Page, email: string, name = 'Ada Lovelace') {
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
  await expect(page.getByText(email, { exact: true })).toBeVisible();
  await expect(page.getByText('users', { exact: true })).toBeVisible();
}

/** A complete sign-up through the confirm page, ending signed in on home. */
export async function registerAndConfirm(page: Page, request: APIRequestContext, email: string) {
  await signUp(page, email);
  await enterCode(page, await latestCode(request, email));
  await expectSignedInHome(page, email);
}

/** "Sign up without a password", then the emailed code: ends signed in on home. */
export async function registerWithoutPassword(page: Page, request: APIRequestContext, email: string) {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Given name').fill('Ada');
  await page.getByLabel('Family name').fill('Lovelace');
  await page.getByRole('button', { name: 'Sign up without a password' }).click();
  await expect(page).toHaveURL(/\/confirm$/);
  await enterCode(page, await latestCode(request, email));
  await expectSignedInHome(page, email);
}

/** Asks for a sign-in code on the sign-in page; lands on the code page. */
export async function askForCode(page: Page, email: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in code' }).click();
  await expect(page).toHaveURL(/\/sign-in-code$/);
  await expect(page.getByRole('heading', { name: 'Enter your sign-in code' })).toBeVisible();
  await expect(page.getByText(`We sent a 6-digit sign-in code to ${email}.`, { exact: false })).toBeVisible();
}

/** The newest sign-in code mailed to `email`. */
export async function signInCode(request: APIRequestContext, email: string): Promise<string> {
  let codes: string[] = [];
  await expect
    .poll(async () => {
      codes = (await mailbox(request, email)).filter((m) => m.purpose === 'sign-in').map((m) => m.code);
      return codes.length;
    })
    .toBeGreaterThan(0);
  return codes[codes.length - 1];
}

/** Runs the server binary's admin commands against the test emulator (same env as the server). */
export function cli(...args: string[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('./target/debug/leptos-cognito', args, { cwd: '..', env: process.env, encoding: 'utf8' });
}

/** A code that is not valid now (nor one step either side). */
export function wrongCode(valid: string[]): string {
  let n = (parseInt(valid[0], 10) + 500_000) % 1_000_000;
  while (valid.includes(String(n).padStart(6, '0'))) n = (n + 1) % 1_000_000;
  return String(n).padStart(6, '0');
}

/** A text of the app in `lang`, read from the same files the server is built from. */
export function text(lang: 'en' | 'de', area: string, key: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const file = readFileSync(`${__dirname}/../../locales/${lang}/${area}.txt`, 'utf8');
  for (const line of file.split('\n')) {
    const at = line.indexOf('=');
    if (!line.trim().startsWith('#') && at > 0 && line.slice(0, at).trim() === key) return line.slice(at + 1).trim();
  }
  throw new Error(`no text ${key} in locales/${lang}/${area}.txt`);
}

/** The German text `area.key`. */
export const de = (area: string, key: string) => text('de', area, key);

/** Words that give away an English text (none is German, nor part of our names or the test data). */
const ENGLISH = /\b(the|your|you|and|with|sign|signed|password|account|enter|please|settings|address|forgot|create|send|sent|change|delete|save|new|email|confirm|cancel|back|home|page|this|that|here|again|choose|add|remove|show|hide|turn|upload|picture|code from|wait|only|for|to|of|is|are|not|no|yes|has|have|can|menu|language)\b/i;

/** The lines a person reads on the page (its text, title and labels) that have an English word. */
export async function englishOn(page: Page): Promise<string[]> {
  const seen = await page.evaluate(() => {
    const visible = (el: Element) => !(el as HTMLElement).closest('[hidden]');
    const attrs = [...document.querySelectorAll('[aria-label], [alt], [title], [placeholder]')]
      .filter(visible)
      .flatMap((el) => ['aria-label', 'alt', 'title', 'placeholder'].map((a) => el.getAttribute(a) ?? ''));
    return [document.title, document.body.innerText, ...attrs].join('\n');
  });
  // The site's name and the person's own data are not translated.
  return seen
    .split('\n')
    .map((line) => line.replace(/leptos-cognito|[\w.+-]+@example\.com|Ada|Lovelace|\busers\b|\badmins\b/g, ''))
    .filter((line) => ENGLISH.test(line));
}

/** Fails when what a person reads on the page has an English word. */
export async function expectNoEnglish(page: Page) {
  expect(await englishOn(page), `English on ${page.url()}`).toEqual([]);
}

/** From home or settings: turns on two-factor authentication through its page (wrong password,
 * wrong code, then right), ending on the two-factor page; returns the secret. */
export async function setUpMfa(page: Page): Promise<{ secret: string; codes: string[] }> {
  await expect(page.getByText('Two-factor authentication is off.')).toBeVisible();
  await page.getByRole('link', { name: 'Set up two-factor authentication' }).click();
  // Turning it on needs the current password first.
  await page.getByRole('button', { name: 'Start set-up' }).click();
  await expect(page.getByRole('alert')).toHaveText('Enter your current password.');
  await page.getByLabel('Current password').fill('Not-My-Password-1');
  await page.getByRole('button', { name: 'Start set-up' }).click();
  await expect(page.getByRole('alert')).toHaveText('Your current password is not right.');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Start set-up' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await page.getByLabel('Secret key').inputValue()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  // A wrong code says so and lets the person retry.
  await page.getByLabel('Code from your app').fill(wrongCode([totp(secret, -1), totp(secret), totp(secret, 1)]));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByRole('alert')).toHaveText('That code is not right. Enter the current code from your authenticator app.');
  await page.getByLabel('Code from your app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByRole('status')).toHaveText(
    'Two-factor authentication is on. You will be asked for a code when you sign in.',
  );
  // Ten recovery codes, shown this once, with a file to download.
  await expect(page).toHaveURL(/\/recovery-codes$/);
  const list = page.getByRole('list', { name: 'Recovery codes' });
  await expect(list.getByRole('listitem')).toHaveCount(10);
  const codes = (await list.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  for (const c of codes) expect(c).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
  await expect(page.getByRole('link', { name: 'Download as a text file' })).toHaveAttribute('download', 'recovery-codes.txt');
  await page.getByRole('link', { name: 'I have saved my recovery codes' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('link', { name: 'Turn off two-factor authentication' })).toBeVisible();
  await expect(page.getByText('Recovery codes left: 10 of 10.')).toBeVisible();
  // Shown once: the page does not show them again.
  await page.goto('/recovery-codes');
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);
  await expect(page.getByText('These codes have already been shown.', { exact: false })).toBeVisible();
  await page.goto('/settings');
  return { secret, codes };
}
