import { describeExchange, exchangeProblem, httpAnswerProblem, isErrorBody, wsEndProblem } from './answers';
import type { HttpAnswer } from './wire/http-response';
import type { Exchange } from './wire/raw-exchange';

const answer = (status: number, type: string, body: string): HttpAnswer => ({
  version: 'HTTP/1.1',
  status,
  reason: '',
  headers: type ? { 'content-type': type } : {},
  body: Buffer.from(body),
  complete: true,
});
const answered = (a: HttpAnswer): Exchange => ({ outcome: 'answered', answer: a, rest: Buffer.alloc(0), receivedText: '', elapsedMs: 1 });
const errorJson = (code: string) => JSON.stringify({ error: { code, message: 'm', retriable: false } });

describe('typed answers', () => {
  it('knows the error body: a catalogue code, a message and the retriable flag', () => {
    expect(isErrorBody(JSON.parse(errorJson('invalid_request')))).toBe(true);
    expect(isErrorBody(JSON.parse(errorJson('FST_ERR_MAX_PARAM_LENGTH')))).toBe(false);
    expect(isErrorBody({ error: 'Bad Request', code: 'FST_ERR', message: 'x' })).toBe(false);
    expect(isErrorBody({ error: { code: 'not_found', message: 'm' } })).toBe(false);
  });

  it('accepts JSON errors, delivery results, 101 and event streams; refuses HTML, plain text, foreign error bodies and 500', () => {
    expect(httpAnswerProblem(answer(400, 'application/json', errorJson('invalid_json')))).toBeUndefined();
    expect(httpAnswerProblem(answer(404, 'application/json', '{"deviceId":"d","messageId":"m","status":"not_connected"}'))).toBeUndefined();
    expect(httpAnswerProblem(answer(101, '', ''))).toBeUndefined();
    expect(httpAnswerProblem(answer(200, 'text/event-stream', 'retry: 1'))).toBeUndefined();
    expect(httpAnswerProblem(answer(505, '', '<h1>HTTP Version Not Supported</h1>'))).toMatch(/HTML/);
    expect(httpAnswerProblem(answer(404, 'text/plain', 'nope'))).toMatch(/not JSON/);
    expect(httpAnswerProblem(answer(414, 'application/json', '{"error":"Bad Request","code":"FST_ERR_MAX_PARAM_LENGTH"}'))).toMatch(
      /without the JSON error body/,
    );
    expect(httpAnswerProblem(answer(500, 'application/json', errorJson('internal')))).toMatch(/500/);
  });

  it('counts a closed or reset socket as a refusal, silence and garbage as failures', () => {
    const ended = (outcome: Exchange['outcome']): Exchange => ({ outcome, rest: Buffer.alloc(0), receivedText: '', elapsedMs: 3000 });
    expect(exchangeProblem(ended('closed'))).toBeUndefined();
    expect(exchangeProblem(ended('reset'))).toBeUndefined();
    expect(exchangeProblem(ended('silent'))).toMatch(/no answer within 3000 ms/);
    expect(exchangeProblem(ended('garbage'))).toMatch(/not HTTP/);
    expect(exchangeProblem(ended('refused'))).toMatch(/not listening/);
  });

  it('summarises exchanges for comparisons', () => {
    expect(describeExchange(answered(answer(400, 'application/json', errorJson('invalid_json'))))).toBe('400 json-error');
    expect(describeExchange(answered(answer(200, 'application/json; charset=utf-8', '{"status":"ok"}')))).toBe('200 json');
    expect(describeExchange(answered(answer(505, '', '<h1>x</h1>')))).toBe('505 html');
    expect(describeExchange(answered(answer(101, '', '')))).toBe('101');
    expect(describeExchange({ outcome: 'silent', rest: Buffer.alloc(0), receivedText: '', elapsedMs: 1 })).toBe('silent');
  });

  it('takes catalogue close codes and dropped sockets, not codes outside the catalogue', () => {
    expect(wsEndProblem({ code: 1008, reason: '', byFrame: true })).toBeUndefined();
    expect(wsEndProblem({ code: 1006, reason: '', byFrame: false })).toBeUndefined();
    expect(wsEndProblem({ code: 4999, reason: 'x', byFrame: true })).toMatch(/not in the catalogue/);
  });
});
