import { closeTracked } from './harness/cleanup';
import { startHostileCluster, type Hostile } from './harness/hostile-cluster';
import { deviceFrameFuzz } from './suites/fuzz-device-frames';
import { handshakeFuzz } from './suites/fuzz-handshakes';
import { internalApiFuzz } from './suites/fuzz-internal-apis';
import { limitItems } from './suites/items-limits';
import { operationsItems } from './suites/items-operations';
import { parsingItems } from './suites/items-parsing';
import { tenancyItems } from './suites/items-tenancy';
import { validationItems } from './suites/items-validation';

// One cluster for the whole suite (starting one takes longer than most tests); a test that brings a
// process down gets it restarted after it, so one failure does not fail everything behind it.
let h: Hostile | undefined;
const hostile = (): Hostile => {
  if (!h) throw new Error('the hostile cluster did not start');
  return h;
};

beforeAll(async () => {
  h = await startHostileCluster();
}, 120_000);

afterEach(async () => {
  closeTracked();
  const restarted = await h?.heal();
  if (restarted?.length)
    process.stderr.write(`[hostile] after "${expect.getState().currentTestName}" restarted: ${restarted.join(', ')}\n`);
}, 120_000);

afterAll(async () => {
  await h?.stop();
}, 60_000);

describe('hostile input: generated', () => {
  deviceFrameFuzz(hostile);
  handshakeFuzz(hostile);
  internalApiFuzz(hostile);
});

// One regression per item of issue 12, each asserting the behaviour the issue asks for.
describe('hostile input: issue 12 regressions', () => {
  tenancyItems(hostile);
  parsingItems(hostile);
  limitItems(hostile);
  validationItems(hostile);
  operationsItems(hostile);
});
