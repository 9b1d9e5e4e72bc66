import { TokenTopicPolicy } from './topic-policy';

describe('TokenTopicPolicy', () => {
  const policy = new TokenTopicPolicy();
  const device = (topics?: readonly string[]) => ({ accountId: 'a1', deviceId: 'p1', deviceType: 'phone', topics });

  it('allows a topic that matches a pattern of the token, exactly or through *', () => {
    const d = device(['news', 'live:*', 'game.*.questions']);
    expect(policy.mayAccess(d, 'news')).toBe(true);
    expect(policy.mayAccess(d, 'live:m1')).toBe(true);
    expect(policy.mayAccess(d, 'game.42.questions')).toBe(true);
  });

  it('refuses a topic no pattern matches, and every topic when the token has no topics claim', () => {
    const d = device(['news', 'live:*']);
    expect(policy.mayAccess(d, 'newsroom')).toBe(false);
    expect(policy.mayAccess(d, 'replay:m1')).toBe(false);
    expect(policy.mayAccess(device(), 'news')).toBe(false);
    expect(policy.mayAccess(device([]), 'news')).toBe(false);
  });

  it('lets a * pattern allow every topic', () => {
    expect(policy.mayAccess(device(['*']), 'anything.at:all')).toBe(true);
  });
});
