/** The ZCC API client: typed operations, rate governor, errors, paging and batching helpers. */
export * from './types';
export * from './errors';
export { RateGovernor, getProcessGovernor, ZCC_PLAN_RATES, type GovernorOptions, type LabelRates, type LabelStats, type Clock } from './governor';
export { TokenManager } from './auth';
export { HttpCore, DEFAULT_RETRY, rateLimitWaitMs, type OperationSpec, type RequestArgs, type RetryOptions, type HttpMethod } from './http';
export { OPERATIONS, type OperationName } from './operations';
export { paginate, itemsOf, collect } from './paging';
export { countCalls, type CallCounts } from './calls';
export { ZoomCcClient, createZoomClient, resolveNames, queueIdOf, type ZoomCcClientOptions } from './client';
export {
  chunk,
  createUsers,
  updateUsers,
  deleteUsers,
  assignToQueue,
  removeFromQueue,
  assignRole,
  partialOutcomesOf,
  namedItems,
  attribute,
  type Attribution,
  capitalisePackage,
  type UserOutcome,
  type UserOutcomeKind,
  type OutcomeError,
  type CreateUserItem,
  type UpdateUserItem,
  type UserRef,
  type HelperOptions,
  type CreateUsersOptions,
} from './batching';
