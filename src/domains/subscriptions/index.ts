export * from './subscription.js';
export { subscriptionsService, wireDateTime, type SubscriptionsService, type SubscriptionsDeps, type SubscriptionStatusAnswer, type RenewalAnswer, type RenewalRun } from './subscriptions.service.js';
