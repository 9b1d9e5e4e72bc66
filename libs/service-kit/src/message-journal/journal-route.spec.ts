import { buildServiceApp } from '../http-service-app';
import { silentLogger } from '../logger';
import { createMetricsRegistry } from '../metrics';
import { sharedServiceTokens } from '../service-roles';
import { journalRoute } from './journal-route';
import { MessageJournal } from './message-journal';

describe('GET /v1/messages/:messageId/events', () => {
  const TOKEN = 'journal-route-token-0123456789';
  const journal = new MessageJournal();
  journal.recorder('registry').record('stored', 'm-1', { accountId: 'a1', deviceId: 'tv1' });
  const app = buildServiceApp({
    title: 't',
    description: 'd',
    logger: silentLogger(),
    metricsRegistry: createMetricsRegistry('test', false),
  });
  app.register(journalRoute, { journal, service: 'registry', serviceTokens: sharedServiceTokens(TOKEN) });
  afterAll(() => app.close());

  const get = (id: string, token?: string) =>
    app.inject({ method: 'GET', url: `/v1/messages/${id}/events`, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers the process's events of the message, and an empty list for one it does not know", async () => {
    const res = await get('m-1', TOKEN);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      service: 'registry',
      events: [{ messageId: 'm-1', stage: 'stored', service: 'registry', at: expect.any(Number), accountId: 'a1', deviceId: 'tv1' }],
    });
    expect((await get('m-2', TOKEN)).json()).toEqual({ service: 'registry', events: [] });
  });

  it('refuses a missing or unknown token with 401 and a malformed id with 400, as JSON error bodies', async () => {
    for (const token of [undefined, 'someone-elses-token-0123456789']) {
      const res = await get('m-1', token);
      expect([res.statusCode, res.json().error.code]).toEqual([401, 'unauthorized']);
    }
    for (const id of ['bad%20id', 'x'.repeat(129), 'a%2Fb']) {
      const res = await get(id, TOKEN);
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'invalid_request']);
    }
  });
});
