import { ProtocolValidationError, Validators, type Validator } from '@pushwire/protocol';
import { joinUrl, JsonHttpClient, ServiceCallError } from '@pushwire/service-http';
import type { TSchema, Static } from '@sinclair/typebox';
import { printJson, UsageError } from './cli';
import { endpoints } from './endpoints';

/**
 * How long `pushctl publish` / `broadcast` wait for the processor's answer: longer than its publish
 * deadline (10 s, PushClient's default), so a Kafka outage reaches us as its 503, not as our own
 * timeout after which the message might still be appended.
 */
const TOPIC_HTTP_TIMEOUT_MS = 15_000;

/** The request body, checked against the protocol before anything is sent: a bad one is a usage error naming the field. */
export function checkedBody<S extends TSchema>(
  validator: Validator<S>,
  body: Static<S>,
  flags: Readonly<Record<string, string>>,
): Static<S> {
  try {
    return validator.decode(body);
  } catch (e) {
    if (!(e instanceof ProtocolValidationError)) throw e;
    const path = e.issues[0]?.path.split('/')[1] ?? '';
    const flag = flags[path];
    throw new UsageError(flag ? `${flag}: ${e.message}` : e.message, { cause: e });
  }
}

/**
 * POSTs a publish or broadcast to the message processor (--processor, else PUSHWIRE_PROCESSOR_URL)
 * and prints its answer as one JSON line (0), or says why it was refused (1).
 */
export async function postToTopicLog<S extends TSchema>(
  what: 'publish' | 'broadcast',
  processor: string | undefined,
  path: readonly string[],
  body: unknown,
  answer: Validator<S>,
  print: (result: Static<S>) => unknown,
): Promise<number> {
  const base = processor ?? endpoints.processorUrl();
  const url = joinUrl(base, ...path);
  const http = new JsonHttpClient({ serviceToken: endpoints.serviceToken(), timeoutMs: TOPIC_HTTP_TIMEOUT_MS });
  try {
    const res = await http.call('POST', url, { body, validator: answer });
    if (res.status !== 200) {
      const error = Validators.errorBody.is(res.body) ? res.body.error : { code: undefined, message: `HTTP ${res.status}` };
      const code = error.code ? ` ${error.code}` : '';
      process.stderr.write(`pushctl: ${what} refused (${res.status}${code}): ${error.message}\n`);
      return 1;
    }
    printJson(print(res.body as Static<S>));
    return 0;
  } catch (e) {
    if (!(e instanceof ServiceCallError)) throw e;
    const why =
      e.code === 'unreachable' ? `cannot reach the message processor at ${base} (PUSHWIRE_PROCESSOR_URL)` : `${what} answered badly`;
    process.stderr.write(`pushctl: ${why}: ${e.message}\n`);
    return 1;
  } finally {
    await http.close();
  }
}
