export * from './feed.js';
export { feedsService, FEED_PAGE_SIZE, type FeedsService, type FeedsDeps, type FeedRequest, type PreparedFeed, type FeedEnd } from './feeds.service.js';
