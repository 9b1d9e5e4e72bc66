import { PushwireError } from './pushwire-error';
import { parseJson, ProtocolValidationError } from './validation-error';

describe('ProtocolValidationError', () => {
  it('is a non-retriable PushwireError; parseJson keeps the SyntaxError as its cause', () => {
    const error = (() => {
      try {
        return parseJson('{nope', 'body');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProtocolValidationError);
    expect(error).toBeInstanceOf(PushwireError);
    expect(error).toMatchObject({ name: 'ProtocolValidationError', code: 'invalid_json', retriable: false, issues: [] });
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });
});
