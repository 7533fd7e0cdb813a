export * from './feed.js';
export { feedsService, type FeedsService, type FeedsDeps, type FeedRequest, type PreparedFeed, type FeedEnd } from './feeds.service.js';
