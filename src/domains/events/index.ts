export { raiseEvent, type EventType } from './events.repository.js';
