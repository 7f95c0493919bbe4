import { existsSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";

/**
 * The browsers the UI is tested in: Debian's, driven by puppeteer-core (Chromium over CDP, Firefox
 * ESR over WebDriver BiDi), nothing downloaded. `.ci/run` installs both; a missing one fails the
 * suite rather than skipping it.
 */
const BROWSERS = {
  chromium: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  firefox: process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr",
} as const;
export type BrowserName = keyof typeof BROWSERS;
export const BROWSER_NAMES = Object.keys(BROWSERS) as BrowserName[];

/** What this machine needs (measured: the container's /dev/shm is small, there is no GPU or sandbox). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function launch(name: BrowserName): Promise<Browser> {
  const executablePath = BROWSERS[name];
  if (!existsSync(executablePath)) {
    throw new Error(
      `${name} is not at ${executablePath}: apt-get install -y chromium firefox-esr (as .ci/run does), or set ${name.toUpperCase()}_PATH`,
    );
  }
  return name === "chromium"
    ? puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
    : puppeteer.launch({ browser: "firefox", executablePath, headless: true });
}

/** One request the page made. */
interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** A page, and everything it did that a test checks: errors, CSP violations, requests, dialogs. */
export interface Visit {
  readonly page: Page;
  /** Console errors and uncaught exceptions (Firefox reports CSP violations as the latter). */
  readonly errors: string[];
  readonly requests: Sent[];
  readonly dialogs: string[];
  /** The page's `securitypolicyviolation` events, which both browsers fire alike. */
  violations(): Promise<unknown[]>;
  /** The API calls the page made since `from` (an index into `requests`). */
  apiCalls(from?: number): string[];
}

/** A new page that records what a test must see none of (errors, violations, dialogs) and its requests. */
async function openPage(browser: Browser): Promise<Visit> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const errors: string[] = [];
  const requests: Sent[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String((e as Error).message ?? e)));
  page.on("request", (r) => requests.push({ url: r.url(), headers: r.headers() }));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.evaluateOnNewDocument(
    "window.__violations = []; addEventListener('securitypolicyviolation', (e) => window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }), true);",
  );
  return {
    page,
    errors,
    requests,
    dialogs,
    violations: async () => (await page.evaluate("window.__violations")) as unknown[],
    apiCalls: (from = 0) =>
      requests
        .slice(from)
        .map((r) => new URL(r.url))
        .filter((u) => u.pathname.startsWith("/apis/"))
        .map((u) => `${u.pathname}${u.search}`),
  };
}

/**
 * One browser for the enclosing `describe` and a fresh page for each of its tests: launched once, as
 * a launch costs seconds. After each test its page must have broken no rule of the CSP, whatever the
 * test did, and must pass the file's own `check`; then it is closed, so no test inherits another's
 * page. Each test opens its page with the function returned.
 */
export function pagePerTest(name: BrowserName, check: (visit: Visit) => Promise<void>): () => Promise<Visit> {
  let browser: Browser;
  let visit: Visit;
  beforeAll(async () => {
    browser = await launch(name);
  }, 60_000);
  afterAll(() => browser?.close());
  afterEach(async () => {
    expect(await visit.violations()).toEqual([]);
    await check(visit);
    await visit.page.close();
  });
  return async () => {
    visit = await openPage(browser);
    return visit;
  };
}

/** Views drawn so far on this page: the page marks each one (`smi-view-ready`). */
export const viewsDrawn = async (page: Page) =>
  (await page.evaluate("performance.getEntriesByName('smi-view-ready').length")) as number;

/** Waits until the page has drawn more than `before` views and is not busy. */
export async function waitForView(page: Page, before = 0): Promise<void> {
  await page.waitForFunction(
    `performance.getEntriesByName('smi-view-ready').length > ${before} && document.getElementById('view')?.getAttribute('aria-busy') === 'false'`,
    { timeout: 30_000, polling: 50 },
  );
}

/** Opens a URL of the UI and waits for its view. */
export async function show(visit: Visit, url: string): Promise<void> {
  await visit.page.goto(url, { waitUntil: "load" });
  await waitForView(visit.page);
}

/** The text of the element with focus, and its tag. */
export const focused = async (page: Page) =>
  (await page.evaluate(
    "({ tag: document.activeElement?.tagName?.toLowerCase() ?? '', text: (document.activeElement?.textContent ?? '').trim() })",
  )) as { tag: string; text: string };

/**
 * Presses Tab (or Shift+Tab) until the focused element matches, as a keyboard user moves through
 * the page; fails after `limit` presses.
 */
export async function tabTo(
  page: Page,
  wanted: { tag: string; text: string },
  options: { back?: boolean; limit?: number } = {},
): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < (options.limit ?? 80); i++) {
    if (options.back) await page.keyboard.down("Shift");
    await page.keyboard.press("Tab");
    if (options.back) await page.keyboard.up("Shift");
    const now = await focused(page);
    if (now.tag === wanted.tag && now.text === wanted.text) return;
    seen.push(`${now.tag}:${now.text.slice(0, 20)}`);
  }
  throw new Error(`Tab never reached <${wanted.tag}> "${wanted.text}"; went through ${seen.join(", ")}`);
}

/** Each row of the view's tables (or the one matching `selector`) as its cells' text. */
export const tableRows = async (page: Page, selector = "#view table.data") =>
  (await page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(`${selector} tbody tr`)})].map((tr) => [...tr.cells].map((td) => td.textContent.trim()))`,
  )) as string[][];

/** The text of every element matching a selector. */
export const texts = async (page: Page, selector: string) =>
  (await page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent.trim())`,
  )) as string[];
