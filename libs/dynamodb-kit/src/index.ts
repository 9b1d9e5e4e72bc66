/**
 * @pushwire/dynamodb-kit — what the services that keep state in DynamoDB (registry, device list)
 * share about it: a client with a bounded failure budget.
 */
export { createDynamoClient } from './dynamo-client';
