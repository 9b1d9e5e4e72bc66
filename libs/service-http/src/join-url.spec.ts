import { joinUrl } from './join-url';

describe('joinUrl', () => {
  it('joins a base with or without trailing slashes and a path, keeping the base path', () => {
    expect(joinUrl('http://registry:8082', 'v1', 'lookup')).toBe('http://registry:8082/v1/lookup');
    expect(joinUrl('http://registry:8082///', 'v1', 'lookup')).toBe('http://registry:8082/v1/lookup');
    expect(joinUrl('https://gw.example/pushwire/', 'v1', 'deliver')).toBe('https://gw.example/pushwire/v1/deliver');
    expect(joinUrl('http://edge:8081/')).toBe('http://edge:8081');
  });

  it('encodes each segment, so an id stays one segment of the route it was meant for', () => {
    expect(joinUrl('http://r', 'v1', 'accounts', 'a/1?x#y%', 'registrations')).toBe('http://r/v1/accounts/a%2F1%3Fx%23y%25/registrations');
    expect(joinUrl('http://r', 'v1', 'edges', 'edge 1', 'lease')).toBe('http://r/v1/edges/edge%201/lease');
  });

  it('refuses an empty, `.` or `..` segment, which would address another resource', () => {
    for (const id of ['', '.', '..']) expect(() => joinUrl('http://r', 'v1', 'accounts', id, 'devices')).toThrow(TypeError);
  });
});
