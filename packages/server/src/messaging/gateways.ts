import { appendFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** One message as the outbox hands it to a gateway. */
export interface OutboundMessage {
  id: string;
  /** Stable across retries: gateways that talk to a provider pass it as the idempotency key. */
  dedupeKey: string;
  channel: "email" | "sms";
  recipient: string;
  subject: string | null;
  body: string;
}

/**
 * Where messages leave Salus. `send` resolves once the provider has accepted the message and rejects
 * otherwise (the outbox worker then retries with backoff). A retry after a crash can deliver the same
 * message again (at least once), so a real provider adapter must pass `dedupeKey` as its idempotency key.
 */
export interface Gateway {
  readonly name: string;
  send(message: OutboundMessage): Promise<void>;
}

/**
 * Development and test gateway: appends one JSON line per message to a local file (nothing leaves the
 * machine). Tests and developers read the file to see what patients would receive.
 */
export function fileGateway(path: string): Gateway {
  const file = resolve(path);
  let ready: Promise<unknown> | null = null;
  return {
    name: `file:${path}`,
    async send(message) {
      ready ??= mkdir(dirname(file), { recursive: true });
      await ready;
      const line = JSON.stringify({
        id: message.id,
        dedupeKey: message.dedupeKey,
        channel: message.channel,
        recipient: message.recipient,
        subject: message.subject,
        body: message.body,
      });
      await appendFile(file, `${line}\n`, { encoding: "utf8", mode: 0o600 });
    },
  };
}

/** The slice of a pino logger a gateway needs. */
export interface GatewayLogger {
  info(obj: object, msg?: string): void;
}

/** Masks a recipient for logs: `r***@alpha.test`, `***1234`. */
export function maskRecipient(recipient: string): string {
  const at = recipient.indexOf("@");
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  return `***${recipient.replace(/\D/g, "").slice(-4)}`;
}

/** Logs that a message would be sent (id, key, channel, masked recipient), never its body. */
export function logGateway(logger: GatewayLogger): Gateway {
  return {
    name: "log",
    async send(message) {
      logger.info(
        {
          messageId: message.id,
          dedupeKey: message.dedupeKey,
          channel: message.channel,
          recipient: maskRecipient(message.recipient),
        },
        "message sent (log gateway)",
      );
    },
  };
}

/** The gateway named by SALUS_MESSAGE_GATEWAY: `file:PATH` or `log`. */
export function gatewayFromSetting(setting: string | undefined, logger: GatewayLogger): Gateway {
  const value = (setting ?? "").trim() || "file:./data/outbox.jsonl";
  if (value === "log") return logGateway(logger);
  if (value.startsWith("file:") && value.length > "file:".length) return fileGateway(value.slice(5));
  throw new Error(`SALUS_MESSAGE_GATEWAY must be "file:PATH" or "log", got "${value}".`);
}
