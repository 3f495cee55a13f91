/** The email subsystem: templates, the SMTP mailer and the exactly-once outbox. */
export * from './templates';
export * from './mailer';
export * from './outbox';
