import { createParser } from 'eventsource-parser';
import type { PushOutcomeRecord } from '@pushwire/protocol';
import { bearer, joinUrl } from '@pushwire/service-http';
import { endpoints } from './endpoints';

/** An open `GET /v1/outcomes` stream: `read` feeds each outcome to its callback until the stream ends or is aborted. */
export interface OutcomeStream {
  /** Resolves true when aborted (by the caller or Ctrl-C), false when the processor ended the stream. */
  read(onOutcome: (outcome: PushOutcomeRecord) => void): Promise<boolean>;
  readonly abort: AbortController;
}

/**
 * Opens the processor's outcome stream (server-sent events tailing pushwire.push-outcomes). It
 * resolves once the processor answered, so whatever is enqueued after it resolves is seen.
 * Ctrl-C aborts it. Rejects with the processor's answer when it refuses.
 */
export async function openOutcomeStream(processorUrl: string | undefined): Promise<OutcomeStream> {
  const url = joinUrl(processorUrl ?? endpoints.processorUrl(), 'v1', 'outcomes');
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const res = await fetch(url, {
    headers: { authorization: bearer(endpoints.serviceToken()), accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  const body = res.body;
  return {
    abort,
    async read(onOutcome) {
      const parser = createParser({ onEvent: (event) => onOutcome(JSON.parse(event.data) as PushOutcomeRecord) });
      const decoder = new TextDecoder();
      try {
        const reader = body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      }
      return abort.signal.aborted;
    },
  };
}
