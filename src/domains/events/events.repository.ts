import type { Insertable } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import type { OutboxEventsTable, Tx } from '../../db/schema.js';
import { generateUuid } from '../../shared/ids.js';

export type EventType =
  | 'order.created'
  | 'order.cancelled'
  | 'subscription.renewed'
  | 'subscription.renewal_failed'
  | 'subscription.cancelled'
  | 'subscription.expired'
  | 'stock.low';

/**
 * Stores an event in the outbox, in the caller's transaction: it exists exactly when the change that
 * raised it was committed. Delivery (webhooks) reads the outbox later. Returns the event id.
 */
export async function raiseEvent(tx: Tx, at: Date, event: { type: EventType; partnerId: number | null; data: Record<string, unknown> }): Promise<string> {
  const eventId = generateUuid();
  await newEvent.execute(tx, {
    event_id: eventId,
    partner_id: event.partnerId,
    type: event.type,
    payload: JSON.stringify({ id: eventId, type: event.type, createdAt: at.toISOString(), data: event.data }),
    created_at: at.toISOString(),
  });
  return eventId;
}

// Every order raises one: compiled once.
const newEvent = prepareQuery((db, row: Insertable<OutboxEventsTable>) => db.insertInto('outbox_events').values(row));
