import type { RunState } from '../state';
import { missingAwsEnv, planEnv } from './env-plan';

const up: RunState = {
  version: 1,
  runId: 'r',
  runDir: '/x',
  ownerPid: 1,
  persistent: true,
  startedAt: '',
  kafka: { pid: 10, marker: 'm', logFile: 'l', startedAt: '', brokers: '127.0.0.1:1111' },
  dynamodb: { pid: 11, marker: 'm', logFile: 'l', startedAt: '', endpoint: 'http://127.0.0.1:2222' },
};
const alive = () => true;
const dead = () => false;

describe('planEnv', () => {
  it('uses both variables when both are set, starting nothing', () => {
    const plan = planEnv({ KAFKA_BROKERS: 'k:9092', DYNAMODB_ENDPOINT: 'http://d:8000' }, up, alive);
    expect(plan).toEqual({ startKafka: false, startDynamodb: false, fromUp: {}, sources: { kafka: 'env', dynamodb: 'env' } });
  });

  it('starts only what is missing', () => {
    expect(planEnv({ KAFKA_BROKERS: 'k:9092' }, undefined, alive)).toMatchObject({ startKafka: false, startDynamodb: true });
    expect(planEnv({ DYNAMODB_ENDPOINT: 'http://d:8000' }, undefined, alive)).toMatchObject({ startKafka: true, startDynamodb: false });
    expect(planEnv({}, undefined, alive)).toMatchObject({ startKafka: true, startDynamodb: true });
  });

  it('reuses a running `up` before starting anything, but not a dead one', () => {
    expect(planEnv({}, up, alive)).toEqual({
      startKafka: false,
      startDynamodb: false,
      fromUp: { KAFKA_BROKERS: '127.0.0.1:1111', DYNAMODB_ENDPOINT: 'http://127.0.0.1:2222' },
      sources: { kafka: 'up', dynamodb: 'up' },
    });
    expect(planEnv({}, up, dead)).toMatchObject({ startKafka: true, startDynamodb: true, fromUp: {} });
  });

  it('fills in DynamoDB Local credentials only where none are set (key id: letters and digits)', () => {
    expect(missingAwsEnv({ AWS_REGION: 'eu-west-1' })).toEqual({ AWS_ACCESS_KEY_ID: 'pushwire', AWS_SECRET_ACCESS_KEY: 'pushwire' });
    expect(missingAwsEnv({})).toMatchObject({ AWS_REGION: 'us-east-1' });
  });
});
