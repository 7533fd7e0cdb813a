export * from './product.js';
export { findProducts, findSellable, findPublishers, listCategories, listOperatingSystems, getMasterLanguage, categoryParents, type CategoryLabel } from './catalog.repository.js';
