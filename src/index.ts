export * from './plugin/index.js';
export * from './certificate/index.js';
export * from './intake/index.js';
export * from './errors.js';
export * from './fapi/index.js';
