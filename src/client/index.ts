// Public entry of `pm2-dirty`: createClient(), DirtyClient, the error classes and isDirtyError.
// Imported by app processes (also via require(esm) from CommonJS), so no top-level await anywhere below.
export { createClient, DirtyClient } from './client.js';
export type { CallOptions, ClientOptions, ManageOperation } from './client.js';
export type { RequestOptions } from './unary-call.js';
export type { ActionName, AppInstance, DirtyAppProxy, RemoteAction } from './typed-app.js';
export { StashClient, StashTable } from './stash.js';
export type { StashWriteOptions } from './stash.js';
export {
  DirtyAbortError,
  DirtyAppError,
  DirtyAppNotFoundError,
  DirtyConnectionError,
  DirtyError,
  DirtyNoWorkersAvailableError,
  DirtyProtocolError,
  DirtyQueueFullError,
  DirtyTimeoutError,
  DirtyWorkerError,
  StashConflictError,
  StashError,
  StashKeyNotFoundError,
  StashLimitError,
  StashTableNotFoundError,
  isDirtyError,
} from '../errors.js';
export type { ErrorCode, ErrorDetails } from '../errors.js';
