import pino, { type DestinationStream, type Logger } from 'pino';

/** Hides the value of a `secret` query parameter (feed URLs carry the POS secret there). */
export function redactUrl(url: string): string {
  return url.replace(/([?&]secret=)[^&#]*/gi, '$1[REDACTED]');
}

/** The process logger: JSON lines; never carries a secret, token, key or password. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.secret', 'req.headers.cookie', '*.password', '*.clientSecret', '*.client_secret', '*.secret', '*.refresh_token', '*.refreshToken'],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
    },
  }, destination);
}
