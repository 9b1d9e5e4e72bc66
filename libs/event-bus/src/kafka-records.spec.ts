import { headersToStrings, toConsumedRecord } from './kafka-records';

describe('toConsumedRecord', () => {
  it('decodes key, value and headers as UTF-8 and keeps offset and timestamp', () => {
    const record = toConsumedRecord('t', 3, {
      key: Buffer.from('clé'),
      value: Buffer.from('{"a":1}'),
      timestamp: '1700000000123',
      attributes: 0,
      offset: '9007199254740993',
      headers: { 'content-type': Buffer.from('application/json'), plain: 'text' },
    });
    expect(record).toEqual({
      topic: 't',
      partition: 3,
      offset: '9007199254740993',
      key: 'clé',
      value: '{"a":1}',
      headers: { 'content-type': 'application/json', plain: 'text' },
      timestamp: 1_700_000_000_123,
    });
  });

  it("reads a foreign producer's missing key as null and missing value as ''", () => {
    expect(toConsumedRecord('t', 0, { key: null, value: null, timestamp: '1', attributes: 0, offset: '0', size: 0 })).toMatchObject({
      key: null,
      value: '',
      headers: {},
    });
  });
});

describe('headersToStrings', () => {
  it('keeps the last value of a repeated header and drops absent ones', () => {
    expect(headersToStrings({ multi: ['1', Buffer.from('2')], gone: undefined, one: 'x' })).toEqual({ multi: '2', one: 'x' });
  });
});
