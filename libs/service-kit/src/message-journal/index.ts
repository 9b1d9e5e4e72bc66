export * from './message-journal';
export * from './journal-config';
export * from './journal-route';
export { activeTraceId } from './active-trace';
export type { JournalRecorder, DetailInput } from '@pushwire/protocol';
