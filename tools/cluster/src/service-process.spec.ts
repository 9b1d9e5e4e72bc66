import { freePorts } from '@pushwire/infra';
import { ServiceProcess } from './service-process';

const FAKE = 'tools/cluster/src/fixtures/fake-service.ts';

describe('ServiceProcess', () => {
  it("fails a start with the service's name, exit and last output when it exits before it is ready", async () => {
    const lines: string[] = [];
    const p = new ServiceProcess({ name: 'fake', main: FAKE, env: { FAKE_MODE: 'exit' }, readyUrl: 'http://127.0.0.1:9/never' }, (_s, l) =>
      lines.push(l),
    );
    await expect(p.start()).rejects.toThrow(/fake exited \(code 3\) before it was ready[\s\S]*PUSHWIRE_SOMETHING is required/);
    expect(lines).toContain('fake-service: PUSHWIRE_SOMETHING is required');
    expect(p.running).toBe(false);
  }, 20_000);

  it('is ready once its URL answers, stops on SIGTERM, and starts again', async () => {
    const [port] = await freePorts(1);
    const p = new ServiceProcess({
      name: 'fake',
      main: FAKE,
      env: { FAKE_MODE: 'serve', FAKE_PORT: String(port) },
      readyUrl: `http://127.0.0.1:${port}/`,
    });
    await p.start();
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(await p.stop()).toEqual({ code: 0, signal: null });
    expect(p.running).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    await p.start();
    expect(p.running).toBe(true);
    expect(await p.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  }, 30_000);
});
