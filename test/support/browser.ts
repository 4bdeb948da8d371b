/**
 * Debian's Chromium driven by playwright-core, as the developers' guide asks: /usr/bin/chromium, headless,
 * no sandbox, nothing phoning home, a fresh profile in a temporary folder (removed on close). Nothing
 * here downloads a browser: playwright-core has no browser of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const chromiumPath = process.env.HOLOCRON_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(options: { width?: number; height?: number; deviceScaleFactor?: number } = {}): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install Debian's package (apt-get install -y chromium), as .ci/run does.`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: options.width ?? 1360, height: options.height ?? 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
