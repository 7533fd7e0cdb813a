export { eventInsert, raiseEvent, type EventType, type NewEvent } from './events.repository.js';
