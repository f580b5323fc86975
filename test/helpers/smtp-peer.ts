// The tests' SMTP peer is the demo's mail catcher: one real SMTP server for both.
export { startSmtpCatcher as startSmtpPeer, type SmtpCatcher as SmtpPeer } from '../../demo/smtp-catcher.js';
