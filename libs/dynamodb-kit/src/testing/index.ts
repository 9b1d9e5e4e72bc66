/**
 * @pushwire/dynamodb-kit/testing — the plumbing of integration specs on DynamoDB Local, for specs
 * and test helpers only: tables named per run and deleted afterwards, a table made for something
 * else, a table ensured by replicas at once, and an unreachable DynamoDB.
 */
export { ensuredByReplicas, testTables, type EnsuredTable, type TestTables } from './test-tables';
export { expectEachUnavailable, unreachableDynamo } from './unreachable';
