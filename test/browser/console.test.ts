// The operator console in headless Chromium (Debian chromium + playwright-core): log in, the overview
// after a scripted exchange run, an exchange's timeline, the replay of a dead-lettered exchange, a
// certificate warning, log out; screenshots in test-artifacts/console/. Accessibility basics: every
// form control has a label, the contrast of the console's text colours is >= 4.5:1 (WCAG 2.1 1.4.3,
// computed in the page from the rendered colours), and keyboard focus reaches the main links in order.
// Without /usr/bin/chromium the suite is skipped with a message, and fails under CI=true.
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { PROJECT_ROOT } from "../../src/config/load";
import { exchangeQueueOf } from "../../src/exchange/queue/module";
import { NAV } from "../../src/ops/console/html";
import { DEAD_JOB_ID, FAILED_EXCHANGE_ID, PASSWORDS, scriptedRun, startConsoleGateway, type ConsoleGateway } from "../ops/console-fixture";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(PROJECT_ROOT, "test-artifacts", "console");

/**
 * WCAG 2.1 contrast ratio (relative luminance, 1.4.3) of the text of every element matching `selector`
 * against its first opaque ancestor background, computed in the page from the rendered colours.
 * Plain text script: functions serialised from TypeScript would carry the transpiler's helpers.
 */
const CONTRAST_SCRIPT = `(selector) => {
  const parse = (c) => {
    const m = /rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/.exec(c);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 1];
  };
  const ch = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) { const bg = parse(getComputedStyle(e).backgroundColor); if (bg[3] > 0) return bg; }
    return [255, 255, 255, 1];
  };
  return [...document.querySelectorAll(selector)].map((el) => {
    const fg = lum(parse(getComputedStyle(el).color));
    const bg = lum(background(el));
    return { text: (el.textContent || "").trim().slice(0, 40), ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) };
  });
}`;

async function contrasts(page: Page, selector: string): Promise<{ text: string; ratio: number }[]> {
  return page.evaluate(`(${CONTRAST_SCRIPT})(${JSON.stringify(selector)})`);
}

describe("operator console in Chromium", function () {
  this.timeout(120_000);
  let gw: ConsoleGateway;
  let context: BrowserContext;
  let page: Page;
  let profile = "";

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the browser tests cannot run)`);
      console.warn(`    skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    gw = await startConsoleGateway();
    await scriptedRun(gw);
    profile = mkdtempSync(join(tmpdir(), "passerelle-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await gw?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("logs in through the labelled form and sees the overview of the scripted run", async () => {
    await page.goto(`${gw.base}/ops`);
    expect(new URL(page.url()).pathname).to.equal("/ops/login");
    await page.getByLabel("Operator name").fill("operator");
    await page.getByLabel("Password").fill(PASSWORDS.operator);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${gw.base}/ops`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).to.equal("Overview");
    const inbound = page.locator("tr", { hasText: "in (country A)" });
    expect(await inbound.locator("td").nth(1).textContent()).to.equal("8");
    expect(await page.locator("svg rect.vol").count()).to.equal(24);
    await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });
  });

  it("follows a failure figure to the exchange list and opens the exchange's timeline", async () => {
    await page.locator("tr", { hasText: "in (country A)" }).locator("td").nth(2).getByRole("link").click();
    await page.waitForURL(/\/ops\/exchanges\?.*outcome=failure/);
    await page.getByRole("link", { name: /\d{4}-\d{2}-\d{2} / }).first().click();
    await page.waitForURL(`${gw.base}/ops/exchanges/${FAILED_EXCHANGE_ID}`);
    const timeline = page.locator("table", { hasText: "Timeline" });
    expect(await timeline.locator("tbody tr").count()).to.equal(2);
    expect(await timeline.textContent()).to.include("CONSENT-DECISION");
    await page.locator("details.raw summary").first().click();
    expect(await page.locator("details.raw pre").first().textContent()).to.include("<Envelope>");
    await page.screenshot({ path: join(ARTIFACTS, "exchange-timeline.png"), fullPage: true });
  });

  it("replays the dead-lettered exchange from its job page", async () => {
    await page.getByRole("link", { name: "Queues" }).click();
    await page.getByRole("link", { name: /^Dead letters: 1$/ }).click();
    await page.getByRole("link", { name: DEAD_JOB_ID }).click();
    await page.screenshot({ path: join(ARTIFACTS, "dead-letter.png"), fullPage: true });
    await page.getByRole("button", { name: "Replay this exchange" }).click();
    await page.waitForURL(/replayed=1/);
    expect(await page.getByRole("status").textContent()).to.include("Replayed");
    expect((await exchangeQueueOf(gw.gateway.context).get(DEAD_JOB_ID))?.state).to.equal("waiting");
    await page.screenshot({ path: join(ARTIFACTS, "replayed.png"), fullPage: true });
  });

  it("shows the partner certificate warning and alarm", async () => {
    await page.getByRole("link", { name: "Partners" }).click();
    expect(await page.locator("span.warning").first().textContent()).to.match(/^WARNING: (19|20) day\(s\) left$/);
    expect(await page.locator("span.alarm").first().textContent()).to.match(/^ALARM: [23] day\(s\) left$/);
    await page.screenshot({ path: join(ARTIFACTS, "partners.png"), fullPage: true });
  });

  it("accessibility: labelled controls, text contrast >= 4.5:1, keyboard focus reaches the main links in order", async () => {
    for (const path of ["/ops", "/ops/exchanges", "/ops/consent", "/ops/queues/jobs", "/ops/partners"]) {
      await page.goto(`${gw.base}${path}`);
      const unlabelled = await page.evaluate(
        `[...document.querySelectorAll("input:not([type=hidden]), select")].filter((e) => !e.id || !document.querySelector('label[for="' + e.id + '"]')).map((e) => e.getAttribute("name"))`,
      );
      expect(unlabelled, path).to.deep.equal([]);
      const ratios = await contrasts(page, "body, header a, header button, header span, main a, th, td, label, button, .good, .bad, .warning, .alarm, figcaption");
      expect(ratios.length).to.be.greaterThan(5);
      for (const r of ratios) expect(r.ratio, `${path}: "${r.text}"`).to.be.at.least(4.5);
    }
    await page.goto(`${gw.base}/ops`);
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      reached.push(await page.evaluate<string>(`document.activeElement?.getAttribute("href") ?? ""`));
    }
    const navOrder = NAV.map((n) => reached.indexOf(n.href));
    expect(navOrder.every((i) => i >= 0), `focus order: ${reached.join(" ")}`).to.equal(true);
    expect([...navOrder].sort((a, b) => a - b)).to.deep.equal(navOrder);
    // Enter on a focused link follows it.
    await page.keyboard.press("Shift+Tab");
    await page.focus('header a[href="/ops/partners"]');
    await page.keyboard.press("Enter");
    await page.waitForURL(`${gw.base}/ops/partners`);
  });

  it("logs out: the session is gone and the console asks for a login again", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/ops\/login$/);
    await page.goto(`${gw.base}/ops/queues`);
    expect(new URL(page.url()).pathname).to.equal("/ops/login");
    await page.screenshot({ path: join(ARTIFACTS, "logged-out.png") });
  });
});
