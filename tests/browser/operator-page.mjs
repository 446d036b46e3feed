// Opens the operator page in headless Chromium at a phone width and a desktop width, reads every
// data-figure value, checks that nothing overflows the phone's width, and saves a screenshot of each.
// Usage: node operator-page.mjs URL READER_KEY OUTPUT_FOLDER
// Prints one JSON object: {"figures": {...}, "phone": {...}, "desktop": {...}}.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const toolsFolder = process.env.PORTUS_BROWSER_TOOLS;
const { chromium } = require(path.join(toolsFolder, 'node_modules', 'playwright-core'));

const [url, readerKey, outputFolder] = process.argv.slice(2);
if (!url || !readerKey || !outputFolder) {
  console.error('usage: node operator-page.mjs URL READER_KEY OUTPUT_FOLDER');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.PORTUS_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function open(name, viewport) {
  const context = await browser.newContext({ viewport, httpCredentials: { username: 'reader', password: readerKey } });
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: 'load' });
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    sections: [...document.querySelectorAll('main > section')].map((section) => section.id),
    links: [...document.querySelectorAll('a[href]')].map((link) => link.getAttribute('href')),
  }));
  const figures = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-figure]')].map((element) => [element.dataset.figure, element.textContent.trim()])));
  const screenshot = path.join(outputFolder, `operator-page-${name}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  await context.close();
  return { status: response.status(), ...layout, figures, screenshot };
}

try {
  const phone = await open('phone', { width: 390, height: 844 });
  const desktop = await open('desktop', { width: 1280, height: 900 });
  console.log(JSON.stringify({ figures: desktop.figures, phone, desktop }));
} finally {
  await browser.close();
}
