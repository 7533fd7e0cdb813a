import type { CompiledQuery, Insertable } from 'kysely';
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
export async function raiseEvent(tx: Tx, at: Date, event: NewEvent): Promise<string> {
  const { eventId, insert } = eventInsert(tx, at, event);
  await tx.executeQuery(insert);
  return eventId;
}

export type NewEvent = { type: EventType; partnerId: number | null; data: Record<string, unknown> };

/** The insert of an event into the outbox, to run with other appends (runTogether), and the event's id. */
export function eventInsert(tx: Tx, at: Date, event: NewEvent): { eventId: string; insert: CompiledQuery } {
  const eventId = generateUuid();
  const insert = newEvent.compile(tx, {
    event_id: eventId,
    partner_id: event.partnerId,
    type: event.type,
    payload: JSON.stringify({ id: eventId, type: event.type, createdAt: at.toISOString(), data: event.data }),
    created_at: at.toISOString(),
  });
  return { eventId, insert };
}

// Every order raises one: compiled once.
const newEvent = prepareQuery((db, row: Insertable<OutboxEventsTable>) => db.insertInto('outbox_events').values(row));
