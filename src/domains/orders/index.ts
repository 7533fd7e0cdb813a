export * from './order.js';
export type * from './order-input.js';
export { referenceRefusal, vatFlagsOf } from './order-checks.js';
export { ordersService, type OrdersService, type OrdersDeps, type PlacedOrder, type PlacedUnit, type OrderPlacementHooks, type RenewalOrderDraft, type RenewalOrder } from './orders.service.js';
export * from './order-changes.js';
export { orderChangesService, type OrderChangesService, type OrderChangesDeps, type CancelOrderInput, type UpdateDownloadTimeInput, type ChangedOrder } from './order-changes.service.js';
