import { EDGE_ROLES, SENDER_ROLES, ServiceTokenVerifier } from './service-roles';
import { resolveServiceTokens } from './service-token-config';

const SENDER = 'sender-token-0123456789';
const EDGE_NEW = 'edge-token-new-0123456789';
const EDGE_OLD = 'edge-token-old-0123456789';

describe('ServiceTokenVerifier', () => {
  const verifier = new ServiceTokenVerifier({ sender: [SENDER], edge: [EDGE_NEW, EDGE_OLD] });

  it('lets a sender token call sender routes only: forbidden (not unauthorized) where only edges may go', () => {
    expect(verifier.check(`Bearer ${SENDER}`, SENDER_ROLES)).toBe('ok');
    expect(verifier.check(`Bearer ${SENDER}`, EDGE_ROLES)).toBe('forbidden');
  });

  it('takes every edge token of the list, on edge and sender routes', () => {
    for (const token of [EDGE_NEW, EDGE_OLD]) {
      expect(verifier.check(`Bearer ${token}`, EDGE_ROLES)).toBe('ok');
      expect(verifier.check(`Bearer ${token}`, SENDER_ROLES)).toBe('ok');
    }
  });

  it('answers unauthorized for no token, an unknown one, an empty one or another scheme; the Bearer scheme in any case', () => {
    for (const header of [undefined, '', 'Bearer ', `Bearer ${SENDER}x`, `Basic ${SENDER}`, SENDER]) {
      expect(verifier.check(header, SENDER_ROLES)).toBe('unauthorized');
    }
    expect(verifier.check(`bearer ${SENDER}`, SENDER_ROLES)).toBe('ok');
    expect(verifier.check(`BEARER ${EDGE_OLD}`, EDGE_ROLES)).toBe('ok');
  });
});

describe('resolveServiceTokens', () => {
  const settings = (o: Partial<{ senderTokens: string; edgeTokens: string; serviceToken: string; allowSharedServiceToken: boolean }>) => ({
    senderTokens: '',
    edgeTokens: '',
    serviceToken: '',
    allowSharedServiceToken: false,
    ...o,
  });
  const needs = { required: ['sender', 'edge'] as const, why: 'for the test' };

  it('splits the comma-separated lists, keeping their order (the first is the one presented)', () => {
    expect(resolveServiceTokens(settings({ senderTokens: SENDER, edgeTokens: ` ${EDGE_NEW} ,${EDGE_OLD},` }), needs)).toEqual({
      sender: [SENDER],
      edge: [EDGE_NEW, EDGE_OLD],
    });
  });

  it('refuses a shared token unless explicitly allowed, and names the way out', () => {
    expect(() => resolveServiceTokens(settings({ serviceToken: SENDER }), needs)).toThrow(/PUSHWIRE_ALLOW_SHARED_SERVICE_TOKEN=true/);
    expect(resolveServiceTokens(settings({ serviceToken: SENDER, allowSharedServiceToken: true }), needs)).toEqual({
      sender: [SENDER],
      edge: [SENDER],
    });
    expect(resolveServiceTokens(settings({ serviceToken: SENDER }), needs, true).edge).toEqual([SENDER]);
    expect(() =>
      resolveServiceTokens(settings({ serviceToken: SENDER, senderTokens: SENDER, allowSharedServiceToken: true }), needs),
    ).toThrow(/exclusive/);
  });

  it('names every missing role and every short token in one error, without echoing a token', () => {
    let message = '';
    try {
      resolveServiceTokens(settings({ edgeTokens: `${EDGE_NEW},tiny-secret` }), needs);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/PUSHWIRE_SENDER_TOKENS is required: for the test/);
    expect(message).toMatch(/PUSHWIRE_EDGE_TOKENS: token 2 is shorter than 16 characters/);
    expect(message).not.toContain('tiny-secret');
  });
});
