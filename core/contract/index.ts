export * from './api.js';
export * from './device.js';
export * from './transport.js';
export * from './errors.js';
export * from './jobs.js';
export * from './sync.js';
export * from './server-wire.js';
export * from './deprovision-rules.js';
