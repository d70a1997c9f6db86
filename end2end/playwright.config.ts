import { defineConfig } from '@playwright/test';

// The server and emulator addresses come from dev/run-tests.sh; these defaults match it.
const port = process.env.TEST_SITE_PORT ?? '3100';
export const siteURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: siteURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; never a downloaded browser.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    // Built by `cargo leptos build` before the tests run (dev/run-tests.sh).
    command: './target/debug/leptos-cognito',
    cwd: '..',
    url: `${siteURL}/sign-in`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGINT', timeout: 5_000 },
    env: {
      LEPTOS_OUTPUT_NAME: 'leptos-cognito',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_ENV: 'DEV',
      LEPTOS_HASH_FILES: 'true',
    },
  },
});
