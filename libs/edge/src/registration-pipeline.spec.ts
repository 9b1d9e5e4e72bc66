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
  const state = { down: false };
  const client = {
    register: async (items: Registration[]) => {
      if (state.down) throw new Error('down');
      calls.push({ op: 'register', items });
      return items.map((r) => ({ accountId: r.accountId, deviceId: r.deviceId, outcome: 'registered' as const }));
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
});
