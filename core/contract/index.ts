export * from './api.js';
export * from './device.js';
