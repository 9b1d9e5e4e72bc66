import type { Registration } from '@pushwire/protocol';
import type { RegistryClient } from '@pushwire/registry-client';
import { silentLogger } from '@pushwire/service-kit';
import { RegistrationPipeline } from './registration-pipeline';

const reg = (deviceId: string, connectionId: string, accountId = 'a'): Registration => ({
  deviceId,
  accountId,
  deviceType: 'tv',
  edgeId: 'e',
  edgeUrl: 'http://e',
  connectionId,
  connectedAt: 1,
  expiresAt: 2,
});

/** A registry client that records calls and can be made to fail. */
function recordingRegistry() {
  const calls: { op: string; items: unknown[] }[] = [];
  const state = { down: false, attempts: 0, timeoutMs: undefined as number | undefined, stale: new Set<string>() };
  const client = {
    register: async (items: Registration[], opts: { timeoutMs?: number } = {}) => {
      state.attempts++;
      state.timeoutMs = opts.timeoutMs;
      if (state.down) throw new Error('down');
      calls.push({ op: 'register', items });
      return items.map((r) => ({
        accountId: r.accountId,
        deviceId: r.deviceId,
        outcome: state.stale.has(r.deviceId) ? ('stale' as const) : ('registered' as const),
      }));
    },
    deregister: async (items: { accountId: string; deviceId: string; connectionId: string }[]) => {
      if (state.down) throw new Error('down');
      calls.push({ op: 'deregister', items });
      return items.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId, outcome: 'deregistered' as const }));
    },
  } as unknown as RegistryClient;
  return { client, calls, state };
}

describe('RegistrationPipeline', () => {
  it('sends many connects as one batch', async () => {
    const r = recordingRegistry();
    const p = new RegistrationPipeline(r.client, silentLogger(), { flushDelayMs: 1000 });
    for (let i = 0; i < 100; i++) p.register(reg(`d${i}`, `c${i}`));
    await p.flush();
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.items).toHaveLength(100);
    await p.close();
  });

  it('drops the disconnect of a replaced connection when the newer registration is queued', async () => {
    const r = recordingRegistry();
    const p = new RegistrationPipeline(r.client, silentLogger(), { flushDelayMs: 1000 });
    p.register(reg('tv', 'new'));
    p.deregister({ accountId: 'a', deviceId: 'tv' }, 'old');
    await p.flush();
    expect(r.calls).toEqual([{ op: 'register', items: [reg('tv', 'new')] }]);
    await p.close();
  });

  it("never coalesces two accounts' devices of the same id: each change goes out", async () => {
    const r = recordingRegistry();
    const p = new RegistrationPipeline(r.client, silentLogger(), { flushDelayMs: 1000 });
    p.register(reg('tv9', 'c-mine', 'a1'));
    p.register(reg('tv9', 'c-theirs', 'evil'));
    p.deregister({ accountId: 'evil', deviceId: 'tv9' }, 'c-mine');
    await p.flush();
    // evil's disconnect names a connection its own device does not have queued: a1's is untouched.
    expect(r.calls).toEqual([{ op: 'register', items: [reg('tv9', 'c-mine', 'a1'), reg('tv9', 'c-theirs', 'evil')] }]);
    await p.close();
  });

  it('keeps changes while the registry is down and sends them when it is back', async () => {
    const r = recordingRegistry();
    const p = new RegistrationPipeline(r.client, silentLogger(), { flushDelayMs: 1000, retryDelayMs: 1 });
    r.state.down = true;
    p.register(reg('tv', 'c1'));
    await p.flush();
    expect(p.backlog).toBe(1);
    r.state.down = false;
    await p.flush();
    expect(p.backlog).toBe(0);
    expect(r.calls).toEqual([{ op: 'register', items: [reg('tv', 'c1')] }]);
    await p.close();
  });

  it('gives a register call a deadline long enough for a full batch on a slow store, and tells which registrations were confirmed', async () => {
    const r = recordingRegistry();
    const confirmed: string[] = [];
    const p = new RegistrationPipeline(r.client, silentLogger(), {
      flushDelayMs: 1000,
      onRegistered: (regs) => confirmed.push(...regs.map((x) => x.connectionId)),
    });
    r.state.stale.add('old-tv');
    p.register(reg('tv', 'c1'));
    p.register(reg('old-tv', 'c2'));
    await p.flush();
    expect(r.state.timeoutMs).toBe(30_000);
    expect(confirmed).toEqual(['c1']);
    await p.close();
  });

  it('sends its backlog at once when told the registry is back, instead of waiting out the backoff', async () => {
    jest.useFakeTimers();
    try {
      const r = recordingRegistry();
      const p = new RegistrationPipeline(r.client, silentLogger(), { flushDelayMs: 5, retryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
      r.state.down = true;
      p.register(reg('tv', 'c1'));
      await jest.advanceTimersByTimeAsync(10);
      expect(r.state.attempts).toBe(1);
      r.state.down = false;
      p.resume();
      await jest.advanceTimersByTimeAsync(1);
      expect(r.calls).toEqual([{ op: 'register', items: [reg('tv', 'c1')] }]);
      expect(p.backlog).toBe(0);
      await p.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
