import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll } from "vitest";

export interface SmtpCapture {
  /** For `SMTP_URL`: `smtp://127.0.0.1:PORT`. */
  url: string;
  /** Every message accepted, parsed, in arrival order. */
  received: ParsedMail[];
  /** The same messages with the envelope recipients (RCPT TO) each was accepted for. */
  inbox: { envelopeTo: string[]; mail: ParsedMail }[];
  /** Connections opened since the start. */
  readonly connections: number;
  /** Recipients to refuse at RCPT TO, with the reply code (550: for good, 450: try later). */
  refusedRecipients: Map<string, number>;
  /** A reply code to refuse the message data with (451…); null (the default) accepts it. */
  dataReply: number | null;
  /** Empties `received` and `inbox`, forgets refusals and clears `dataReply` (for a beforeEach). */
  reset(): void;
}

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/**
 * A real SMTP server on loopback that keeps every message it receives and can be
 * told to refuse recipients or the message data; closed after the file.
 */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  let connections = 0;
  const capture: SmtpCapture = {
    url: "",
    received: [],
    inbox: [],
    get connections() {
      return connections;
    },
    refusedRecipients: new Map(),
    dataReply: null,
    reset() {
      capture.received.length = 0;
      capture.inbox.length = 0;
      capture.refusedRecipients.clear();
      capture.dataReply = null;
    },
  };
  const smtp = new SMTPServer({
    authOptional: true,
    // nodemailer upgrades opportunistically, and the server's built-in certificate is self-signed.
    disabledCommands: ["STARTTLS"],
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const code = capture.refusedRecipients.get(address.address);
      callback(code ? smtpError(code, `No mailbox here by that name: ${address.address}`) : null);
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          if (capture.dataReply) return callback(smtpError(capture.dataReply, "Local problem, try again later"));
          capture.received.push(mail);
          capture.inbox.push({ envelopeTo: session.envelope.rcptTo.map((a) => a.address), mail });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
  const address = smtp.server.address();
  if (!address || typeof address === "string") throw new Error("the SMTP capture server has no port");
  capture.url = `smtp://127.0.0.1:${address.port}`;
  return capture;
}
