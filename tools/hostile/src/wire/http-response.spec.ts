import { parseHttpResponse } from './http-response';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('parseHttpResponse', () => {
  it('waits for the whole head and for a body of Content-Length bytes', () => {
    expect(parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'))).toBeUndefined();
    expect(parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc'))).toBeUndefined();
    const done = parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Type: a\r\ncontent-length: 5\r\n\r\nabcdeNEXT'))!;
    expect(done.answer).toMatchObject({ version: 'HTTP/1.1', status: 200, reason: 'OK', headers: { 'content-type': 'a' }, complete: true });
    expect(done.answer.body.toString()).toBe('abcde');
    expect(done.rest.toString()).toBe('NEXT');
  });

  it('ends a 101 at its head and hands back what follows (WebSocket frames)', () => {
    const r = parseHttpResponse(bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi'))!;
    expect(r.answer.status).toBe(101);
    expect(r.rest).toEqual(Buffer.from([0x81, 0x02, 0x68, 0x69]));
  });

  it('reads chunked bodies, and bodies without a length once the socket ended', () => {
    const chunked = parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'))!;
    expect(chunked.answer.body.toString()).toBe('abcde');
    const open = 'HTTP/1.0 505 Nope\r\n\r\n<h1>x</h1>';
    expect(parseHttpResponse(bytes(open))).toBeUndefined();
    expect(parseHttpResponse(bytes(open), true)!.answer).toMatchObject({ status: 505, complete: true });
  });

  it('marks a body cut short by the end of the socket as incomplete, and joins repeated headers', () => {
    const r = parseHttpResponse(bytes('HTTP/1.1 413 Too Big\r\nContent-Length: 10\r\nX-A: 1\r\nX-A: 2\r\n\r\n{"er'), true)!;
    expect(r.answer).toMatchObject({ status: 413, complete: false, headers: { 'x-a': '1, 2' } });
  });

  it('throws on bytes that are not an HTTP response', () => {
    expect(() => parseHttpResponse(bytes('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP response/);
  });
});
