/**
 * Whether text holds a character a partner never means to send and storage may refuse (PostgreSQL
 * rejects NUL): a C0 control, DEL or a C1 control (tab, CR and LF allowed with `allowLineBreaks`), or
 * a lone surrogate.
 */
export function hasUnstorableCharacter(text: string, allowLineBreaks = false): boolean {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const lineBreak = code === 0x09 || code === 0x0a || code === 0x0d;
    if ((code < 0x20 && !(allowLineBreaks && lineBreak)) || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/** Longest partnerOrderNumber an order can have: 64 sent, more for renewal orders (`{pon}-{subscriptionId}-{generation}`). */
const MAX_ORDER_NUMBER_LENGTH = 128;

/**
 * Whether `text` can be the partnerOrderNumber of some order: createOrder refuses unstorable
 * characters, and renewal numbers stay short. Anything else cannot be found, so it is not looked up.
 */
export function isPossibleOrderNumber(text: string): boolean {
  return text.length > 0 && text.length <= MAX_ORDER_NUMBER_LENGTH && !hasUnstorableCharacter(text);
}
