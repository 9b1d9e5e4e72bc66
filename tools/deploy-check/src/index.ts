export * from './tools';
export * from './render';
