import { rejectionOf } from './rejection-of';

class NotFound extends Error {
  readonly status = 404;
}

describe('rejectionOf', () => {
  it('returns the error of the expected type', async () => {
    const e = await rejectionOf(Promise.reject(new NotFound('gone')), NotFound);
    expect([e.message, e.status]).toEqual(['gone', 404]);
  });

  it('fails when the promise resolved', async () => {
    await expect(rejectionOf(Promise.resolve(7), NotFound)).rejects.toThrow('expected a rejection with NotFound, but it resolved to 7');
  });

  it('fails when it was rejected with another error, keeping that error as cause', async () => {
    const other = new TypeError('not this');
    const failed = await rejectionOf(Promise.reject(other), NotFound).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      message: 'expected a rejection with NotFound, but it was rejected with TypeError: not this',
      cause: other,
    });
  });
});
