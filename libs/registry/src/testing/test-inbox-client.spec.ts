import { ServiceCallError } from '@pushwire/service-http';
import { rejectionOf } from '@pushwire/test-kit';
import { ManualClock } from './manual-clock';
import { TestInboxClient, testInboxEntry } from './test-inbox-client';

const DEVICE = { accountId: 'a1', deviceId: 'd1' };

describe('TestInboxClient', () => {
  it("answers as the registry's inbox does, and shows what it holds, expired entries not taken yet included", async () => {
    const clock = new ManualClock();
    const inbox = new TestInboxClient({ now: clock.now, maxMessages: 1 });
    const first = testInboxEntry(DEVICE, { id: 'm1', payload: 1 }, { expiresAt: clock.now() + 1000 }, clock.now());
    const second = testInboxEntry(DEVICE, { id: 'm2', payload: 2 }, {}, clock.now());

    expect((await inbox.store([first, second])).map((r) => r.outcome)).toEqual(['stored', 'overflow']);
    clock.advance(1000);
    expect(await inbox.pending([DEVICE])).toEqual([]);
    expect(inbox.entries(DEVICE)).toEqual([first]);
    expect(await inbox.takeExpired(10)).toEqual([first]);
    expect((await inbox.store([first])).map((r) => r.outcome)).toEqual(['duplicate']); // its tombstone
    expect(inbox.entries()).toEqual([]);
    expect(inbox.calls).toEqual({ store: 2, pending: 1, remove: 0, takeExpired: 1 });
    expect(inbox.storeCalls).toEqual([[first, second], [first]]);
  });

  it('while failing, refuses every call as an unreachable registry or a registry whose store is down', async () => {
    const inbox = new TestInboxClient();
    inbox.failing = 'unreachable';
    expect(await rejectionOf(inbox.pending([DEVICE]), ServiceCallError)).toMatchObject({ code: 'unreachable', retriable: true });
    inbox.failing = 'store_unavailable';
    expect(await rejectionOf(inbox.store([testInboxEntry(DEVICE, { id: 'm', payload: 1 })]), ServiceCallError)).toMatchObject({
      code: 'store_unavailable',
      status: 503,
    });
    inbox.failing = undefined;
    expect(await inbox.remove([{ ...DEVICE, messageId: 'm' }])).toEqual([{ ...DEVICE, messageId: 'm' }]);
    expect(inbox.refused).toEqual(['pending', 'store']);
    expect(inbox.calls).toEqual({ store: 1, pending: 1, remove: 1, takeExpired: 0 });
    expect(inbox.storeCalls).toEqual([]);
  });

  it('runs afterStore once the entries are stored, before the call answers', async () => {
    const inbox = new TestInboxClient();
    let heldMeanwhile: string[] = [];
    inbox.afterStore = async () => {
      heldMeanwhile = inbox.entries(DEVICE).map((e) => e.message.id);
    };
    await inbox.store([testInboxEntry(DEVICE, { id: 'm', payload: 1 })]);
    expect(heldMeanwhile).toEqual(['m']);
  });
});
