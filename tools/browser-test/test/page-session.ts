import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@pushwire/test-kit';
import type { ConnectOutcome, DeviceRecord, PageConnect } from '../src';

/** A CSP violation as the page's recorder saw it. */
export interface CspViolation {
  directive: string;
  blocked: string;
  sample: string;
}

declare global {
  interface Window {
    __cspViolations?: CspViolation[];
    __pageErrors?: string[];
  }
}

/** One thing the page did toward the edge, as the browser reports it (not as the SDK says). */
export interface EdgeAttempt {
  kind: 'websocket' | 'http';
  method: string;
  url: string;
}

/**
 * A fresh browser context on the test page: the SDK loaded, and every WebSocket the page opens and
 * every HTTP request it sends to the edge recorded, with the frames each WebSocket sent.
 */
export class PageSession {
  readonly attempts: EdgeAttempt[] = [];
  /** Frames the page sent, per WebSocket URL, in order. */
  readonly sentFrames = new Map<string, string[]>();

  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(browser: Browser, pageUrl: string, edgeUrl: string, csp: string): Promise<PageSession> {
    const context = await browser.newContext();
    const session = new PageSession(context, await context.newPage());
    try {
      await session.load(pageUrl, edgeUrl, csp);
    } catch (err) {
      await context.close();
      throw err;
    }
    return session;
  }

  private async load(pageUrl: string, edgeUrl: string, csp: string): Promise<void> {
    const { page } = this;
    const edgeHost = new URL(edgeUrl).host;
    page.on('websocket', (ws) => {
      this.attempts.push({ kind: 'websocket', method: 'GET', url: ws.url() });
      const frames: string[] = [];
      this.sentFrames.set(ws.url(), frames);
      ws.on('framesent', (f) => void frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')));
    });
    page.on('request', (r) => {
      if (new URL(r.url()).host === edgeHost) this.attempts.push({ kind: 'http', method: r.method(), url: r.url() });
    });
    await page.goto(pageUrl, { timeout: 10_000 });
    const loaded = await page.evaluate(() => ({
      harness: typeof window.pushwireHarness,
      violations: window.__cspViolations ?? [],
      errors: window.__pageErrors ?? [],
    }));
    if (loaded.harness !== 'object') {
      throw new Error(
        `the device SDK did not load on a page with Content-Security-Policy "${csp}": ` +
          `errors ${JSON.stringify(loaded.errors)}, CSP violations ${JSON.stringify(loaded.violations)}`,
      );
    }
  }

  /** Connects a device in the page; answers how connect() settled. */
  connect(o: Omit<PageConnect, 'settleWithinMs'> & { settleWithinMs?: number }): Promise<ConnectOutcome> {
    return this.page.evaluate((arg) => window.pushwireHarness!.connect(arg), { settleWithinMs: 10_000, ...o });
  }

  record(name: string): Promise<DeviceRecord> {
    return this.page.evaluate((n) => window.pushwireHarness!.record(n), name);
  }

  /** Until `check` holds for the device's record in the page (the record read afresh each time, bounded). */
  async waitForRecord(name: string, what: string, check: (r: DeviceRecord) => boolean, timeoutMs = 10_000): Promise<DeviceRecord> {
    let last: DeviceRecord | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.record(name);
          return check(last) ? last : undefined;
        },
        { what, timeoutMs, intervalMs: 20 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; ${name} saw ${JSON.stringify(last)}`, { cause: err });
    }
  }

  violations(): Promise<CspViolation[]> {
    return this.page.evaluate(() => window.__cspViolations ?? []);
  }

  /** Closes the page's clients (so the edge sees them go), then the browser context. */
  async close(): Promise<void> {
    try {
      await this.page.evaluate(() => window.pushwireHarness?.closeAll());
    } finally {
      await this.context.close();
    }
  }
}
