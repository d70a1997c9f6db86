import { expect, test } from '@playwright/test';
import { PASSWORD, expectSignedInHome, latestCode, mailbox, newEmail, registerAndConfirm, signIn, signOut } from './helpers';

for (const javaScriptEnabled of [true, false]) {
  test.describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled });

    test('edit names and bio; they persist and the header shows the new name at once', async ({ page, request }) => {
      const email = newEmail('profile');
      await registerAndConfirm(page, request, email);
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Given name').fill('Grace');
      await page.getByLabel('Family name').fill('Hopper');
      await page.getByLabel('Bio').fill('Wrote the first compiler.');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await expect(page.getByRole('status')).toHaveText('Your profile is saved.');
      await expect(page.getByRole('navigation', { name: 'Account' })).toContainText('Grace Hopper');
      await page.reload();
      await expect(page.getByLabel('Given name')).toHaveValue('Grace');
      await expect(page.getByLabel('Family name')).toHaveValue('Hopper');
      await expect(page.getByLabel('Bio')).toHaveValue('Wrote the first compiler.');
      // An empty name is refused with a plain message and nothing changes; what was typed
      // stays in the fields.
      await page.getByLabel('Given name').fill('   ');
      await page.getByLabel('Family name').fill('Hopper-Murray');
      await page.getByLabel('Bio').fill('Not saved yet.');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await expect(page.getByRole('alert')).toHaveText('Enter your given name.');
      await expect(page.getByLabel('Family name')).toHaveValue('Hopper-Murray');
      await expect(page.getByLabel('Bio')).toHaveValue('Not saved yet.');
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Welcome, Grace Hopper' })).toBeVisible();
    });

    test('change password: a wrong current password is refused, then sign in with the new one', async ({ page, request }) => {
      const email = newEmail('chpw');
      await registerAndConfirm(page, request, email);
      await page.goto('/settings');
      await page.getByLabel('Current password').fill('Not-My-Password-1');
      await page.getByLabel('New password', { exact: true }).fill('Brand-New-Pass-2');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert')).toHaveText('Your current password is not right.');
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('weak');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('alert')).toHaveText('Your password needs: at least 12 characters.');
      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('Brand-New-Pass-2');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('status')).toHaveText('Your password has been changed. Every other session is signed out.');
      await signOut(page);
      await signIn(page, email, PASSWORD);
      await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
      await signIn(page, email, 'Brand-New-Pass-2');
      await expectSignedInHome(page, email);
    });

    test('change email with a code from the new address, then sign in with it', async ({ page, request }) => {
      const email = newEmail('oldmail');
      const next = newEmail('newmail');
      await registerAndConfirm(page, request, email);
      await page.goto('/settings');
      await page.getByLabel('New email address').fill(next);
      await page.getByLabel('Password, to confirm the change').fill('Not-My-Password-1');
      await page.getByRole('button', { name: 'Change email' }).click();
      await expect(page.getByRole('alert')).toHaveText('Your current password is not right.');
      expect(await mailbox(request, next)).toEqual([]);
      await page.getByLabel('New email address').fill(next);
      await page.getByLabel('Password, to confirm the change').fill(PASSWORD);
      await page.getByRole('button', { name: 'Change email' }).click();
      await expect(page.getByRole('status').first()).toHaveText(
        `We sent a code to ${next}. Enter it below to confirm your new address.`,
      );
      await expect(page.getByText(`Your new address ${next} is not confirmed yet.`)).toBeVisible();
      // Until the code is entered the account keeps its address, and that address was told.
      await expect(page.getByText(`You sign in with ${email}.`)).toBeVisible();
      const notices = (await mailbox(request, email)).filter((m) => m.purpose === 'notice');
      expect(notices.map((m) => m.subject)).toEqual(['Your leptos-cognito email address is being changed']);
      expect(notices[0].text).toContain(`from ${email} to ${next}`);
      const mails = await mailbox(request, next);
      expect(mails.map((m) => m.purpose)).toEqual(['verify-email']);
      await page.getByLabel('Email code').fill(mails[0].code === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Confirm new email' }).click();
      await expect(page.getByRole('alert')).toHaveText('That code is not right. Check the latest email we sent and try again.');
      await page.getByLabel('Email code').fill(mails[0].code);
      await page.getByRole('button', { name: 'Confirm new email' }).click();
      await expect(page.getByRole('status')).toHaveText('Your new email address is confirmed. Use it to sign in from now on.');
      await expect(page.getByText(`You sign in with ${next}.`)).toBeVisible();
      await signOut(page);
      await signIn(page, email);
      await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
      await signIn(page, next);
      await expectSignedInHome(page, next);
    });

    test('delete account: confirm by typing the email; afterwards sign-in fails', async ({ page, request }) => {
      const email = newEmail('delete');
      await registerAndConfirm(page, request, email);
      await page.goto('/settings');
      await page.getByLabel('Type your email address to confirm').fill('someone-else@example.com');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect(page.getByRole('alert')).toHaveText('Type your email address exactly to confirm.');
      await page.getByLabel('Type your email address to confirm').fill(email);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect(page.getByRole('alert')).toHaveText('Enter your current password.');
      await page.getByLabel('Type your email address to confirm').fill(email);
      await page.getByLabel('Password, to confirm deletion').fill(PASSWORD);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect(page).toHaveURL(/\/account-deleted$/);
      await expect(page.getByRole('heading', { name: 'Your account was deleted' })).toBeVisible();
      await page.goto('/');
      await expect(page).toHaveURL(/\/sign-in$/);
      await signIn(page, email);
      await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
    });
  });
}

test('a signed-out visit to settings redirects to sign-in', async ({ page }) => {
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('with JavaScript, a pressed submit button shows a pending state and cannot be pressed twice', async ({ page }) => {
  await page.goto('/sign-in');
  // Islands hydrate when the page is idle; wait for the password toggle that hydration reveals.
  await expect(page.getByRole('button', { name: 'Show password' })).toBeVisible();
  // Hold the form on the page (as a slow server would) and count the submissions.
  await page.evaluate(() => {
    (window as any).submits = 0;
    document.querySelector('form')!.addEventListener('submit', (e) => {
      (window as any).submits += 1;
      e.preventDefault();
    });
  });
  await page.getByLabel('Email').fill(newEmail('pending'));
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const pending = page.getByRole('button', { name: 'Please wait…' });
  await expect(pending).toHaveAttribute('aria-busy', 'true');
  await pending.click();
  expect(await page.evaluate(() => (window as any).submits)).toBe(1);
});
